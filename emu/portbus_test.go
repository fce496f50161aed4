package emu

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a port device that remembers its last access.
type recorder struct {
	in        uint32
	lastPort  uint16
	lastSize  int
	lastValue uint32
	outs      int
}

func (r *recorder) In(port uint16, size int) uint32 {
	r.lastPort, r.lastSize = port, size
	return r.in
}

func (r *recorder) Out(port uint16, size int, v uint32) {
	r.lastPort, r.lastSize, r.lastValue = port, size, v
	r.outs++
}

func TestPortBusDispatch(t *testing.T) {
	b := NewPortBus()
	a, c := &recorder{in: 0x11}, &recorder{in: 0x22}
	require.NoError(t, b.Register("a", 0x3F8, 8, a))
	require.NoError(t, b.Register("c", 0xF4, 4, c))

	assert.Equal(t, uint32(0x11), b.In(0x3FD, 1))
	assert.Equal(t, uint16(0x3FD), a.lastPort, "devices see absolute ports")
	assert.Equal(t, uint32(0x22), b.In(0xF7, 2))
	assert.Equal(t, 2, c.lastSize)

	b.Out(0xF4, 4, 0xDEADBEEF)
	assert.Equal(t, uint32(0xDEADBEEF), c.lastValue)
	assert.Equal(t, 0, a.outs)
	assert.Equal(t, "a", b.Owner(0x3FF))
	assert.Equal(t, "", b.Owner(0x400))
}

func TestPortBusRejectsOverlap(t *testing.T) {
	b := NewPortBus()
	require.NoError(t, b.Register("uart", 0x3F8, 8, &recorder{}))
	err := b.Register("other", 0x3FF, 2, &recorder{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "overlaps uart")
	assert.Equal(t, "", b.Owner(0x400), "a rejected registration claims nothing")
	assert.Error(t, b.Register("wrap", 0xFFFF, 2, &recorder{}))
	assert.Error(t, b.Register("empty", 0x10, 0, &recorder{}))
	assert.NoError(t, b.Register("last", 0xFFFF, 1, &recorder{}))
}

func TestPortBusUnknown(t *testing.T) {
	b := NewPortBus()
	var descs []string
	var firsts []bool
	b.Unknown = func(desc string, first bool) {
		descs = append(descs, desc)
		firsts = append(firsts, first)
	}
	assert.Equal(t, uint32(0xFF), b.In(0x1234, 1))
	assert.Equal(t, uint32(0xFFFF), b.In(0x1234, 2))
	assert.Equal(t, uint32(0xFFFFFFFF), b.In(0x42, 4))
	b.Out(0x42, 1, 7)
	assert.Equal(t, []string{
		"unknown port 0x1234 read (size 1)",
		"unknown port 0x1234 read (size 2)",
		"unknown port 0x0042 read (size 4)",
		"unknown port 0x0042 write 0x7 (size 1)",
	}, descs)
	assert.Equal(t, []bool{true, false, true, false}, firsts)
}
