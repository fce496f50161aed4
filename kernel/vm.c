/*
 * The kernel's page directory.
 *
 * Physical memory is identity mapped, supervisor-only, from 4 KiB up to
 * the end of the highest memory-map entry below PHYS_LIMIT, rounded up to
 * 4 MiB.  Page 0 stays unmapped so that a NULL dereference faults.  The
 * 4 MiB regions up to the end of the kernel image use 4 KiB page tables
 * (the kernel's text and read-only data are mapped read-only, enforced in
 * ring 0 by CR0.WP); the regions above use 4 MiB pages when the CPU has
 * PSE, 4 KiB tables otherwise.  Everything else (VM_TEST_WINDOW, the
 * device addresses) is unmapped until someone maps it.
 */
#include "vm.h"
#include "cpu.h"
#include "mb.h"
#include "mmu.h"
#include "pagealloc.h"
#include "power.h"
#include "string.h"
#include "x86.h"

extern char kernel_start[], kernel_text_end[], kernel_end[]; /* kernel.ld */

static uint32_t *pgdir;
static bool use_pse;
static uint32_t mapped_end;

static uint32_t *alloc_table(void)
{
	uint32_t pa = pagealloc_alloc();

	if (pa == 0)
		return NULL;
	memset((void *)pa, 0, PGSIZE);
	return (uint32_t *)pa;
}

uint32_t *vm_pte(uint32_t va, bool create)
{
	uint32_t *pde = &pgdir[PDX(va)];

	if ((*pde & PTE_P) && (*pde & PTE_PS))
		return NULL;
	if (!(*pde & PTE_P)) {
		uint32_t *pt;
		if (!create || (pt = alloc_table()) == NULL)
			return NULL;
		*pde = (uint32_t)pt | PTE_P | PTE_W;
	}
	return &((uint32_t *)PTE_ADDR(*pde))[PTX(va)];
}

int vm_map(uint32_t va, uint32_t pa, uint32_t perm)
{
	uint32_t *pte = vm_pte(va, true);

	if (pte == NULL)
		return -1;
	*pte = PTE_ADDR(pa) | perm | PTE_P;
	invlpg(va);
	return 0;
}

void vm_unmap(uint32_t va)
{
	uint32_t *pte = vm_pte(va, false);

	if (pte != NULL)
		*pte = 0;
	invlpg(va);
}

/* The highest end of any memory map entry below PHYS_LIMIT. */
static uint32_t ram_end(void)
{
	uint64_t end = (uint32_t)kernel_end;

	for (uint32_t i = 0; i < mb_mmap_count(); i++) {
		const struct mb_mmap_entry *e = mb_mmap_entry(i);
		uint64_t e_end = e->mm_addr + e->mm_len;
		if (e->mm_addr < PHYS_LIMIT && e_end > end)
			end = e_end;
	}
	return end > PHYS_LIMIT ? PHYS_LIMIT : (uint32_t)end;
}

void vm_init(void)
{
	uint32_t small_end = ROUNDUP((uint32_t)kernel_end, LARGE_PGSIZE);

	if ((pgdir = alloc_table()) == NULL)
		panic("vm_init: no page for the page directory");
	use_pse = cpu_has(CPUID_PSE);
	mapped_end = ROUNDUP(ram_end(), LARGE_PGSIZE);

	for (uint32_t va = 0; va < mapped_end; va += LARGE_PGSIZE) {
		if (use_pse && va >= small_end) {
			pgdir[PDX(va)] = va | PTE_P | PTE_W | PTE_PS;
			continue;
		}
		for (uint32_t pa = va; pa < va + LARGE_PGSIZE; pa += PGSIZE) {
			if (pa == 0)
				continue; /* NULL faults */
			bool text = pa >= (uint32_t)kernel_start && pa < (uint32_t)kernel_text_end;
			uint32_t *pte = vm_pte(pa, true);
			if (pte == NULL)
				panic("vm_init: out of memory for page tables at 0x%08x", pa);
			*pte = pa | PTE_P | (text ? 0 : PTE_W);
		}
	}

	if (use_pse)
		lcr4(rcr4() | CR4_PSE);
	lcr3((uint32_t)pgdir);
	lcr0(rcr0() | CR0_PG | CR0_WP);
}

bool vm_uses_pse(void)
{
	return use_pse;
}

uint32_t vm_mapped_end(void)
{
	return mapped_end;
}
