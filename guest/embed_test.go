package guest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"hash/crc32"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The embedded kernel is what a Multiboot loader accepts: an ELF32 i386
// executable with a valid Multiboot v1 header in its first 8 KiB, loaded at
// and entered above 1 MiB.
func TestKernelIsMultibootELF(t *testing.T) {
	f, err := elf.NewFile(bytes.NewReader(Kernel))
	require.NoError(t, err)
	assert.Equal(t, elf.ELFCLASS32, f.Class)
	assert.Equal(t, elf.EM_386, f.Machine)
	assert.Equal(t, elf.ET_EXEC, f.Type)
	assert.GreaterOrEqual(t, f.Entry, uint64(0x100000), "entry point")

	found := false
	for off := 0; off+12 <= 8192 && off+12 <= len(Kernel); off += 4 {
		magic := binary.LittleEndian.Uint32(Kernel[off:])
		if magic != 0x1BADB002 {
			continue
		}
		flags := binary.LittleEndian.Uint32(Kernel[off+4:])
		sum := binary.LittleEndian.Uint32(Kernel[off+8:])
		assert.Zero(t, magic+flags+sum, "header checksum at offset %d", off)
		assert.Equal(t, uint32(0x3), flags, "flags: page-align and memory info, no a.out kludge")
		found = true
		break
	}
	assert.True(t, found, "no Multiboot header in the first 8 KiB")

	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			assert.GreaterOrEqual(t, p.Paddr, uint64(0x100000), "PT_LOAD below 1 MiB")
		}
	}
}

// Each default module's string carries the CRC-32 of its data, in the
// form the kernel's modules test parses.
func TestModulesCarryTheirCRC(t *testing.T) {
	mods := Modules()
	require.NotEmpty(t, mods)
	re := regexp.MustCompile(`^\S+ crc32=0x([0-9a-f]{8})$`)
	for _, m := range mods {
		require.NotEmpty(t, m.Data, m.String)
		match := re.FindStringSubmatch(m.String)
		require.NotNil(t, match, "module string %q", m.String)
		assert.Equal(t, crc32.ChecksumIEEE(m.Data), parseHex32(t, match[1]), m.String)
	}
	assert.Equal(t, "x.bin crc32=0xcbf43926", ModuleWithCRC("x.bin", []byte("123456789")).String,
		"the CRC-32 check value")
}

func parseHex32(t *testing.T, s string) uint32 {
	var v uint32
	for _, c := range s {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= uint32(c - '0')
		case c >= 'a' && c <= 'f':
			v |= uint32(c-'a') + 10
		default:
			t.Fatalf("bad hex %q", s)
		}
	}
	return v
}
