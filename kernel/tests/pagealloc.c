/*
 * test pagealloc: allocate every free page, then free them all.
 *
 * Each allocated page is checked (aligned, at or above 1 MiB, inside
 * available RAM, clear of every reserved range) and stamped: a magic
 * word, its allocation index, the previous page's address (so the pages
 * form a list without any other memory) and the index's complement in
 * its last word.  Walking the list back then proves every page distinct
 * (a page handed out twice would carry the later index) and writable
 * end to end; every 256th page also gets a full write/read pattern.
 * Afterwards the free count must be back where it started, and the
 * allocator must hand out pages again.
 */
#include "memlayout.h"
#include "mmu.h"
#include "pagealloc.h"
#include "ranges.h"
#include "test.h"

#define STAMP_MAGIC 0xDF0A110Cu

static bool page_reserved(uint32_t pa)
{
	for (uint32_t i = 0; i < pagealloc_nreserved(); i++) {
		struct mb_range r = pagealloc_reserved(i);
		if (range_overlap(pa, (uint64_t)pa + PGSIZE, r.r_start, r.r_end))
			return true;
	}
	return false;
}

static bool pattern_ok(uint32_t *w, uint32_t seed)
{
	for (uint32_t i = 0; i < PGSIZE / 4; i++)
		w[i] = seed ^ (i * 0x9E3779B9u);
	for (uint32_t i = 0; i < PGSIZE / 4; i++)
		if (w[i] != (seed ^ (i * 0x9E3779B9u)))
			return false;
	return true;
}

void test_pagealloc(void)
{
	uint32_t start_free = pagealloc_nfree(), count = 0, last = 0, pa;

	if (!check(start_free > 0 && start_free <= pagealloc_nmanaged(), "%u pages free of %u managed",
		   start_free, pagealloc_nmanaged()))
		return;

	while ((pa = pagealloc_alloc()) != 0) {
		check(pa % PGSIZE == 0, "page 0x%08x not aligned", pa);
		check(pa >= HIGH_MEM_START, "page 0x%08x below 1 MiB", pa);
		check(range_available(pa, (uint64_t)pa + PGSIZE), "page 0x%08x not available RAM", pa);
		check(!page_reserved(pa), "page 0x%08x overlaps a reserved range", pa);
		uint32_t *w = (uint32_t *)pa;
		if (count % 256 == 0)
			check(pattern_ok(w, pa), "page 0x%08x: pattern read back wrong", pa);
		w[0] = STAMP_MAGIC;
		w[1] = count;
		w[2] = last;
		w[PGSIZE / 4 - 1] = ~count;
		last = pa;
		count++;
	}
	check(count == start_free, "allocated %u pages, %u were free", count, start_free);
	check(pagealloc_nfree() == 0, "%u pages free after allocating all", pagealloc_nfree());
	check(pagealloc_alloc() == 0, "allocation succeeded with no free pages");

	uint32_t freed = 0;
	for (pa = last; pa != 0 && freed < count; freed++) {
		uint32_t *w = (uint32_t *)pa, idx = count - 1 - freed, prev = w[2];
		if (!check(w[0] == STAMP_MAGIC && w[1] == idx && w[PGSIZE / 4 - 1] == ~idx,
			   "page 0x%08x: stamp %08x/%u/%08x, want index %u: handed out twice?", pa, w[0],
			   w[1], w[PGSIZE / 4 - 1], idx))
			break;
		pagealloc_free(pa);
		pa = prev;
	}
	check(freed == count, "freed %u of %u pages", freed, count);
	check(pagealloc_nfree() == start_free, "%u pages free after freeing all, want %u",
	      pagealloc_nfree(), start_free);

	uint32_t a = pagealloc_alloc(), b = pagealloc_alloc();
	check(a != 0 && b != 0 && a != b, "two allocations after the cycle: 0x%08x 0x%08x", a, b);
	if (a)
		pagealloc_free(a);
	if (b)
		pagealloc_free(b);
	check(pagealloc_nfree() == start_free, "free count %u, want %u", pagealloc_nfree(), start_free);
}
