/*
 * The Multiboot header and the kernel's first instructions.
 *
 * A Multiboot loader (QEMU's -kernel, dfemu) jumps to _start in 32-bit
 * protected mode, paging off, interrupts off, flat CS/DS, with
 * EAX = 0x2BADB002 and EBX = the physical address of the boot
 * information.  The stack is undefined.  _start zeroes .bss, sets up the
 * boot stack and calls kmain(magic, info); a wrong magic means something
 * other than a Multiboot loader started us, and the machine exits through
 * the debug-exit port with ABI_EXIT_BAD_BOOT before touching anything.
 */
#include "multiboot.h"
#include "memlayout.h"
#include "dfemu/abi.h"

#define BOOT_STACK_SIZE 16384

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.text
/*
 * void _start(void) -- never returns.
 *
 * At entry:  eax = MB_BOOTLOADER_MAGIC, ebx = struct multiboot_info *
 * kmain is called with this stack (cdecl, grows down):
 *
 *   boot_stack_top ->  (top)
 *                      ebx      info    arg 2
 *                      eax      magic   arg 1
 *              esp ->  return address (none: kmain never returns)
 */
	.globl _start
	.type _start, @function
_start:
	cld
	cmpl $MB_BOOTLOADER_MAGIC, %eax
	jne bad_boot

	movl %eax, %esi                 /* keep magic and info across rep stosl */
	movl %ebx, %ebp
	movl $bss_start, %edi           /* zero .bss: do not trust the loader */
	movl $bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	movl $boot_stack_top, %esp
	pushl %ebp                      /* info */
	pushl %esi                      /* magic */
	xorl %ebp, %ebp                 /* end of the frame-pointer chain */
	call kmain
	/* kmain never returns; if it does, that is a panic of its own. */
	movl $ABI_EXIT_KERNEL_PANIC, %eax
	movw $PORT_DEBUG_EXIT, %dx
	outl %eax, %dx
	jmp stop

bad_boot:
	movl $ABI_EXIT_BAD_BOOT, %eax
	movw $PORT_DEBUG_EXIT, %dx
	outl %eax, %dx
stop:	/* only reached if the debug-exit port is missing */
	cli
	hlt
	jmp stop
	.size _start, . - _start

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.space BOOT_STACK_SIZE
boot_stack_top:
