package interp_test

// The harness shared by the table, oracle and exception tests: a fake bus
// (COM1 capture, isa-debug-exit, a silent PIC), a CPU in flat protected
// mode over fresh RAM, an ELF loader (PT_LOAD segments at their physical
// addresses), and the gcc/ld build step of the oracles.

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dfemu/emu/interp"
	"dfemu/internal/guestbuild"
)

// Ports the fake bus knows.
const (
	portCOM1      = 0x3f8
	portCOM1LSR   = 0x3fd
	portDebugExit = 0xf4
	lsrTHRE       = 0x20 // transmit holding register empty
)

// fakeBus is the machine around a test CPU: RAM only, unassigned physical
// addresses read all ones, COM1 output is captured, a write to the
// debug-exit port stops the CPU (as QEMU's isa-debug-exit ends QEMU),
// every other port reads all ones and ignores writes.
type fakeBus struct {
	cpu      *interp.CPU
	com1     bytes.Buffer
	exited   bool
	exitCode uint32
	outs     int // port writes, all ports
}

func (b *fakeBus) ReadPhys(addr uint32, size int) uint32     { return ^uint32(0) }
func (b *fakeBus) WritePhys(addr uint32, size int, v uint32) {}
func (b *fakeBus) AckInterrupt() uint8                       { return 0xff }

func (b *fakeBus) In(port uint16, size int) uint32 {
	if port == portCOM1LSR {
		return lsrTHRE
	}
	return ^uint32(0) >> (32 - 8*size)
}

func (b *fakeBus) Out(port uint16, size int, v uint32) {
	b.outs++
	switch port {
	case portCOM1:
		b.com1.WriteByte(byte(v))
	case portDebugExit:
		b.exited, b.exitCode = true, v
		b.cpu.RequestStop()
	}
}

// testMachine is one CPU over ramSize bytes of RAM.
type testMachine struct {
	cpu *interp.CPU
	bus *fakeBus
	ram []byte
}

func newMachine(ramSize int, stopOnUD bool) *testMachine {
	m := &testMachine{bus: &fakeBus{}, ram: make([]byte, ramSize)}
	m.cpu = interp.New(interp.Config{RAM: m.ram, Bus: m.bus, StopOnUD: stopOnUD})
	m.bus.cpu = m.cpu
	return m
}

// run runs up to max instructions and requires stop reason want; on any
// other it fails with the CPU's dump.
func (m *testMachine) run(t testing.TB, max uint64, want interp.StopReason) {
	t.Helper()
	got := m.cpu.Run(max)
	if got != want {
		t.Fatalf("Run stopped with %q, want %q (last fault: %s)\n%s",
			got, want, m.cpu.LastFault, m.cpu.Dump())
	}
}

// put writes b at physical address addr of RAM (before the first Run:
// the host writes RAM behind the decode cache's back).
func (m *testMachine) put(addr uint32, b ...byte) { copy(m.ram[addr:], b) }

func (m *testMachine) put32(addr, v uint32) { binary.LittleEndian.PutUint32(m.ram[addr:], v) }

func (m *testMachine) word(addr uint32) uint32 { return binary.LittleEndian.Uint32(m.ram[addr:]) }

// loadELF copies f's PT_LOAD segments to RAM at their physical addresses
// (zero-filling the memsz tail) and returns the symbol table.
func (m *testMachine) loadELF(t testing.TB, f *elf.File) map[string]uint32 {
	t.Helper()
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		end := p.Paddr + p.Memsz
		require.LessOrEqual(t, end, uint64(len(m.ram)), "segment at %#x beyond RAM", p.Paddr)
		data, err := io.ReadAll(p.Open())
		require.NoError(t, err)
		clear(m.ram[p.Paddr:end])
		copy(m.ram[p.Paddr:], data)
	}
	syms, err := f.Symbols()
	require.NoError(t, err)
	out := map[string]uint32{}
	for _, s := range syms {
		out[s.Name] = uint32(s.Value)
	}
	return out
}

// words reads n little-endian words at linear address lin.
func readWords(t testing.TB, cpu *interp.CPU, lin uint32, n int) []uint32 {
	t.Helper()
	buf := make([]byte, 4*n)
	require.NoError(t, cpu.ReadLinear(lin, buf))
	w := make([]uint32, n)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(buf[4*i:])
	}
	return w
}

// needNativeI386 skips t unless the host runs i386 Linux binaries
// built by guestbuild.
func needNativeI386(t *testing.T) {
	t.Helper()
	exe := guestbuild.Build(t, guestbuild.Spec{Out: "probe", Sources: []guestbuild.Source{
		guestbuild.Text("probe.S", ".globl _start\n_start: movl $1,%eax\nxorl %ebx,%ebx\nint $0x80\n")}})
	if out, err := exec.Command(exe).CombinedOutput(); err != nil {
		t.Skipf("host cannot run i386 Linux binaries (%v %s): the native oracle needs an x86 host with IA32 emulation", err, out)
	}
}

// runHost runs a command with a timeout and returns its stdout.
func runHost(timeout time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return stdout.Bytes(), fmt.Errorf("%s: timed out after %v", name, timeout)
	}
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("%s: %v (stderr: %s)", name, err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// mismatches collects differences and reports the first few in full.
type mismatches struct {
	n     int
	lines []string
}

func (m *mismatches) addf(format string, args ...any) {
	m.n++
	if len(m.lines) < 40 {
		m.lines = append(m.lines, fmt.Sprintf(format, args...))
	}
}

func (m *mismatches) report(t *testing.T, what string, total int) {
	t.Helper()
	if m.n == 0 {
		t.Logf("%s: %d cases agree", what, total)
		return
	}
	t.Errorf("%s: %d of %d cases differ; first %d:\n%s", what, m.n, total, len(m.lines), strings.Join(m.lines, "\n"))
}
