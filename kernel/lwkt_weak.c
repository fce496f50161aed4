/*
 * Weak stand-ins for what LWKT provides (globaldata.h), so that SMP
 * bring-up links and runs before LWKT exists; LWKT's real definitions
 * replace these at link time.  Each does the least that keeps a CPU
 * correct: no per-CPU thread state, no preemption, no IPI queues, and an
 * AP that idles by halting with interrupts enabled.
 */
#include "globaldata.h"

__attribute__((weak)) void lwkt_init_cpu(struct globaldata *gd)
{
	(void)gd;
}

__attribute__((weak)) void lwkt_hardclock(struct trapframe *tf)
{
	(void)tf;
}

__attribute__((weak)) void lwkt_process_ipiq(void)
{
}

__attribute__((weak)) __attribute__((noreturn)) void lwkt_ap_idle(void)
{
	for (;;)
		__asm__ volatile("sti; hlt" : : : "memory");
}
