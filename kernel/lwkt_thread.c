/*
 * LWKT threads and the per-CPU scheduler, after DragonFly's
 * sys/kern/lwkt_thread.c.
 *
 * Model: every thread belongs to one CPU (td_gd) and only that CPU
 * changes its scheduling state (run queue, sleep queue, td_flags), inside
 * a critical section; no locks guard CPU-local state.  Another CPU that
 * wants to act on a thread (wake it, schedule it, hand it over) sends the
 * owning CPU a function call through the IPI queues (lwkt_ipiq.c).
 *
 * Each CPU has LWKT_NPRI fixed-priority FIFO run queues; the current
 * thread stays on its queue while it runs.  lwkt_switch picks the first
 * thread of the highest non-empty queue whose tokens it can all acquire
 * (lwkt_getalltokens), or the CPU's idle thread.  lwkt_hardclock moves
 * the current thread to the tail of its queue at the end of a quantum
 * (round-robin among equals); inside a critical section it only records
 * the request and crit_exit honours it.
 *
 * Threads and their stacks come from a static pool (LWKT_NTHREADS).  An
 * exiting thread cannot free the stack it runs on: it goes on its CPU's
 * reap queue and is freed after the switch away from it completed
 * (td_running == 0).
 */
#include "kprintf.h"
#include "lapic.h"
#include "power.h"
#include "spinlock.h"
#include "string.h"
#include "thread.h"
#include "thread2.h"
#include "x86.h"

#define FL_IF 0x200 /* EFLAGS.IF */

static struct lwkt_cpu lwkt_cpus[MAXCPU];

static struct thread lwkt_pool[LWKT_NTHREADS];
static uint8_t lwkt_stacks[LWKT_NTHREADS][LWKT_STACK_SIZE] __attribute__((aligned(16)));
static bool lwkt_pool_used[LWKT_NTHREADS];
static struct spinlock lwkt_pool_spin;

void lwkt_switch_to(struct thread *old, struct thread *new); /* lwkt_switch.S */

/* Single instructions, so an interrupt on this CPU sees before or after. */
static inline void reqflags_set(struct globaldata *gd, uint32_t f)
{
	__asm__ volatile("orl %1, %0" : "+m"(gd->gd_reqflags) : "ir"(f) : "cc");
}

static inline void reqflags_clear(struct globaldata *gd, uint32_t f)
{
	__asm__ volatile("andl %1, %0" : "+m"(gd->gd_reqflags) : "ir"(~f) : "cc");
}

/* A pool slot.  Critical section (the lock is shared by all CPUs). */
static struct thread *lwkt_alloc_thread(void)
{
	struct thread *td = NULL;

	spin_lock(&lwkt_pool_spin);
	for (int i = 0; i < LWKT_NTHREADS; i++) {
		if (!lwkt_pool_used[i]) {
			lwkt_pool_used[i] = true;
			td = &lwkt_pool[i];
			break;
		}
	}
	spin_unlock(&lwkt_pool_spin);
	if (td == NULL)
		panic("lwkt: all %d threads in use", LWKT_NTHREADS);
	memset(td, 0, sizeof(*td));
	td->td_kstack = (char *)lwkt_stacks[td - lwkt_pool];
	return td;
}

static void lwkt_free_thread(struct thread *td)
{
	KASSERT(td->td_running == 0);
	spin_lock(&lwkt_pool_spin);
	lwkt_pool_used[td - lwkt_pool] = false;
	spin_unlock(&lwkt_pool_spin);
}

/* Put td on its CPU's run queue.  That CPU, critical section. */
static void lwkt_enqueue(struct thread *td)
{
	struct lwkt_cpu *lc = lwkt_cpu(td->td_gd);

	KASSERT(td->td_gd == mycpu());
	if (td->td_flags & (TDF_RUNQ | TDF_IDLE | TDF_EXITING))
		return;
	TAILQ_INSERT_TAIL(&lc->lc_runq[td->td_pri], td, td_threadq);
	lc->lc_runqmask |= 1u << td->td_pri;
	td->td_flags |= TDF_RUNQ;
	if (td->td_pri > td->td_gd->gd_curthread->td_pri)
		reqflags_set(td->td_gd, RQF_AST_RESCHED);
}

static void lwkt_dequeue(struct thread *td)
{
	struct lwkt_cpu *lc = lwkt_cpu(td->td_gd);

	if (!(td->td_flags & TDF_RUNQ))
		return;
	TAILQ_REMOVE(&lc->lc_runq[td->td_pri], td, td_threadq);
	if (TAILQ_EMPTY(&lc->lc_runq[td->td_pri]))
		lc->lc_runqmask &= ~(1u << td->td_pri);
	td->td_flags &= ~TDF_RUNQ;
}

/* Free the exited threads whose switch-out completed.  Critical section. */
static void lwkt_reap(struct lwkt_cpu *lc)
{
	struct thread *td, *next;

	for (td = TAILQ_FIRST(&lc->lc_reapq); td != NULL; td = next) {
		next = TAILQ_NEXT(td, td_threadq);
		if (td->td_running)
			continue;
		TAILQ_REMOVE(&lc->lc_reapq, td, td_threadq);
		lwkt_free_thread(td);
	}
}

/*
 * The best runnable thread whose tokens can all be taken, with its
 * tokens held; the idle thread if none.  Critical section.
 */
static struct thread *lwkt_choose(struct lwkt_cpu *lc)
{
	uint32_t mask = lc->lc_runqmask;

	while (mask != 0) {
		int pri = 31 - __builtin_clz(mask);
		struct thread *td;

		TAILQ_FOREACH(td, &lc->lc_runq[pri], td_threadq)
			if (lwkt_getalltokens(td))
				return td;
		mask &= ~(1u << pri);
	}
	return lc->lc_idletd;
}

/* What a thread does when a switch brings it (back) in.  Critical section. */
static void lwkt_switch_return(void)
{
	lwkt_reap(lwkt_cpu(mycpu()));
}

/*
 * The switch.  A voluntary one (the thread blocks, yields, waits for a
 * token) releases the thread's tokens; a preemption keeps them: the
 * thread is still runnable and, holding all it needs, can always be
 * resumed, so others wanting its tokens wait for it without deadlock.
 */
static void lwkt_switch_common(bool preempt)
{
	struct thread *td = curthread;
	struct globaldata *gd = td->td_gd;
	struct lwkt_cpu *lc = lwkt_cpu(gd);
	struct thread *ntd;

	crit_enter();
	reqflags_clear(gd, RQF_AST_RESCHED);
	if (td->td_ntoks > 0 && !preempt)
		lwkt_relalltokens(td); /* held only while running */
	ntd = lwkt_choose(lc);
	if (ntd != td) {
		KASSERT(ntd->td_running == 0);
		KASSERT(ntd->td_gd == gd);
		lc->lc_switches++;
		td->td_intr_nesting = gd->gd_intr_nesting;
		gd->gd_intr_nesting = ntd->td_intr_nesting;
		ntd->td_running = 1;
		ntd->td_switchins++;
		gd->gd_curthread = ntd;
		lwkt_switch_to(td, ntd);
		/* td again, maybe on another CPU (lwkt_setcpu_self) */
		lwkt_switch_return();
	}
	crit_exit();
}

void lwkt_switch(void)
{
	lwkt_switch_common(false);
}

/*
 * A new thread's first instructions: lwkt_switch_to's ret lands here
 * (lwkt_create built the stack).  It is in the critical section of the
 * lwkt_switch that chose it (td_critcount 1).
 */
static __noreturn void lwkt_thread_start(void)
{
	struct thread *td = curthread;

	lwkt_switch_return();
	crit_exit();
	td->td_func(td->td_arg);
	lwkt_exit();
}

/* A thread on gd, not yet runnable.  Critical section. */
static struct thread *lwkt_alloc_on(struct globaldata *gd, void (*func)(void *), void *arg,
				     const char *name, int pri)
{
	struct thread *td = lwkt_alloc_thread();
	uint32_t *sp = (uint32_t *)(td->td_kstack + LWKT_STACK_SIZE);

	td->td_gd = gd;
	td->td_pri = pri;
	td->td_critcount = 1; /* see lwkt_thread_start */
	td->td_func = func;
	td->td_arg = arg;
	td->td_name = name;
	lwkt_initport_thread(&td->td_msgport, td);

	/* The frame lwkt_switch_to pops (picture in lwkt_switch.S). */
	*--sp = 0;                               /* lwkt_thread_start's return address */
	*--sp = (uint32_t)lwkt_thread_start;     /* ret */
	*--sp = 0x2 | (read_eflags() & FL_IF);   /* popfl: the creator's IF */
	for (int i = 0; i < 8; i++)
		*--sp = 0;                       /* popal: ebp 0 ends backtraces */
	td->td_sp = (uint32_t)sp;
	return td;
}

void lwkt_create(void (*func)(void *), void *arg, struct thread **tdp, int cpu, const char *name)
{
	struct thread *td;

	KASSERT(cpu >= 0 && cpu < ncpus);
	crit_enter();
	td = lwkt_alloc_on(globaldata_find(cpu), func, arg, name, TDPRI_KERN);
	if (tdp != NULL)
		*tdp = td;
	crit_exit();
	lwkt_schedule(td);
}

void lwkt_exit(void)
{
	struct thread *td = curthread;

	if (td->td_ntoks != 0)
		panic("lwkt_exit: %s holds %d tokens", td->td_name, td->td_ntoks);
	crit_enter();
	td->td_flags |= TDF_EXITING;
	lwkt_dequeue(td);
	TAILQ_INSERT_TAIL(&lwkt_cpu(td->td_gd)->lc_reapq, td, td_threadq);
	lwkt_switch();
	panic("lwkt_exit: %s switched back in", td->td_name);
}

/* IPI: schedule td, which lives (or lived) on this CPU. */
static void lwkt_schedule_remote(void *arg)
{
	struct thread *td = arg;
	struct globaldata *gd = mycpu();

	if (td->td_gd != gd) {
		/* It moved here and on: follow it. */
		lwkt_send_ipiq(td->td_gd, lwkt_schedule_remote, td);
		return;
	}
	/*
	 * In flight to another CPU: it is running, not waiting, and checks
	 * its wait condition again before it blocks (see lwkt_schedule).
	 */
	if (td->td_flags & TDF_MIGRATING)
		return;
	lwkt_enqueue(td);
}

void lwkt_schedule(struct thread *td)
{
	crit_enter();
	if (td->td_gd == mycpu()) {
		lwkt_enqueue(td);
	} else {
		/*
		 * The caller made td's wait condition true before this: make
		 * that store visible before td_gd is read, so a td that
		 * migrates after this read sees the condition on arrival.
		 */
		cpu_mfence();
		lwkt_send_ipiq(td->td_gd, lwkt_schedule_remote, td);
	}
	crit_exit();
}

void lwkt_deschedule(struct thread *td)
{
	crit_enter();
	KASSERT(td->td_gd == mycpu());
	lwkt_dequeue(td);
	crit_exit();
}

void lwkt_deschedule_self(struct thread *td)
{
	KASSERT(td == curthread);
	lwkt_deschedule(td);
}

/* The current thread to the tail of its queue.  Critical section. */
static void lwkt_rotate(struct thread *td)
{
	struct lwkt_cpu *lc = lwkt_cpu(td->td_gd);

	if (td->td_flags & TDF_RUNQ) {
		TAILQ_REMOVE(&lc->lc_runq[td->td_pri], td, td_threadq);
		TAILQ_INSERT_TAIL(&lc->lc_runq[td->td_pri], td, td_threadq);
	}
}

void lwkt_yield(void)
{
	struct thread *td = curthread;

	crit_enter();
	lwkt_rotate(td);
	lwkt_switch();
	crit_exit();
}

void lwkt_setpri_self(int pri)
{
	struct thread *td = curthread;

	KASSERT(pri > TDPRI_IDLE && pri <= TDPRI_MAX);
	crit_enter();
	lwkt_dequeue(td);
	td->td_pri = pri;
	lwkt_enqueue(td);
	lwkt_switch(); /* a higher one may be waiting now */
	crit_exit();
}

/* IPI on the target CPU: adopt td once its old CPU has left its stack. */
static void lwkt_setcpu_remote(void *arg)
{
	struct thread *td = arg;

	/* The old CPU is between lwkt_send_ipiq and the end of its switch. */
	while (td->td_running)
		cpu_pause();
	td->td_gd = mycpu();
	td->td_flags &= ~TDF_MIGRATING;
	lwkt_enqueue(td);
}

void lwkt_setcpu_self(struct globaldata *gd)
{
	struct thread *td = curthread;

	if (td->td_gd == gd)
		return;
	crit_enter();
	td->td_flags |= TDF_MIGRATING;
	lwkt_dequeue(td);
	lwkt_send_ipiq(gd, lwkt_setcpu_remote, td);
	lwkt_switch();
	KASSERT(td->td_gd == gd && mycpu() == gd);
	crit_exit();
}

/* Sleep queues ------------------------------------------------------- */

static uint32_t slpq_hash(const volatile void *wchan)
{
	uint32_t h = (uint32_t)wchan;
	return ((h >> 3) ^ (h >> 11)) % LWKT_SLPQ_HASH;
}

void tsleep(const volatile void *wchan, const char *wmesg)
{
	struct thread *td = curthread;
	struct lwkt_cpu *lc = lwkt_cpu(td->td_gd);
	uint32_t h = slpq_hash(wchan);

	KASSERT(td->td_gd->gd_intr_nesting == 0);
	crit_enter();
	td->td_wchan = wchan;
	td->td_wmesg = wmesg;
	TAILQ_INSERT_TAIL(&lc->lc_slpq[h], td, td_sleepq);
	td->td_flags |= TDF_TSLEEPQ;
	lwkt_dequeue(td);
	lwkt_switch();
	if (td->td_flags & TDF_TSLEEPQ) { /* woken by a bare lwkt_schedule */
		TAILQ_REMOVE(&lc->lc_slpq[h], td, td_sleepq);
		td->td_flags &= ~TDF_TSLEEPQ;
	}
	td->td_wchan = NULL;
	td->td_wmesg = NULL;
	crit_exit();
}

/* Wake wchan's sleepers on this CPU.  Critical section. */
static void wakeup_local(void *wchan)
{
	struct lwkt_cpu *lc = lwkt_cpu(mycpu());
	uint32_t h = slpq_hash(wchan);
	struct thread *td, *next;

	for (td = TAILQ_FIRST(&lc->lc_slpq[h]); td != NULL; td = next) {
		next = TAILQ_NEXT(td, td_sleepq);
		if (td->td_wchan != wchan)
			continue;
		TAILQ_REMOVE(&lc->lc_slpq[h], td, td_sleepq);
		td->td_flags &= ~TDF_TSLEEPQ;
		lwkt_enqueue(td);
	}
}

void wakeup(const volatile void *wchan)
{
	struct globaldata *gd = mycpu();

	crit_enter();
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *ogd = globaldata_find(i);
		if (ogd == gd)
			wakeup_local((void *)(uintptr_t)wchan);
		else
			lwkt_send_ipiq(ogd, wakeup_local, (void *)(uintptr_t)wchan);
	}
	crit_exit();
}

/* Deferred work, the idle loop, the timer -------------------------------- */

void lwkt_crit_pending(struct globaldata *gd)
{
	struct thread *td = gd->gd_curthread;

	if (gd->gd_reqflags & RQF_IPIQ) {
		crit_enter();
		reqflags_clear(gd, RQF_IPIQ);
		lwkt_process_ipiq_core(gd);
		crit_exit_noyield(td);
	}
	if ((gd->gd_reqflags & RQF_AST_RESCHED) && !(td->td_flags & TDF_IDLE)) {
		crit_enter();
		if (lwkt_cpu(gd)->lc_ticks_left <= 0) {
			lwkt_cpu(gd)->lc_ticks_left = LWKT_QUANTUM;
			lwkt_rotate(td);
		}
		lwkt_switch_common(true); /* involuntary: tokens kept */
		crit_exit_noyield(td);
	}
}

/* Any incoming IPI queue not empty?  Critical section. */
static bool lwkt_ipiq_pending(struct lwkt_cpu *lc)
{
	for (int i = 0; i < ncpus; i++)
		if (lc->lc_ipiq[i].ip_windex != lc->lc_ipiq[i].ip_rindex)
			return true;
	return false;
}

/* The idle thread: drain IPIs, run what is runnable, else halt. */
static void lwkt_idle_loop(void *arg)
{
	struct thread *td = curthread;
	struct globaldata *gd = td->td_gd;
	struct lwkt_cpu *lc = lwkt_cpu(gd);

	(void)arg;
	for (;;) {
		crit_enter();
		reqflags_clear(gd, RQF_IPIQ);
		lwkt_process_ipiq_core(gd);
		lwkt_reap(lc);
		if (lc->lc_runqmask != 0) {
			lwkt_switch(); /* back here if tokens held elsewhere */
			crit_exit_noyield(td);
			cpu_pause();
			continue;
		}
		crit_exit_noyield(td);
		if (ncpus == 1 && !lapic_present())
			panic("lwkt: cpu %d idle, nothing runnable, no interrupt source: deadlock",
			      gd->gd_cpuid);
		/* sti's one-instruction shadow makes the check and hlt atomic. */
		cli();
		if (lc->lc_runqmask == 0 && !lwkt_ipiq_pending(lc))
			__asm__ volatile("sti; hlt" : : : "memory");
		else
			__asm__ volatile("sti" : : : "memory");
	}
}

void lwkt_hardclock(struct trapframe *tf)
{
	struct globaldata *gd = mycpu();
	struct lwkt_cpu *lc = lwkt_cpu(gd);
	struct thread *td = gd->gd_curthread;

	(void)tf;
	if (lc == NULL || (td->td_flags & TDF_IDLE))
		return;
	if (--lc->lc_ticks_left <= 0)
		reqflags_set(gd, RQF_AST_RESCHED);
	if (!(gd->gd_reqflags & RQF_AST_RESCHED) || td->td_critcount > 0)
		return; /* crit_exit does it */
	lc->lc_preempts++;
	lwkt_crit_pending(gd);
}

void lwkt_init_cpu(struct globaldata *gd)
{
	struct lwkt_cpu *lc = &lwkt_cpus[gd->gd_cpuid];
	struct thread *td;

	KASSERT(gd->gd_cpuid >= 0 && gd->gd_cpuid < MAXCPU);
	lc->lc_gd = gd;
	for (int i = 0; i < LWKT_NPRI; i++)
		TAILQ_INIT(&lc->lc_runq[i]);
	for (int i = 0; i < LWKT_SLPQ_HASH; i++)
		TAILQ_INIT(&lc->lc_slpq[i]);
	TAILQ_INIT(&lc->lc_reapq);
	lc->lc_ticks_left = LWKT_QUANTUM;
	gd->gd_lwkt = lc;
	gd->gd_reqflags = 0;

	/* The stack this CPU booted on becomes its first thread. */
	td = lwkt_alloc_thread();
	td->td_kstack = NULL;
	td->td_gd = gd;
	td->td_pri = TDPRI_KERN;
	td->td_flags = TDF_BOOT;
	td->td_running = 1;
	td->td_name = gd->gd_cpuid == 0 ? "boot0" : "bootap";
	lwkt_initport_thread(&td->td_msgport, td);
	gd->gd_curthread = td;
	TAILQ_INSERT_TAIL(&lc->lc_runq[td->td_pri], td, td_threadq);
	lc->lc_runqmask |= 1u << td->td_pri;
	td->td_flags |= TDF_RUNQ;

	crit_enter();
	lc->lc_idletd = lwkt_alloc_on(gd, lwkt_idle_loop, NULL, "idle", TDPRI_IDLE);
	lc->lc_idletd->td_flags |= TDF_IDLE;
	crit_exit();
}

void lwkt_init_boot(void)
{
	if (mycpu()->gd_lwkt == NULL)
		lwkt_init_cpu(mycpu());
}

void lwkt_ap_idle(void)
{
	lwkt_exit(); /* the idle thread takes over this CPU */
}
