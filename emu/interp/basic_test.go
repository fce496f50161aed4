package interp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArithmeticLoop(t *testing.T) {
	c := runAsm(t, `
	mov $10, %ecx
	xor %eax, %eax
1:	add %ecx, %eax
	dec %ecx
	jnz 1b
	mov %eax, 0x2000
	hlt`)
	assert.Equal(t, uint32(55), c.R[EAX])
	assert.Equal(t, uint32(55), c.mem32(0x2000))
	assert.Equal(t, uint32(0), c.R[ECX])
	assert.NotZero(t, c.Flags()&FlagZF)
}

func TestFlagsAddSub(t *testing.T) {
	c := runAsm(t, `
	mov $0x7fffffff, %eax
	add $1, %eax
	pushf
	pop %ebx
	mov $0, %eax
	sub $1, %eax
	pushf
	pop %ecx
	mov $0x80, %dl
	add %dl, %dl
	pushf
	pop %edx
	hlt`)
	// 0x7fffffff+1: OF SF AF, PF (0x00 low byte: even), no CF, no ZF
	assert.Equal(t, uint32(FlagOF|FlagSF|FlagAF|FlagPF|2), c.R[EBX]&0xFFF)
	// 0-1: CF SF AF PF (0xff even parity)
	assert.Equal(t, uint32(FlagCF|FlagSF|FlagAF|FlagPF|2), c.R[ECX]&0xFFF)
	// 0x80+0x80 (8-bit): CF ZF OF PF
	assert.Equal(t, uint32(FlagCF|FlagZF|FlagOF|FlagPF|2), c.R[EDX]&0xFFF)
}

func TestMulDivShift(t *testing.T) {
	c := runAsm(t, `
	mov $100000, %eax
	mov $300000, %ecx
	mul %ecx          # edx:eax = 30_000_000_000
	mov %edx, %esi
	mov $7, %ecx
	div %ecx          # 30e9/7
	mov %eax, %edi
	mov %edx, %ebp
	mov $-20, %eax
	cdq
	mov $3, %ecx
	idiv %ecx
	mov $0x80000001, %ebx
	shl $1, %ebx
	rcl $1, %ebx
	imul $-3, %ebx, %ecx
	hlt`)
	assert.Equal(t, uint32(30_000_000_000>>32), c.R[ESI])
	assert.Equal(t, uint32(30_000_000_000/7), c.R[EDI])
	assert.Equal(t, uint32(30_000_000_000%7), c.R[EBP])
	assert.Equal(t, uint32(0xFFFFFFFA), c.R[EAX]) // -6
	assert.Equal(t, uint32(0xFFFFFFFE), c.R[EDX]) // -2
	assert.Equal(t, uint32(5), c.R[EBX])          // (2<<1)|CF(1)
	assert.Equal(t, uint32(0xFFFFFFF1), c.R[ECX]) // -15
}

func TestStringOps(t *testing.T) {
	c := runAsm(t, `
	mov $0x3000, %edi
	mov $0x41424344, %eax
	mov $16, %ecx
	cld
	rep stosl
	mov $0x3000, %esi
	mov $0x4000, %edi
	mov $64, %ecx
	rep movsb
	mov $0x3000, %esi
	mov $0x4000, %edi
	mov $64, %ecx
	repe cmpsb
	mov %ecx, %ebx
	mov $0x4000, %edi
	mov $0x42, %al
	mov $64, %ecx
	repne scasb
	hlt`)
	assert.Equal(t, uint32(0x41424344), c.mem32(0x4000+60))
	assert.Equal(t, uint32(0), c.R[EBX])
	assert.Equal(t, uint32(0x4000+3), c.R[EDI]) // 'B' is byte 2
	assert.Equal(t, uint32(61), c.R[ECX])
}

func TestPushPopCallRet(t *testing.T) {
	c := runAsm(t, `
	mov $1, %eax
	mov $2, %ebx
	pusha
	mov $0, %eax
	mov $0, %ebx
	popa
	push $5
	call f
	add $4, %esp
	enter $8, $0
	leave
	hlt
f:	push %ebp
	mov %esp, %ebp
	mov 8(%ebp), %ecx
	imul %ecx, %ecx
	pop %ebp
	ret`)
	assert.Equal(t, uint32(1), c.R[EAX])
	assert.Equal(t, uint32(2), c.R[EBX])
	assert.Equal(t, uint32(25), c.R[ECX])
	assert.Equal(t, uint32(testStack), c.R[ESP])
}

func TestUDOnX87(t *testing.T) {
	prog := assemble(t, "fld1\nhlt", testCode)
	c, _ := newTestCPU(t, prog)
	c.cfg.StopOnUD = true
	r := c.Run(100)
	require.Equal(t, StopUnimplemented, r)
	assert.Equal(t, uint32(testCode), c.EIP)
	assert.Contains(t, c.LastFault, "fld1")
}

func TestSelfModifyingCode(t *testing.T) {
	// The loop body is patched: "mov $1, %eax" becomes "mov $2, %eax"
	// after the first run through it.
	c := runAsm(t, `
	xor %ebx, %ebx
	mov $2, %ecx
1:
target:
	mov $1, %eax
	add %eax, %ebx
	movb $2, target+1
	dec %ecx
	jnz 1b
	hlt`)
	assert.Equal(t, uint32(3), c.R[EBX])
}

func TestCpuid(t *testing.T) {
	c := runAsm(t, `
	xor %eax, %eax
	cpuid
	mov %ebx, 0x2000
	mov %edx, 0x2004
	mov %ecx, 0x2008
	mov $1, %eax
	cpuid
	hlt`)
	assert.Equal(t, "GenuineIntel", string(c.ram[0x2000:0x200c]))
	assert.Equal(t, uint32(0), c.R[EDX]&1, "no FPU")
	assert.NotZero(t, c.R[EDX]&cpuidTSC)
	assert.Equal(t, uint32(5), c.R[EAX]>>8&0xF)
}

func TestOutAndRequestStop(t *testing.T) {
	prog := assemble(t, `
	mov $0x42, %al
	out %al, $0xf4
	mov $1, %ebx
	hlt`, testCode)
	c, bus := newTestCPU(t, prog)
	bus.stopPort = 0xf4
	r := c.Run(100)
	require.Equal(t, StopRequested, r)
	assert.Equal(t, []portWrite{{0xf4, 1, 0x42}}, bus.outs)
	assert.Equal(t, uint32(0), c.R[EBX], "stopped right after the out")
	assert.Equal(t, StopHaltNoIntr, c.Run(100))
	assert.Equal(t, uint32(1), c.R[EBX])
}

func TestInternalErrorIsReported(t *testing.T) {
	c, _ := newTestCPU(t, []byte{0x90, 0x90, 0xf4})
	require.Equal(t, StopBudget, c.Run(1)) // decodes page 1
	// Plant a handler with a Go runtime error (a dfemu bug) for the
	// second nop: Run must report it, not crash.
	cp := c.icache.pages[testCode>>12]
	require.NotNil(t, cp)
	cp.insts = append(cp.insts, inst{len: 1, fn: func(c *CPU, i *inst) {
		var regs []uint32
		c.R[EAX] = regs[c.EIP] // index out of range
	}})
	cp.index[1] = uint16(len(cp.insts))
	r := c.Run(10)
	assert.Equal(t, StopInternalError, r)
	assert.Contains(t, c.LastFault, "index out of range")
	assert.Contains(t, c.LastFault, "nop")
	assert.Equal(t, uint32(testCode+1), c.EIP)
}

func TestInstructionCrossingPage(t *testing.T) {
	// A 5-byte mov whose immediate straddles the 0x2000 page boundary.
	pad := 0x2000 - testCode - 3
	c := runAsm(t, fmt.Sprintf(`
	.fill %d, 1, 0x90
	mov $0x11223344, %%eax
	hlt`, pad))
	assert.Equal(t, uint32(0x11223344), c.R[EAX])
}

func TestSharedCodeCacheSeesOtherCPUWrites(t *testing.T) {
	ram := make([]byte, testRAM)
	code := NewCodeCache(len(ram))
	a := New(Config{RAM: ram, Code: code})
	b := New(Config{ID: 1, RAM: ram, Code: code})
	// A: mov $1, %eax; hlt
	copy(ram[0x1000:], []byte{0xb8, 1, 0, 0, 0, 0xf4})
	// B: movb $2, 0x1001; hlt
	copy(ram[0x2000:], []byte{0xc6, 0x05, 0x01, 0x10, 0, 0, 2, 0xf4})
	a.EnterFlatProtected(0x1000)
	b.EnterFlatProtected(0x2000)
	require.Equal(t, StopHaltNoIntr, a.Run(10))
	assert.Equal(t, uint32(1), a.R[EAX])
	require.Equal(t, StopHaltNoIntr, b.Run(10))
	require.Equal(t, byte(2), ram[0x1001])
	a.EnterFlatProtected(0x1000) // leaves hlt
	require.Equal(t, StopHaltNoIntr, a.Run(10))
	assert.Equal(t, uint32(2), a.R[EAX], "A decoded the instruction again after B's write")
}

func TestLockedAtomics(t *testing.T) {
	c := runAsm(t, `
	movl $5, 0x2000
	mov $3, %eax
	lock xadd %eax, 0x2000     # eax = 5, [0x2000] = 8
	mov $8, %eax
	mov $42, %ecx
	lock cmpxchg %ecx, 0x2000  # equal: [0x2000] = 42, ZF
	setz %bl
	mov $7, %edx
	xadd %edx, %edx            # same register: 14
	lock incl 0x2000
	hlt`)
	assert.Equal(t, uint32(43), c.mem32(0x2000))
	assert.Equal(t, uint32(1), c.R[EBX]&0xFF)
	assert.Equal(t, uint32(14), c.R[EDX])
}

func TestLockOnRegisterIsUD(t *testing.T) {
	c := runAsm(t, prelude+`
	gate 6, ud, 0x8e00
	mov $at, %edx
at:	.byte 0xf0, 0x01, 0xc0   # lock add %eax, %eax
	ud2
ud:	pop %ebx      # faulting EIP
	hlt`)
	assert.Equal(t, c.R[EDX], c.R[EBX])
}
