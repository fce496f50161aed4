/*
 * The GDTs: one per CPU, identical except for two entries.  Slots (mmu.h):
 * null, kernel code, kernel data, user code, user data, this CPU's TSS,
 * and the per-CPU data segment that %fs selects, whose base is this CPU's
 * struct globaldata (so mycpu() is `movl %fs:0`).  A GDT per CPU rather
 * than per-CPU slots in one table keeps every selector the same on every
 * CPU: TSS_SEL and PERCPU_SEL mean "mine" wherever they are loaded.
 *
 * All code and data segments are flat (base 0, limit 4 GiB): protection
 * comes from paging.  The TSS only supplies ss0:esp0 for entries from
 * ring 3; its I/O map base lies past its limit, so ring 3 has no port
 * access.  The LDTR is null.
 */
#include "gdt.h"
#include "mmu.h"
#include "x86.h"

struct cpu_gdt {
	uint64_t cg_gdt[GDT_NENTRIES];
	struct tss cg_tss;
} __attribute__((aligned(64)));

static struct cpu_gdt cpu_gdts[MAXCPU];

/* A segment descriptor.  SDM 3A 3.4.5, figure 3-8. */
static uint64_t gdt_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	uint32_t lo = (limit & 0xFFFF) | (base << 16);
	uint32_t hi = ((base >> 16) & 0xFF) | ((uint32_t)access << 8) | (limit & 0xF0000) |
		      ((uint32_t)flags << 20) | (base & 0xFF000000);
	return ((uint64_t)hi << 32) | lo;
}

void gdt_init(struct globaldata *gd, uint32_t esp0)
{
	struct cpu_gdt *cg = &cpu_gdts[gd->gd_cpuid];
	uint64_t *gdt = cg->cg_gdt;
	struct pseudodesc pd;

	gdt[GDT_NULL] = 0;
	gdt[GDT_KCODE] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(0) | DESC_S | DESC_CODE_RX,
					DESC_G | DESC_DB);
	gdt[GDT_KDATA] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(0) | DESC_S | DESC_DATA_RW,
					DESC_G | DESC_DB);
	gdt[GDT_UCODE] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(3) | DESC_S | DESC_CODE_RX,
					DESC_G | DESC_DB);
	gdt[GDT_UDATA] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(3) | DESC_S | DESC_DATA_RW,
					DESC_G | DESC_DB);

	cg->cg_tss.ts_ss0 = KERNEL_DS;
	cg->cg_tss.ts_esp0 = esp0;
	cg->cg_tss.ts_iomb = sizeof(cg->cg_tss);
	gdt[GDT_TSS] = gdt_descriptor((uint32_t)&cg->cg_tss, sizeof(cg->cg_tss) - 1,
				      DESC_P | DESC_DPL(0) | DESC_TSS32, 0);
	/* Byte granular, exactly the struct: %fs:N beyond it is a #GP. */
	gdt[GDT_PERCPU] = gdt_descriptor((uint32_t)gd, sizeof(*gd) - 1,
					 DESC_P | DESC_DPL(0) | DESC_S | DESC_DATA_RW, DESC_DB);

	pd.pd_limit = sizeof(cg->cg_gdt) - 1;
	pd.pd_base = (uint32_t)gdt;
	lgdt(&pd);
	/* Reload CS with a far jump, then the data segments. */
	__asm__ volatile("ljmp %0, $1f\n1:\n"
			 "movw %w1, %%ds\n"
			 "movw %w1, %%es\n"
			 "movw %w1, %%ss\n"
			 "movw %w1, %%gs\n"
			 "movw %w2, %%fs\n"
			 :
			 : "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(PERCPU_SEL)
			 : "memory");
	lldt(0); /* no LDT: the LDTR a loader leaves may still describe one */
	ltr(TSS_SEL);
}

uint16_t gdt_limit(void)
{
	struct pseudodesc pd;

	__asm__ volatile("sgdt %0" : "=m"(pd));
	return pd.pd_limit;
}

uint32_t gdt_fs_base(int cpu)
{
	uint64_t d = cpu_gdts[cpu].cg_gdt[GDT_PERCPU];
	uint32_t lo = (uint32_t)d, hi = (uint32_t)(d >> 32);

	return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000);
}
