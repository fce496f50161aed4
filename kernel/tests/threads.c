/*
 * test threads: LWKT thread basics on one CPU.  Create/exit (the pool
 * slot comes back), yield round-robin among equal priorities in FIFO
 * order, a higher priority runs first, tsleep/wakeup, critical sections
 * nest and balance (the round-robin and the switch measurement run in
 * them, so that timer preemption does not reorder the yields; the order
 * is checked from the moment all three run), and the cost of a same-CPU switch
 * (lwkt_yield between two threads, in rdtsc units: guest instructions on
 * dfemu, TSC cycles on QEMU).
 */
#include "test.h"
#include "test_lwkt.h"

#define RR_THREADS 3
#define RR_ROUNDS  5
#define SWITCH_LOOPS 1000

static int rr_log[RR_THREADS * RR_ROUNDS];
static int rr_n;

static volatile int rr_started;

/*
 * A tick can still preempt a thread in its first instructions, before
 * its crit_enter (under QEMU a tick delivered late lands anywhere), and
 * reorder the start: so the threads first wait, in their critical
 * sections, until all three run; from there only the yields switch.
 */
static void rr_thread(void *arg)
{
	struct test_join *j = arg;
	int id = (int)(curthread->td_name[2] - '0');

	crit_enter(); /* no timer round-robin: only the yields switch */
	rr_started++;
	while (rr_started < RR_THREADS)
		lwkt_yield();
	for (int r = 0; r < RR_ROUNDS; r++) {
		rr_log[rr_n++] = id;
		lwkt_yield();
	}
	crit_exit();
	join_done(j);
}

static volatile int pri_order[2];
static volatile int pri_n;

static void pri_thread(void *arg)
{
	pri_order[pri_n++] = (int)arg;
}

static volatile int sleep_state;

static void sleeper(void *arg)
{
	struct test_join *j = arg;

	lwkt_gettoken(&j->j_tok);
	sleep_state = 1;
	while (sleep_state != 2)
		tsleep(&sleep_state, "test");
	sleep_state = 3;
	lwkt_reltoken(&j->j_tok);
	join_done(j);
}

static volatile uint32_t switch_spins;
static volatile int switch_stop;

static void switch_partner(void *arg)
{
	struct test_join *j = arg;

	crit_enter();
	while (!switch_stop) {
		switch_spins++;
		lwkt_yield();
	}
	crit_exit();
	join_done(j);
}

void test_threads(void)
{
	static const char *names[RR_THREADS] = { "rr0", "rr1", "rr2" };
	struct thread *me = curthread;
	int cpu = me->td_gd->gd_cpuid;
	struct test_join j;

	check(me->td_critcount == 0, "test thread in a critical section (%d)", me->td_critcount);
	crit_enter();
	crit_enter();
	check(me->td_critcount == 2, "critcount %d after two crit_enter", me->td_critcount);
	crit_exit();
	crit_exit();
	check(me->td_critcount == 0, "critcount %d after crit_exit", me->td_critcount);

	/*
	 * Round-robin: three equal threads yielding log a b c a b c ...
	 * They are created in a critical section: a timer preemption between
	 * two lwkt_create()s would let rr0 run and yield before rr1 exists,
	 * logging 0 0 1 2 (seen under QEMU, whose ticks fall anywhere).
	 */
	join_init(&j, RR_THREADS);
	rr_n = 0;
	rr_started = 0;
	crit_enter();
	for (int i = 0; i < RR_THREADS; i++)
		lwkt_create(rr_thread, &j, NULL, cpu, names[i]);
	crit_exit();
	join_wait(&j);
	check(rr_n == RR_THREADS * RR_ROUNDS, "round-robin logged %d entries", rr_n);
	check(rr_log[0] != rr_log[1] && rr_log[1] != rr_log[2] && rr_log[0] != rr_log[2],
	      "round-robin starts %d %d %d", rr_log[0], rr_log[1], rr_log[2]);
	for (int i = RR_THREADS; i < rr_n; i++)
		check(rr_log[i] == rr_log[i % RR_THREADS], "round-robin entry %d is thread %d, want %d", i,
		      rr_log[i], rr_log[i % RR_THREADS]);

	/* Priorities: the higher one runs first although created second. */
	pri_n = 0;
	crit_enter();
	struct thread *hi;
	lwkt_create(pri_thread, (void *)1, NULL, cpu, "lo");
	lwkt_create(pri_thread, (void *)2, &hi, cpu, "hi");
	lwkt_deschedule(hi);
	hi->td_pri = TDPRI_KERN + 1;
	lwkt_schedule(hi);
	crit_exit(); /* hi preempts us here */
	for (int i = 0; i < 10 && pri_n < 2; i++)
		lwkt_yield();
	check(pri_n == 2 && pri_order[0] == 2 && pri_order[1] == 1,
	      "priority order: %d threads ran, first %d then %d (want 2 then 1)", pri_n, pri_order[0],
	      pri_order[1]);

	/* tsleep/wakeup under a token. */
	join_init(&j, 1);
	sleep_state = 0;
	lwkt_create(sleeper, &j, NULL, cpu, "sleeper");
	lwkt_yield();
	lwkt_gettoken(&j.j_tok);
	check(sleep_state == 1, "sleeper state %d, want 1 (asleep)", sleep_state);
	sleep_state = 2;
	wakeup(&sleep_state);
	lwkt_reltoken(&j.j_tok);
	join_wait(&j);
	check(sleep_state == 3, "sleeper state %d after wakeup, want 3", sleep_state);

	/* Cost of a same-CPU switch: two threads yielding to each other. */
	join_init(&j, 1);
	switch_stop = 0;
	switch_spins = 0;
	lwkt_create(switch_partner, &j, NULL, cpu, "partner");
	crit_enter();
	lwkt_yield(); /* partner starts */
	uint32_t s0 = switch_spins, t0 = tsc32();
	for (int i = 0; i < SWITCH_LOOPS; i++)
		lwkt_yield();
	uint32_t t1 = tsc32(), s1 = switch_spins;
	switch_stop = 1;
	crit_exit();
	join_wait(&j);
	check(s1 - s0 == SWITCH_LOOPS, "partner ran %u times for %d yields", s1 - s0, SWITCH_LOOPS);
	test_note("cost: same-CPU thread switch (lwkt_yield, one way) %u rdtsc units",
		  (t1 - t0) / (2 * SWITCH_LOOPS));
}
