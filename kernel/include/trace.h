/*
 * Guest-controlled instruction tracing: "dfemu trace -trace-port" starts
 * with tracing off and traces only between trace_on() and trace_off().
 * The port is dfemu's (a Bochs-like debug port, emu/dev/tracectl.go);
 * under QEMU and plain "dfemu boot" these are harmless port writes.
 * Context: any CPU, any context; each is one outb.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include "memlayout.h"
#include "x86.h"

/* trace_on: tracing starts with the next instruction. */
static inline void trace_on(void)
{
	outb(PORT_TRACE_CTL, 1);
}

/* trace_off: this outb is the last instruction traced. */
static inline void trace_off(void)
{
	outb(PORT_TRACE_CTL, 0);
}

/* trace_is_on: 1 while dfemu traces, 0 otherwise (and under QEMU: 0xff). */
static inline int trace_is_on(void)
{
	return inb(PORT_TRACE_CTL) == 1;
}

#endif
