/*
 * The boot CPU: what cpuid says it is, and the control-register policy
 * the kernel runs under (no x87, no SSE: see cpu.c).
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include "types.h"

/* cpuid leaf 1 EDX feature bits.  SDM 2A, CPUID, table 3-11 */
#define CPUID_FPU  (1u << 0)
#define CPUID_PSE  (1u << 3)
#define CPUID_TSC  (1u << 4)
#define CPUID_APIC (1u << 9)
#define CPUID_CMOV (1u << 15)

struct cpuinfo {
	char ci_vendor[13]; /* "GenuineIntel" + NUL */
	uint32_t ci_max_leaf;
	uint32_t ci_signature; /* leaf 1 EAX */
	uint32_t ci_family;
	uint32_t ci_features; /* leaf 1 EDX */
};

/* Read cpuid, set CR0.EM (x87 traps), clear CR0.TS/MP.  Boot CPU, once. */
void cpu_init(void);

const struct cpuinfo *cpu_info(void);
bool cpu_has(uint32_t feature); /* leaf 1 EDX bit */

#endif /* KERNEL_CPU_H */
