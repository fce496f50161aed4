/*
 * Host-native oracle program (oracle_native_test.go). The generated
 * cases file provides oracle_compute (runs every case, storing EAX EBX
 * ECX EDX EFLAGS per case to oracle_out), oracle_out and oracle_nbytes.
 *
 * _start runs on Linux i386 (no libc): compute, write(1, oracle_out,
 * oracle_nbytes), exit(0). interp_entry is what interp runs: the same
 * compute code on its own stack, then hlt.
 */
	.text
	.globl	_start
_start:
	call	oracle_compute
	movl	$oracle_out, %ecx
	movl	$oracle_nbytes, %edx
1:	movl	$4, %eax		/* write(1, ecx, edx) */
	movl	$1, %ebx
	int	$0x80
	testl	%eax, %eax
	jle	2f
	addl	%eax, %ecx
	subl	%eax, %edx
	jnz	1b
	movl	$1, %eax		/* exit(0) */
	xorl	%ebx, %ebx
	int	$0x80
2:	movl	$1, %eax		/* exit(3): write failed */
	movl	$3, %ebx
	int	$0x80

	.globl	interp_entry
interp_entry:
	movl	$interp_stack_top, %esp
	call	oracle_compute
	hlt

	.bss
	.align	16
	.space	4096
interp_stack_top:
