/*
 * The AP start-up trampoline: copied to TRAMPOLINE_ADDR (a page below
 * 1 MiB) by mp.c; a startup IPI with vector TRAMPOLINE_ADDR >> 12 starts
 * an AP here in real mode with CS = vector << 8, IP = 0 (SDM 3A 8.4.4).
 *
 * Real mode -> protected mode (a GDT of our own inside the trampoline,
 * with the kernel's selectors) -> the BSP's CR4, CR3 and CR0 (paging on,
 * with the kernel's page directory) -> the stack and C entry point the
 * BSP left in the argument block at the end:
 *
 *     void entry(struct globaldata *gd)      -- never returns
 *
 *   ta_esp ->  (top)
 *              gd        arg 1
 *      esp ->  0         return address (none)
 *
 * The code runs at TRAMPOLINE_ADDR, not where it was linked: every
 * address in it is TRAMPOLINE_ADDR + (label - trampoline_start).  The
 * argument block's layout matches struct trampoline_args in smp.h.
 */
#include "memlayout.h"
#include "mmu.h"

#define REL(x) ((x) - trampoline_start)
#define ABS(x) (TRAMPOLINE_ADDR + REL(x))

	.text
	.code16
	.balign 16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	movw %cs, %ax                   /* CS base is TRAMPOLINE_ADDR */
	movw %ax, %ds
	movl $1, REL(ta_alive)          /* tell the BSP the SIPI arrived */
	lgdtl REL(tr_gdtdesc)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $KERNEL_CS, $ABS(tr_prot)

	.code32
tr_prot:
	movw $KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movl ABS(ta_cr4), %eax
	movl %eax, %cr4
	movl ABS(ta_cr3), %eax
	movl %eax, %cr3
	movl ABS(ta_cr0), %eax          /* PE, PG, WP, EM as on the BSP */
	movl %eax, %cr0
	ljmp $KERNEL_CS, $ABS(tr_paged) /* serialise after enabling paging */
tr_paged:
	movl ABS(ta_esp), %esp
	pushl ABS(ta_gd)
	pushl $0
	xorl %ebp, %ebp
	movl ABS(ta_entry), %eax
	jmp *%eax

	.balign 8
tr_gdt:	/* null, kernel code, kernel data: the slots of mmu.h */
	.quad 0
	.quad 0x00CF9A000000FFFF        /* base 0, limit 4 GiB, ring 0 code, 32-bit */
	.quad 0x00CF92000000FFFF        /* base 0, limit 4 GiB, ring 0 data, 32-bit */
tr_gdtdesc:
	.word 3 * 8 - 1
	.long ABS(tr_gdt)

	.balign 4
	.globl trampoline_args
trampoline_args:	/* struct trampoline_args */
ta_alive:	.long 0
ta_cr4:		.long 0
ta_cr3:		.long 0
ta_cr0:		.long 0
ta_esp:		.long 0
ta_entry:	.long 0
ta_gd:		.long 0
	.globl trampoline_end
trampoline_end:
