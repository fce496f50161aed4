/*
 * test pagefault: page faults are raised and reported as the SDM says
 * (vector 14, error code, CR2 = the linear address), on an unmapped
 * page, on a write to a read-only page with CR0.WP, on page 0 and on the
 * kernel's read-only text; mapping a page makes it usable (and the same
 * physical page reads the same through its identity mapping); clearing
 * a PTE and executing invlpg makes it fault again.
 */
#include "mmu.h"
#include "pagealloc.h"
#include "probe.h"
#include "test.h"
#include "trap.h"
#include "vm.h"
#include "x86.h"

extern char kernel_start[]; /* kernel.ld */

/* Run a read (write = false) or a write of val at va expecting a page fault with error code err. */
static void expect_fault(const char *what, uint32_t va, bool write, uint32_t val, uint32_t err)
{
	struct trap_record rec;
	uint32_t got;
	int r;

	trap_expect(T_PF);
	r = write ? probe_write32(va, val) : probe_read32(va, &got);
	bool caught = trap_expect_done(&rec);
	if (!check(r == -1 && caught, "%s: no page fault", what))
		return;
	check(rec.tr_vector == T_PF, "%s: vector %u", what, rec.tr_vector);
	check(rec.tr_err == err, "%s: error code 0x%x, want 0x%x", what, rec.tr_err, err);
	check(rec.tr_cr2 == va, "%s: cr2 0x%08x, want 0x%08x", what, rec.tr_cr2, va);
}

/* Read va, which must not fault; returns the value. */
static uint32_t expect_read(const char *what, uint32_t va)
{
	uint32_t v = 0;

	trap_expect(T_PF);
	int r = probe_read32(va, &v);
	bool caught = trap_expect_done(NULL);
	check(r == 0 && !caught, "%s: read of 0x%08x faulted", what, va);
	return v;
}

static void expect_write(const char *what, uint32_t va, uint32_t val)
{
	trap_expect(T_PF);
	int r = probe_write32(va, val);
	bool caught = trap_expect_done(NULL);
	check(r == 0 && !caught, "%s: write to 0x%08x faulted", what, va);
}

void test_pagefault(void)
{
	const uint32_t va = VM_TEST_WINDOW + 0x3000, off = 0x124;

	check((rcr0() & (CR0_PG | CR0_WP)) == (CR0_PG | CR0_WP), "cr0 0x%08x: PG or WP clear", rcr0());

	/* Nothing mapped at all. */
	expect_fault("unmapped read", va + off, false, 0, 0);
	expect_fault("unmapped write", va + off, true, 1, PF_W);
	expect_fault("NULL read", 0, false, 0, 0);

	/* Kernel text is mapped read-only: write back what is there, so nothing changes if it does not fault. */
	uint32_t text = (uint32_t)kernel_start + 0x10;
	expect_fault("write to kernel text", text, true, expect_read("kernel text", text), PF_P | PF_W);

	/* Map a page read/write: usable, and aliased to its physical page. */
	uint32_t pa = pagealloc_alloc();
	if (!check(pa != 0, "no free page"))
		return;
	if (!check(vm_map(va, pa, PTE_W) == 0, "vm_map failed"))
		goto out;
	expect_write("mapped page", va + off, 0xC0FFEE01);
	check(expect_read("mapped page", va + off) == 0xC0FFEE01, "mapped page: read back wrong");
	check(*(volatile uint32_t *)(pa + off) == 0xC0FFEE01, "the physical page does not hold the write");

	/* Read-only: reads work, writes fault with P|W and change nothing. */
	check(vm_map(va, pa, 0) == 0, "vm_map read-only failed");
	check(expect_read("read-only page", va + off) == 0xC0FFEE01, "read-only page: read back wrong");
	expect_fault("write to read-only page", va + off, true, 0xBAD, PF_P | PF_W);
	check(*(volatile uint32_t *)(pa + off) == 0xC0FFEE01, "a faulting write changed memory");

	/* Clear the PTE, flush it with invlpg: the page faults again. */
	uint32_t *pte = vm_pte(va, false);
	if (check(pte != NULL, "no page table for the test window")) {
		*pte = 0;
		invlpg(va);
		expect_fault("read after invlpg", va + off, false, 0, 0);
	}

	/* And through vm_map/vm_unmap. */
	check(vm_map(va, pa, PTE_W) == 0, "vm_map again failed");
	check(expect_read("remapped page", va + off) == 0xC0FFEE01, "remapped page: read back wrong");
	vm_unmap(va);
	expect_fault("read after vm_unmap", va + off, false, 0, 0);
out:
	pagealloc_free(pa);
}
