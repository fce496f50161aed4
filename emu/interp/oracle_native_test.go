package interp_test

// The host-native oracle: the host CPU runs the generated case program as
// an i386 Linux executable (raw int $0x80, no libc) and writes its result
// buffer to stdout; interp runs the same linked program's compute code
// from interp_entry (ending in hlt) and the buffer is read back from RAM.
// Every defined register bit and flag of every case must agree. The model
// is checked against the host too, so the table tests (model vs interp)
// rest on hardware-verified expectations.

import (
	"debug/elf"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dfemu/emu/interp"
	"dfemu/internal/guestbuild"
)

// oracleSeed fixes the random half of the case table.
const oracleSeed = 0x1386_2003

// oracleLinkAddr is where the oracle programs are linked: low enough for
// a small test RAM, above Linux's mmap_min_addr for the native run.
const oracleLinkAddr = "0x100000"

func TestOracleNative(t *testing.T) {
	needNativeI386(t)
	cases := genALUCases(oracleSeed)
	n := len(cases) * wordsPerCase
	exe := guestbuild.Build(t, guestbuild.Spec{Out: "native", LDFlags: []string{"-Ttext-segment=" + oracleLinkAddr, "-z", "noexecstack"},
		Sources: []guestbuild.Source{guestbuild.Text("head.S", readTestdata(t, "oracle_native.S")), guestbuild.Text("cases.S", emitCases(cases))}})

	start := time.Now()
	out, err := runHost(20*time.Second, exe)
	require.NoError(t, err)
	require.Len(t, out, 4*n, "native program output")
	native := make([]uint32, n)
	for i := range native {
		native[i] = binary.LittleEndian.Uint32(out[4*i:])
	}
	t.Logf("%d cases, native run %v", len(cases), time.Since(start))

	t.Run("model", func(t *testing.T) { compareModel(t, "model vs host CPU", cases, native) })
	t.Run("interp", func(t *testing.T) {
		f, err := elf.Open(exe)
		require.NoError(t, err)
		defer f.Close()
		m := newMachine(8<<20, false)
		syms := m.loadELF(t, f)
		m.cpu.EnterFlatProtected(syms["interp_entry"])
		start := time.Now()
		m.run(t, 50_000_000, interp.StopHaltNoIntr)
		t.Logf("interp ran %d instructions in %v", m.cpu.Insns, time.Since(start))
		got := readWords(t, m.cpu, syms["oracle_out"], n)
		compareRuns(t, "interp vs host CPU", cases, got, native)
	})
}
