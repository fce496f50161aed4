/*
 * The thread switch: DragonFly's cpu_lwkt_switch reduced to the 2003
 * post's "pushal; save %esp; load %esp; popal; ret", plus the flags so
 * that each thread keeps its own interrupt flag (a thread preempted
 * inside an interrupt handler has IF=0 there, one that called
 * lwkt_switch has what it had).
 *
 * void lwkt_switch_to(struct thread *old, struct thread *new);
 *
 * Called by lwkt_switch() (lwkt_thread.c) in a critical section, with
 * gd_curthread already set to new and new->td_running set.  A switched
 * out thread's stack, from td_sp up (the layout lwkt_create() builds for
 * a new thread, see lwkt_thread.c):
 *
 *      +----------------+
 *      | (caller frame) |
 *      | new            |  arg 2
 *      | old            |  arg 1
 *      | return eip     |  into lwkt_switch (a new thread: lwkt_thread_start)
 *      | eflags         |  pushfl
 *      | eax ecx edx ebx|  pushal
 *      | oesp ebp esi   |
 *      | edi            |
 *      +----------------+  <- td_sp
 *
 * Once old->td_sp is saved, old->td_running is cleared: from that store
 * on another CPU may take old's stack (a migrating thread), so nothing
 * after it touches the old stack.  x86 TSO keeps the two stores in order.
 */
#include "thread.h"

	.text
	.globl lwkt_switch_to
	.type lwkt_switch_to, @function
lwkt_switch_to:
	movl 4(%esp), %eax              /* old */
	movl 8(%esp), %edx              /* new */
	pushfl
	cli                             /* no interrupt on a half-switched stack */
	pushal
	movl %esp, TD_SP(%eax)
	movl $0, TD_RUNNING(%eax)       /* old's stack is free from here */
	movl TD_SP(%edx), %esp
	popal
	popfl                           /* new's own interrupt flag */
	ret
	.size lwkt_switch_to, . - lwkt_switch_to
