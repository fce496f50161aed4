/*
 * test tokens: serializing tokens under contention.
 *
 *  - counter: two threads per CPU each add 1 to a shared counter
 *    TOK_ITERS times under one token, reading and writing it in separate
 *    steps with a window between; the total is exact;
 *  - ABBA: threads take two tokens in opposite orders, many times, and
 *    finish (no deadlock by construction: a thread waiting for a token
 *    holds none);
 *  - blocking: the test thread takes a token and sleeps holding it; a
 *    thread on another CPU (the same one with one CPU) takes the token
 *    meanwhile and sees the holder asleep; the holder owns it again when
 *    it wakes;
 *  - the cost of an uncontended lwkt_gettoken + lwkt_reltoken.
 */
#include "power.h"
#include "test.h"
#include "test_lwkt.h"

#define TOK_ITERS  1500
#define ABBA_ITERS 300
#define COST_LOOPS 1000

static struct lwkt_token count_tok = LWKT_TOKEN_INITIALIZER("count");
static volatile uint32_t counter;
static volatile uint32_t held_violations;

static void counter_thread(void *arg)
{
	struct test_join *j = arg;

	for (int i = 0; i < TOK_ITERS; i++) {
		lwkt_gettoken(&count_tok);
		ASSERT_LWKT_TOKEN_HELD(&count_tok);
		uint32_t v = counter;
		for (volatile int k = 0; k < 5; k++)
			;
		counter = v + 1;
		if (count_tok.t_owner != curthread)
			held_violations++;
		lwkt_reltoken(&count_tok);
		if (i % 64 == 0)
			lwkt_yield();
	}
	join_done(j);
}

static struct lwkt_token tok_a = LWKT_TOKEN_INITIALIZER("a");
static struct lwkt_token tok_b = LWKT_TOKEN_INITIALIZER("b");
static volatile uint32_t abba_count;

static void abba_thread(void *arg)
{
	struct test_join *j = arg;
	bool ab = (curthread->td_name[0] == 'a');

	for (int i = 0; i < ABBA_ITERS; i++) {
		lwkt_gettoken(ab ? &tok_a : &tok_b);
		lwkt_gettoken(ab ? &tok_b : &tok_a);
		ASSERT_LWKT_TOKEN_HELD(&tok_a);
		ASSERT_LWKT_TOKEN_HELD(&tok_b);
		abba_count++; /* both tokens: serialized */
		lwkt_reltoken(ab ? &tok_b : &tok_a);
		lwkt_reltoken(ab ? &tok_a : &tok_b);
	}
	join_done(j);
}

static struct lwkt_token sleep_tok = LWKT_TOKEN_INITIALIZER("sleep");
static volatile int sleep_flag;
static volatile int taker_saw_sleeping;
static struct thread *volatile sleep_holder;

static void taker_thread(void *arg)
{
	struct test_join *j = arg;

	lwkt_gettoken(&sleep_tok);
	taker_saw_sleeping = sleep_holder->td_wchan == &sleep_flag;
	sleep_flag = 1;
	wakeup(&sleep_flag);
	lwkt_reltoken(&sleep_tok);
	join_done(j);
}

void test_tokens(void)
{
	struct test_join j;
	int nthreads = 2 * ncpus;

	/* Counter. */
	counter = 0;
	held_violations = 0;
	join_init(&j, nthreads);
	for (int i = 0; i < nthreads; i++)
		lwkt_create(counter_thread, &j, NULL, i % ncpus, "counter");
	join_wait(&j);
	check(counter == (uint32_t)nthreads * TOK_ITERS, "counter %u, want %u", counter,
	      (uint32_t)nthreads * TOK_ITERS);
	check(held_violations == 0, "%u times the token's owner was not its holder",
	      held_violations);
	test_note("counter: %d threads x %d, token collisions %s", nthreads, TOK_ITERS,
		  count_tok.t_collisions ? "seen" : "none");

	/* ABBA. */
	abba_count = 0;
	join_init(&j, nthreads);
	for (int i = 0; i < nthreads; i++)
		lwkt_create(abba_thread, &j, NULL, i % ncpus, i % 2 ? "ba" : "ab");
	join_wait(&j);
	check(abba_count == (uint32_t)nthreads * ABBA_ITERS, "abba count %u, want %u", abba_count,
	      (uint32_t)nthreads * ABBA_ITERS);
	check(tok_a.t_owner == NULL && tok_b.t_owner == NULL, "tokens a/b still owned");

	/* Blocking with a token held. */
	join_init(&j, 1);
	sleep_flag = 0;
	taker_saw_sleeping = 0;
	sleep_holder = curthread;
	lwkt_gettoken(&sleep_tok);
	lwkt_create(taker_thread, &j, NULL, ncpus > 1 ? 1 : 0, "taker");
	while (!sleep_flag)
		tsleep(&sleep_flag, "tokens");
	check(sleep_tok.t_owner == curthread, "sleep token not owned by its holder after wakeup");
	check(curthread->td_ntoks == 1, "holder has %d tokens, want 1", curthread->td_ntoks);
	lwkt_reltoken(&sleep_tok);
	join_wait(&j);
	check(taker_saw_sleeping, "the taker got the token but the holder was not asleep");
	check(sleep_tok.t_owner == NULL, "sleep token still owned");

	/* Cost, uncontended. */
	struct lwkt_token cost_tok;
	lwkt_token_init(&cost_tok, "cost");
	uint32_t t0 = tsc32();
	for (int i = 0; i < COST_LOOPS; i++) {
		lwkt_gettoken(&cost_tok);
		lwkt_reltoken(&cost_tok);
	}
	uint32_t t1 = tsc32();
	check(cost_tok.t_owner == NULL && curthread->td_ntoks == 0, "cost token still held");
	test_note("cost: uncontended lwkt_gettoken+lwkt_reltoken %u rdtsc units",
		  (t1 - t0) / COST_LOOPS);
}
