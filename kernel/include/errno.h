/*
 * Kernel error numbers: the values BSD (and DragonFly) use, so they read
 * the same in traces.  Only the ones the kernel returns are defined.
 */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EINVAL    22 /* invalid argument */
#define EAGAIN    35 /* resource temporarily unavailable */
#define ECANCELED 85 /* operation canceled: an aborted message completes with it */
/*
 * Not an error: a port's putport queued the message, which will complete
 * later through its reply port (DragonFly's EASYNC).  Never returned by
 * lwkt_domsg, lwkt_waitmsg or seen in a reply.
 */
#define EASYNC    99

#endif /* KERNEL_ERRNO_H */
