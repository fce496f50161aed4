/*
 * LWKT: light-weight kernel threads, as in DragonFly's <sys/thread.h>.
 *
 * Vocabulary:
 *   thread   (struct thread, td_): a kernel stack and its saved %esp;
 *            owned by one CPU (td_gd) and touched in its scheduling state
 *            only by that CPU.  It moves to another CPU only by sending
 *            itself there in an IPI message (lwkt_setcpu_self).
 *   CPU      (struct globaldata, gd_; its LWKT part struct lwkt_cpu, lc_):
 *            fixed-priority run queues, sleep queues, an idle thread, and
 *            one incoming IPI queue per source CPU.
 *   critical section (crit_enter/crit_exit, thread2.h): the current
 *            thread cannot be switched away from and interrupt work that
 *            touches LWKT state (IPI queue draining, preemption) is
 *            deferred until the count drops to 0.  This is what protects
 *            a CPU's own queues: no locks for CPU-local state.
 *   token    (struct lwkt_token, t_): serializes threads, not CPUs; held
 *            only while its holder runs.  lwkt_switch releases every
 *            token of a thread that blocks or yields (not of one that is
 *            preempted, which stays runnable) and acquires all tokens of
 *            the thread it enters before running it (lwkt_getalltokens),
 *            so a thread never waits while holding a token: no deadlock.
 *   IPI queue (struct lwkt_ipiq, ipiq_): a bounded FIFO of (func, arg)
 *            calls from one CPU to another (lwkt_ipiq.c).
 *
 * Priorities: 0..LWKT_NPRI-1, higher runs first; equal priorities share
 * the CPU round-robin by the timer (lwkt_hardclock).
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

/* Offsets used by lwkt_switch.S (checked by _Static_assert below). */
#define TD_SP      0
#define TD_RUNNING 4

#ifndef __ASSEMBLER__

#include "globaldata.h"
#include "msgport.h"
#include "queue.h"
#include "types.h"

#define LWKT_NPRI        32     /* priorities 0..31 */
#define TDPRI_IDLE       0      /* the idle thread only */
#define TDPRI_KERN       10     /* default for lwkt_create */
#define TDPRI_MAX        (LWKT_NPRI - 1)
#define LWKT_MAXTOKENS   16     /* tokens one thread may hold at once */
#define LWKT_STACK_SIZE  8192
#define LWKT_NTHREADS    160    /* the thread pool (lwkt_thread.c) */
#define LWKT_SLPQ_HASH   32     /* per-CPU sleep queue buckets */
#define LWKT_QUANTUM     2      /* timer ticks before round-robin */

struct lwkt_token {
	struct thread *volatile t_owner; /* running holder, or NULL */
	const char *t_desc;
	volatile uint32_t t_collisions;  /* acquisitions that found it held */
};

#define LWKT_TOKEN_INITIALIZER(desc) { NULL, desc, 0 }

struct thread {
	uint32_t td_sp;               /* TD_SP: saved %esp while switched out */
	volatile uint32_t td_running; /* TD_RUNNING: its stack is in use by a CPU */
	struct globaldata *td_gd;     /* owning CPU */
	int td_pri;                   /* 0..TDPRI_MAX */
	uint32_t td_flags;            /* TDF_*, changed only by td_gd's CPU */
	int td_critcount;             /* critical section depth */
	int td_intr_nesting;          /* gd_intr_nesting while switched out */
	const volatile void *td_wchan;         /* tsleep channel, or NULL */
	const char *td_wmesg;         /* what it waits for, for dumps */
	TAILQ_ENTRY(thread) td_threadq; /* run queue or reap list (td_gd's) */
	TAILQ_ENTRY(thread) td_sleepq;  /* td_gd's sleep queue */
	struct lwkt_token *td_toks[LWKT_MAXTOKENS]; /* held or wanted, in order */
	int td_ntoks;
	void (*td_func)(void *);
	void *td_arg;
	char *td_kstack;              /* base of the stack, or NULL (boot stack) */
	const char *td_name;
	uint32_t td_switchins;        /* times switched in */
	struct lwkt_port td_msgport;  /* the thread's own port */
};
_Static_assert(__builtin_offsetof(struct thread, td_sp) == TD_SP, "TD_SP: lwkt_switch.S");
_Static_assert(__builtin_offsetof(struct thread, td_running) == TD_RUNNING,
	       "TD_RUNNING: lwkt_switch.S");

#define TDF_RUNQ      0x0001 /* on its CPU's run queue (runnable; running too) */
#define TDF_TSLEEPQ   0x0002 /* on its CPU's sleep queue */
#define TDF_MIGRATING 0x0004 /* in flight to another CPU (lwkt_setcpu_self) */
#define TDF_EXITING   0x0008 /* lwkt_exit: never runs again */
#define TDF_IDLE      0x0010 /* the CPU's idle thread */
#define TDF_BOOT      0x0020 /* the CPU's boot thread (its boot stack) */

/* gd_reqflags: work deferred by a critical section (crit_exit does it). */
#define RQF_IPIQ        0x0001 /* an IPI queue drain was deferred */
#define RQF_AST_RESCHED 0x0002 /* a switch is wanted (quantum, priority) */

/* IPI queues (lwkt_ipiq.c). */
#define IPIQ_SIZE 32 /* entries; a power of two */
#define IPIQ_MASK (IPIQ_SIZE - 1)

typedef void (*ipifunc_t)(void *arg);

/*
 * One (source, target) FIFO, stored in the target's lwkt_cpu.  Single
 * producer (the source CPU, in a critical section) and single consumer
 * (the target, in a critical section); the indices only grow (mod 2^32),
 * ip_windex - ip_rindex entries are pending.  Ordering (x86 TSO): the
 * producer stores the entry, then (compiler barrier) ip_windex; the
 * consumer loads ip_windex, then (compiler barrier) the entry, then
 * stores ip_rindex.
 */
struct lwkt_ipiq {
	volatile uint32_t ip_windex; /* written by the source only */
	volatile uint32_t ip_rindex; /* written by the target only */
	struct {
		ipifunc_t func;
		void *arg;
	} ip_info[IPIQ_SIZE];
};

/* The LWKT half of a CPU, at gd_lwkt. */
struct lwkt_cpu {
	struct globaldata *lc_gd;
	TAILQ_HEAD(, thread) lc_runq[LWKT_NPRI];
	uint32_t lc_runqmask;         /* bit p: lc_runq[p] not empty */
	TAILQ_HEAD(, thread) lc_slpq[LWKT_SLPQ_HASH];
	TAILQ_HEAD(, thread) lc_reapq; /* exited, stack to free once not running */
	struct thread *lc_idletd;
	int lc_ticks_left;            /* of the current quantum */
	int lc_ipiq_depth;            /* lwkt_process_ipiq nesting */
	/* counters (this CPU's view) */
	volatile uint32_t lc_ipiq_sent;  /* messages queued to other CPUs */
	volatile uint32_t lc_ipiq_rcvd;  /* messages run from incoming queues */
	volatile uint32_t lc_ipiq_full;  /* sends that found the queue full */
	volatile uint32_t lc_ipi_sent;   /* LAPIC IV_IPIQ interrupts sent */
	volatile uint32_t lc_ipi_rcvd;   /* IV_IPIQ interrupts taken */
	uint32_t lc_switches;
	uint32_t lc_preempts;         /* switches forced by lwkt_hardclock */
	struct lwkt_ipiq lc_ipiq[MAXCPU]; /* incoming, by source CPU */
};

static inline struct lwkt_cpu *lwkt_cpu(struct globaldata *gd)
{
	return (struct lwkt_cpu *)gd->gd_lwkt;
}

#define curthread (mycpu()->gd_curthread)

/* Threads (lwkt_thread.c) ------------------------------------------- */

/*
 * Create a thread running func(arg) on CPU cpu at TDPRI_KERN, runnable at
 * once; returns it in *tdp if tdp is not NULL.  When func returns the
 * thread exits.  Thread context, any CPU; does not block; panics when
 * the pool is exhausted.
 */
void lwkt_create(void (*func)(void *), void *arg, struct thread **tdp, int cpu,
		 const char *name);

/* End the current thread.  Thread context, no tokens held. */
__noreturn void lwkt_exit(void);

/*
 * Give the CPU to the best runnable thread whose tokens can all be
 * acquired (maybe the caller again).  Releases the caller's tokens first
 * and returns with all of them held again.  Thread context (or interrupt
 * context for preemption); the caller's critical section is kept.
 */
void lwkt_switch(void);

/* Make td runnable on its CPU (an IPI message if that is not this one). */
void lwkt_schedule(struct thread *td);

/* The current thread stops being runnable; it leaves at the next switch. */
void lwkt_deschedule_self(struct thread *td);

/* Take td (on this CPU) off the run queue.  Critical section. */
void lwkt_deschedule(struct thread *td);

/* Let equal-priority threads run.  Thread context. */
void lwkt_yield(void);

/* Change the current thread's priority. */
void lwkt_setpri_self(int pri);

/*
 * Move the current thread to gd's CPU: it deschedules itself, sends
 * itself there by IPI message and switches away; it returns running on
 * gd.  Thread context, may block; tokens are kept (reacquired there).
 */
void lwkt_setcpu_self(struct globaldata *gd);

/*
 * Sleep on wchan until wakeup(wchan) (or a spurious lwkt_schedule: loop
 * on the condition).  The condition must be protected by a token the
 * caller holds across its test and tsleep (the waker takes the token to
 * change it), or only changed on this CPU.  Thread context, may block.
 */
void tsleep(const volatile void *wchan, const char *wmesg);

/* Wake every thread sleeping on wchan, on every CPU.  Thread context. */
void wakeup(const volatile void *wchan);

/*
 * LWKT on the boot CPU when smp_init found no configuration (and so did
 * not call lwkt_init_cpu).  Boot CPU, once, after smp_init.
 */
void lwkt_init_boot(void);

/* Called by the idle loop and crit_exit: pending deferred work. */
void lwkt_crit_pending(struct globaldata *gd);

/* Tokens (lwkt_token.c) --------------------------------------------- */

void lwkt_token_init(struct lwkt_token *tok, const char *desc);
/* Acquire tok (recursively if held).  Thread context; may switch. */
void lwkt_gettoken(struct lwkt_token *tok);
/* Acquire tok only if free (or held by us).  Does not switch. */
bool lwkt_trytoken(struct lwkt_token *tok);
/* Release the token acquired last (must be tok). */
void lwkt_reltoken(struct lwkt_token *tok);
/* Internal to lwkt_switch: acquire all of td's tokens or none. */
bool lwkt_getalltokens(struct thread *td);
void lwkt_relalltokens(struct thread *td);

#define ASSERT_LWKT_TOKEN_HELD(tok)                                                                \
	((tok)->t_owner == curthread                                                               \
		 ? (void)0                                                                         \
		 : panic("token %s not held at %s:%d", (tok)->t_desc, __FILE__, __LINE__))

/* IPI queues (lwkt_ipiq.c) ------------------------------------------ */

/*
 * Run func(arg) on gd's CPU, in a critical section there, soon: at once
 * if gd is this CPU, else queued and signalled with IV_IPIQ.  When the
 * queue is full the sender drains its own incoming queues while it
 * waits.  Any context; func must not block or take tokens.
 */
void lwkt_send_ipiq(struct globaldata *gd, ipifunc_t func, void *arg);

/* Drain this CPU's incoming queues.  Critical section. */
void lwkt_process_ipiq_core(struct globaldata *gd);

/* Ring operations, exposed for the ipiq test. */
bool ipiq_put(struct lwkt_ipiq *q, ipifunc_t func, void *arg);
uint32_t ipiq_drain(struct lwkt_ipiq *q);

#endif /* !__ASSEMBLER__ */
#endif /* KERNEL_THREAD_H */
