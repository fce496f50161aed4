/*
 * 64-bit by 32-bit division without libgcc: gcc would call __udivdi3 for
 * a plain uint64_t '/' on i386, and there is no 32-bit libgcc here.
 */
#ifndef KERNEL_DIV64_H
#define KERNEL_DIV64_H

#include "types.h"

/* Return n / d and store n % d in *rem (if rem is not NULL).  d != 0. */
uint64_t udivmod64(uint64_t n, uint32_t d, uint32_t *rem);

#endif /* KERNEL_DIV64_H */
