package dev

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/internal/guestbuild"
	"dfemu/internal/qemurun"
)

// QEMU is the reference machine: TestQEMUOracle runs a script of port
// accesses in a tiny Multiboot guest under qemu-system-i386 and on these
// devices, and requires the same values read. The script avoids what
// legitimately differs: timing (the FIFO character timeout), the clock,
// SeaBIOS's leftovers (results masked to 0), devices QEMU has and this
// machine deliberately does not (PCI devices, the i8042, an FPU in the
// equipment byte), MSR delta bits in loopback (QEMU never sets them;
// the 16550 datasheet does, and so do we) and the modem status interrupt
// they raise.

// portOp is one access of the script: an in (recorded, ANDed with mask) or
// an out.
type portOp struct {
	in   bool
	size int
	port uint16
	v    uint32 // value written
	mask uint32 // mask of an in's result
}

func opIn(size int, port uint16) portOp { return portOp{true, size, port, 0, onesMask(size)} }
func opInMask(port uint16, mask uint32) portOp {
	return portOp{true, 1, port, 0, mask}
}
func opOut(size int, port uint16, v uint32) portOp { return portOp{false, size, port, v, 0} }

func oracleScript() []portOp {
	b1 := func(port uint16) portOp { return opIn(1, port) }
	o1 := func(port uint16, v uint32) portOp { return opOut(1, port, v) }
	cmos := func(r uint32) []portOp { return []portOp{o1(0x70, r), b1(0x71)} }
	var s []portOp
	add := func(ops ...portOp) { s = append(s, ops...) }

	// UART: a known state first (SeaBIOS probed it), then every register.
	add(o1(pLCR, 0), o1(pIER, 0), o1(pFCR, 0x07), o1(pFCR, 0), o1(pMCR, 0x08),
		opInMask(pLSR, 0), opInMask(pMSR, 0), opInMask(pData, 0), opInMask(pIIR, 0))
	add(b1(pIER), b1(pIIR), b1(pLCR), b1(pMCR), b1(pLSR), b1(pMSR))
	add(o1(pLCR, 0x80), o1(pData, 0x01), o1(pIER, 0x02), b1(pData), b1(pIER),
		opIn(2, pData), opOut(2, pData, 0x000C), opIn(2, pData), b1(pLCR),
		o1(pLCR, 0x03), b1(pLCR), b1(pIER))
	add(o1(pSCR, 0x5A), b1(pSCR), o1(pSCR, 0xA5), b1(pSCR))
	add(o1(pIER, 0xFF), b1(pIER), o1(pIER, 0), b1(pIER))
	add(o1(pIER, 0x02), b1(pIIR), b1(pIIR), o1(pIER, 0), o1(pIER, 0x02), b1(pIIR),
		o1(pIER, 0), b1(pIIR))
	add(o1(pFCR, 0x01), b1(pIIR), o1(pFCR, 0xC7), b1(pIIR), o1(pLCR, 0x80),
		o1(pFCR, 0x21), b1(pIIR), o1(pLCR, 0x03), b1(pIIR), o1(pFCR, 0), b1(pIIR))
	for _, mcr := range []uint32{0x1A, 0x1F, 0x10, 0x11, 0x12, 0x14, 0x18, 0x15} {
		add(o1(pMCR, mcr), opInMask(pMSR, 0xF0), b1(pMCR))
	}
	// Loopback through the FIFO, with an overrun.
	add(o1(pFCR, 0x07), o1(pMCR, 0x10))
	for i := uint32(0); i < 17; i++ {
		add(o1(pData, 0x41+i))
	}
	add(b1(pLSR), b1(pLSR))
	for i := 0; i < 16; i++ {
		add(b1(pData))
	}
	add(b1(pLSR), b1(pData))
	// Without FIFOs: the newer byte overwrites, the last byte stays.
	add(o1(pFCR, 0), o1(pData, 'a'), o1(pData, 'b'), b1(pLSR), b1(pLSR), b1(pData),
		b1(pLSR), b1(pData))
	// Interrupt identification with data at the trigger level and an overrun.
	add(o1(pFCR, 0x07), o1(pIER, 0x01), o1(pData, 'c'), b1(pIIR), o1(pIER, 0x07), b1(pIIR))
	for i := 0; i < 16; i++ {
		add(o1(pData, 'd'))
	}
	add(b1(pIIR), b1(pLSR), b1(pIIR), o1(pFCR, 0x07), b1(pIIR), b1(pLSR))
	add(o1(pIER, 0), o1(pIER, 0x02), b1(pIIR), b1(pIIR), opInMask(pMSR, 0xF0)) // THRE, then nothing
	// Leave the console usable for the report.
	add(o1(pIER, 0), o1(pFCR, 0x07), o1(pMCR, 0x0B), o1(pLCR, 0x03), b1(pLSR))

	// CMOS: status registers as SeaBIOS leaves them, memory sizes, NVRAM.
	for _, r := range []uint32{0x0A, 0x0B, 0x0D, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5F} {
		add(cmos(r)...)
	}
	add(o1(0x70, 0x0C), opInMask(0x71, 0), b1(0x71), b1(0x70))
	add(o1(0x70, 0x40), o1(0x71, 0x77), o1(0x70, 0x8F), o1(0x70, 0x40), b1(0x71))

	// PCI: the address latch, and an absent device (bus 0, device 31).
	add(opOut(4, 0xCF8, 0x80000000), opIn(4, 0xCF8), opOut(4, 0xCF8, 0x8000F800),
		opIn(4, 0xCF8), b1(0xCF8), b1(0xCFB), opIn(2, 0xCFA), opIn(4, 0xCFC), opIn(2, 0xCFE), b1(0xCFF), o1(0xCFB, 0x01),
		opIn(4, 0xCF8), opOut(4, 0xCF8, 0))
	// POST, debug-exit read, PM1a control without SLP_EN.
	add(o1(0x80, 0x12), b1(0x80), b1(0xF4), opIn(4, 0xF4))
	// (No byte read of 0x605: QEMU 7.2 returns 0 there, where later QEMUs
	// and this device return the high byte.)
	add(opOut(2, 0x604, 0x1C00), opIn(2, 0x604), b1(0x604), opOut(2, 0x604, 0))
	return s
}

// oracleAsm is the guest: run the script, keep the results, print them in
// hex on COM1, exit through the debug-exit port.
const oracleAsm = `
	.text
	.align 4
mbheader:
	.long 0x1BADB002, 0, -0x1BADB002
	.globl _start
_start:
	mov $stack_top, %%esp
	mov $script, %%esi
	mov $results, %%edi
next:
	mov 0(%%esi), %%ecx        # 0 end, 1 in, 2 out
	mov 4(%%esi), %%ebx        # size
	mov 8(%%esi), %%edx        # port
	mov 12(%%esi), %%eax       # value
	add $20, %%esi
	cmp $0, %%ecx
	je report
	cmp $2, %%ecx
	je do_out
	xor %%eax, %%eax
	cmp $1, %%ebx
	jne 1f
	inb %%dx, %%al
	jmp stored
1:	cmp $2, %%ebx
	jne 2f
	inw %%dx, %%ax
	jmp stored
2:	inl %%dx, %%eax
stored:
	and -4(%%esi), %%eax
	mov %%eax, (%%edi)
	add $4, %%edi
	jmp next
do_out:
	cmp $1, %%ebx
	jne 1f
	outb %%al, %%dx
	jmp next
1:	cmp $2, %%ebx
	jne 2f
	outw %%ax, %%dx
	jmp next
2:	outl %%eax, %%dx
	jmp next
report:
	mov $results, %%esi
rloop:
	cmp %%edi, %%esi
	je done
	mov (%%esi), %%ebx
	add $4, %%esi
	mov $8, %%ecx
hex:
	rol $4, %%ebx
	mov %%ebx, %%eax
	and $15, %%eax
	movb digits(%%eax), %%al
	mov $0x3F8, %%dx
	outb %%al, %%dx
	loop hex
	mov $10, %%al
	outb %%al, %%dx
	jmp rloop
done:
	mov $0, %%eax
	mov $0xF4, %%dx
	outl %%eax, %%dx
	cli
	hlt
	.data
digits:	.ascii "0123456789abcdef"
script:
%s	.long 0, 0, 0, 0, 0
	.bss
results: .space %d
	.space 4096
stack_top:
`

// replayScript runs the script on the devices, as the guest does.
func replayScript(t *testing.T, script []portOp) []uint32 {
	cmos := NewCMOS(nil)
	cmos.SetMemory(256 << 20)
	cmos.SetCPUs(1)
	devices := []Device{NewUART(nil, nil, nil), NewDebugExit(nil), NewACPIPM(nil), cmos,
		NewPCIAbsent(), NewPOST()}
	find := func(port uint16) PortDevice {
		for _, d := range devices {
			for _, r := range d.Ranges() {
				if r.Contains(port) {
					return d
				}
			}
		}
		t.Fatalf("script uses port %#x that no device decodes", port)
		return nil
	}
	var got []uint32
	for _, op := range script {
		d := find(op.port)
		if op.in {
			got = append(got, d.In(op.port, op.size)&op.mask)
		} else {
			d.Out(op.port, op.size, op.v)
		}
	}
	return got
}

func TestQEMUOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("boots QEMU")
	}
	qemu, err := exec.LookPath("qemu-system-i386")
	if err != nil {
		t.Skip("qemu-system-i386 not installed (apt-get install qemu-system-x86): devices not compared with QEMU")
	}
	script := oracleScript()
	var table strings.Builder
	nin := 0
	for _, op := range script {
		kind := 2
		if op.in {
			kind = 1
			nin++
		}
		fmt.Fprintf(&table, "\t.long %d, %d, %#x, %#x, %#x\n", kind, op.size, op.port, op.v, op.mask)
	}
	elf := guestbuild.Kernel(t, nil, guestbuild.Text("probe.S", fmt.Sprintf(oracleAsm, table.String(), 4*nin)))

	r, err := qemurun.Run(context.Background(), qemu, "", qemurun.Timeout, "-nodefaults", "-display", "none", "-m", "256",
		"-smp", "1", "-serial", "stdio", "-monitor", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", elf)
	require.NoError(t, err)
	require.Equal(t, 1, r.Status, "QEMU should exit 1 through debug-exit; stderr: %s", r.Stderr)
	out := r.Stdout

	var qemuVals []uint32
	for _, line := range strings.Fields(string(out)) {
		v, err := strconv.ParseUint(line, 16, 32)
		require.NoError(t, err, "QEMU output %q", out)
		qemuVals = append(qemuVals, uint32(v))
	}
	require.Len(t, qemuVals, nin, "one value per in")

	ours := replayScript(t, script)
	i := 0
	for _, op := range script {
		if !op.in {
			continue
		}
		assert.Equal(t, fmt.Sprintf("%#x", qemuVals[i]), fmt.Sprintf("%#x", ours[i]),
			"read %d: in%d %#x", i, op.size, op.port)
		i++
	}
}
