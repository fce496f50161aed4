/*
 * kprintf: formatted output to the console; ksnprintf: to a buffer.
 *
 * Conversions: %d %i %u %x %X %s %c %p %% with an optional '0' or '-'
 * flag, a width, and the length modifiers l (same as none) and ll (64-bit,
 * printed without 64-bit division, see div64.h).  Any context.
 */
#ifndef KERNEL_KPRINTF_H
#define KERNEL_KPRINTF_H

#include "types.h"

void kprintf(const char *fmt, ...) __printf(1, 2);
void vkprintf(const char *fmt, va_list ap);

/*
 * Format into buf (always NUL-terminated when size > 0, truncated to fit);
 * returns the length the whole output would have had.
 */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif /* KERNEL_KPRINTF_H */
