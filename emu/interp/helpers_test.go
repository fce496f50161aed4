package interp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"dfemu/internal/guestbuild"
)

// fakeBus is a nil-safe Bus for tests: it records port writes, answers
// port reads from a map, and can stop the CPU on a port write.
type fakeBus struct {
	cpu      *CPU
	outs     []portWrite
	ins      map[uint16]uint32
	stopPort uint16 // a write here calls RequestStop (0: none)
	vectors  []uint8
}

type portWrite struct {
	port uint16
	size int
	v    uint32
}

func (b *fakeBus) ReadPhys(addr uint32, size int) uint32     { return 0xFFFFFFFF }
func (b *fakeBus) WritePhys(addr uint32, size int, v uint32) {}
func (b *fakeBus) In(port uint16, size int) uint32 {
	if v, ok := b.ins[port]; ok {
		return v
	}
	return 0xFFFFFFFF
}
func (b *fakeBus) Out(port uint16, size int, v uint32) {
	b.outs = append(b.outs, portWrite{port, size, v})
	if b.stopPort != 0 && port == b.stopPort && b.cpu != nil {
		b.cpu.RequestStop()
	}
}
func (b *fakeBus) AckInterrupt() uint8 {
	v := b.vectors[0]
	b.vectors = b.vectors[1:]
	if len(b.vectors) == 0 && b.cpu != nil {
		b.cpu.SetIntrPending(false)
	}
	return v
}

const (
	testRAM   = 4 << 20
	testCode  = 0x1000  // where test programs are linked
	testStack = 0x80000 // initial ESP
)

// assemble builds GNU as source (AT&T syntax, .code32 unless it says
// otherwise) linked at addr, returning the flat binary. It skips the test
// when the toolchain is missing.
func assemble(t testing.TB, src string, addr uint32) []byte {
	t.Helper()
	elf := guestbuild.Build(t, guestbuild.Spec{LDFlags: []string{"-Ttext", fmt.Sprintf("%#x", addr), "-e", "_start"},
		Sources: []guestbuild.Source{guestbuild.Text("t.S", ".text\n.globl _start\n_start:\n"+src+"\n")}})
	return guestbuild.Flat(t, elf, ".text")
}

// newTestCPU returns a CPU in flat protected mode with prog loaded at
// testCode and ESP = testStack.
func newTestCPU(t testing.TB, prog []byte) (*CPU, *fakeBus) {
	t.Helper()
	bus := &fakeBus{ins: map[uint16]uint32{}}
	c := New(Config{RAM: make([]byte, testRAM), Bus: bus})
	bus.cpu = c
	copy(c.ram[testCode:], prog)
	c.EnterFlatProtected(testCode)
	c.R[ESP] = testStack
	return c, bus
}

// runAsm assembles src, runs it until hlt and returns the CPU.
func runAsm(t testing.TB, src string) *CPU {
	t.Helper()
	c, _ := newTestCPU(t, assemble(t, src, testCode))
	r := c.Run(1_000_000)
	require.Equal(t, StopHaltNoIntr, r, "stop reason; last fault: %s\n%s", c.LastFault, c.Dump())
	return c
}

func (c *CPU) mem32(a uint32) uint32 {
	return uint32(c.ram[a]) | uint32(c.ram[a+1])<<8 | uint32(c.ram[a+2])<<16 | uint32(c.ram[a+3])<<24
}
