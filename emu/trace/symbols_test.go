package trace_test

import (
	"bytes"
	"testing"

	"dfemu/emu/trace"
	"dfemu/guest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func kernelTable(t *testing.T) *trace.Table {
	t.Helper()
	tb, err := trace.LoadELF("kernel.elf", bytes.NewReader(guest.Kernel))
	require.NoError(t, err)
	return tb
}

// The kernel is built with -g: its symbols have sizes and its code has
// DWARF lines.
func TestKernelSymbolsAndLines(t *testing.T) {
	tb := kernelTable(t)
	require.True(t, tb.HasLines(), "the kernel has DWARF line information")
	var s trace.Symbolizer
	s.AddGlobal(tb)
	kmain, ok := s.Find("kmain")
	require.True(t, ok)
	require.NotZero(t, kmain.Size)
	for _, off := range []uint32{0, 1, kmain.Size - 1} {
		got, ok := s.Lookup(0, kmain.Addr+off)
		require.True(t, ok)
		assert.Equal(t, "kmain", got.Name)
	}
	if after, ok := s.Lookup(0, kmain.Addr+kmain.Size); ok {
		assert.NotEqual(t, "kmain", after.Name, "the size bounds the function")
	}
	file, line, ok := s.Line(0, kmain.Addr)
	require.True(t, ok)
	assert.Equal(t, "kernel/main.c", file)
	assert.Greater(t, line, 0)
	_, _, ok = s.Line(0, 0x10)
	assert.False(t, ok, "no line for an address outside the kernel")
}

// Tables added for an address space apply only while its CR3 is loaded.
func TestSymbolsPerAddressSpace(t *testing.T) {
	var s trace.Symbolizer
	s.AddSpace(0x5000, kernelTable(t))
	kmain, ok := s.Find("kmain")
	require.True(t, ok)
	got, ok := s.Lookup(0x5018, kmain.Addr) // CR3's flag bits are ignored
	require.True(t, ok)
	assert.Equal(t, "kmain", got.Name)
	_, ok = s.Lookup(0x6000, kmain.Addr)
	assert.False(t, ok, "another address space")
	assert.NotEqual(t, s.SpaceKey(0x5000), s.SpaceKey(0x6000))
}

func TestLoadELFRejectsNonELF(t *testing.T) {
	_, err := trace.LoadELF("mod0.bin", bytes.NewReader([]byte("not an elf file at all, just bytes")))
	assert.ErrorContains(t, err, "mod0.bin")
}
