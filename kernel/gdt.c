/*
 * The GDT: null, kernel code, kernel data, user code, user data, and the
 * boot CPU's TSS (mmu.h has the slots); the LDTR is null.  All code and data segments are
 * flat (base 0, limit 4 GiB): protection comes from paging.  The TSS only
 * supplies ss0:esp0 for entries from ring 3; its I/O map base lies past
 * its limit, so ring 3 has no port access.
 */
#include "gdt.h"
#include "mmu.h"
#include "x86.h"

extern char boot_stack_top[]; /* entry.S */

static uint64_t gdt[GDT_NENTRIES];
static struct tss boot_tss;

/* A segment descriptor.  SDM 3A 3.4.5, figure 3-8. */
static uint64_t gdt_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	uint32_t lo = (limit & 0xFFFF) | (base << 16);
	uint32_t hi = ((base >> 16) & 0xFF) | ((uint32_t)access << 8) | (limit & 0xF0000) |
		      ((uint32_t)flags << 20) | (base & 0xFF000000);
	return ((uint64_t)hi << 32) | lo;
}

void gdt_init(void)
{
	static struct pseudodesc pd;

	gdt[GDT_NULL] = 0;
	gdt[GDT_KCODE] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(0) | DESC_S | DESC_CODE_RX,
					DESC_G | DESC_DB);
	gdt[GDT_KDATA] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(0) | DESC_S | DESC_DATA_RW,
					DESC_G | DESC_DB);
	gdt[GDT_UCODE] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(3) | DESC_S | DESC_CODE_RX,
					DESC_G | DESC_DB);
	gdt[GDT_UDATA] = gdt_descriptor(0, 0xFFFFF, DESC_P | DESC_DPL(3) | DESC_S | DESC_DATA_RW,
					DESC_G | DESC_DB);

	boot_tss.ts_ss0 = KERNEL_DS;
	boot_tss.ts_esp0 = (uint32_t)boot_stack_top;
	boot_tss.ts_iomb = sizeof(boot_tss);
	gdt[GDT_TSS] = gdt_descriptor((uint32_t)&boot_tss, sizeof(boot_tss) - 1,
				      DESC_P | DESC_DPL(0) | DESC_TSS32, 0);

	pd.pd_limit = sizeof(gdt) - 1;
	pd.pd_base = (uint32_t)gdt;
	lgdt(&pd);
	/* Reload CS with a far jump, then the data segments. */
	__asm__ volatile("ljmp %0, $1f\n1:\n"
			 "movw %w1, %%ds\n"
			 "movw %w1, %%es\n"
			 "movw %w1, %%ss\n"
			 "movw %w1, %%fs\n"
			 "movw %w1, %%gs\n"
			 :
			 : "i"(KERNEL_CS), "r"(KERNEL_DS)
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
