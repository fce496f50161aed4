/*
 * Per-CPU data and the contract between SMP bring-up and LWKT.
 *
 * Every CPU has one struct globaldata, reached through %fs: each CPU's
 * GDT has a per-CPU data segment whose base is its globaldata, and
 * gd_self (at offset 0) points back at it, so mycpu() is one
 * `movl %fs:0, %eax` and never changes under a running thread (threads
 * do not migrate without a message, DragonFly's rule).
 *
 * Two subsystems share this header:
 *   smp   (lapic.c, acpi.c/mptable.c, mp.c, trampoline.S, timer.c):
 *         finds the CPUs, starts the APs, owns the LAPIC and its timer,
 *         sends IPIs and delivers interrupts;
 *   lwkt  (lwkt_thread.c, lwkt_token.c, lwkt_msgport.c, lwkt_ipiq.c):
 *         threads, tokens, message ports, IPI queues.
 * The functions below marked "smp provides" / "lwkt provides" are the
 * whole interface between them.  Fields are grouped by owner.
 */
#ifndef KERNEL_GLOBALDATA_H
#define KERNEL_GLOBALDATA_H

#include "types.h"

#define MAXCPU 64

struct thread;
struct trapframe;

struct globaldata {
	struct globaldata *gd_self; /* %fs:0; must stay first */
	int gd_cpuid;               /* dense, 0 = BSP, < ncpus */
	uint32_t gd_apicid;         /* local APIC ID from the MADT */

	/* ---- smp ---- */
	volatile uint32_t gd_started;  /* AP has reported in */
	uint64_t gd_ticks;             /* LAPIC timer ticks on this CPU */
	uint32_t gd_hw_apicid;         /* LAPIC ID register, read by the CPU itself */
	uint32_t gd_stack_top;         /* the stack it booted on */
	void (*volatile gd_call_fn)(void *); /* smp_call(): pending function */
	void *volatile gd_call_arg;
	volatile uint32_t gd_call_done; /* smp_call(): fn returned */

	/* ---- lwkt (lwkt_thread.c and friends; layout theirs) ---- */
	struct thread *gd_curthread;
	int gd_intr_nesting;           /* > 0 inside an interrupt handler */
	void *gd_lwkt;                 /* lwkt's per-CPU state (run queues, ipiq) */
	volatile uint32_t gd_reqflags; /* RQF_*: work a critical section deferred */
};

/* Number of CPUs running (1 until smp_start_aps() returns). */
extern int ncpus;

static inline struct globaldata *mycpu(void)
{
	struct globaldata *gd;
	__asm__ volatile("movl %%fs:0, %0" : "=r"(gd));
	return gd;
}

/* smp provides ------------------------------------------------------- */

/* The globaldata of CPU n (0 <= n < ncpus). Any context. */
struct globaldata *globaldata_find(int cpu);

/*
 * Vectors.  0x20-0x2F: ISA IRQs through the IOAPIC; the ones below are
 * LAPIC-generated.
 */
#define IV_TIMER   0xE0 /* LAPIC timer: calls lwkt_hardclock() */
#define IV_IPIQ    0xF0 /* IPI queue drain: calls lwkt_process_ipiq() */
#define IV_SPURIOUS 0xFF

/* Send a fixed-vector IPI to one CPU.  Any context, may spin on ICR. */
void lapic_send_ipi(int cpu, int vector);
/* Signal end of interrupt.  Interrupt handler context. */
void lapic_eoi(void);
/* The LAPIC timer's frequency in Hz (ticks a second, one quantum each), calibrated. */
uint32_t lapic_timer_hz(void);
/* Wait n microseconds by polling the calibrated TSC or PIT.  Any context. */
void smp_delay_us(uint32_t us);
/* Register a handler for an interrupt vector (BSP, before sti). */
void intr_register(int vector, void (*fn)(struct trapframe *tf));

/* lwkt provides ------------------------------------------------------ */

/*
 * Called once on each CPU before it enables interrupts, on the stack it
 * booted on, which becomes that CPU's first thread; BSP first, then each
 * AP from mp.c.  Does not block.
 */
void lwkt_init_cpu(struct globaldata *gd);
/* Each LAPIC timer tick, interrupt context, after EOI: preemption. */
void lwkt_hardclock(struct trapframe *tf);
/* The IV_IPIQ handler, interrupt context: drain incoming IPI queues. */
void lwkt_process_ipiq(void);
/* An AP's last step after bring-up: become this CPU's idle loop. */
__attribute__((noreturn)) void lwkt_ap_idle(void);

#endif /* KERNEL_GLOBALDATA_H */
