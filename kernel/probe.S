/*
 * Probes: tiny routines that each execute one instruction which may (or
 * must) raise an exception, for the tests.  Each faulting instruction has
 * an exception-table entry {eip the CPU pushes, resume address}; trap()
 * resumes there when the test armed trap_expect() for that vector.  Every
 * probe returns 0 if the instruction completed and -1 if it was caught.
 * A probe touches no stack before its faulting instruction, so the resume
 * path can simply ret.  Prototypes are in probe.h.
 *
 * Stack at each probe's entry (cdecl):
 *
 *      | arg 2        |  8(%esp)
 *      | arg 1        |  4(%esp)
 *      | return addr  |  <- esp
 */
#include "mmu.h"

/* EXTABLE(eip, resume): one struct extable_entry (trap.h) in .extable. */
#define EXTABLE(eip, resume)	\
	.pushsection .extable, "a";	\
	.balign 4;		\
	.long eip, resume;	\
	.popsection

	.text

/* Common resume path: the probed instruction was caught. */
probe_caught:
	movl $-1, %eax
	ret

/* int probe_read32(uint32_t addr, uint32_t *out) */
	.globl probe_read32
	.type probe_read32, @function
probe_read32:
	movl 4(%esp), %edx
1:	movl (%edx), %eax
	EXTABLE(1b, probe_caught)
	movl 8(%esp), %ecx
	movl %eax, (%ecx)
	xorl %eax, %eax
	ret
	.size probe_read32, . - probe_read32

/* int probe_write32(uint32_t addr, uint32_t val) */
	.globl probe_write32
	.type probe_write32, @function
probe_write32:
	movl 4(%esp), %edx
	movl 8(%esp), %eax
1:	movl %eax, (%edx)
	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_write32, . - probe_write32

/* int probe_div0(void): divl by zero, #DE (a fault: eip = the divl) */
	.globl probe_div0
	.type probe_div0, @function
probe_div0:
	movl $1, %eax
	xorl %edx, %edx
	xorl %ecx, %ecx
1:	divl %ecx
	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_div0, . - probe_div0

/* int probe_ud2(void): #UD (a fault: eip = the ud2) */
	.globl probe_ud2
	.type probe_ud2, @function
probe_ud2:
1:	ud2
	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_ud2, . - probe_ud2

/* int probe_int3(void): #BP (a trap: eip = after the int3) */
	.globl probe_int3
	.type probe_int3, @function
probe_int3:
	int3
1:	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_int3, . - probe_int3

/* int probe_into(void): 0x7fffffff + 1 overflows, into raises #OF (a trap) */
	.globl probe_into
	.type probe_into, @function
probe_into:
	movl $0x7fffffff, %eax
	addl $1, %eax
	into
1:	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_into, . - probe_into

/*
 * int probe_load_ds(uint32_t sel): load %ds with sel, then restore the
 * kernel's.  A selector beyond the GDT limit raises #GP(sel & ~3) and %ds
 * keeps its value (a fault).
 */
	.globl probe_load_ds
	.type probe_load_ds, @function
probe_load_ds:
	movl 4(%esp), %eax
1:	movw %ax, %ds
	EXTABLE(1b, probe_caught)
	movw $KERNEL_DS, %ax
	movw %ax, %ds
	xorl %eax, %eax
	ret
	.size probe_load_ds, . - probe_load_ds

/*
 * int probe_x87(void): fninit, an x87 instruction.  With CR0.EM set (the
 * kernel always sets it) it raises #NM (a fault) whether or not the CPU
 * has an x87: the kernel never executes x87 code for real.
 */
	.globl probe_x87
	.type probe_x87, @function
probe_x87:
1:	fninit
	EXTABLE(1b, probe_caught)
	xorl %eax, %eax
	ret
	.size probe_x87, . - probe_x87
