/*
 * The few string and memory functions the kernel needs (string.c).  gcc
 * may also emit calls to memcpy/memset/memmove/memcmp on its own.  Any
 * context.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include "types.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/*
 * Parse an unsigned number at s: decimal, or hexadecimal after "0x".
 * Stops at the first character that is not a digit; *end (if not NULL)
 * points there.  Returns false if there was no digit or it overflowed.
 */
bool parse_u32(const char *s, const char **end, uint32_t *out);

#endif /* KERNEL_STRING_H */
