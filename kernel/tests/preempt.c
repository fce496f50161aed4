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
static volatile uint32_t spins, spins_at_stop;

static void spinner(void *arg)
{
	struct test_join *j = arg;

	while (!stop)
		spins++;
	join_done(j);
}

static void stopper(void *arg)
{
	struct test_join *j = arg;

	spins_at_stop = spins;
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
	spins = spins_at_stop = 0;
	join_init(&j, 2);
	crit_enter(); /* both queued before either runs */
	lwkt_create(spinner, &j, NULL, cpu, "spinner");
	lwkt_create(stopper, &j, NULL, cpu, "stopper");
	crit_exit();
	join_wait(&j);
	check(spins_at_stop > 0, "the stopper ran before the spinner spun");
	check(lc->lc_preempts != p0, "cpu %d preemption counter did not move", cpu);
}
