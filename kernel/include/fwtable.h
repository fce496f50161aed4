/*
 * Byte-level helpers for reading firmware tables (ACPI, Intel MP): the
 * tables are packed little-endian structures found by scanning memory,
 * each guarded by a byte checksum that sums to zero.  Shared by acpi.c
 * and mptable.c; any context, no locks.
 */
#ifndef KERNEL_FWTABLE_H
#define KERNEL_FWTABLE_H

#include "types.h"

/* The 8-bit sum of n bytes at p: 0 for a valid ACPI/MP checksum. */
static inline uint8_t fw_sum8(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n-- > 0)
		s += *b++;
	return s;
}

/* Unaligned little-endian loads. */
static inline uint16_t fw_rd16(const uint8_t *p)
{
	return p[0] | (p[1] << 8);
}

static inline uint32_t fw_rd32(const uint8_t *p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif /* KERNEL_FWTABLE_H */
