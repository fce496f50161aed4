/*
 * Questions about physical ranges against the Multiboot memory map, for
 * the tests: is a range RAM, where does a run of entries end.
 */
#ifndef KERNEL_RANGES_H
#define KERNEL_RANGES_H

#include "types.h"

/* Every byte of [start, end) lies in an entry of type MB_MEMORY_AVAILABLE. */
bool range_available(uint64_t start, uint64_t end);

/*
 * From addr, follow adjacent entries (only available ones if avail_only,
 * any type otherwise) and return where the run ends; addr itself if no
 * entry contains addr.
 */
uint64_t range_run_end(uint64_t addr, bool avail_only);

/* [a0, a1) and [b0, b1) share a byte. */
static inline bool range_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

#endif /* KERNEL_RANGES_H */
