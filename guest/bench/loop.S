/*
 * loop.S: the CPU-bound benchmark guest. A Multiboot kernel that runs a
 * loop of simple integer instructions and powers the machine off.
 *
 * The iteration count is the decimal number at the end of the Multiboot
 * command line ("-append 50000000"; QEMU prefixes the kernel's path, so
 * only the trailing digits count). Each iteration retires exactly
 * LOOP_INSNS instructions, so a run retires
 *     LOOP_INSNS * count + a few hundred (start-up and parsing)
 * instructions: dfemu's benchmark and QEMU's timing use the same image,
 * and QEMU's MIPS is (LOOP_INSNS * n) / (time(n) - time(0)).
 *
 * No stack, no memory writes in the loop: it measures the interpreter's
 * instruction dispatch and lazy flags, nothing else.
 */

#define MB_MAGIC      0x1BADB002
#define MB_FLAGS      0x00000003   /* page-align modules, want mem info */
#define MB_INFO_CMDLINE 0x4        /* info->flags: cmdline is valid */
#define PM1A_CNT      0x604        /* QEMU PIIX4 ACPI PM1a control */
#define PM1A_SLP      0x2000       /* SLP_EN, S5: power off */
#define LOOP_INSNS    4

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
/* void _start(uint32_t magic (eax), struct multiboot_info *info (ebx)); */
_start:
	xorl	%ecx, %ecx		/* count = 0 */
	testl	$MB_INFO_CMDLINE, (%ebx)
	jz	run
	movl	16(%ebx), %esi		/* info->cmdline */
next_char:
	movzbl	(%esi), %eax
	incl	%esi
	testl	%eax, %eax
	jz	run
	subl	$'0', %eax
	cmpl	$9, %eax
	ja	not_digit
	imull	$10, %ecx, %ecx		/* count = count*10 + digit */
	addl	%eax, %ecx
	jmp	next_char
not_digit:
	xorl	%ecx, %ecx		/* only the trailing digits count */
	jmp	next_char

run:
	xorl	%eax, %eax
	xorl	%edx, %edx
	testl	%ecx, %ecx
	jz	done
	.align 16
loop:					/* LOOP_INSNS instructions */
	addl	$3, %eax
	xorl	%eax, %edx
	subl	$1, %ecx
	jnz	loop

done:
	movw	$PM1A_SLP, %ax
	movw	$PM1A_CNT, %dx
	outw	%ax, %dx
	/*
	 * QEMU acts on the power-off request asynchronously: wait for it in
	 * hlt (interrupts are off). dfemu stops at the outw itself.
	 */
1:	hlt
	jmp	1b
