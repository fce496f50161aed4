/*
 * Virtual memory: one kernel page directory, identity mapping RAM
 * supervisor-only, and a window for tests that map and unmap 4 KiB pages.
 * Boot CPU only for now; interrupts off.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "types.h"

/*
 * A 4 MiB virtual window that is never identity mapped (it lies above
 * PHYS_LIMIT and below the IOAPIC), for tests that map and unmap pages.
 */
#define VM_TEST_WINDOW      0xF0000000u
#define VM_TEST_WINDOW_SIZE 0x00400000u

/*
 * Build the kernel page directory and turn paging on (CR0.PG, CR0.WP;
 * CR4.PSE when the CPU has it).  Boot CPU, once, after pagealloc_init().
 */
void vm_init(void);

/*
 * The page-table entry for va in the kernel page directory; with create,
 * a missing page table is allocated.  NULL if va lies in a 4 MiB page or
 * no table exists (and !create, or no memory).
 */
uint32_t *vm_pte(uint32_t va, bool create);

/* Map the 4 KiB page va -> pa with perm (PTE_W...).  0, or -1 if no page table. */
int vm_map(uint32_t va, uint32_t pa, uint32_t perm);

/* Remove the mapping of va (if any) and invalidate its TLB entry. */
void vm_unmap(uint32_t va);

bool vm_uses_pse(void);      /* RAM above the kernel is mapped with 4 MiB pages */
uint32_t vm_mapped_end(void); /* identity map covers [PGSIZE, this) */

#endif /* KERNEL_VM_H */
