/*
 * Range queries over the memory map.  Entries may come in any order and
 * a range may span several adjacent entries, so both queries advance a
 * cursor from entry to entry until no entry contains it.
 */
#include "ranges.h"
#include "mb.h"

/* The end of an entry containing addr (of the wanted kind), or addr. */
static uint64_t entry_end_at(uint64_t addr, bool avail_only)
{
	for (uint32_t i = 0; i < mb_mmap_count(); i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);
		if (avail_only && e->mm_type != MB_MEMORY_AVAILABLE)
			continue;
		if (e->mm_len > 0 && addr >= e->mm_addr && addr < e->mm_addr + e->mm_len)
			return e->mm_addr + e->mm_len;
	}
	return addr;
}

uint64_t range_run_end(uint64_t addr, bool avail_only)
{
	for (;;) {
		uint64_t next = entry_end_at(addr, avail_only);
		if (next == addr)
			return addr;
		addr = next;
	}
}

bool range_available(uint64_t start, uint64_t end)
{
	return start >= end || range_run_end(start, true) >= end;
}
