package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDebugExit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		port       uint16
		size       int
		v          uint32
		wantV      uint32
		wantStatus int
	}{
		{"outb 0x31", 0xF4, 1, 0x31, 0x31, 0x63},
		{"outb 0 (status 1)", 0xF4, 1, 0, 0, 1},
		{"outb keeps 8 bits", 0xF4, 1, 0x1FF, 0xFF, 0xFF},
		{"outw 0x1234", 0xF4, 2, 0x1234, 0x1234, 0x69},
		{"outl 0x10", 0xF4, 4, 0x10, 0x10, 0x21},
		{"outl 0x7F (status 255)", 0xF4, 4, 0x7F, 0x7F, 0xFF},
		{"outb at 0xF7 (iosize 4)", 0xF7, 1, 2, 2, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []uint32
			d := NewDebugExit(func(v uint32) { got = append(got, v) })
			assert.Equal(t, uint32(0), d.In(0xF4, 4), "reads return 0 as QEMU")
			d.Out(tc.port, tc.size, tc.v)
			d.Out(tc.port, tc.size, 0x55)
			require.Equal(t, []uint32{tc.wantV}, got, "onExit once, first value")
			v, ok := d.Exited()
			assert.True(t, ok)
			assert.Equal(t, tc.wantV, v)
			assert.Equal(t, tc.wantStatus, ExitStatus(v))
		})
	}
	d := NewDebugExit(nil)
	_, ok := d.Exited()
	assert.False(t, ok)
	d.Out(0xF4, 1, 1) // nil callback: no panic
}

func TestACPIPowerOff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		writes   [][3]uint32 // port, size, value
		wantOff  int
		wantRead uint32 // inw 0x604 afterwards
	}{
		{"S5 as QEMU: outw 0x2000", [][3]uint32{{0x604, 2, 0x2000}}, 1, 0},
		{"S5 with SCI_EN", [][3]uint32{{0x604, 2, 0x2001}}, 1, 0x0001},
		{"S5 as outl", [][3]uint32{{0x604, 4, 0x2000}}, 1, 0},
		{"S5 by bytes", [][3]uint32{{0x604, 1, 0x00}, {0x605, 1, 0x20}}, 1, 0},
		{"SLP_TYP 5 without SLP_EN is stored", [][3]uint32{{0x604, 2, 0x1400}}, 0, 0x1400},
		{"S3 type with SLP_EN is not S5", [][3]uint32{{0x604, 2, 0x2400}}, 0, 0x0400},
		{"SLP_TYP 7 with SLP_EN", [][3]uint32{{0x604, 2, 0x3C00}}, 0, 0x1C00},
		{"zero", [][3]uint32{{0x604, 2, 0}}, 0, 0},
		{"low byte alone cannot set SLP_EN", [][3]uint32{{0x604, 1, 0xFF}}, 0, 0x00FF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off := 0
			p := NewACPIPM(func() { off++ })
			for _, w := range tc.writes {
				p.Out(uint16(w[0]), int(w[1]), w[2])
			}
			assert.Equal(t, tc.wantOff, off)
			assert.Equal(t, tc.wantRead, p.In(0x604, 2))
			assert.Equal(t, tc.wantRead&0xFF, p.In(0x604, 1))
			assert.Equal(t, tc.wantRead>>8, p.In(0x605, 1))
		})
	}
}

func TestPCIAbsent(t *testing.T) {
	p := NewPCIAbsent()
	assert.Equal(t, uint32(0), p.In(0xCF8, 4))
	// Linux's pci_check_type1.
	p.Out(0xCFB, 1, 0x01)
	tmp := p.In(0xCF8, 4)
	p.Out(0xCF8, 4, 0x80000000)
	require.Equal(t, uint32(0x80000000), p.In(0xCF8, 4), "type 1 detected")
	p.Out(0xCF8, 4, tmp)
	assert.Equal(t, uint32(0), p.Address())

	p.Out(0xCF8, 4, 0x80001808) // bus 0, dev 3, reg 8
	assert.Equal(t, uint32(0x80001808), p.In(0xCF8, 4))
	assert.Equal(t, uint32(0x08), p.In(0xCF8, 1))
	assert.Equal(t, uint32(0x08), p.In(0xCFB, 1), "QEMU: narrow reads are not shifted")
	assert.Equal(t, uint32(0x1808), p.In(0xCFA, 2))
	p.Out(0xCF8, 2, 0xFFFF)
	p.Out(0xCF9, 1, 0x06) // PIIX reset control: not here
	assert.Equal(t, uint32(0x80001808), p.Address(), "narrow writes ignored")
	for _, tc := range []struct {
		port uint16
		size int
		want uint32
	}{
		{0xCFC, 4, 0xFFFFFFFF}, {0xCFC, 2, 0xFFFF}, {0xCFE, 2, 0xFFFF},
		{0xCFD, 1, 0xFF}, {0xCFF, 1, 0xFF},
	} {
		assert.Equal(t, tc.want, p.In(tc.port, tc.size), "data %#x/%d", tc.port, tc.size)
	}
	p.Out(0xCFC, 4, 0x12345678)
	assert.Equal(t, uint32(0xFFFFFFFF), p.In(0xCFC, 4), "data writes ignored")
}

func TestPOST(t *testing.T) {
	p := NewPOST()
	assert.Equal(t, uint8(0), p.Last())
	p.Out(0x80, 1, 0x42)
	assert.Equal(t, uint8(0x42), p.Last())
	p.Out(0x80, 4, 0x11223344)
	assert.Equal(t, uint8(0x44), p.Last())
	assert.Equal(t, uint64(2), p.Writes())
	assert.Equal(t, uint32(0xFF), p.In(0x80, 1))
	assert.Equal(t, uint32(0xFFFF), p.In(0x80, 2))
}

func TestI8042Absent(t *testing.T) {
	k := NewI8042Absent()
	for _, port := range []uint16{0x60, 0x64} {
		assert.Equal(t, uint32(0xFF), k.In(port, 1))
		k.Out(port, 1, 0xFE) // pulse reset: ignored
		assert.Equal(t, uint32(0xFF), k.In(port, 1))
	}
	for _, r := range k.Ranges() {
		assert.False(t, r.Contains(0x61), "port 0x61 belongs to the PIT gate")
	}
}

// TestRangesDisjoint checks every device's ports against the layout and
// against each other, as the bus will.
func TestRangesDisjoint(t *testing.T) {
	devices := map[string]Device{
		"uart":  NewUART(nil, nil, nil),
		"exit":  NewDebugExit(nil),
		"acpi":  NewACPIPM(nil),
		"cmos":  NewCMOS(nil),
		"pci":   NewPCIAbsent(),
		"post":  NewPOST(),
		"i8042": NewI8042Absent(),
	}
	owner := map[uint16]string{}
	for name, d := range devices {
		for _, r := range d.Ranges() {
			require.Positive(t, r.N, name)
			for p := int(r.Base); p < int(r.Base)+r.N; p++ {
				require.Empty(t, owner[uint16(p)], "port %#x claimed by %s and %s", p, owner[uint16(p)], name)
				owner[uint16(p)] = name
			}
		}
	}
	for port, want := range map[uint16]string{
		PortDebugExit: "exit", PortCOM1: "uart", PortCOM1 + 7: "uart",
		PortACPIPM1a: "acpi", PortCMOSIndex: "cmos", PortCMOSData: "cmos",
		PortPCIAddr: "pci", PortPCIAddr + 7: "pci", PortPOST: "post",
		0x60: "i8042", 0x64: "i8042",
	} {
		assert.Equal(t, want, owner[port], "port %#x", port)
	}
	assert.Empty(t, owner[0x0E9A])
	assert.Empty(t, owner[0x61])
}

func TestBadSizes(t *testing.T) {
	// Never a panic on a size the CPU should not produce.
	for _, d := range []PortDevice{
		NewUART(nil, nil, nil), NewDebugExit(nil), NewACPIPM(nil), NewCMOS(nil),
		NewPCIAbsent(), NewPOST(), NewI8042Absent(),
	} {
		for _, size := range []int{0, 3, 8, -1} {
			d.Out(0x3F8, size, 0x41)
			d.In(0x3F8, size)
		}
	}
}
