/*
 * test preempt: timer preemption.  A thread that spins forever without
 * yielding or blocking shares its CPU with a second thread of the same
 * priority, which runs anyway (round-robin at the end of a quantum,
 * lwkt_hardclock), tells the spinner to stop, and both finish; the CPU's
 * preemption counter moved.  Needs the LAPIC timer: skipped without one.
 */
#include "lapic.h"
#include "power.h"
#include "test.h"
#include "test_lwkt.h"

static volatile int stop;
static volatile uint32_t spins;

static void spinner(void *arg)
{
	struct test_join *j = arg;

	while (!stop)
		spins++;
	join_done(j);
}

static volatile uint32_t early;

/*
 * A tick that came during the test thread's critical section is taken
 * as soon as the spinner starts, so the stopper can first run before the
 * spinner spun at all (seen under QEMU, whose ticks fall anywhere): it
 * then yields to let it start.  The spinner never yields, so the
 * stopper runs again only by preemption.
 */
static void stopper(void *arg)
{
	struct test_join *j = arg;

	while (spins == 0) {
		early++;
		lwkt_yield();
	}
	stop = 1;
	join_done(j);
}

void test_preempt(void)
{
	struct test_join j;
	int cpu = ncpus - 1;

	if (!lapic_present()) {
		test_skip("no timer");
		return;
	}
	struct lwkt_cpu *lc = lwkt_cpu(globaldata_find(cpu));
	uint32_t p0 = lc->lc_preempts;
	stop = 0;
	spins = early = 0;
	join_init(&j, 2);
	crit_enter(); /* both queued before either runs */
	lwkt_create(spinner, &j, NULL, cpu, "spinner");
	lwkt_create(stopper, &j, NULL, cpu, "stopper");
	crit_exit();
	join_wait(&j);
	if (early > 0)
		test_note("the stopper ran %u times before the spinner spun (a pending tick)", early);
	check(lc->lc_preempts != p0, "cpu %d preemption counter did not move", cpu);
}
