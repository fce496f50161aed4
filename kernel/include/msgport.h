/*
 * LWKT messages and ports (lwkt_msgport.c), as in DragonFly's
 * <sys/msgport.h>.
 *
 * A message (struct lwkt_msg) is owned by its sender until it is sent,
 * by the target port's side until it is replied, and by the sender again
 * once MSGF_DONE is set.  A port is a set of four functions:
 *
 *   mp_putport(port, msg)   deliver: run the message at once and return
 *                           its error (synchronous completion), or queue
 *                           it and return EASYNC (it completes later,
 *                           through lwkt_replymsg);
 *   mp_waitport(port)       block until a message is queued, dequeue it;
 *   mp_replyport(port, msg) take back a completed message (msg's reply
 *                           port): set MSGF_DONE, queue it unless a
 *                           lwkt_domsg caller waits for it synchronously;
 *   mp_abortport(port, msg) the sender wants msg back: if it is still
 *                           queued here, dequeue it and reply it with
 *                           ECANCELED; otherwise the receiver has it and
 *                           will reply it (it may look at MSGF_ABORTED).
 *
 * Thread ports (lwkt_initport_thread) are owned by one thread, the only
 * one that waits on them; their queue is protected by a spin lock, so any
 * CPU can put or reply to them, and the owner is woken with
 * lwkt_schedule (an IPI if it lives on another CPU).  Nothing is lost: a
 * message is always either with its sender, queued on exactly one port,
 * held by a receiver, or DONE.
 */
#ifndef KERNEL_MSGPORT_H
#define KERNEL_MSGPORT_H

#include "queue.h"
#include "spinlock.h"
#include "types.h"

struct thread;
typedef struct lwkt_msg *lwkt_msg_t;
typedef struct lwkt_port *lwkt_port_t;

struct lwkt_msg {
	TAILQ_ENTRY(lwkt_msg) ms_node;   /* on a port's mp_msgq while MSGF_QUEUED */
	lwkt_port_t ms_target_port;      /* where it was last sent */
	lwkt_port_t ms_reply_port;       /* where it comes back */
	volatile uint32_t ms_flags;      /* MSGF_* */
	int ms_error;                    /* completion: 0, an errno, ECANCELED */
	uint32_t ms_cmd;                 /* what to do: the port's business */
	uint64_t ms_tag;                 /* the sender's, echoed untouched */
	uint32_t ms_arg;                 /* payload in */
	uint32_t ms_result;              /* payload out */
};

#define MSGF_DONE    0x0001 /* complete; the sender owns it again */
#define MSGF_REPLY   0x0002 /* came back through lwkt_replymsg */
#define MSGF_QUEUED  0x0004 /* on some port's mp_msgq */
#define MSGF_SYNC    0x0008 /* lwkt_domsg: the sender waits, no reply queueing */
#define MSGF_ABORTED 0x0010 /* lwkt_abortmsg was called on it */
#define MSGF_WAITING 0x0020 /* a thread sleeps in lwkt_waitmsg for it */

struct lwkt_port {
	TAILQ_HEAD(, lwkt_msg) mp_msgq;
	struct spinlock mp_spin;  /* protects mp_msgq, mp_flags, queued ms_flags */
	uint32_t mp_flags;        /* MSGPORTF_* */
	struct thread *mp_td;     /* the owner: the only thread that waits here */
	int (*mp_putport)(lwkt_port_t port, lwkt_msg_t msg);
	lwkt_msg_t (*mp_waitport)(lwkt_port_t port);
	void (*mp_replyport)(lwkt_port_t port, lwkt_msg_t msg);
	void (*mp_abortport)(lwkt_port_t port, lwkt_msg_t msg);
	void *mp_data;            /* for a custom port's functions */
};

#define MSGPORTF_WAITING 0x0001 /* mp_td sleeps in waitport or waitmsg */

/* A message ready to send, replying to rport; the sender owns it (DONE). */
void lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, uint32_t cmd);

/* A port owned by td with the thread-port functions.  Any context. */
void lwkt_initport_thread(lwkt_port_t port, struct thread *td);

/*
 * Send and wait: returns the message's error.  Thread context, may block
 * (unless the port completes it synchronously); the caller must be the
 * owner of msg's reply port.
 */
int lwkt_domsg(lwkt_port_t port, lwkt_msg_t msg);

/*
 * Send without waiting: a synchronous completion is replied at once, so
 * either way the message comes back through its reply port.  Any thread
 * context; does not block.
 */
void lwkt_sendmsg(lwkt_port_t port, lwkt_msg_t msg);

/*
 * Wait for msg to be DONE, dequeue it from its reply port if it was
 * queued there, return its error.  Owner of the reply port; may block.
 */
int lwkt_waitmsg(lwkt_msg_t msg);

/* The next message on port, blocking until one comes.  Port's owner. */
lwkt_msg_t lwkt_waitport(lwkt_port_t port);

/* The next message on port, or NULL.  Port's owner; does not block. */
lwkt_msg_t lwkt_getport(lwkt_port_t port);

/* Complete msg with error: back to its reply port.  Any thread context. */
void lwkt_replymsg(lwkt_msg_t msg, int error);

/* Ask for msg back (see mp_abortport above).  Any thread context. */
void lwkt_abortmsg(lwkt_msg_t msg);

/* The thread-port functions, for custom ports that forward to them. */
int lwkt_thread_putport(lwkt_port_t port, lwkt_msg_t msg);

#endif /* KERNEL_MSGPORT_H */
