/*
 * Trap entry: one stub per vector, all funnelling into alltraps, which
 * builds a struct trapframe (trap.h) and calls trap(tf).
 *
 * Stack on entry to alltraps, and the trapframe it completes (the layout
 * matches struct trapframe in trap.h, which lists it lowest address first):
 *
 *      +--------------+
 *      | ss           |  pushed by the CPU on a ring 3 -> 0 entry only
 *      | esp          |  "
 *      | eflags       |  pushed by the CPU
 *      | cs           |  "
 *      | eip          |  "
 *      | err          |  by the CPU (vectors 8, 10-14, 17) or 0 by the stub
 *      | trapno       |  by the stub
 *      +--------------+  <- esp at alltraps
 *      | ds es fs gs  |  by alltraps
 *      | pushal       |  eax ecx edx ebx oesp ebp esi edi
 *      +--------------+  <- esp = tf, the argument of trap()
 */
#include "mmu.h"

	.altmacro

/*
 * One stub per vector.  The CPU pushes an error code for vectors 8, 10-14
 * and 17 (Pentium: SDM 3A 6.13); every other stub pushes a 0 in its place
 * so that all trap frames have the same layout.
 */
.macro VECTOR v
	.balign 16
vector\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17))
	pushl $0
	.endif
	pushl $\v
	jmp alltraps
.endm

.macro VECADDR v
	.long vector\v
.endm

	.text
	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

/*
 * alltraps: complete the trap frame, switch to kernel data segments (and
 * this CPU's %fs) and
 * call void trap(struct trapframe *tf).
 */
	.globl alltraps
	.type alltraps, @function
alltraps:
	pushl %ds
	pushl %es
	pushl %fs
	pushl %gs
	pushal
	movw $KERNEL_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw $PERCPU_SEL, %ax           /* mycpu() works in trap() whatever %fs was */
	movw %ax, %fs
	pushl %esp                      /* tf */
	call trap
	addl $4, %esp

/* trapret: unwind the trap frame built above, in reverse, and iret. */
	.globl trapret
trapret:
	popal
	popl %gs
	popl %fs
	popl %es
	popl %ds
	addl $8, %esp                   /* trapno and err */
	iret
	.size alltraps, . - alltraps

/* uint32_t trap_vectors[256]: the address of each vector's stub. */
	.section .rodata
	.balign 4
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	VECADDR %i
	.set i, i + 1
	.endr
