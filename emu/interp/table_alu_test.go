package interp_test

// Table tests of every ALU instruction on interp against the SDM model
// (table_model_test.go): no external tools needed.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"

	"dfemu/emu/interp"
)

// TestTableEncoder checks the case encoder against x86asm: each encoding
// decodes, whole, to the intended mnemonic.
func TestTableEncoder(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range genALUCases(oracleSeed) {
		code := c.code()
		in, err := x86asm.Decode(code, 32)
		require.NoError(t, err, "%s % x", c.op, code)
		require.Equal(t, len(code), in.Len, "%s: % x decodes as %s", c.op, code, c.asm())
		require.Equal(t, strings.ToUpper(c.mnemonic()), in.Op.String(), "% x decodes as %s", code, c.asm())
		seen[c.op] = true
	}
	t.Logf("%d ops", len(seen))
}

// stopCode ends each table snippet: out %al, $0xf4 (the fake bus stops
// the CPU on a debug-exit write; out changes no register or flag).
var stopCode = []byte{0xe6, portDebugExit}

// snippetMachine places each snippet, followed by stopCode, at its own
// address in one RAM before the first Run, so no code is written while
// the decode cache is live. It returns the machine and each address.
func snippetMachine(t testing.TB, snippets [][]byte) (*testMachine, []uint32) {
	const base = 0x10000
	size := base + 0x10000
	for _, s := range snippets {
		size += len(s) + len(stopCode) + 16
	}
	m := newMachine(size+0x10000, false)
	addrs := make([]uint32, len(snippets))
	at := uint32(base)
	for i, s := range snippets {
		addrs[i] = at
		m.put(at, s...)
		m.put(at+uint32(len(s)), stopCode...)
		at += uint32(len(s)+len(stopCode)+15) &^ 15
	}
	m.cpu.EnterFlatProtected(addrs[0])
	return m, addrs
}

// runSnippet runs the snippet at eip with registers in and returns the
// state after it.
func (m *testMachine) runSnippet(t testing.TB, eip uint32, in regs) regs {
	t.Helper()
	c := m.cpu
	c.EIP = eip
	c.R[interp.EAX], c.R[interp.EBX], c.R[interp.ECX], c.R[interp.EDX] = in.A, in.B, in.C, in.D
	c.SetFlags(in.F | 2)
	m.bus.exited = false
	if r := c.Run(1000); r != interp.StopRequested || !m.bus.exited {
		t.Fatalf("snippet at %#x: Run stopped with %q (exit port written: %v), last fault %q\n%s",
			eip, r, m.bus.exited, c.LastFault, c.Dump())
	}
	return regs{c.R[interp.EAX], c.R[interp.EBX], c.R[interp.ECX], c.R[interp.EDX], c.Flags()}
}

func TestTableALU(t *testing.T) {
	cases := genALUCases(oracleSeed)
	snippets := make([][]byte, len(cases))
	for i, c := range cases {
		snippets[i] = c.code()
	}
	m, addrs := snippetMachine(t, snippets)
	var mm mismatches
	perOp := map[string]int{}
	for i, c := range cases {
		got := m.runSnippet(t, addrs[i], c.in)
		want, def, _ := c.expect()
		if d := compareWords(got.words(), want.words(), def.words()); d != "" {
			mm.addf("case %d: %s: %s", i, c, d)
			perOp[c.op]++
		}
	}
	if mm.n > 0 {
		t.Logf("mismatches per op: %v", perOp)
	}
	mm.report(t, "interp vs SDM model", len(cases))
}
