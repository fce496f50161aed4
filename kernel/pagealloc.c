/*
 * Physical page allocator: two bitmaps over [0, PHYS_LIMIT), one bit per
 * 4 KiB page.  managed_map marks the pages pagealloc_init() found usable
 * and never changes afterwards; free_map marks those free now (always a
 * subset of managed_map).  Allocation scans free_map a word at a time
 * from a hint, so a run of allocations is linear overall; freeing checks
 * both maps, so a double free or a foreign address is caught at once.
 *
 * Usable: available in the memory map, at or above 1 MiB (the low
 * megabyte holds real-mode structures, the AP trampoline and the boot
 * information area; it is left alone), and overlapping none of the
 * reserved ranges: the kernel image and every boot-information range
 * (mb_range()).
 */
#include "pagealloc.h"
#include "memlayout.h"
#include "mmu.h"
#include "power.h"

#define PA_NPAGES (PHYS_LIMIT >> PGSHIFT)
#define PA_NWORDS (PA_NPAGES / 32)

extern char kernel_start[], kernel_end[]; /* kernel.ld */

static uint32_t managed_map[PA_NWORDS];
static uint32_t free_map[PA_NWORDS];
static uint32_t nmanaged, nfree;
static uint32_t hint; /* no free page below word hint */

uint32_t pagealloc_nreserved(void)
{
	return 1 + mb_nranges();
}

struct mb_range pagealloc_reserved(uint32_t i)
{
	if (i == 0)
		return (struct mb_range){ (uint32_t)kernel_start, (uint32_t)kernel_end, "kernel image" };
	return *mb_range(i - 1);
}

static bool page_reserved(uint64_t pa)
{
	for (uint32_t i = 0; i < pagealloc_nreserved(); i++) {
		struct mb_range r = pagealloc_reserved(i);
		if (pa < r.r_end && pa + PGSIZE > r.r_start)
			return true;
	}
	return false;
}

void pagealloc_init(void)
{
	for (uint32_t i = 0; i < mb_mmap_count(); i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);
		if (e->mm_type != MB_MEMORY_AVAILABLE)
			continue;
		uint64_t start = ROUNDUP(e->mm_addr, (uint64_t)PGSIZE);
		uint64_t end = ROUNDDOWN(e->mm_addr + e->mm_len, (uint64_t)PGSIZE);
		if (start < HIGH_MEM_START)
			start = HIGH_MEM_START;
		if (end > PHYS_LIMIT)
			end = PHYS_LIMIT;
		for (uint64_t pa = start; pa < end; pa += PGSIZE) {
			uint32_t pn = (uint32_t)(pa >> PGSHIFT), bit = 1u << (pn % 32);
			if (page_reserved(pa) || (managed_map[pn / 32] & bit))
				continue;
			managed_map[pn / 32] |= bit;
			free_map[pn / 32] |= bit;
			nmanaged++;
		}
	}
	nfree = nmanaged;
	hint = 0;
	if (nmanaged == 0)
		panic("pagealloc_init: no usable RAM above 1 MiB");
}

uint32_t pagealloc_alloc(void)
{
	for (uint32_t w = hint; w < PA_NWORDS; w++) {
		if (free_map[w] == 0)
			continue;
		uint32_t b = (uint32_t)__builtin_ctz(free_map[w]);
		free_map[w] &= ~(1u << b);
		nfree--;
		hint = w;
		return (w * 32 + b) << PGSHIFT;
	}
	hint = PA_NWORDS;
	return 0;
}

void pagealloc_free(uint32_t pa)
{
	uint32_t pn = pa >> PGSHIFT, bit = 1u << (pn % 32);

	if ((pa & (PGSIZE - 1)) || pa >= PHYS_LIMIT || !(managed_map[pn / 32] & bit))
		panic("pagealloc_free: 0x%08x is not an allocatable page", pa);
	if (free_map[pn / 32] & bit)
		panic("pagealloc_free: 0x%08x freed twice", pa);
	free_map[pn / 32] |= bit;
	nfree++;
	if (pn / 32 < hint)
		hint = pn / 32;
}

uint32_t pagealloc_nfree(void)
{
	return nfree;
}

uint32_t pagealloc_nmanaged(void)
{
	return nmanaged;
}
