/*
 * Multiboot v1: the header the kernel carries and the boot information
 * the loader hands over in EBX.  Layouts from the Multiboot Specification
 * 0.6.96, section 3; offsets asserted below.
 */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#define MB_HEADER_MAGIC      0x1BADB002
#define MB_HEADER_PAGE_ALIGN 0x00000001 /* modules page aligned */
#define MB_HEADER_MEMINFO    0x00000002 /* mem_* and mmap_* wanted */
#define MB_HEADER_FLAGS      (MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMINFO)
#define MB_BOOTLOADER_MAGIC  0x2BADB002 /* in EAX at entry */

/* multiboot_info.flags: which fields are valid. */
#define MB_INFO_MEMORY       0x00000001 /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE      0x00000004
#define MB_INFO_MODS         0x00000008
#define MB_INFO_MEM_MAP      0x00000040
#define MB_INFO_LOADER_NAME  0x00000200

/* Memory map entry types. */
#define MB_MEMORY_AVAILABLE  1
#define MB_MEMORY_RESERVED   2
#define MB_MEMORY_ACPI       3
#define MB_MEMORY_NVS        4
#define MB_MEMORY_BADRAM     5

#ifndef __ASSEMBLER__
#include "types.h"

struct multiboot_info {
	uint32_t mi_flags;
	uint32_t mi_mem_lower; /* KiB of RAM from 0 */
	uint32_t mi_mem_upper; /* KiB of RAM from 1 MiB */
	uint32_t mi_boot_device;
	uint32_t mi_cmdline; /* physical address of a NUL-terminated string */
	uint32_t mi_mods_count;
	uint32_t mi_mods_addr; /* physical address of struct mb_module[] */
	uint32_t mi_syms[4];
	uint32_t mi_mmap_length; /* bytes */
	uint32_t mi_mmap_addr;
	uint32_t mi_drives_length;
	uint32_t mi_drives_addr;
	uint32_t mi_config_table;
	uint32_t mi_boot_loader_name;
	uint32_t mi_apm_table;
};
_Static_assert(__builtin_offsetof(struct multiboot_info, mi_mmap_length) == 44, "multiboot_info");
_Static_assert(__builtin_offsetof(struct multiboot_info, mi_boot_loader_name) == 64, "multiboot_info");

/*
 * A memory map entry.  mm_size counts the bytes after itself (20 for this
 * layout); the next entry starts mm_size + 4 bytes further on.
 */
struct mb_mmap_entry {
	uint32_t mm_size;
	uint64_t mm_addr;
	uint64_t mm_len;
	uint32_t mm_type;
} __attribute__((packed));
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "mb_mmap_entry");

struct mb_module {
	uint32_t mod_start; /* first byte */
	uint32_t mod_end;   /* one past the last byte */
	uint32_t mod_string;
	uint32_t mod_reserved;
};
_Static_assert(sizeof(struct mb_module) == 16, "mb_module");
#endif

#endif /* KERNEL_MULTIBOOT_H */
