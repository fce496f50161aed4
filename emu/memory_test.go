package emu

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRAM(t *testing.T) {
	ram, err := newRAM(2)
	require.NoError(t, err)
	assert.Len(t, ram, 2<<20)
	for _, bad := range []int{0, 1, -5, 3585, 1 << 20} {
		_, err := newRAM(bad)
		assert.ErrorContains(t, err, "out of range", "%d MiB", bad)
	}
}

type mmioRecorder struct {
	addr uint32
	v    uint32
}

func (m *mmioRecorder) Read(addr uint32, size int) uint32 { m.addr = addr; return 0x1234 }
func (m *mmioRecorder) Write(addr uint32, size int, v uint32) {
	m.addr, m.v = addr, v
}

func TestMMIOBus(t *testing.T) {
	b := NewMMIOBus(256 << 20)
	lapic := &mmioRecorder{}
	require.NoError(t, b.Register("lapic", LAPICBase, 0x1000, lapic))
	require.NoError(t, b.Register("ioapic", IOAPICBase, 0x20, &mmioRecorder{}))
	assert.ErrorContains(t, b.Register("x", LAPICBase+0x800, 0x1000, &mmioRecorder{}), "overlaps lapic")
	assert.ErrorContains(t, b.Register("low", 0x1000, 0x1000, &mmioRecorder{}), "overlaps RAM")
	assert.Error(t, b.Register("wrap", 0xFFFFF000, 0x2000, &mmioRecorder{}))
	assert.Error(t, b.Register("empty", 0xF0000000, 0, &mmioRecorder{}))

	assert.Equal(t, uint32(0x1234), b.Read(LAPICBase+0x20, 4))
	assert.Equal(t, uint32(LAPICBase+0x20), lapic.addr)
	b.Write(LAPICBase+0xB0, 4, 0)
	assert.Equal(t, uint32(LAPICBase+0xB0), lapic.addr)

	var firsts []bool
	b.Unknown = func(desc string, first bool) { firsts = append(firsts, first) }
	assert.Equal(t, uint32(0xFFFF), b.Read(0x20000000, 2))
	b.Write(0x20000004, 4, 1)
	assert.Equal(t, uint32(0xFF), b.Read(0x20001000, 1))
	assert.Equal(t, []bool{true, false, true}, firsts, "reported once per page")
}
