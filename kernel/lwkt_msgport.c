/*
 * LWKT messages and thread ports, after DragonFly's
 * sys/kern/lwkt_msgport.c (the semantics are in msgport.h).
 *
 * The generic functions (lwkt_sendmsg, lwkt_domsg, lwkt_replymsg,
 * lwkt_abortmsg, lwkt_waitport) only call the port's vectors; the thread
 * port below implements them.  A thread port's queue and the ms_flags of
 * the messages on it change under the port's spin lock, in a critical
 * section, from any CPU; the owner thread blocks by descheduling itself
 * with MSGPORTF_WAITING (or MSGF_WAITING on a message) set under the
 * lock, and whoever clears the flag wakes it with lwkt_schedule after
 * dropping the lock.  A wakeup that finds the owner already running is
 * harmless: every wait loops on its condition.
 *
 * ms_flags is changed under the lock of whichever port the message is
 * on, and a sender's lwkt_abortmsg may touch it under the target port's
 * lock while the reply port's lock covers a reply: every change is a
 * locked or/and, so no bit is lost.
 */
#include "errno.h"
#include "msgport.h"
#include "power.h"
#include "thread.h"
#include "thread2.h"

static inline void msg_flags_set(lwkt_msg_t msg, uint32_t f)
{
	__asm__ volatile("lock; orl %1, %0" : "+m"(msg->ms_flags) : "ir"(f) : "cc", "memory");
}

static inline void msg_flags_clear(lwkt_msg_t msg, uint32_t f)
{
	__asm__ volatile("lock; andl %1, %0" : "+m"(msg->ms_flags) : "ir"(~f) : "cc", "memory");
}

void lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t cmd)
{
	msg->ms_target_port = NULL;
	msg->ms_reply_port = rport;
	msg->ms_flags = MSGF_DONE;
	msg->ms_error = 0;
	msg->ms_cmd = cmd;
}

/* Thread port ---------------------------------------------------------- */

/* Context: any thread or IPI context; does not block. */
int lwkt_thread_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct thread *wake = NULL;

	crit_enter();
	spin_lock(&port->mp_spin);
	TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
	msg_flags_set(msg, MSGF_QUEUED);
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		wake = port->mp_td;
	}
	spin_unlock(&port->mp_spin);
	if (wake != NULL)
		lwkt_schedule(wake);
	crit_exit();
	return EASYNC;
}

/* Dequeue the first message.  Lock held. */
static lwkt_msg_t lwkt_port_pop(lwkt_port_t port)
{
	lwkt_msg_t msg = TAILQ_FIRST(&port->mp_msgq);

	if (msg != NULL) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg_flags_clear(msg, MSGF_QUEUED);
	}
	return msg;
}

/* Context: the port's owner thread; blocks until a message is queued. */
static lwkt_msg_t lwkt_thread_waitport(lwkt_port_t port)
{
	struct thread *td = curthread;
	lwkt_msg_t msg;

	KASSERT(port->mp_td == td);
	crit_enter();
	spin_lock(&port->mp_spin);
	while ((msg = lwkt_port_pop(port)) == NULL) {
		port->mp_flags |= MSGPORTF_WAITING;
		lwkt_deschedule_self(td);
		spin_unlock(&port->mp_spin);
		td->td_wmesg = "waitport";
		lwkt_switch();
		spin_lock(&port->mp_spin);
	}
	port->mp_flags &= ~MSGPORTF_WAITING;
	spin_unlock(&port->mp_spin);
	crit_exit();
	return msg;
}

/*
 * Context: any thread or IPI context; does not block.  A synchronous
 * (lwkt_domsg) message is only marked DONE: its sender waits for that;
 * an asynchronous one is queued on the port for lwkt_waitport/waitmsg.
 */
static void lwkt_thread_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct thread *wake = NULL;

	crit_enter();
	spin_lock(&port->mp_spin);
	KASSERT(!(msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)));
	if (!(msg->ms_flags & MSGF_SYNC)) {
		TAILQ_INSERT_TAIL(&port->mp_msgq, msg, ms_node);
		msg_flags_set(msg, MSGF_QUEUED);
	}
	msg_flags_set(msg, MSGF_REPLY | MSGF_DONE);
	if (msg->ms_flags & MSGF_WAITING) {
		msg_flags_clear(msg, MSGF_WAITING);
		wake = port->mp_td;
	}
	if (port->mp_flags & MSGPORTF_WAITING) {
		port->mp_flags &= ~MSGPORTF_WAITING;
		wake = port->mp_td;
	}
	spin_unlock(&port->mp_spin);
	if (wake != NULL)
		lwkt_schedule(wake);
	crit_exit();
}

/* Context: any thread context; does not block. */
static void lwkt_thread_abortport(lwkt_port_t port, lwkt_msg_t msg)
{
	bool dequeued = false;

	crit_enter();
	spin_lock(&port->mp_spin);
	msg_flags_set(msg, MSGF_ABORTED);
	if ((msg->ms_flags & MSGF_QUEUED) && msg->ms_target_port == port &&
	    !(msg->ms_flags & MSGF_DONE)) {
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg_flags_clear(msg, MSGF_QUEUED);
		dequeued = true;
	}
	spin_unlock(&port->mp_spin);
	if (dequeued)
		lwkt_replymsg(msg, ECANCELED);
	crit_exit();
}

void lwkt_initport_thread(lwkt_port_t port, struct thread *td)
{
	TAILQ_INIT(&port->mp_msgq);
	port->mp_spin.sl_lock = 0;
	port->mp_flags = 0;
	port->mp_td = td;
	port->mp_putport = lwkt_thread_putport;
	port->mp_waitport = lwkt_thread_waitport;
	port->mp_replyport = lwkt_thread_replyport;
	port->mp_abortport = lwkt_thread_abortport;
	port->mp_data = NULL;
}

/* Generic ------------------------------------------------------------- */

static int lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	msg->ms_target_port = port;
	return port->mp_putport(port, msg);
}

void lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	KASSERT(msg->ms_reply_port != NULL);
	KASSERT((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE);
	msg_flags_clear(msg, MSGF_REPLY | MSGF_SYNC | MSGF_DONE | MSGF_ABORTED);
	if ((error = lwkt_beginmsg(port, msg)) != EASYNC)
		lwkt_replymsg(msg, error); /* synchronous: the reply comes at once */
}

int lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg)
{
	int error;

	KASSERT(msg->ms_reply_port != NULL && msg->ms_reply_port->mp_td == curthread);
	KASSERT((msg->ms_flags & (MSGF_DONE | MSGF_QUEUED)) == MSGF_DONE);
	msg_flags_clear(msg, MSGF_REPLY | MSGF_DONE | MSGF_ABORTED);
	msg_flags_set(msg, MSGF_SYNC);
	if ((error = lwkt_beginmsg(port, msg)) == EASYNC) {
		error = lwkt_waitmsg(msg);
	} else {
		msg->ms_error = error;
		msg_flags_set(msg, MSGF_DONE); /* completed in putport */
	}
	return error;
}

int lwkt_waitmsg(lwkt_msg_t msg)
{
	lwkt_port_t port = msg->ms_reply_port;
	struct thread *td = curthread;

	KASSERT(port->mp_td == td);
	crit_enter();
	spin_lock(&port->mp_spin);
	while (!(msg->ms_flags & MSGF_DONE)) {
		msg_flags_set(msg, MSGF_WAITING);
		lwkt_deschedule_self(td);
		spin_unlock(&port->mp_spin);
		td->td_wmesg = "waitmsg";
		lwkt_switch();
		spin_lock(&port->mp_spin);
	}
	if (msg->ms_flags & MSGF_QUEUED) { /* an async reply: take it off the port */
		TAILQ_REMOVE(&port->mp_msgq, msg, ms_node);
		msg_flags_clear(msg, MSGF_QUEUED);
	}
	spin_unlock(&port->mp_spin);
	crit_exit();
	return msg->ms_error;
}

lwkt_msg_t lwkt_waitport(lwkt_port_t port)
{
	return port->mp_waitport(port);
}

lwkt_msg_t lwkt_getport(lwkt_port_t port)
{
	lwkt_msg_t msg;

	crit_enter();
	spin_lock(&port->mp_spin);
	msg = lwkt_port_pop(port);
	spin_unlock(&port->mp_spin);
	crit_exit();
	return msg;
}

void lwkt_replymsg(lwkt_msg_t msg, int error)
{
	lwkt_port_t port = msg->ms_reply_port;

	msg->ms_error = error;
	port->mp_replyport(port, msg);
}

void lwkt_abortmsg(lwkt_msg_t msg)
{
	lwkt_port_t port;

	crit_enter();
	if (!(msg->ms_flags & MSGF_DONE)) {
		port = msg->ms_target_port;
		if (port != NULL && port->mp_abortport != NULL)
			port->mp_abortport(port, msg);
	}
	crit_exit();
}
