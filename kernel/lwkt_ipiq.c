/*
 * IPI queues, after DragonFly's sys/kern/lwkt_ipiq.c: how one CPU asks
 * another to run a function.
 *
 * Every (source, target) pair of CPUs has a bounded FIFO of (func, arg)
 * calls, kept in the target's lwkt_cpu (lc_ipiq[source]).  Only the
 * source writes entries and ip_windex, only the target reads entries and
 * writes ip_rindex: single producer, single consumer, no lock.  The
 * memory ordering is in struct lwkt_ipiq (thread.h) and at the two
 * places below that depend on it.
 *
 * The sender queues the call and sends the target an IV_IPIQ interrupt;
 * the target drains all its incoming queues in the handler (or, if it
 * was in a critical section, at crit_exit) and in its idle loop.  Each
 * call runs in a critical section on the target and must not block.
 *
 * A sender that finds the queue full drains its own incoming queues
 * while it waits for room: two CPUs filling each other's queues both
 * keep consuming, so neither waits forever.
 */
#include "power.h"
#include "thread.h"
#include "thread2.h"

bool ipiq_put(struct lwkt_ipiq *q, ipifunc_t func, void *arg)
{
	uint32_t w = q->ip_windex;

	if (w - q->ip_rindex >= IPIQ_SIZE)
		return false;
	q->ip_info[w & IPIQ_MASK].func = func;
	q->ip_info[w & IPIQ_MASK].arg = arg;
	cpu_ccfence(); /* the entry is stored before the index that publishes it (TSO) */
	q->ip_windex = w + 1;
	return true;
}

uint32_t ipiq_drain(struct lwkt_ipiq *q)
{
	uint32_t r, n = 0;

	/* ip_rindex is reloaded: a call may drain this queue recursively. */
	while ((r = q->ip_rindex) != q->ip_windex) {
		cpu_ccfence(); /* the index is loaded before the entry (TSO) */
		ipifunc_t func = q->ip_info[r & IPIQ_MASK].func;
		void *arg = q->ip_info[r & IPIQ_MASK].arg;
		cpu_ccfence(); /* the entry is read before the slot is freed */
		q->ip_rindex = r + 1;
		func(arg);
		n++;
	}
	return n;
}

/* Context: critical section, on gd's CPU. */
void lwkt_process_ipiq_core(struct globaldata *gd)
{
	struct lwkt_cpu *lc = lwkt_cpu(gd);

	KASSERT(gd->gd_curthread->td_critcount > 0);
	lc->lc_ipiq_depth++;
	for (int i = 0; i < ncpus; i++) {
		uint32_t n = ipiq_drain(&lc->lc_ipiq[i]);
		if (n != 0)
			atomic_add_int(&lc->lc_ipiq_rcvd, n);
	}
	lc->lc_ipiq_depth--;
}

/*
 * The IV_IPIQ handler.  Interrupt context.  Inside a critical section the
 * drain is deferred to crit_exit.  Never switches (the interrupt may not
 * be acknowledged yet); a thread made runnable here runs at the next
 * crit_exit, tick or idle loop.
 */
void lwkt_process_ipiq(void)
{
	struct globaldata *gd = mycpu();
	struct lwkt_cpu *lc = lwkt_cpu(gd);
	struct thread *td = gd->gd_curthread;

	if (lc == NULL)
		return;
	lc->lc_ipi_rcvd++;
	if (td->td_critcount > 0) {
		__asm__ volatile("orl %1, %0" : "+m"(gd->gd_reqflags) : "i"(RQF_IPIQ) : "cc");
		return;
	}
	crit_enter();
	lwkt_process_ipiq_core(gd);
	crit_exit_noyield(td);
}

/* Context: any; does not block (it may spin, draining, on a full queue). */
void lwkt_send_ipiq(struct globaldata *gd, ipifunc_t func, void *arg)
{
	struct globaldata *mygd = mycpu();
	struct lwkt_cpu *mylc = lwkt_cpu(mygd);
	struct lwkt_ipiq *q;

	crit_enter();
	if (gd == mygd) {
		func(arg);
		crit_exit();
		return;
	}
	q = &lwkt_cpu(gd)->lc_ipiq[mygd->gd_cpuid];
	if (!ipiq_put(q, func, arg)) {
		atomic_add_int(&mylc->lc_ipiq_full, 1);
		do {
			lwkt_process_ipiq_core(mygd);
			cpu_pause();
		} while (!ipiq_put(q, func, arg));
	}
	atomic_add_int(&mylc->lc_ipiq_sent, 1);
	atomic_add_int(&mylc->lc_ipi_sent, 1);
	lapic_send_ipi(gd->gd_cpuid, IV_IPIQ);
	crit_exit();
}
