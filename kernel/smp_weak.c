/*
 * Weak, single-CPU definitions of what smp provides (globaldata.h), so
 * that LWKT runs on the boot CPU alone before SMP bring-up is merged.
 * Every definition here is __attribute__((weak)): the real lapic.c/mp.c
 * replace them at link time, and this file goes away then.
 *
 * %fs: mycpu() is `movl %fs:0`, so even one CPU needs a segment whose
 * base is its globaldata.  smp_weak_init copies the GDT that gdt.c
 * loaded into a larger table, appends a data descriptor based at gd0,
 * loads it and %fs (the TSS descriptor is copied busy; TR is already
 * loaded, so that does not matter).
 */
#include "globaldata.h"
#include "mmu.h"
#include "power.h"
#include "smp_weak.h"
#include "string.h"
#include "thread.h"
#include "x86.h"

#define WEAK_GDT_MAX 16

bool smp_standin;

__attribute__((weak)) int ncpus = 1;

static struct globaldata weak_gd0;
static uint64_t weak_gdt[WEAK_GDT_MAX];

__attribute__((weak)) struct globaldata *globaldata_find(int cpu)
{
	if (cpu != 0)
		panic("globaldata_find(%d): one CPU (smp stand-in)", cpu);
	return &weak_gd0;
}

__attribute__((weak)) void lapic_send_ipi(int cpu, int vector)
{
	panic("lapic_send_ipi(%d, 0x%x): no LAPIC (smp stand-in)", cpu, vector);
}

__attribute__((weak)) void lapic_eoi(void)
{
}

/* 0: no timer, so no preemption (the preempt test skips). */
__attribute__((weak)) uint32_t lapic_timer_hz(void)
{
	return 0;
}

__attribute__((weak)) void smp_delay_us(uint32_t us)
{
	(void)us;
}

__attribute__((weak)) void intr_register(int vector, void (*fn)(struct trapframe *tf))
{
	(void)vector;
	(void)fn;
}

__attribute__((weak)) void smp_weak_init(void)
{
	struct pseudodesc pd;
	static struct pseudodesc npd;
	uint32_t base = (uint32_t)&weak_gd0;
	int slot;

	__asm__ volatile("sgdt %0" : "=m"(pd));
	slot = (pd.pd_limit + 1) / 8;
	if (slot >= WEAK_GDT_MAX)
		panic("smp_weak_init: GDT has %d entries", slot);
	memcpy(weak_gdt, (void *)pd.pd_base, pd.pd_limit + 1);
	/* Flat-limit ring 0 data, base = gd0.  SDM 3A 3.4.5. */
	weak_gdt[slot] = ((uint64_t)(((base >> 16) & 0xFF) | 0x00CF9200u | (base & 0xFF000000))
			  << 32) |
			 (0xFFFFu | (base << 16));
	npd.pd_limit = (slot + 1) * 8 - 1;
	npd.pd_base = (uint32_t)weak_gdt;
	lgdt(&npd);
	__asm__ volatile("movw %w0, %%fs" : : "r"(slot << 3) : "memory");

	weak_gd0.gd_self = &weak_gd0;
	weak_gd0.gd_cpuid = 0;
	smp_standin = true;
	lwkt_init_cpu(&weak_gd0);
}
