package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPIC: the usual initialisation sequences program the vector bases
// and masks; the masks read back; IRR/ISR read 0, since the PIC never
// delivers (and has no way to: there is no output to the CPU).
func TestPIC(t *testing.T) {
	for _, tc := range []struct {
		name         string
		writes       [][2]uint16 // port, byte
		mask1, mask2 uint8
		base1, base2 uint8
	}{
		{"reset: all masked", nil, 0xFF, 0xFF, 0, 0},
		{"Linux-style remap and mask all", [][2]uint16{
			{0x20, 0x11}, {0xA0, 0x11}, {0x21, 0x20}, {0xA1, 0x28}, {0x21, 0x04}, {0xA1, 0x02},
			{0x21, 0x01}, {0xA1, 0x01}, {0x21, 0xFF}, {0xA1, 0xFF},
		}, 0xFF, 0xFF, 0x20, 0x28},
		{"remap then unmask some", [][2]uint16{
			{0x20, 0x11}, {0x21, 0x30}, {0x21, 0x04}, {0x21, 0x01}, {0x21, 0xFB},
			{0xA0, 0x11}, {0xA1, 0x38}, {0xA1, 0x02}, {0xA1, 0x01}, {0xA1, 0xEF},
		}, 0xFB, 0xEF, 0x30, 0x38},
		{"no ICW4", [][2]uint16{{0x20, 0x10}, {0x21, 0x48}, {0x21, 0x04}, {0x21, 0x3C}}, 0x3C, 0xFF, 0x48, 0},
		{"single, no ICW3", [][2]uint16{{0x20, 0x13}, {0x21, 0x50}, {0x21, 0x01}, {0x21, 0x7F}}, 0x7F, 0xFF, 0x50, 0},
		{"vector base low bits ignored", [][2]uint16{{0x20, 0x11}, {0x21, 0x27}, {0x21, 0x04}, {0x21, 0x01}}, 0, 0xFF, 0x20, 0},
		{"OCW2 EOI and OCW3 change nothing", [][2]uint16{{0x21, 0x12}, {0x20, 0x20}, {0x20, 0x0B}, {0xA0, 0x0A}}, 0x12, 0xFF, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPIC()
			for _, w := range tc.writes {
				p.Out(w[0], 1, uint32(w[1]))
			}
			m1, m2 := p.Masks()
			assert.Equal(t, [2]uint8{tc.mask1, tc.mask2}, [2]uint8{m1, m2}, "masks")
			b1, b2 := p.VectorBases()
			assert.Equal(t, [2]uint8{tc.base1, tc.base2}, [2]uint8{b1, b2}, "vector bases")
			assert.Equal(t, uint32(tc.mask1), p.In(0x21, 1), "OCW1 reads back")
			assert.Equal(t, uint32(tc.mask2), p.In(0xA1, 1))
			assert.Zero(t, p.In(0x20, 1), "IRR/ISR: never anything pending")
			assert.Zero(t, p.In(0xA0, 1))
		})
	}
	assert.Equal(t, []Range{{PortPIC1, 2}, {PortPIC2, 2}}, NewPIC().Ranges())
}
