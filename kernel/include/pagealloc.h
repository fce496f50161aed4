/*
 * The physical page allocator: 4 KiB pages of RAM from the Multiboot
 * memory map.  Boot CPU only for now (no locking); any context.
 */
#ifndef KERNEL_PAGEALLOC_H
#define KERNEL_PAGEALLOC_H

#include "mb.h"
#include "types.h"

/*
 * Physical memory the kernel manages and identity maps ends below this:
 * [PHYS_LIMIT, 4 GiB) holds devices (IOAPIC, LAPIC, BIOS ROM) and the
 * kernel's own virtual windows (vm.h).  RAM above is ignored.
 */
#define PHYS_LIMIT 0xE0000000u

/*
 * Mark free every page of available RAM at or above HIGH_MEM_START that
 * overlaps no reserved range (kernel image, boot information, modules).
 * Boot CPU, once, after mb_init().
 */
void pagealloc_init(void);

/* A free page's physical address, or 0 when none is left.  Contents undefined. */
uint32_t pagealloc_alloc(void);

/* Free a page from pagealloc_alloc().  Panics on a double free or a foreign page. */
void pagealloc_free(uint32_t pa);

uint32_t pagealloc_nfree(void);    /* pages free now */
uint32_t pagealloc_nmanaged(void); /* pages free at init */

/* The reserved ranges pagealloc_init() kept out: the kernel image, then mb_range()s. */
uint32_t pagealloc_nreserved(void);
struct mb_range pagealloc_reserved(uint32_t i);

#endif /* KERNEL_PAGEALLOC_H */
