/*
 * The Multiboot boot information, as the loader left it.  The kernel
 * reads it in place (it is identity mapped and its memory is kept out of
 * the page allocator, see mb_nranges()), never copies it.
 */
#ifndef KERNEL_MB_H
#define KERNEL_MB_H

#include "multiboot.h"
#include "types.h"

#define MB_MAX_MMAP    64 /* memory map entries the kernel looks at */
#define MB_MAX_RANGES  80 /* boot-info ranges: info, mmap, modules, strings */

/* A physical range [r_start, r_end) and what it holds. */
struct mb_range {
	uint64_t r_start;
	uint64_t r_end;
	const char *r_what;
};

/*
 * Check the magic and the info's flags, index the memory map and collect
 * the ranges the boot information occupies.  Boot CPU, once, before the
 * page allocator.  Panics if there is no memory map.
 */
void mb_init(uint32_t magic, const struct multiboot_info *mi);

const struct multiboot_info *mb_info(void);
const char *mb_cmdline(void);     /* "" when the loader gave none */
const char *mb_loader_name(void); /* "" when the loader gave none */

/* Memory map entries, in the loader's order. */
uint32_t mb_mmap_count(void);
const struct mb_mmap_entry *mb_mmap_entry(uint32_t i);
const char *mb_mmap_type_name(uint32_t type);

/* Modules (flag MB_INFO_MODS), in -initrd order. */
uint32_t mb_mods_count(void);
const struct mb_module *mb_module(uint32_t i);
const char *mb_module_string(uint32_t i); /* "" when none */

/* Physical ranges holding boot information and module data. */
uint32_t mb_nranges(void);
const struct mb_range *mb_range(uint32_t i);

/* Print where the boot information is, the memory map and the modules. */
void mb_print(void);

#endif /* KERNEL_MB_H */
