/*
 * CPU identification and the kernel's floating-point policy.
 *
 * dfemu's CPU has no x87 and no SSE, and the kernel is compiled with
 * -mgeneral-regs-only, so it never means to execute either.  To make an
 * accident loud instead of silently wrong, cpu_init() sets CR0.EM: every
 * x87 instruction then raises #NM, which trap() reports as unexpected;
 * CR4.OSFXSR stays clear, so SSE instructions raise #UD.  This holds on
 * QEMU (which has an x87) and on dfemu alike.
 */
#include "cpu.h"
#include "mmu.h"
#include "string.h"
#include "x86.h"

static struct cpuinfo info;

void cpu_init(void)
{
	uint32_t a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	info.ci_max_leaf = a;
	memcpy(info.ci_vendor + 0, &b, 4);
	memcpy(info.ci_vendor + 4, &d, 4);
	memcpy(info.ci_vendor + 8, &c, 4);
	info.ci_vendor[12] = '\0';
	if (info.ci_max_leaf >= 1) {
		cpuid(1, &a, &b, &c, &d);
		info.ci_signature = a;
		info.ci_family = (a >> 8) & 0xF;
		if (info.ci_family == 0xF)
			info.ci_family += (a >> 20) & 0xFF;
		info.ci_features = d;
	}
	lcr0((rcr0() | CR0_EM) & ~(CR0_TS | CR0_MP));
}

const struct cpuinfo *cpu_info(void)
{
	return &info;
}

bool cpu_has(uint32_t feature)
{
	return (info.ci_features & feature) != 0;
}
