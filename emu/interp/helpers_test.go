package interp

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed: cannot assemble test programs")
	}
	dir := t.TempDir()
	s := filepath.Join(dir, "t.S")
	require.NoError(t, os.WriteFile(s, []byte(".text\n.globl _start\n_start:\n"+src+"\n"), 0o644))
	o, elf, bin := filepath.Join(dir, "t.o"), filepath.Join(dir, "t.elf"), filepath.Join(dir, "t.bin")
	run := func(name string, args ...string) {
		out, err := exec.Command(name, args...).CombinedOutput()
		require.NoError(t, err, "%s: %s", name, out)
	}
	run("gcc", "-m32", "-c", "-o", o, s)
	run("ld", "-m", "elf_i386", "-Ttext", "0x"+hex32(addr), "-e", "_start", "-o", elf, o)
	run("objcopy", "-O", "binary", "-j", ".text", elf, bin)
	b, err := os.ReadFile(bin)
	require.NoError(t, err)
	return b
}

func hex32(v uint32) string {
	const d = "0123456789abcdef"
	var b [8]byte
	for k := 7; k >= 0; k-- {
		b[k] = d[v&15]
		v >>= 4
	}
	return string(b[:])
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
