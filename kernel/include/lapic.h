/*
 * The local APIC, the IOAPIC and the 8259 PIC: register offsets and bits,
 * and the LAPIC operations of lapic.c.  Section numbers are from the
 * Intel SDM vol. 3A, chapter 10 (APIC), and the 82093AA IOAPIC datasheet.
 *
 * Both APICs are memory mapped at the physical addresses the firmware
 * tables give (normally LAPIC_BASE and IOAPIC_BASE in memlayout.h);
 * lapic_map() maps them uncached, supervisor-only, at the same virtual
 * addresses.  Every CPU sees its own LAPIC at the same address.
 */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include "types.h"

/* LAPIC registers (byte offsets).  10.4.1, table 10-1 */
#define LAPIC_ID        0x020 /* bits 31:24 */
#define LAPIC_VER       0x030 /* bits 23:16: max LVT entry */
#define LAPIC_TPR       0x080 /* task priority */
#define LAPIC_EOI       0x0B0
#define LAPIC_SVR       0x0F0 /* spurious vector */
#define LAPIC_ISR       0x100 /* in service, 8 x 32 bits, 16 apart */
#define LAPIC_IRR       0x200 /* requested */
#define LAPIC_ESR       0x280 /* error status */
#define LAPIC_ICRLO     0x300 /* interrupt command */
#define LAPIC_ICRHI     0x310 /* destination in bits 31:24 */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERM 0x330 /* present when max LVT >= 5 */
#define LAPIC_LVT_PERF  0x340 /* present when max LVT >= 4 */
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380 /* initial count */
#define LAPIC_TIMER_CCR 0x390 /* current count */
#define LAPIC_TIMER_DCR 0x3E0 /* divide configuration */

#define LAPIC_SVR_ENABLE   0x00000100 /* APIC software enable.  10.9 */
#define LAPIC_LVT_MASKED   0x00010000
#define LAPIC_LVT_PERIODIC 0x00020000 /* timer mode.  10.5.4 */
#define LAPIC_DCR_DIV16    0x3        /* divide by 16.  figure 10-10 */

/* ICR low word.  10.6.1, figure 10-12 */
#define ICR_FIXED        0x00000000
#define ICR_NMI          0x00000400
#define ICR_INIT         0x00000500
#define ICR_STARTUP      0x00000600
#define ICR_PENDING      0x00001000 /* delivery status: send pending */
#define ICR_ASSERT       0x00004000 /* level: assert */
#define ICR_LEVEL        0x00008000 /* trigger mode: level */
#define ICR_SELF         0x00040000 /* destination shorthands */
#define ICR_ALL          0x00080000
#define ICR_ALL_BUT_SELF 0x000C0000

/* IOAPIC: an index register and a window.  82093AA 3.0 */
#define IOAPIC_REGSEL   0x00
#define IOAPIC_WIN      0x10
#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01 /* bits 23:16: max redirection entry */
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n)) /* low word; high word + 1 */
#define IOAPIC_MASKED   0x00010000
#define IOAPIC_LEVEL    0x00008000
#define IOAPIC_ACTIVELO 0x00002000

/* The 8259 PICs' data (mask) ports, and the IMCR (MP spec 3.6.2.1). */
#define PORT_PIC1_DATA  0x21
#define PORT_PIC2_DATA  0xA1
#define PORT_IMCR_ADDR  0x22
#define PORT_IMCR_DATA  0x23

/*
 * Map the LAPIC and IOAPIC (addresses from smp_config) uncached and mask
 * the 8259s if the firmware says they exist.  Boot CPU, once, after
 * vm_init(), only when smp_config found an APIC.
 */
void lapic_map(void);

/*
 * Bring this CPU's LAPIC to a known state: software enabled with the
 * spurious vector, TPR 0, every LVT masked, ESR cleared.  Each CPU, once,
 * interrupts off.
 */
void lapic_init(void);

/* This CPU's LAPIC ID (from the ID register). */
uint32_t lapic_id(void);

/* Send a raw ICR command to the LAPIC ID dest and wait until it is sent. */
void lapic_icr(uint32_t apicid, uint32_t icrlo);

/* Read / write a LAPIC register (for the timer code and tests). */
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);

/* True once lapic_map() has run: interrupts and IPIs exist. */
bool lapic_present(void);

/* IOAPIC register access (the first IOAPIC). */
uint32_t ioapic_read(uint32_t reg);
void ioapic_write(uint32_t reg, uint32_t v);

/*
 * Route ISA IRQ irq (through the interrupt source overrides) to vector
 * on the BSP, edge triggered, unmasked.  Boot CPU.  -1 if no IOAPIC pin.
 */
int ioapic_route_isa(int irq, int vector);

#endif /* KERNEL_LAPIC_H */
