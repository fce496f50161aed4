/*
 * QEMU oracle kernel (oracle_qemu_test.go): a Multiboot v1 kernel that
 * runs the generated ALU cases (oracle_compute, oracle_out) and a few
 * system-level sequences (exceptions through an IDT, int n and iret,
 * paging), then prints everything in hex on COM1 and exits through the
 * isa-debug-exit port 0xf4. interp runs the very same image.
 *
 * Output:   == alu <nwords>          then one 8-digit hex word a line
 *           == sys <nwords>          then "<name> <hex>" a line
 *           == end
 * An exception nobody expected prints "== fatal <vector> <eip>".
 */
#define COM1		0x3f8
#define EXIT_PORT	0xf4
#define KCODE		0x08
#define KDATA		0x10
#define SEL_NP		0x18	/* data, not present */
#define SEL_XONLY	0x20	/* code, execute-only */
#define SEL_RO		0x28	/* data, read-only */
#define IDT_VECTORS	0x50
#define PTE_P		0x001
#define PTE_W		0x002
#define PDE_PS		0x080
#define CR0_PG		0x80000000
#define CR0_WP		0x00010000
#define CR4_PSE		0x10
#define PG_LIN		0x40000000	/* page table 1 maps here */
#define BIG_LIN		0x80000000	/* a 4 MiB page of physical 0 */
#define SYS_NAMES	1024		/* sys_out word i is named by word i+SYS_NAMES/4 */

	.text
	.align	4
mb_header:				/* Multiboot v1, no flags */
	.long	0x1badb002
	.long	0
	.long	-0x1badb002

	.globl	_start
_start:
	cli
	movl	$stack_top, %esp
	lgdt	gdt_desc
	ljmp	$KCODE, $1f
1:	movw	$KDATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	call	idt_init
	lidt	idt_desc
	movb	$0xff, %al		/* mask both PICs: sti is safe */
	outb	%al, $0x21
	outb	%al, $0xa1

	call	oracle_compute
	movl	$sys_out, %edi
	call	sys_tests
	movl	%edi, sys_end

	movl	$s_alu, %esi
	call	puts
	movl	$oracle_nwords, %eax
	call	putdec
	movl	$oracle_out, %esi
	movl	$oracle_nwords, %ecx
1:	lodsl
	call	puthex
	movb	$'\n', %al
	call	putc
	loop	1b

	movl	$s_sys, %esi
	call	puts
	movl	sys_end, %ecx
	subl	$sys_out, %ecx
	shrl	$2, %ecx
	movl	%ecx, %eax
	call	putdec
	movl	$sys_out, %ebx
1:	movl	SYS_NAMES(%ebx), %esi
	call	puts
	movb	$' ', %al
	call	putc
	movl	(%ebx), %eax
	call	puthex
	movb	$'\n', %al
	call	putc
	addl	$4, %ebx
	loop	1b

	movl	$s_end, %esi
	call	puts
exit:	movb	$0, %al
	outb	%al, $EXIT_PORT
2:	cli
	hlt
	jmp	2b

/* ---- console ---- */

/* void putc(char al) */
putc:	pushl	%edx
	pushl	%eax
	movw	$COM1+5, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	popl	%eax
	movw	$COM1, %dx
	outb	%al, %dx
	popl	%edx
	ret

/* void puts(const char *esi) */
puts:	pushl	%eax
	pushl	%esi
1:	lodsb
	testb	%al, %al
	jz	2f
	call	putc
	jmp	1b
2:	popl	%esi
	popl	%eax
	ret

/* void puthex(uint32_t eax): 8 hex digits */
puthex:	pushl	%ecx
	pushl	%eax
	movl	$8, %ecx
1:	roll	$4, %eax
	pushl	%eax
	andl	$0xf, %eax
	movb	hexdigits(%eax), %al
	call	putc
	popl	%eax
	loop	1b
	popl	%eax
	popl	%ecx
	ret

/* void putdec(uint32_t eax): decimal, then newline */
putdec:	pushl	%ecx
	pushl	%edx
	pushl	%ebx
	movl	$10, %ebx
	xorl	%ecx, %ecx
1:	xorl	%edx, %edx
	divl	%ebx
	pushl	%edx
	incl	%ecx
	testl	%eax, %eax
	jnz	1b
2:	popl	%eax
	addb	$'0', %al
	call	putc
	loop	2b
	movb	$'\n', %al
	call	putc
	popl	%ebx
	popl	%edx
	popl	%ecx
	ret

/* ---- IDT and exception capture ---- */

/* void set_gate(int ecx vector, void *eax handler, uint16_t dx attr) */
set_gate:
	pushl	%ebx
	leal	idt(,%ecx,8), %ebx
	movw	%ax, (%ebx)
	movw	$KCODE, 2(%ebx)
	movw	%dx, 4(%ebx)
	shrl	$16, %eax
	movw	%ax, 6(%ebx)
	popl	%ebx
	ret

idt_init:
	xorl	%ecx, %ecx
1:	movl	exc_stubs(,%ecx,4), %eax
	movw	$0x8e00, %dx		/* present, DPL 0, 32-bit interrupt gate */
	call	set_gate
	incl	%ecx
	cmpl	$32, %ecx
	jb	1b
	movl	$0x40, %ecx
	movl	$int40, %eax
	call	set_gate		/* interrupt gate */
	movl	$0x41, %ecx
	movl	$int40, %eax
	movw	$0x8f00, %dx		/* trap gate */
	call	set_gate
	movl	$0x42, %ecx
	movl	$int40, %eax
	movw	$0x0e00, %dx		/* not present */
	call	set_gate
	ret

	.macro	EXC_NOERR n
exc\n:	pushl	$0
	pushl	$\n
	jmp	exc_common
	.endm
	.macro	EXC_ERR n
exc\n:	pushl	$\n
	jmp	exc_common
	.endm
	EXC_NOERR 0
	EXC_NOERR 1
	EXC_NOERR 2
	EXC_NOERR 3
	EXC_NOERR 4
	EXC_NOERR 5
	EXC_NOERR 6
	EXC_NOERR 7
	EXC_ERR   8
	EXC_NOERR 9
	EXC_ERR   10
	EXC_ERR   11
	EXC_ERR   12
	EXC_ERR   13
	EXC_ERR   14
	EXC_NOERR 15
	EXC_NOERR 16
	EXC_ERR   17
	EXC_NOERR 18
	EXC_NOERR 19
	EXC_NOERR 20
	EXC_NOERR 21
	EXC_NOERR 22
	EXC_NOERR 23
	EXC_NOERR 24
	EXC_NOERR 25
	EXC_NOERR 26
	EXC_NOERR 27
	EXC_NOERR 28
	EXC_NOERR 29
	EXC_NOERR 30
	EXC_NOERR 31

/*
 * exc_common: stack = vector, error code, EIP, CS, EFLAGS. Records them
 * and CR2 in exc_*, then irets to exc_resume (set by the test before the
 * faulting instruction). No resume point: the exception was not
 * expected, report it and exit.
 */
exc_common:
	pushl	%eax
	movl	4(%esp), %eax
	movl	%eax, exc_vec
	movl	8(%esp), %eax
	movl	%eax, exc_err
	movl	12(%esp), %eax
	movl	%eax, exc_eip
	movl	20(%esp), %eax
	movl	%eax, exc_eflags
	movl	%cr2, %eax
	movl	%eax, exc_cr2
	movl	exc_resume, %eax
	testl	%eax, %eax
	jz	exc_fatal
	movl	%eax, 12(%esp)
	movl	$0, exc_resume
	popl	%eax
	addl	$8, %esp
	iret
exc_fatal:
	movl	$s_fatal, %esi
	call	puts
	movl	exc_vec, %eax
	call	puthex
	movb	$' ', %al
	call	putc
	movl	exc_eip, %eax
	call	puthex
	movb	$'\n', %al
	call	putc
	jmp	exit

/* int40: the handler of int $0x40 (interrupt gate) and $0x41 (trap gate) */
int40:	pushl	%ebx
	pushfl
	popl	%ebx
	movl	%ebx, int_flags_inside
	movl	4(%esp), %ebx		/* pushed EIP */
	movl	%ebx, int_eip
	movl	12(%esp), %ebx		/* pushed EFLAGS */
	movl	%ebx, int_eflags
	popl	%ebx
	addl	$0x1000, %eax
	iret

/* ---- system tests ---- */

/* PUT name, src: append src (and its name) to sys_out at %edi */
	.macro	PUT name, src
	.section .rodata
9:	.asciz	"\name"
	.text
	movl	\src, %eax
	movl	$9b, SYS_NAMES(%edi)
	movl	%eax, (%edi)
	leal	4(%edi), %edi
	.endm

/* EXPECT label: the next exception resumes at label */
	.macro	EXPECT label
	movl	$\label, exc_resume
	movl	$0xffffffff, exc_vec
	movl	$0xffffffff, exc_err
	.endm

/* FAULT name, insn...: run one faulting instruction, record vector, error code, EIP */
	.macro	FAULT name, insn:vararg
	EXPECT	8f
7:	\insn
8:	PUT	\name\().vec, exc_vec
	PUT	\name\().err, exc_err
	movl	exc_eip, %eax
	subl	$7b, %eax
	PUT	\name\().eip_off, %eax	/* 0: at the instruction; its length: after */
	.endm

sys_tests:
	/* int n: interrupt gate clears IF, trap gate keeps it; both iret back */
	sti
	movl	$1, %eax
	int	$0x40
1:	cli
	PUT	int40.eax, %eax
	movl	int_flags_inside, %eax
	andl	$0x200, %eax
	PUT	int40.if_inside, %eax
	movl	int_eflags, %eax
	andl	$0x200, %eax
	PUT	int40.if_pushed, %eax
	movl	int_eip, %eax
	subl	$1b, %eax
	PUT	int40.eip_off, %eax
	sti
	movl	$2, %eax
	int	$0x41
	cli
	PUT	int41.eax, %eax
	movl	int_flags_inside, %eax
	andl	$0x200, %eax
	PUT	int41.if_inside, %eax
	pushfl
	popl	%eax
	andl	$0x200, %eax
	PUT	after_cli.if, %eax

	FAULT	int3, int3
	movb	$0x7f, %al
	addb	$1, %al
	FAULT	into, into
	xorl	%ecx, %ecx
	FAULT	div0, divl %ecx
	movl	$0x80000000, %eax
	movl	$0xffffffff, %edx
	movl	$-1, %ecx
	FAULT	idiv_overflow, idivl %ecx
	FAULT	ud2, ud2
	FAULT	int_np_gate, int $0x42
	FAULT	int_beyond_idt, int $0xf0

	/* segment register loads */
	movw	$0x0bb8, %ax
	FAULT	ds_beyond_gdt, movw %ax, %ds
	movw	$SEL_NP, %ax
	FAULT	es_not_present, movw %ax, %es
	movw	$SEL_XONLY, %ax
	FAULT	ds_exec_only, movw %ax, %ds
	movw	$SEL_RO, %ax
	FAULT	ss_read_only, movw %ax, %ss
	xorl	%eax, %eax
	FAULT	ss_null, movw %ax, %ss
	movw	$KDATA|3, %ax
	FAULT	ds_rpl3, movw %ax, %ds
	xorl	%eax, %eax
	movw	%ds, %ax
	PUT	ds_after, %eax
	/*
	 * Not here: using a null %fs, or writing through a read-only %gs
	 * must #GP(0), but QEMU TCG does not check data-segment types or
	 * null selectors on access; exc_cpu_test.go covers them on interp.
	 */

	/* double fault: #DE with a not-present #DE gate */
	movb	$0x0e, idt+5		/* gate 0: clear P */
	xorl	%ecx, %ecx
	EXPECT	1f
	divl	%ecx
1:	PUT	df.vec, exc_vec
	PUT	df.err, exc_err
	movb	$0x8e, idt+5

	call	paging_tests
	ret

/*
 * Paging: page directory pd, page table pt0 identity-maps 0..4 MiB, pt1
 * maps PG_LIN+0 -> pg_a (RW), +1 page -> pg_a (read-only), +2 and +3
 * not present; PDE 0x200 is a 4 MiB page of physical 0.
 */
paging_tests:
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	orl	$PTE_P|PTE_W, %eax
	movl	%eax, pt0(,%ecx,4)
	incl	%ecx
	cmpl	$1024, %ecx
	jb	1b
	movl	$pt0+PTE_P+PTE_W, pd
	movl	$pt1+PTE_P+PTE_W, pd+(PG_LIN>>22)*4
	movl	$PDE_PS+PTE_P+PTE_W, pd+(BIG_LIN>>22)*4
	movl	$pg_a+PTE_P+PTE_W, pt1
	movl	$pg_a+PTE_P, pt1+4
	movl	$0x11223344, pg_a
	movl	$0x55667788, pg_b

	movl	$pd, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$CR4_PSE, %eax
	movl	%eax, %cr4
	movl	%cr0, %eax
	orl	$CR0_PG|CR0_WP, %eax
	movl	%eax, %cr0
	jmp	1f
1:	PUT	pg.read, PG_LIN
	movl	$0xcafef00d, PG_LIN+4
	PUT	pg.write_phys, pg_a+4
	PUT	pg.read_ro, PG_LIN+0x1000+4
	PUT	pg.big_page, BIG_LIN+pg_a
	FAULT	pf_np_read, movl PG_LIN+0x2010, %eax
	PUT	pf_np_read.cr2, exc_cr2
	FAULT	pf_np_write, movl %eax, PG_LIN+0x3ffc
	PUT	pf_np_write.cr2, exc_cr2
	FAULT	pf_wp_write, movl %eax, PG_LIN+0x1008
	PUT	pf_wp_write.cr2, exc_cr2
	movl	%cr0, %eax		/* WP=0: ring 0 writes read-only pages */
	andl	$~CR0_WP, %eax
	movl	%eax, %cr0
	movl	$0x5a5a5a5a, PG_LIN+0x100c
	PUT	pg.nowp_write, pg_a+12
	movl	$pg_b+PTE_P+PTE_W, pt1	/* remap, then invlpg */
	invlpg	PG_LIN
	PUT	pg.after_invlpg, PG_LIN
	movl	$pg_a+PTE_P+PTE_W, pt1	/* remap, then reload CR3 */
	movl	%cr3, %eax
	movl	%eax, %cr3
	PUT	pg.after_cr3, PG_LIN
	movl	%cr0, %eax
	andl	$~CR0_PG, %eax
	movl	%eax, %cr0
	jmp	1f
1:	PUT	pg.off_read, pg_a+4
	ret

	.section .rodata
hexdigits:	.ascii	"0123456789abcdef"
s_alu:		.asciz	"\n== alu "
s_sys:		.asciz	"== sys "
s_end:		.asciz	"== end\n"
s_fatal:	.asciz	"== fatal "

	.data
	.align	8
gdt:	.quad	0
	.quad	0x00cf9a000000ffff	/* KCODE: 4 GiB code, readable */
	.quad	0x00cf92000000ffff	/* KDATA: 4 GiB data, writable */
	.quad	0x00cf12000000ffff	/* SEL_NP: data, not present */
	.quad	0x00cf98000000ffff	/* SEL_XONLY: code, execute-only */
	.quad	0x00cf90000000ffff	/* SEL_RO: data, read-only */
gdt_end:
gdt_desc:
	.word	gdt_end-gdt-1
	.long	gdt
	.align	4
idt_desc:
	.word	IDT_VECTORS*8-1
	.long	idt
exc_stubs:
	.long	exc0, exc1, exc2, exc3, exc4, exc5, exc6, exc7
	.long	exc8, exc9, exc10, exc11, exc12, exc13, exc14, exc15
	.long	exc16, exc17, exc18, exc19, exc20, exc21, exc22, exc23
	.long	exc24, exc25, exc26, exc27, exc28, exc29, exc30, exc31

	.bss
	.align	4096
pd:	.space	4096
pt0:	.space	4096
pt1:	.space	4096
pg_a:	.space	4096
pg_b:	.space	4096
idt:	.space	IDT_VECTORS*8
	.align	4
exc_vec:	.space	4
exc_err:	.space	4
exc_eip:	.space	4
exc_eflags:	.space	4
exc_cr2:	.space	4
exc_resume:	.space	4
int_flags_inside: .space 4
int_eip:	.space	4
int_eflags:	.space	4
sys_end:	.space	4
sys_out:	.space	2*SYS_NAMES
	.space	8192
stack_top:
