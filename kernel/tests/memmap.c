/*
 * test memmap: the Multiboot memory map as the loader built it.
 *
 * Well-formed entries (size field 20, nonzero length, a nonzero type,
 * no two overlapping); available RAM covers [1 MiB, kernel end) and none
 * of the legacy hole [0xA0000, 1 MiB); mem_lower and mem_upper lie
 * between the end of the available run and the end of the run of entries
 * of any type starting at 0 and at 1 MiB (QEMU counts reserved RAM at the
 * top in mem_upper, a loader may not); and with mem=MiB on the command
 * line, the available RAM is at most that and at least 1 MiB less.
 */
#include "mb.h"
#include "cmdline.h"
#include "memlayout.h"
#include "ranges.h"
#include "test.h"

extern char kernel_end[]; /* kernel.ld */

#define KiB 1024ull
#define MiB (1024ull * 1024)

void test_memmap(void)
{
	const struct multiboot_info *mi = mb_info();
	uint32_t n = mb_mmap_count();
	uint64_t avail = 0;

	check(mi->mi_flags & MB_INFO_MEMORY, "no mem_lower/mem_upper (flags 0x%08x)", mi->mi_flags);
	if (!check(n > 0, "the memory map is empty"))
		return;
	check(mi->mi_mmap_length == n * sizeof(struct mb_mmap_entry),
	      "mmap_length %u is not %u entries of 24 bytes", mi->mi_mmap_length, n);

	for (uint32_t i = 0; i < n; i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);
		check(e->mm_size == 20, "entry %u: size field %u, want 20", i, e->mm_size);
		check(e->mm_len > 0, "entry %u: zero length", i);
		check(e->mm_type != 0, "entry %u: type 0", i);
		for (uint32_t j = 0; j < i; j++) {
			const struct mb_mmap_entry *f = mb_mmap_entry(j);
			check(!range_overlap(e->mm_addr, e->mm_addr + e->mm_len, f->mm_addr,
					     f->mm_addr + f->mm_len),
			      "entries %u and %u overlap", j, i);
		}
		if (e->mm_type == MB_MEMORY_AVAILABLE) {
			avail += e->mm_len;
			check(!range_overlap(e->mm_addr, e->mm_addr + e->mm_len, LEGACY_HOLE, HIGH_MEM_START),
			      "entry %u: available RAM [0x%llx, 0x%llx) in the legacy hole", i, e->mm_addr,
			      e->mm_addr + e->mm_len);
		}
	}

	check(range_available(HIGH_MEM_START, (uint32_t)kernel_end),
	      "[1 MiB, kernel end 0x%08x) is not all available RAM", (uint32_t)kernel_end);

	uint64_t lower = mi->mi_mem_lower * KiB;
	check(mi->mi_mem_lower <= 640, "mem_lower %u KiB > 640", mi->mi_mem_lower);
	check(range_run_end(0, true) <= lower && lower <= range_run_end(0, false),
	      "mem_lower %u KiB outside [%llu, %llu] KiB from the map", mi->mi_mem_lower,
	      range_run_end(0, true) / KiB, range_run_end(0, false) / KiB);

	uint64_t upper = HIGH_MEM_START + mi->mi_mem_upper * KiB;
	check(range_run_end(HIGH_MEM_START, true) <= upper && upper <= range_run_end(HIGH_MEM_START, false),
	      "mem_upper %u KiB outside [%llu, %llu] KiB from the map", mi->mi_mem_upper,
	      (range_run_end(HIGH_MEM_START, true) - HIGH_MEM_START) / KiB,
	      (range_run_end(HIGH_MEM_START, false) - HIGH_MEM_START) / KiB);

	uint32_t mem_mib;
	if (kv_u32(mb_cmdline(), "mem", &mem_mib)) {
		uint64_t mem = mem_mib * MiB;
		check(avail <= mem && avail + MiB >= mem,
		      "available RAM %llu KiB not within 1 MiB below mem=%u MiB", avail / KiB, mem_mib);
	}
}
