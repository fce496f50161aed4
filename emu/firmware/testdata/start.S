/* A Multiboot entry for tables.c: a stack, then main(); main's return
   value goes to the debug-exit port. */
	.text
	.align 4
	.long 0x1BADB002, 3, -(0x1BADB002 + 3)
	.globl _start
_start:
	mov $stack_top, %esp
	call main
	out %eax, $0xf4
1:	cli
	hlt
	jmp 1b
	.bss
	.align 16
	.space 8192
stack_top:
	.section .note.GNU-stack,"",@progbits
