/* smprace.S: a tiny SMP guest for the deterministic scheduler's tests.
 * The BSP starts every AP with INIT-SIPI-SIPI (all-excluding-self
 * shorthand) through a real-mode trampoline copied to 0x7000; then
 * every CPU, BSP included, prints its APIC ID ROUNDS times on COM1 and
 * increments a shared counter ROUNDS times without a lock (a racy
 * load-delay-store). When all have finished (CMOS 0x5F says how many
 * CPUs exist) the BSP prints the counter in hex and exits with status 1.
 * The order of the digits and the counter's lost updates depend on the
 * interleaving: on dfemu, on the seed. */
	.set ROUNDS, 64
	.set LAPIC, 0xFEE00000
	.text
	.code32
	.align 4
	.long 0x1BADB002, 3, -(0x1BADB002 + 3)
	.globl _start
_start:
	mov $stack_top, %esp
	lgdt gdtdesc
	ljmp $0x08, $1f
1:	call segs
	/* how many CPUs: CMOS 0x5F = n-1 (as QEMU) */
	mov $0x5F, %al
	out %al, $0x70
	in $0x71, %al
	movzbl %al, %eax
	inc %eax
	mov %eax, ncpus
	/* the trampoline */
	mov $tramp_start, %esi
	mov $0x7000, %edi
	mov $(tramp_end - tramp_start), %ecx
	rep movsb
	movl $0x1FF, LAPIC+0xF0		/* SVR: software enable */
	movl $0x000C4500, LAPIC+0x300	/* INIT assert, all excluding self */
	movl $0x000C8500, LAPIC+0x300	/* INIT de-assert (level) */
	movl $0x000C4607, LAPIC+0x300	/* STARTUP vector 7 */
	movl $0x000C4607, LAPIC+0x300	/* and again, as the MP spec says */
	xor %ebx, %ebx
	jmp worker

segs:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	ret

ap32:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $4096, %esp
	lock xadd %esp, next_stack
	add $4096, %esp
	call segs
	mov LAPIC+0x20, %ebx
	shr $24, %ebx

/* worker: EBX = APIC ID */
worker:
	mov $ROUNDS, %ecx
1:	mov %bl, %al
	add $'0', %al
	mov $0x3F8, %dx
	out %al, %dx
	mov counter, %eax	/* racy increment: load ... */
	mov $8, %esi
2:	dec %esi
	jnz 2b
	inc %eax
	mov %eax, counter	/* ... store */
	loop 1b
	lock incl done
	test %ebx, %ebx
	jnz 9f
3:	mov done, %eax
	cmp ncpus, %eax
	jne 3b
	mov $'\n', %al
	out %al, %dx
	mov counter, %ebx
	mov $8, %ecx
4:	rol $4, %ebx
	mov %bl, %al
	and $0xF, %al
	add $'0', %al
	cmp $'9', %al
	jbe 5f
	add $7, %al
5:	out %al, %dx
	loop 4b
	mov $'\n', %al
	out %al, %dx
	xor %eax, %eax
	out %eax, $0xF4
9:	cli
	hlt
	jmp 9b

	.code16
tramp_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	lgdtl 0x7000 + (tramp_gdtdesc - tramp_start)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $ap32
tramp_gdtdesc:
	.word gdt_end - gdt - 1
	.long gdt
tramp_end:
	.code32

	.data
	.align 8
gdt:	.quad 0
	.quad 0x00CF9A000000FFFF	/* 0x08 code */
	.quad 0x00CF92000000FFFF	/* 0x10 data */
gdt_end:
gdtdesc:
	.word gdt_end - gdt - 1
	.long gdt
counter: .long 0
done:	.long 0
ncpus:	.long 0
next_stack: .long stacks
	.bss
	.align 16
	.space 4096
stack_top:
stacks:	.space 4096 * 64
	.section .note.GNU-stack,"",@progbits
