/*
 * Fixed-width types for the kernel.  gcc's freestanding headers provide
 * them; nothing from a hosted libc is used.
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of an array, in elements. */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ROUNDDOWN(x, a) ((x) & ~((a) - 1)) /* a: a power of two */
#define ROUNDUP(x, a) ROUNDDOWN((x) + (a) - 1, a)

#define __noreturn __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))

#endif /* KERNEL_TYPES_H */
