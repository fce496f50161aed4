/*
 * test modules: every Multiboot module arrived intact and where a module
 * may be.  Each module's string must carry crc32=0x... (the CRC-32 of its
 * bytes, as Go's hash/crc32.ChecksumIEEE computes it); the kernel
 * recomputes it over [mod_start, mod_end).  Modules must be page aligned
 * (the header asks for it), pairwise disjoint, clear of the kernel image
 * and inside available RAM.  No modules: SKIP.
 */
#include "cmdline.h"
#include "crc32.h"
#include "mb.h"
#include "mmu.h"
#include "ranges.h"
#include "test.h"

extern char kernel_start[], kernel_end[]; /* kernel.ld */

void test_modules(void)
{
	uint32_t n = mb_mods_count();

	if (n == 0) {
		test_skip("no modules");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct mb_module *m = mb_module(i);
		if (!check(m->mod_end >= m->mod_start, "module %u: end 0x%08x before start 0x%08x", i,
			   m->mod_end, m->mod_start))
			continue;
		uint32_t size = m->mod_end - m->mod_start;

		check(m->mod_start % PGSIZE == 0, "module %u: start 0x%08x not page aligned", i,
		      m->mod_start);
		check(!range_overlap(m->mod_start, m->mod_end, (uint32_t)kernel_start, (uint32_t)kernel_end),
		      "module %u: [0x%08x, 0x%08x) overlaps the kernel image", i, m->mod_start, m->mod_end);
		check(range_available(m->mod_start, m->mod_end),
		      "module %u: [0x%08x, 0x%08x) not in available RAM", i, m->mod_start, m->mod_end);
		for (uint32_t j = 0; j < i; j++) {
			const struct mb_module *o = mb_module(j);
			check(!range_overlap(m->mod_start, m->mod_end, o->mod_start, o->mod_end),
			      "modules %u and %u overlap", j, i);
		}

		uint32_t crc = crc32_ieee((const void *)m->mod_start, size), want;
		test_note("module %u: size=%u crc32=0x%08x", i, size, crc);
		if (check(kv_u32(mb_module_string(i), "crc32", &want),
			  "module %u: no crc32=0x... in its string \"%s\"", i, mb_module_string(i)))
			check(crc == want, "module %u: crc32 0x%08x, its string says 0x%08x", i, crc, want);
	}
}
