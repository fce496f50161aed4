/*
 * Reading the Multiboot information (Multiboot Specification 0.6.96, 3.3).
 *
 * The loader builds the information wherever it likes (QEMU's -kernel
 * and dfemu put the info and the memory map in low memory, the module
 * list and the strings in a page after the kernel image, then the
 * modules; see emu/multiboot/info.go).  So mb_init() records every range the
 * information and the modules occupy, and the page allocator keeps out of
 * all of them; the information is then read in place for the whole run.
 *
 * Memory map entries are walked by their size field (the next entry is
 * size + 4 bytes on), indexed once here so later readers cannot be led
 * astray by a malformed entry: the walk stops at the end of the buffer.
 */
#include "mb.h"
#include "kprintf.h"
#include "power.h"
#include "string.h"

static const struct multiboot_info *info;
static const struct mb_mmap_entry *mmap[MB_MAX_MMAP];
static uint32_t nmmap;
static struct mb_range ranges[MB_MAX_RANGES];
static uint32_t nranges;

static void add_range(uint64_t start, uint64_t end, const char *what)
{
	if (end <= start)
		return;
	if (nranges == MB_MAX_RANGES)
		panic("mb_init: more than %d boot-info ranges", MB_MAX_RANGES);
	ranges[nranges++] = (struct mb_range){ start, end, what };
}

/* A NUL-terminated string's range, terminator included. */
static void add_string(uint32_t addr, const char *what)
{
	if (addr != 0)
		add_range(addr, (uint64_t)addr + strlen((const char *)addr) + 1, what);
}

void mb_init(uint32_t magic, const struct multiboot_info *mi)
{
	if (magic != MB_BOOTLOADER_MAGIC)
		panic("mb_init: bad magic 0x%08x", magic);
	if (!(mi->mi_flags & MB_INFO_MEM_MAP))
		panic("mb_init: the loader gave no memory map (flags 0x%08x)", mi->mi_flags);
	info = mi;
	add_range((uint32_t)mi, (uint32_t)mi + sizeof(*mi), "multiboot info");

	add_range(mi->mi_mmap_addr, (uint64_t)mi->mi_mmap_addr + mi->mi_mmap_length, "memory map");
	for (uint32_t off = 0; off + 4 <= mi->mi_mmap_length && nmmap < MB_MAX_MMAP;) {
		const struct mb_mmap_entry *e = (const void *)(mi->mi_mmap_addr + off);
		mmap[nmmap++] = e;
		off += e->mm_size + 4;
	}

	if (mi->mi_flags & MB_INFO_CMDLINE)
		add_string(mi->mi_cmdline, "command line");
	if (mi->mi_flags & MB_INFO_LOADER_NAME)
		add_string(mi->mi_boot_loader_name, "boot loader name");
	if (mi->mi_flags & MB_INFO_MODS) {
		add_range(mi->mi_mods_addr,
			  (uint64_t)mi->mi_mods_addr + mi->mi_mods_count * sizeof(struct mb_module),
			  "module list");
		for (uint32_t i = 0; i < mi->mi_mods_count; i++) {
			const struct mb_module *m = mb_module(i);
			add_range(m->mod_start, m->mod_end, "module");
			add_string(m->mod_string, "module string");
		}
	}
}

const struct multiboot_info *mb_info(void)
{
	return info;
}

const char *mb_cmdline(void)
{
	if (!(info->mi_flags & MB_INFO_CMDLINE) || info->mi_cmdline == 0)
		return "";
	return (const char *)info->mi_cmdline;
}

const char *mb_loader_name(void)
{
	if (!(info->mi_flags & MB_INFO_LOADER_NAME) || info->mi_boot_loader_name == 0)
		return "";
	return (const char *)info->mi_boot_loader_name;
}

uint32_t mb_mmap_count(void)
{
	return nmmap;
}

const struct mb_mmap_entry *mb_mmap_entry(uint32_t i)
{
	KASSERT(i < nmmap);
	return mmap[i];
}

const char *mb_mmap_type_name(uint32_t type)
{
	switch (type) {
	case MB_MEMORY_AVAILABLE:
		return "available";
	case MB_MEMORY_RESERVED:
		return "reserved";
	case MB_MEMORY_ACPI:
		return "ACPI reclaimable";
	case MB_MEMORY_NVS:
		return "ACPI NVS";
	case MB_MEMORY_BADRAM:
		return "bad RAM";
	default:
		return "unknown";
	}
}

uint32_t mb_mods_count(void)
{
	return (info->mi_flags & MB_INFO_MODS) ? info->mi_mods_count : 0;
}

const struct mb_module *mb_module(uint32_t i)
{
	KASSERT(i < mb_mods_count());
	return (const struct mb_module *)info->mi_mods_addr + i;
}

const char *mb_module_string(uint32_t i)
{
	const struct mb_module *m = mb_module(i);

	return m->mod_string ? (const char *)m->mod_string : "";
}

uint32_t mb_nranges(void)
{
	return nranges;
}

const struct mb_range *mb_range(uint32_t i)
{
	KASSERT(i < nranges);
	return &ranges[i];
}

void mb_print(void)
{
	kprintf("boot info at 0x%08x: flags 0x%08x, boot device 0x%08x\n", (uint32_t)info,
		info->mi_flags, info->mi_boot_device);
	kprintf("  mmap at 0x%08x, modules at 0x%08x, command line at 0x%08x, loader name at 0x%08x\n",
		info->mi_mmap_addr, info->mi_mods_addr, info->mi_cmdline, info->mi_boot_loader_name);
	kprintf("memory map (mem_lower=%u KiB, mem_upper=%u KiB):\n", info->mi_mem_lower,
		info->mi_mem_upper);
	for (uint32_t i = 0; i < nmmap; i++) {
		const struct mb_mmap_entry *e = mmap[i];
		kprintf("  [0x%09llx-0x%09llx] %s\n", e->mm_addr, e->mm_addr + e->mm_len - 1,
			mb_mmap_type_name(e->mm_type));
	}
	kprintf("modules: %u\n", mb_mods_count());
	for (uint32_t i = 0; i < mb_mods_count(); i++) {
		const struct mb_module *m = mb_module(i);
		kprintf("  %u: [0x%08x-0x%08x) %u bytes \"%s\"\n", i, m->mod_start, m->mod_end,
			m->mod_end - m->mod_start, mb_module_string(i));
	}
}
