/*
 * The local APIC of each CPU, the IOAPIC, and the legacy 8259s.
 *
 * Model: every CPU runs with its LAPIC software enabled, TPR 0 (accept
 * every vector), all local interrupt sources masked except the timer
 * (timer.c unmasks it), and LINT0/LINT1 masked: nothing arrives through
 * the 8259s, which are masked too (when the firmware says they exist).
 * Devices reach CPUs only through the IOAPIC, and CPUs each other only by
 * IPIs sent through the ICR.  Registers are 32-bit words 16 bytes apart,
 * accessed with plain 32-bit loads and stores through an uncached
 * mapping (SDM 3A 10.4.1).
 *
 * The ICR is per CPU, so sending needs no lock; lapic_icr() waits until
 * the previous command left (delivery status idle) before writing, so
 * commands never overwrite each other on one CPU.
 */
#include "lapic.h"
#include "globaldata.h"
#include "kprintf.h"
#include "mmu.h"
#include "power.h"
#include "smp.h"
#include "vm.h"
#include "x86.h"

static volatile uint32_t *lapic;   /* NULL until lapic_map() */
static volatile uint32_t *ioapic;  /* the first IOAPIC, or NULL */

/* Bound on polling ICR delivery status: a stuck ICR is a machine bug. */
#define ICR_SPINS 1000000

uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4]; /* read back: the write has reached the APIC */
}

bool lapic_present(void)
{
	return lapic != NULL;
}

/* Map [pa, pa + 4 KiB) at the same virtual address, uncached, supervisor. */
static void map_mmio(uint32_t pa)
{
	if (vm_map(pa, pa, PTE_W | PTE_PCD | PTE_PWT) != 0)
		panic("lapic: cannot map MMIO page 0x%08x", pa);
}

void lapic_map(void)
{
	const struct smp_config *sc = smp_config();

	KASSERT(sc->sc_found);
	map_mmio(sc->sc_lapic_addr);
	lapic = (volatile uint32_t *)sc->sc_lapic_addr;
	if (sc->sc_nioapic > 0) {
		map_mmio(sc->sc_ioapic_addr[0]);
		ioapic = (volatile uint32_t *)sc->sc_ioapic_addr[0];
	}
	if (sc->sc_imcr_present) {
		/* MP spec 3.6.2.1: leave PIC mode, route interrupts to the APIC. */
		outb(PORT_IMCR_ADDR, 0x70);
		outb(PORT_IMCR_DATA, 0x01);
	}
	if (sc->sc_pic_present) {
		outb(PORT_PIC1_DATA, 0xFF);
		outb(PORT_PIC2_DATA, 0xFF);
	}
	if (ioapic != NULL) {
		uint32_t n = (ioapic_read(IOAPIC_REG_VER) >> 16) & 0xFF;
		for (uint32_t pin = 0; pin <= n; pin++) {
			ioapic_write(IOAPIC_REDTBL(pin), IOAPIC_MASKED);
			ioapic_write(IOAPIC_REDTBL(pin) + 1, 0);
		}
	}
}

void lapic_init(void)
{
	uint32_t maxlvt = (lapic_read(LAPIC_VER) >> 16) & 0xFF;

	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | IV_SPURIOUS);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | IV_TIMER);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_LVT_MASKED);
	if (maxlvt >= 4)
		lapic_write(LAPIC_LVT_PERF, LAPIC_LVT_MASKED);
	if (maxlvt >= 5)
		lapic_write(LAPIC_LVT_THERM, LAPIC_LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LAPIC_LVT_MASKED | IV_SPURIOUS);
	/* ESR: write before read (10.5.3); twice clears what is latched. */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0); /* nothing stays in service from before */
	lapic_write(LAPIC_TPR, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic[LAPIC_EOI / 4] = 0;
}

void lapic_icr(uint32_t apicid, uint32_t icrlo)
{
	int spins;

	for (spins = 0; lapic_read(LAPIC_ICRLO) & ICR_PENDING; spins++)
		if (spins == ICR_SPINS)
			panic("lapic: ICR still busy before sending 0x%08x to APIC ID %u", icrlo, apicid);
	lapic_write(LAPIC_ICRHI, apicid << 24);
	lapic_write(LAPIC_ICRLO, icrlo); /* this write sends */
	for (spins = 0; lapic_read(LAPIC_ICRLO) & ICR_PENDING; spins++)
		if (spins == ICR_SPINS)
			panic("lapic: ICR 0x%08x to APIC ID %u never delivered", icrlo, apicid);
}

void lapic_send_ipi(int cpu, int vector)
{
	uint32_t eflags = read_eflags();

	/* ICRHI then ICRLO must not be split by an interrupt handler's IPI. */
	cli();
	lapic_icr(globaldata_find(cpu)->gd_apicid, ICR_FIXED | ICR_ASSERT | (uint32_t)vector);
	if (eflags & EFLAGS_IF)
		sti();
}

uint32_t ioapic_read(uint32_t reg)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	return ioapic[IOAPIC_WIN / 4];
}

void ioapic_write(uint32_t reg, uint32_t v)
{
	ioapic[IOAPIC_REGSEL / 4] = reg;
	ioapic[IOAPIC_WIN / 4] = v;
}

int ioapic_route_isa(int irq, int vector)
{
	const struct smp_config *sc = smp_config();
	uint32_t gsi = irq, lo = (uint32_t)vector; /* ISA: edge, active high */

	if (ioapic == NULL)
		return -1;
	for (int i = 0; i < sc->sc_noverride; i++) {
		const struct smp_override *o = &sc->sc_override[i];
		if (o->so_irq != irq)
			continue;
		gsi = o->so_gsi;
		if ((o->so_flags & 3) == 3)
			lo |= IOAPIC_ACTIVELO;
		if (((o->so_flags >> 2) & 3) == 3)
			lo |= IOAPIC_LEVEL;
	}
	gsi -= sc->sc_ioapic_gsibase[0];
	if (gsi > ((ioapic_read(IOAPIC_REG_VER) >> 16) & 0xFF))
		return -1;
	ioapic_write(IOAPIC_REDTBL(gsi) + 1, globaldata_find(0)->gd_apicid << 24);
	ioapic_write(IOAPIC_REDTBL(gsi), lo);
	return (int)gsi;
}
