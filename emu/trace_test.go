package emu

import (
	"testing"

	"dfemu/emu/interp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eips records the EIPs a machine traced.
type eips struct{ got []uint32 }

func (e *eips) Insn(c *interp.CPU, r *interp.InsnRecord)    { e.got = append(e.got, r.EIP) }
func (e *eips) Event(c *interp.CPU, ev *interp.EventRecord) {}

// traceCtl writes v to PortTraceCtl: mov dx, 0xE9A; mov al, v; out dx, al.
func traceCtl(v byte) []byte { return []byte{0x66, 0xBA, 0x9A, 0x0E, 0xB0, v, 0xEE} }

// With TraceOff, only the instructions between the guest's trace on and
// trace off are traced: from the one after "out 1" to "out 0" itself.
func TestTracePortWindow(t *testing.T) {
	nop := []byte{0x90}
	code := cat(nop, traceCtl(1), nop, nop, traceCtl(0), nop, exitWith(0))
	tr := &eips{}
	r := boot(t, code, func(c *Config) { c.Tracer, c.TraceOff = tr, true })
	require.Equal(t, 1, r.res.Status, r.stderr)
	// The guest's code starts at the ELF entry; the window is 2 nops
	// and the 3 instructions of traceCtl(0).
	require.Len(t, tr.got, 5, "%x", tr.got)
	start := tr.got[0]
	assert.Equal(t, []uint32{start, start + 1, start + 2, start + 6, start + 8}, tr.got)
}

// Without TraceOff the whole run is traced; the port reads 1 while on.
func TestTracePortReadsState(t *testing.T) {
	// in al, dx (port 0xE9A); out 0xF4, eax: exit status (AL<<1)|1.
	code := cat([]byte{0x66, 0xBA, 0x9A, 0x0E, 0xEC, 0xE7, 0xF4})
	tr := &eips{}
	r := boot(t, code, func(c *Config) { c.Tracer = tr })
	assert.Equal(t, 3, r.res.Status, "read 1: tracing on")
	assert.Len(t, tr.got, 3)
	r = boot(t, code, nil)
	assert.Equal(t, 1, r.res.Status, "read 0: no tracer")
}

// Without -trace-port (TraceOff false) the whole run is traced: the
// guest's writes to the port change nothing.
func TestTracePortIgnoredWithoutPortMode(t *testing.T) {
	code := cat(traceCtl(0), []byte{0x90}, exitWith(0))
	tr := &eips{}
	r := boot(t, code, func(c *Config) { c.Tracer = tr })
	require.Equal(t, 1, r.res.Status, r.stderr)
	assert.Len(t, tr.got, 6, "3 for the port write, the nop, 2 for the exit")
}
