/*
 * Segmentation: a GDT per CPU (flat kernel and user code/data, the CPU's
 * TSS, whose esp0 is the stack a ring 3 -> 0 entry switches to, and the
 * per-CPU data segment for %fs).  Selectors are in mmu.h.
 */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include "globaldata.h"
#include "types.h"

/* The 32-bit TSS.  SDM 3A 7.2.1, figure 7-2. */
struct tss {
	uint32_t ts_link;
	uint32_t ts_esp0;
	uint32_t ts_ss0;
	uint32_t ts_esp1;
	uint32_t ts_ss1;
	uint32_t ts_esp2;
	uint32_t ts_ss2;
	uint32_t ts_cr3;
	uint32_t ts_eip;
	uint32_t ts_eflags;
	uint32_t ts_eax, ts_ecx, ts_edx, ts_ebx;
	uint32_t ts_esp, ts_ebp, ts_esi, ts_edi;
	uint32_t ts_es, ts_cs, ts_ss, ts_ds, ts_fs, ts_gs;
	uint32_t ts_ldt;
	uint16_t ts_trap;
	uint16_t ts_iomb; /* I/O map base: beyond the limit means no bitmap */
};
_Static_assert(sizeof(struct tss) == 104, "struct tss");

/*
 * Build CPU gd->gd_cpuid's GDT (its TSS with esp0, %fs based at gd), load
 * it, reload every segment register (%fs = PERCPU_SEL, the others flat
 * kernel selectors) and load the task register.  On that CPU, once,
 * interrupts off; gd->gd_self and gd_cpuid are set.
 */
void gdt_init(struct globaldata *gd, uint32_t esp0);

/* The base of CPU cpu's %fs descriptor, decoded from its GDT (for tests). */
uint32_t gdt_fs_base(int cpu);

/* Read back the GDT's limit (bytes - 1), for tests. */
uint16_t gdt_limit(void);

#endif /* KERNEL_GDT_H */
