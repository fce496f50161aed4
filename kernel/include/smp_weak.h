/*
 * The single-CPU stand-in for what smp provides (globaldata.h), until the
 * SMP bring-up (lapic.c, mp.c, ...) is merged: weak definitions that the
 * real ones replace at link time.
 */
#ifndef KERNEL_SMP_WEAK_H
#define KERNEL_SMP_WEAK_H

#include "types.h"

/*
 * True once the stand-in smp_weak_init ran: one CPU, no LAPIC, no
 * interrupts at all, so an idle CPU can never be woken (lwkt panics
 * instead of halting forever).
 */
extern bool smp_standin;

/*
 * Make CPU 0's globaldata reachable through %fs (a GDT entry whose base
 * is the globaldata) and start LWKT on it.  Boot CPU, once, interrupts
 * off.  The real SMP code replaces it.
 */
void smp_weak_init(void);

#endif /* KERNEL_SMP_WEAK_H */
