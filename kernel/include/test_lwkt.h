/*
 * What the LWKT tests share: waiting for a group of threads, and the
 * cost probes.
 *
 * struct test_join: threads call join_done() as their last act, the test
 * waits in join_wait() until all n did.  The count is protected by a
 * token held across the test and tsleep (the tsleep rule, thread.h).
 */
#ifndef KERNEL_TEST_LWKT_H
#define KERNEL_TEST_LWKT_H

#include "thread.h"
#include "thread2.h"
#include "x86.h"

struct test_join {
	struct lwkt_token j_tok;
	int j_done;
	int j_want;
};

static inline void join_init(struct test_join *j, int want)
{
	lwkt_token_init(&j->j_tok, "test_join");
	j->j_done = 0;
	j->j_want = want;
}

static inline void join_done(struct test_join *j)
{
	lwkt_gettoken(&j->j_tok);
	j->j_done++;
	wakeup(&j->j_done);
	lwkt_reltoken(&j->j_tok);
}

static inline void join_wait(struct test_join *j)
{
	lwkt_gettoken(&j->j_tok);
	while (j->j_done < j->j_want)
		tsleep(&j->j_done, "join");
	lwkt_reltoken(&j->j_tok);
}

/* rdtsc as a 32-bit delta source: on dfemu it counts instructions. */
static inline uint32_t tsc32(void)
{
	return (uint32_t)rdtsc();
}

#endif /* KERNEL_TEST_LWKT_H */
