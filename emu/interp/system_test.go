package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// prelude sets up a GDT (0x10 kernel code, 0x18 kernel data, 0x23 user
// code, 0x2B user data, 0x30 TSS), an IDT whose gates are filled by
// the gate macro, and a TSS with SS0:ESP0 = 0x18:0x90000.
const prelude = `
	.macro gate vec, handler, type
	mov $\handler, %eax
	mov $(idt + \vec * 8), %edi
	mov %ax, (%edi)
	movw $0x10, 2(%edi)
	movw $\type, 4(%edi)
	shr $16, %eax
	mov %ax, 6(%edi)
	.endm
	lgdt gdtr
	lidt idtr
	ljmp $0x10, $1f
1:	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $tss, %eax
	mov %ax, gdt + 0x30 + 2
	shr $16, %eax
	mov %al, gdt + 0x30 + 4
	movl $0x90000, tss + 4
	movl $0x18, tss + 8
	movw $0x68, tss + 0x66
	mov $0x30, %ax
	ltr %ax
	jmp start
	.align 8
gdt:	.quad 0
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00cffa000000ffff
	.quad 0x00cff2000000ffff
	.quad 0x0000890000000067
gdtr:	.word 7*8-1
	.long gdt
	.align 8
idt:	.fill 256, 8, 0
idtr:	.word 256*8-1
	.long idt
tss:	.fill 0x68, 1, 0
start:
`

func TestInterruptAndIret(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 0x40, handler, 0x8e00
	mov $0, %ebx
	int $0x40
	int $0x40
	pushf
	pop %esi
	hlt
handler:
	inc %ebx
	mov 4(%esp), %ecx   # pushed CS
	iret`)
	assert.Equal(t, uint32(2), c.R[EBX])
	assert.Equal(t, uint32(0x10), c.R[ECX])
	assert.Equal(t, uint32(testStack), c.R[ESP])
}

func TestRing3SyscallViaTSS(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 0x80, syscall, 0xee00
	mov $0x2b, %ax
	mov %ax, %ds
	mov %ax, %es
	push $0x2b
	push $0x70000
	push $0x202 & ~0x200   # IF clear
	push $0x23
	push $user
	iret
user:
	mov $7, %eax
	int $0x80
	ud2
syscall:
	mov %esp, %esi          # on the TSS stack
	mov 4(%esp), %ecx       # user CS
	mov 12(%esp), %edx      # user ESP
	mov 16(%esp), %ebx      # user SS
	mov %ds, %ebp
	hlt`)
	assert.Equal(t, uint32(7), c.R[EAX])
	assert.Equal(t, uint32(0x90000-20), c.R[ESI])
	assert.Equal(t, uint32(0x23), c.R[ECX])
	assert.Equal(t, uint32(0x70000), c.R[EDX])
	assert.Equal(t, uint32(0x2b), c.R[EBX])
	assert.Equal(t, uint32(0x2b), c.R[EBP], "DS is not reloaded by an interrupt")
	assert.Equal(t, 0, c.CPL())
}

func TestRing3PrivilegedIsGP(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 13, gp, 0x8e00
	push $0x2b
	push $0x70000
	push $0x2
	push $0x23
	push $user
	iret
user:	cli
	ud2
gp:	pop %eax        # error code
	pop %ebx        # faulting EIP
	mov $user, %ecx
	hlt`)
	assert.Equal(t, uint32(0), c.R[EAX])
	assert.Equal(t, c.R[ECX], c.R[EBX])
}

// pagingSetup identity-maps 0-4 MiB with 4 KiB pages (page table at
// 0x10000, directory at 0x11000), maps linear 0x40000000 to physical
// 0x5000 user read-only, and enables paging.
const pagingSetup = `
	mov $0x10000, %edi
	mov $0x3, %eax          # present, writable, supervisor
	mov $1024, %ecx
1:	mov %eax, (%edi)
	add $0x1000, %eax
	add $4, %edi
	loop 1b
	movl $0x10003, 0x11000
	movl $0x12007, 0x11000 + 0x100*4   # 0x40000000: user PT
	movl $0x5005, 0x12000              # -> phys 0x5000, user, read-only
	mov $0x11000, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80010000, %eax    # PG | WP
	mov %eax, %cr0
`

func TestPagingAndPageFault(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 14, pf, 0x8e00
	movl $0x12345678, 0x5000
`+pagingSetup+`
	mov 0x40000000, %esi     # read through the alias
	movl $1, 0x40000000      # supervisor write to read-only page: #PF (WP)
	ud2
pf:	pop %eax                 # error code
	mov %cr2, %ebx
	hlt`)
	assert.Equal(t, uint32(0x12345678), c.R[ESI])
	assert.Equal(t, uint32(0x3), c.R[EAX], "P|W, supervisor")
	assert.Equal(t, uint32(0x40000000), c.R[EBX])
	// Accessed bits were set by the walk.
	assert.NotZero(t, c.mem32(0x12000)&pteA)
	assert.Zero(t, c.mem32(0x12000)&pteD)
}

func TestPageFaultUserNotPresent(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 14, pf, 0x8e00
`+pagingSetup+`
	movl $0x10007, 0x11000    # make the low 4 MiB user-accessible
	orl $4, 0x10000 + 1*4     # page 0x1000 (this code) user
	orl $4, 0x10000 + 2*4
	mov %cr3, %eax
	mov %eax, %cr3
	mov $0x2b, %ax
	mov %ax, %ds
	push $0x2b
	push $0x70000
	push $0x2
	push $0x23
	push $user
	iret
user:	mov 0x40001000, %eax    # not present
	ud2
pf:	pop %eax
	mov %cr2, %ebx
	mov 4(%esp), %ecx       # CS of the faulting code
	hlt`)
	assert.Equal(t, uint32(0x4), c.R[EAX], "not present, read, user")
	assert.Equal(t, uint32(0x40001000), c.R[EBX])
	assert.Equal(t, uint32(0x23), c.R[ECX])
}

func TestLargePage(t *testing.T) {
	c := runAsm(t, prelude+`
	movl $0x87, 0x11000             # 0-4 MiB: 4 MiB page
	movl $0x00000083, 0x11000 + 0x300*4   # 0xC0000000 -> 0
	mov %cr4, %eax
	or $0x10, %eax
	mov %eax, %cr4
	mov $0x11000, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	movl $0xcafe, 0xC0002000
	mov 0x2000, %ebx
	invlpg 0xC0002000
	movl $0, 0x11000 + 0x300*4      # unmap 0xC0000000
	invlpg 0xC0002000
	gate 14, pf, 0x8e00
	mov 0xC0002000, %ecx
	ud2
pf:	mov %cr2, %edx
	hlt`)
	assert.Equal(t, uint32(0xcafe), c.R[EBX])
	assert.Equal(t, uint32(0xC0002000), c.R[EDX], "invlpg dropped the 4 MiB mapping")
}

func TestDoubleAndTripleFault(t *testing.T) {
	// No IDT entries at all: #UD -> #NP on its gate -> #DF -> #NP ->
	// triple fault.
	prog := assemble(t, prelude+"ud2", testCode)
	c, _ := newTestCPU(t, prog)
	assert.Equal(t, StopShutdown, c.Run(10000))
	assert.Contains(t, c.LastFault, "triple fault")
}

func TestExternalInterruptAndHalt(t *testing.T) {
	prog := assemble(t, prelude+`
	gate 0x20, irq, 0x8e00
	mov $0, %ebx
	sti
1:	hlt
	cmp $2, %ebx
	jne 1b
	cli
	hlt
irq:	inc %ebx
	iret`, testCode)
	c, bus := newTestCPU(t, prog)
	require.Equal(t, StopHalt, c.Run(100000), c.LastFault)
	assert.True(t, c.Halted())
	assert.Equal(t, StopHalt, c.Run(100000), "still halted without an interrupt")
	bus.vectors = []uint8{0x20}
	c.SetIntrPending(true)
	require.Equal(t, StopHalt, c.Run(100000), c.LastFault)
	assert.Equal(t, uint32(1), c.R[EBX])
	bus.vectors = []uint8{0x20}
	c.SetIntrPending(true)
	require.Equal(t, StopHaltNoIntr, c.Run(100000), c.LastFault)
	assert.Equal(t, uint32(2), c.R[EBX])
}

func TestRealModeToProtected(t *testing.T) {
	// An AP-trampoline-like sequence: 16-bit code at 0x8000 loads a GDT,
	// sets CR0.PE and far-jumps into 32-bit code.
	src := `
	.code16
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov $0x1234, %bx
	lgdtl gdtr16
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x10, $pm
	.align 8
gdt16:	.quad 0, 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdtr16:	.word 31
	.long gdt16
	.code32
pm:	mov $0x18, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x9000, %esp
	push %ebx
	pop %ecx
	hlt`
	prog := assemble(t, src, 0x8000)
	c := New(Config{RAM: make([]byte, testRAM)})
	copy(c.ram[0x8000:], prog)
	c.Seg[CS] = Segment{Sel: 0x800, Base: 0x8000, Limit: 0xFFFF, Attr: AttrP | AttrS | AttrCode | AttrRW, Valid: true}
	c.EIP = 0
	require.Equal(t, StopHaltNoIntr, c.Run(1000), c.LastFault+"\n"+c.Dump())
	assert.Equal(t, uint32(0x1234), c.R[ECX])
	assert.Equal(t, uint16(0x10), c.Seg[CS].Sel)
	assert.Equal(t, 0, c.CPL())
}

func TestDivideErrorIsFault(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 0, de, 0x8e00
	xor %ecx, %ecx
	mov $5, %eax
	mov $here, %edx
here:	div %ecx
	ud2
de:	pop %ebx
	hlt`)
	assert.Equal(t, c.R[EDX], c.R[EBX], "the saved EIP is the div itself")
	assert.Equal(t, uint32(5), c.R[EAX])
}

func TestReadWriteLinearAndDump(t *testing.T) {
	c := runAsm(t, prelude+pagingSetup+"hlt")
	require.NoError(t, c.WriteLinear(0x40000000, []byte{1, 2, 3, 4}))
	assert.Equal(t, uint32(0x04030201), c.mem32(0x5000))
	var b [4]byte
	require.NoError(t, c.ReadLinear(0x40000000, b[:]))
	assert.Equal(t, [4]byte{1, 2, 3, 4}, b)
	assert.Error(t, c.ReadLinear(0x40001000, b[:]))
	d := c.Dump()
	assert.Contains(t, d, "CR0=80010011")
	assert.Contains(t, d, "CS =0010")
}

// An NMI is taken while IF is clear, in every run loop: the plain one,
// the traced one and the debug one (armed by a breakpoint the program
// never reaches).
func TestNMIWithInterruptsDisabled(t *testing.T) {
	prog := assemble(t, prelude+`
	gate 2, nmi, 0x8e00
	cli
	mov $0, %ebx
1:	cmp $1, %ebx
	jne 1b
	hlt
never:
	hlt
nmi:	mov $1, %ebx
	iret`, testCode)
	for _, mode := range []string{"plain", "traced", "debug"} {
		t.Run(mode, func(t *testing.T) {
			c, _ := newTestCPU(t, prog)
			switch mode {
			case "traced":
				c.SetTracer(&recTracer{}, TraceOptions{})
			case "debug":
				c.SetBreakpoint(0xFFFF0, true)
			}
			require.Equal(t, StopBudget, c.Run(2000), c.LastFault)
			c.NMI()
			require.Equal(t, StopHaltNoIntr, c.Run(100000), c.LastFault)
			assert.Equal(t, uint32(1), c.R[EBX], "the NMI handler ran with IF=0")
		})
	}
}
