/*
 * Critical sections (DragonFly's <sys/thread2.h>): inline, the hot path
 * of everything in LWKT.
 *
 * crit_enter raises the current thread's td_critcount; while it is above
 * 0 the thread is not switched away from involuntarily, and interrupt
 * handlers that would touch LWKT state (IPI queue drain, preemption)
 * only record the work in gd_reqflags.  crit_exit drops the count and,
 * at 0, does that work (lwkt_crit_pending).  The count belongs to the
 * thread, so it survives a voluntary lwkt_switch inside the section.
 * Interrupts stay enabled: this is not cli.
 */
#ifndef KERNEL_THREAD2_H
#define KERNEL_THREAD2_H

#include "power.h"
#include "spinlock.h"
#include "thread.h"

static inline void crit_enter(void)
{
	struct thread *td = curthread;

	td->td_critcount++;
	cpu_ccfence(); /* the section starts after the count is raised */
}

/* crit_exit, but pending work waits for the next crit_exit or idle. */
static inline void crit_exit_noyield(struct thread *td)
{
	cpu_ccfence(); /* the section ends before the count drops */
	if (--td->td_critcount < 0)
		panic("crit_exit: critcount underflow in %s", td->td_name);
}

static inline void crit_exit(void)
{
	struct thread *td = curthread;

	crit_exit_noyield(td);
	if (td->td_critcount == 0 && td->td_gd->gd_reqflags != 0)
		lwkt_crit_pending(td->td_gd);
}

#endif /* KERNEL_THREAD2_H */
