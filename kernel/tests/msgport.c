/*
 * test msgport: LWKT messages between threads on different CPUs (the
 * same CPU with one).
 *
 * The echo port is a custom port in front of a server thread's port: its
 * putport completes CMD_NOW messages at once (synchronous completion,
 * result 2*arg) and queues CMD_ECHO messages for the server (EASYNC),
 * which checks they arrive in order and replies result 2*arg+1.
 *
 *  - sync: lwkt_domsg of CMD_ECHO and CMD_NOW, in order, with results;
 *  - async: windows of ASYNC_WINDOW lwkt_sendmsg, replies collected with
 *    lwkt_waitport, in order, each exactly once (sendmsg of CMD_NOW
 *    comes back on the reply port at once);
 *  - abort: three messages queued on the port of a thread that sleeps;
 *    the middle one is aborted and completes with ECANCELED at once; the
 *    thread then wakes and receives the other two, in order; aborting a
 *    completed message changes nothing.  Nothing lost.
 */
#include "errno.h"
#include "power.h"
#include "test.h"
#include "test_lwkt.h"

#define CMD_ECHO 1
#define CMD_NOW  2
#define CMD_QUIT 3
#define SYNC_COUNT    200
#define ASYNC_ROUNDS  40
#define ASYNC_WINDOW  8

static struct lwkt_port echo_port;
static struct thread *server_td;
static volatile uint32_t server_next;    /* next CMD_ECHO arg expected */
static volatile uint32_t server_badorder;
static volatile uint32_t server_wrongcpu;
static int server_cpu;

static int echo_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	if (msg->ms_cmd == CMD_NOW) {
		msg->ms_result = 2 * msg->ms_arg;
		return 0;
	}
	return lwkt_thread_putport(&server_td->td_msgport, msg);
}

static void server_thread(void *arg)
{
	struct test_join *j = arg;
	lwkt_msg_t msg;

	for (;;) {
		msg = lwkt_waitport(&curthread->td_msgport);
		if (mycpu()->gd_cpuid != server_cpu)
			server_wrongcpu++;
		if (msg->ms_cmd == CMD_QUIT) {
			lwkt_replymsg(msg, 0);
			break;
		}
		if (msg->ms_arg != server_next)
			server_badorder++;
		server_next = msg->ms_arg + 1;
		msg->ms_result = 2 * msg->ms_arg + 1;
		lwkt_replymsg(msg, 0);
	}
	join_done(j);
}

static void test_sync_async(void)
{
	lwkt_port_t me = &curthread->td_msgport;
	struct lwkt_msg m, win[ASYNC_WINDOW];
	uint32_t seq = 0;
	int err;

	for (int i = 0; i < SYNC_COUNT; i++) {
		lwkt_initmsg(&m, me, i % 4 == 3 ? CMD_NOW : CMD_ECHO);
		m.ms_arg = m.ms_cmd == CMD_ECHO ? seq++ : (uint32_t)i;
		err = lwkt_domsg(&echo_port, &m);
		uint32_t want = m.ms_cmd == CMD_ECHO ? 2 * m.ms_arg + 1 : 2 * m.ms_arg;
		if (!check(err == 0 && m.ms_result == want && (m.ms_flags & MSGF_DONE),
			   "domsg %d: error %d result %u (want %u) flags 0x%x", i, err, m.ms_result,
			   want, m.ms_flags))
			return;
		if (m.ms_cmd == CMD_NOW)
			check(!(m.ms_flags & MSGF_REPLY), "a synchronous completion went through a reply");
	}

	uint32_t replies = 0, nowreplies = 0;
	for (int r = 0; r < ASYNC_ROUNDS; r++) {
		uint32_t first = seq;
		for (int i = 0; i < ASYNC_WINDOW; i++) {
			lwkt_initmsg(&win[i], me, i == ASYNC_WINDOW - 1 && r % 2 ? CMD_NOW : CMD_ECHO);
			win[i].ms_arg = win[i].ms_cmd == CMD_ECHO ? seq++ : 1000u + (uint32_t)i;
			win[i].ms_tag = ((uint64_t)r << 32) | (uint32_t)i;
			lwkt_sendmsg(&echo_port, &win[i]);
		}
		uint32_t next = first;
		for (int i = 0; i < ASYNC_WINDOW; i++) {
			lwkt_msg_t got = lwkt_waitport(me);
			int idx = (int)(uint32_t)got->ms_tag;
			if (!check(got >= win && got < win + ASYNC_WINDOW && got == &win[idx] &&
					   (got->ms_tag >> 32) == (uint64_t)r,
				   "round %d: reply %d is not one of this round's messages", r, i))
				return;
			check((got->ms_flags & (MSGF_DONE | MSGF_REPLY | MSGF_QUEUED)) ==
				      (MSGF_DONE | MSGF_REPLY),
			      "round %d: reply flags 0x%x", r, got->ms_flags);
			if (got->ms_cmd == CMD_NOW) {
				nowreplies++;
				check(got->ms_result == 2 * got->ms_arg, "now result %u", got->ms_result);
				continue;
			}
			check(got->ms_arg == next && got->ms_result == 2 * got->ms_arg + 1,
			      "round %d: reply arg %u result %u, want arg %u", r, got->ms_arg,
			      got->ms_result, next);
			next++;
			replies++;
		}
		check(next == seq, "round %d: %u echo replies, want %u", r, next - first, seq - first);
	}
	check(lwkt_getport(me) == NULL, "a reply too many on the port");
	check(nowreplies == ASYNC_ROUNDS / 2, "%u synchronous sendmsg replies, want %d", nowreplies,
	      ASYNC_ROUNDS / 2);
	check(replies + nowreplies == ASYNC_ROUNDS * ASYNC_WINDOW, "%u replies, want %d",
	      replies + nowreplies, ASYNC_ROUNDS * ASYNC_WINDOW);

	lwkt_initmsg(&m, me, CMD_QUIT);
	check(lwkt_domsg(&server_td->td_msgport, &m) == 0, "quit");
	check(server_next == seq, "server saw %u echo messages, want %u", server_next, seq);
}

/* Abort: a sleeping port owner, three messages, the middle one aborted. */
static struct test_join abort_join;
static volatile int abort_go;
static volatile uint32_t abort_got[4];
static volatile int abort_ngot;

static void lazy_thread(void *arg)
{
	(void)arg;
	lwkt_gettoken(&abort_join.j_tok);
	while (!abort_go)
		tsleep(&abort_go, "lazy");
	lwkt_reltoken(&abort_join.j_tok);
	lwkt_msg_t msg;
	while ((msg = lwkt_getport(&curthread->td_msgport)) != NULL) {
		if (abort_ngot < 4)
			abort_got[abort_ngot] = msg->ms_arg;
		abort_ngot++;
		lwkt_replymsg(msg, 0);
	}
	join_done(&abort_join);
}

static void msg_abort_test(int cpu)
{
	lwkt_port_t me = &curthread->td_msgport;
	struct lwkt_msg m[3];
	struct thread *lazy;

	join_init(&abort_join, 1);
	abort_go = 0;
	abort_ngot = 0;
	lwkt_create(lazy_thread, NULL, &lazy, cpu, "lazy");
	for (int i = 0; i < 3; i++) {
		lwkt_initmsg(&m[i], me, CMD_ECHO);
		m[i].ms_arg = (uint32_t)i;
		lwkt_sendmsg(&lazy->td_msgport, &m[i]);
		check(!(m[i].ms_flags & MSGF_DONE), "message %d done before anyone took it", i);
	}
	lwkt_abortmsg(&m[1]);
	check((m[1].ms_flags & (MSGF_DONE | MSGF_ABORTED)) == (MSGF_DONE | MSGF_ABORTED),
	      "aborted queued message flags 0x%x, want DONE|ABORTED", m[1].ms_flags);
	check(lwkt_waitmsg(&m[1]) == ECANCELED, "aborted message error %d, want ECANCELED %d",
	      m[1].ms_error, ECANCELED);

	lwkt_gettoken(&abort_join.j_tok);
	abort_go = 1;
	wakeup(&abort_go);
	lwkt_reltoken(&abort_join.j_tok);
	check(lwkt_waitmsg(&m[0]) == 0, "message 0 error %d", m[0].ms_error);
	check(lwkt_waitmsg(&m[2]) == 0, "message 2 error %d", m[2].ms_error);
	join_wait(&abort_join);
	check(abort_ngot == 2 && abort_got[0] == 0 && abort_got[1] == 2,
	      "lazy thread got %d messages (%u, %u), want 0 and 2", abort_ngot, abort_got[0],
	      abort_got[1]);

	uint32_t f = m[0].ms_flags;
	lwkt_abortmsg(&m[0]); /* completed: no effect */
	check(m[0].ms_flags == f && m[0].ms_error == 0, "abort of a completed message changed it");
	check(lwkt_getport(me) == NULL, "replies left on the port after the abort test");
}

void test_msgport(void)
{
	struct test_join j;

	server_cpu = ncpus > 1 ? 1 : 0;
	server_next = 0;
	server_badorder = 0;
	server_wrongcpu = 0;
	join_init(&j, 1);
	echo_port = (struct lwkt_port){ 0 };
	lwkt_initport_thread(&echo_port, NULL);
	echo_port.mp_putport = echo_putport;
	lwkt_create(server_thread, &j, &server_td, server_cpu, "server");
	test_sync_async();
	join_wait(&j);
	check(server_badorder == 0, "server saw %u messages out of order", server_badorder);
	check(server_wrongcpu == 0, "server ran %u times on the wrong CPU", server_wrongcpu);

	msg_abort_test(ncpus > 1 ? ncpus - 1 : 0);
}
