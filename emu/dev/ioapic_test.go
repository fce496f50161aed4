package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const ioapicBase = 0xFEC00000

func ioRead(a *IOAPIC, reg uint32) uint32 {
	a.Write(ioapicBase+IOAPICRegSel, 4, reg)
	return a.Read(ioapicBase+IOAPICRegWin, 4)
}

func ioWrite(a *IOAPIC, reg, v uint32) {
	a.Write(ioapicBase+IOAPICRegSel, 4, reg)
	a.Write(ioapicBase+IOAPICRegWin, 4, v)
}

// redirect programs entry n: low word lo, destination APIC ID dest.
func redirect(a *IOAPIC, n int, lo uint32, dest uint8) {
	ioWrite(a, 0x10+2*uint32(n)+1, uint32(dest)<<24)
	ioWrite(a, 0x10+2*uint32(n), lo)
}

func newIOAPICRig(n int) (*apicRig, *IOAPIC) {
	r := newAPICRig(n)
	for i := range n {
		r.enabled(i)
	}
	return r, NewIOAPIC(r.bus, 0)
}

func TestIOAPICRegisters(t *testing.T) {
	_, a := newIOAPICRig(1)
	a.Write(ioapicBase+IOAPICRegSel, 4, 0x12)
	assert.Equal(t, uint32(0x12), a.Read(ioapicBase+IOAPICRegSel, 4), "IOREGSEL reads back")
	assert.Zero(t, ioRead(a, 0x00), "ID 0")
	ioWrite(a, 0x00, 0x0A000000)
	assert.Equal(t, uint32(0x0A000000), ioRead(a, 0x00), "ID is writable (4 bits)")
	assert.Equal(t, uint32(0x0A000000), ioRead(a, 0x02), "arbitration ID follows")
	assert.Equal(t, uint32(IOAPICVersion), ioRead(a, 0x01))
	assert.Equal(t, uint32(23), ioRead(a, 0x01)>>16, "max redirection entry: 24 entries")
	assert.Equal(t, uint32(0x11), ioRead(a, 0x01)&0xFF, "version 0x11")
	for n := range IOAPICEntries {
		assert.Equal(t, uint32(redirMasked), ioRead(a, 0x10+2*uint32(n)), "entry %d masked at reset", n)
		assert.Zero(t, ioRead(a, 0x10+2*uint32(n)+1))
	}
	redirect(a, 5, 0xFFFFFFFF, 0xFF)
	assert.Equal(t, uint32(0x1AFFF), ioRead(a, 0x1A), "entry 5 low: read-only bits (status, remote IRR) stay 0")
	assert.Equal(t, uint32(0xFF000000), ioRead(a, 0x1B), "entry 5 high: destination only")
	assert.Zero(t, ioRead(a, 0x10+2*IOAPICEntries), "past the last entry reads 0")
	assert.Zero(t, a.Read(ioapicBase+IOAPICRegWin, 2), "IOWIN: 32-bit accesses only")
}

// TestIOAPICDelivery: each entry's vector, destination and mode, masks,
// and edge vs level triggering with remote IRR cleared by the EOI.
func TestIOAPICDelivery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lo    uint32
		dest  uint8
		edges int // rising edges on the line
		want  []int
	}{
		{"edge to cpu 1", 0x41, 1, 1, []int{1}},
		{"edge broadcast", 0x41, 0xFF, 1, []int{0, 1, 2}},
		{"masked", redirMasked | 0x41, 1, 1, nil},
		{"logical to 1 and 2", redirLogical | 0x41, 0x06, 1, []int{1, 2}},
		{"lowest priority", ICRLowest | 0x41, 0xFF, 1, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, a := newIOAPICRig(3)
			for i, l := range r.bus.LAPICs {
				wr(l, LAPICRegLDR, 1<<(24+i))
			}
			redirect(a, 4, tc.lo, tc.dest)
			for range tc.edges {
				a.SetLine(4, true)
				a.SetLine(4, false)
			}
			var got []int
			for i, l := range r.bus.LAPICs {
				if l.Pending() {
					got = append(got, i)
					assert.Equal(t, uint8(0x41), l.Ack())
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestIOAPICEdgeAndLevel(t *testing.T) {
	t.Run("edge: one message per rising edge", func(t *testing.T) {
		r, a := newIOAPICRig(1)
		l := r.bus.LAPICs[0]
		redirect(a, 2, 0x30, 0)
		a.SetLine(2, true)
		a.SetLine(2, true) // still high: no edge
		assert.Equal(t, uint8(0x30), l.Ack())
		assert.False(t, l.Pending())
		assert.Zero(t, ioRead(a, 0x14)&redirRemoteIRR, "edge entries never set remote IRR")
		wr(l, LAPICRegEOI, 0)
		a.SetLine(2, false)
		a.SetLine(2, true)
		assert.True(t, l.Pending(), "a new edge")
		assert.True(t, a.CanInterrupt(2))
		assert.False(t, a.CanInterrupt(3), "masked")
		assert.False(t, a.CanInterrupt(IOAPICEntries))
	})
	t.Run("level: remote IRR until EOI, again while high", func(t *testing.T) {
		r, a := newIOAPICRig(1)
		l := r.bus.LAPICs[0]
		redirect(a, 9, redirLevel|0x39, 0)
		a.SetLine(9, true)
		require.Equal(t, uint8(0x39), l.Ack())
		assert.NotZero(t, ioRead(a, 0x22)&redirRemoteIRR, "remote IRR set")
		assert.NotZero(t, rd(l, LAPICRegTMR+0x10)&(1<<25), "level: TMR bit 0x39")
		a.SetLine(9, false)
		a.SetLine(9, true)
		assert.False(t, l.Pending(), "no second message before the EOI")
		wr(l, LAPICRegEOI, 0)
		assert.True(t, l.Pending(), "the EOI clears remote IRR; the line is still high: sent again")
		assert.Equal(t, uint8(0x39), l.Ack())
		a.SetLine(9, false)
		wr(l, LAPICRegEOI, 0)
		assert.Zero(t, ioRead(a, 0x22)&redirRemoteIRR, "remote IRR clear")
		assert.False(t, l.Pending(), "line low: nothing more")
	})
	t.Run("level: unmasking a high line sends", func(t *testing.T) {
		r, a := newIOAPICRig(1)
		l := r.bus.LAPICs[0]
		redirect(a, 10, redirMasked|redirLevel|0x3A, 0)
		a.SetLine(10, true)
		assert.False(t, l.Pending())
		redirect(a, 10, redirLevel|0x3A, 0)
		assert.Equal(t, uint8(0x3A), l.Ack())
	})
	t.Run("out-of-range lines are ignored", func(t *testing.T) {
		_, a := newIOAPICRig(1)
		a.SetLine(-1, true)
		a.SetLine(IOAPICEntries, true)
	})
}
