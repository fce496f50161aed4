/*
 * test migration: threads move between CPUs only by sending themselves
 * (lwkt_setcpu_self).  Two threads tour every CPU, in opposite orders,
 * several times, holding a token all along; after each move a thread
 * finds itself on the target (mycpu()->gd_cpuid, td_gd) and still owns
 * its token (reacquired on arrival).  With one CPU the tour is one stop
 * and lwkt_setcpu_self to the own CPU returns at once.
 */
#include "power.h"
#include "test.h"
#include "test_lwkt.h"

#define TOURS 5

static volatile uint32_t moves, wrong, lost_token;

static void tourist(void *arg)
{
	struct test_join *j = arg;
	bool reverse = curthread->td_name[0] == 'r';
	struct lwkt_token tok;

	lwkt_token_init(&tok, "tourist");
	lwkt_gettoken(&tok);
	for (int t = 0; t < TOURS; t++) {
		for (int k = 0; k < ncpus; k++) {
			int cpu = reverse ? ncpus - 1 - k : k;
			lwkt_setcpu_self(globaldata_find(cpu));
			if (mycpu()->gd_cpuid != cpu || curthread->td_gd != mycpu())
				wrong++;
			if (tok.t_owner != curthread)
				lost_token++;
			atomic_add_int(&moves, 1);
			lwkt_yield();
		}
	}
	lwkt_reltoken(&tok);
	join_done(j);
}

void test_migration(void)
{
	struct test_join j;

	moves = wrong = lost_token = 0;
	join_init(&j, 2);
	lwkt_create(tourist, &j, NULL, 0, "forward");
	lwkt_create(tourist, &j, NULL, ncpus - 1, "reverse");
	join_wait(&j);
	check(moves == (uint32_t)(2 * TOURS * ncpus), "%u arrivals, want %d", moves, 2 * TOURS * ncpus);
	check(wrong == 0, "%u arrivals on the wrong CPU", wrong);
	check(lost_token == 0, "%u arrivals without the token", lost_token);
	check(curthread->td_gd == mycpu(), "the test thread's td_gd is not its CPU");
}
