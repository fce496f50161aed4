/*
 * LWKT serializing tokens, after DragonFly's sys/kern/lwkt_token.c.
 *
 * A token is owned by at most one thread (t_owner) and only while that
 * thread runs: a voluntary lwkt_switch (block, yield, wait for a token)
 * releases all tokens of the thread it leaves (lwkt_relalltokens) (a
 * timer preemption keeps them: that thread is still runnable and holds
 * all it needs to resume) and, before it runs a thread, acquires all of that
 * thread's tokens or none of them (lwkt_getalltokens); a thread whose
 * tokens are not all free is skipped and tried again later.  A thread
 * therefore never waits while it holds a token, which is why any number
 * of tokens, taken in any order, cannot deadlock; the price is that a
 * token does not protect anything across a blocking call (tsleep,
 * lwkt_waitport, ... and lwkt_gettoken itself when it has to wait).
 *
 * td_toks lists the tokens a thread holds or wants, in acquisition order
 * (the same token may appear more than once: recursion); lwkt_reltoken
 * releases the last one.
 *
 * Ordering: acquisition is a locked cmpxchg (a full barrier); release is
 * a compiler barrier and a plain store of NULL, which x86 TSO orders
 * after every access of the critical region.
 */
#include "power.h"
#include "thread.h"
#include "thread2.h"

void lwkt_token_init(struct lwkt_token *tok, const char *desc)
{
	tok->t_owner = NULL;
	tok->t_desc = desc;
	tok->t_collisions = 0;
}

/* Take tok for td (free, or already td's). */
static bool lwkt_token_acquire(struct lwkt_token *tok, struct thread *td)
{
	if (tok->t_owner == td)
		return true;
	return atomic_cmpset_ptr((void *volatile *)&tok->t_owner, NULL, td);
}

static void lwkt_token_release(struct lwkt_token *tok, struct thread *td)
{
	if (tok->t_owner == td) {
		cpu_ccfence();
		tok->t_owner = NULL;
	}
}

bool lwkt_getalltokens(struct thread *td)
{
	for (int i = 0; i < td->td_ntoks; i++) {
		if (!lwkt_token_acquire(td->td_toks[i], td)) {
			atomic_add_int(&td->td_toks[i]->t_collisions, 1);
			while (--i >= 0)
				lwkt_token_release(td->td_toks[i], td);
			return false;
		}
	}
	return true;
}

void lwkt_relalltokens(struct thread *td)
{
	for (int i = td->td_ntoks - 1; i >= 0; i--)
		lwkt_token_release(td->td_toks[i], td);
}

/*
 * Context: thread context, not in an interrupt handler; may switch away
 * (and release the caller's other tokens meanwhile) when tok is held by
 * a thread running on another CPU.
 */
void lwkt_gettoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;

	KASSERT(td->td_gd->gd_intr_nesting == 0);
	if (td->td_ntoks == LWKT_MAXTOKENS)
		panic("lwkt_gettoken: %s holds %d tokens", td->td_name, td->td_ntoks);
	crit_enter();
	td->td_toks[td->td_ntoks++] = tok;
	if (!lwkt_token_acquire(tok, td)) {
		atomic_add_int(&tok->t_collisions, 1);
		/* lwkt_switch runs us again only with all our tokens held. */
		do
			lwkt_switch();
		while (tok->t_owner != td);
	}
	crit_exit();
}

/* Any context; never switches. */
bool lwkt_trytoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;

	if (td->td_ntoks == LWKT_MAXTOKENS || !lwkt_token_acquire(tok, td))
		return false;
	td->td_toks[td->td_ntoks++] = tok;
	return true;
}

/* Context: the caller holds tok, acquired last. */
void lwkt_reltoken(struct lwkt_token *tok)
{
	struct thread *td = curthread;

	if (td->td_ntoks == 0 || td->td_toks[td->td_ntoks - 1] != tok)
		panic("lwkt_reltoken: %s not %s's last token", tok->t_desc, td->td_name);
	ASSERT_LWKT_TOKEN_HELD(tok);
	crit_enter();
	td->td_ntoks--;
	for (int i = 0; i < td->td_ntoks; i++)
		if (td->td_toks[i] == tok)
			goto out; /* still held recursively */
	lwkt_token_release(tok, td);
out:
	crit_exit();
}
