package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pitRig is a PIT on a clock set in PIT input ticks, counting IRQ0s.
type pitRig struct {
	now  uint64 // ns
	irqs int
	p    *PIT
}

func newPITRig() *pitRig {
	r := &pitRig{now: pitNanos(1000)}
	r.p = NewPIT(func() uint64 { return r.now })
	r.p.IRQ0 = func() { r.irqs++ }
	return r
}

// at sets the clock to PIT tick t.
func (r *pitRig) at(t uint64) { r.now = pitNanos(t) }

func (r *pitRig) out(port uint16, v uint8) { r.p.Out(port, 1, uint32(v)) }
func (r *pitRig) in(port uint16) uint8     { return uint8(r.p.In(port, 1)) }

// read16 reads a lobyte/hibyte counter.
func (r *pitRig) read16(ch uint16) uint16 {
	lo := r.in(PortPIT0 + ch)
	return uint16(lo) | uint16(r.in(PortPIT0+ch))<<8
}

// program sets channel ch to mode with lobyte/hibyte access and count.
func (r *pitRig) program(ch, mode uint8, count uint16) {
	r.out(PortPITCtl, ch<<6|3<<4|mode<<1)
	r.out(PortPIT0+uint16(ch), uint8(count))
	r.out(PortPIT0+uint16(ch), uint8(count>>8))
}

func TestPITClockConversion(t *testing.T) {
	for _, tick := range []uint64{0, 1, 1193, 1193182, 1193183, 1 << 40} {
		ns := pitNanos(tick)
		assert.Equal(t, tick, pitTicks(ns), "tick %d", tick)
		if ns > 0 {
			assert.Equal(t, tick-1, pitTicks(ns-1), "pitNanos(%d) is the first ns of that tick", tick)
		}
	}
	assert.Equal(t, uint64(PITHz), pitTicks(1e9), "1.193182 MHz")
}

// TestPITModes: the count read back and the IRQ0 edges over time, for
// each mode on channel 0.
func TestPITModes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   uint8
		count  uint16
		reads  map[uint64]uint16 // elapsed ticks -> count read
		events []uint64          // elapsed ticks of the IRQ0 edges, in order
	}{
		{"mode 0: one-shot", 0, 100, map[uint64]uint16{0: 100, 40: 60, 99: 1, 100: 0, 101: 0xFFFF}, []uint64{100}},
		{"mode 2: rate generator", 2, 100, map[uint64]uint16{0: 100, 1: 99, 99: 1, 100: 100, 150: 50}, []uint64{100, 200, 300}},
		{"mode 3: square wave", 3, 100, map[uint64]uint16{0: 100, 1: 98, 49: 2, 50: 100, 75: 50}, []uint64{100, 200, 300}},
		{"mode 6 is mode 2", 6, 10, map[uint64]uint16{0: 10, 5: 5, 10: 10}, []uint64{10, 20}},
		{"count 0 is 65536", 2, 0, map[uint64]uint16{0: 0, 1: 0xFFFF}, []uint64{65536}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newPITRig()
			r.program(0, tc.mode, tc.count)
			for el, want := range tc.reads {
				r.at(1000 + el)
				assert.Equal(t, want, r.read16(0), "count after %d ticks", el)
			}
			r.at(1000)
			for i, el := range tc.events {
				at, ok := r.p.NextEvent()
				require.True(t, ok, "event %d", i)
				assert.Equal(t, pitNanos(1000+el), at, "event %d", i)
				r.now = at - 1
				r.p.Tick(r.now)
				assert.Equal(t, i, r.irqs, "no IRQ0 before the edge")
				r.now = at
				r.p.Tick(r.now)
				assert.Equal(t, i+1, r.irqs, "IRQ0 at the edge")
			}
			if tc.mode == 0 {
				_, ok := r.p.NextEvent()
				assert.False(t, ok, "mode 0 interrupts once")
			}
		})
	}
}

func TestPITPeriodsMissedRaiseOneEdge(t *testing.T) {
	r := newPITRig()
	r.program(0, 2, 100)
	r.at(1000 + 450)
	r.p.Tick(r.now)
	assert.Equal(t, 1, r.irqs)
	at, _ := r.p.NextEvent()
	assert.Equal(t, pitNanos(1000+500), at)
}

func TestPITAccessModesAndLatch(t *testing.T) {
	t.Run("lobyte only", func(t *testing.T) {
		r := newPITRig()
		r.out(PortPITCtl, 0<<6|1<<4|2<<1)
		r.out(PortPIT0, 50)
		r.at(1010)
		assert.Equal(t, uint8(40), r.in(PortPIT0))
		assert.Equal(t, uint8(40), r.in(PortPIT0), "every read is the low byte")
	})
	t.Run("hibyte only", func(t *testing.T) {
		r := newPITRig()
		r.out(PortPITCtl, 0<<6|2<<4|2<<1)
		r.out(PortPIT0, 0x02) // 0x200
		r.at(1000 + 0x100)
		assert.Equal(t, uint8(0x01), r.in(PortPIT0))
	})
	t.Run("counter latch holds until read", func(t *testing.T) {
		r := newPITRig()
		r.program(0, 2, 1000)
		r.at(1100)
		r.out(PortPITCtl, 0x00) // latch channel 0
		r.at(1300)
		r.out(PortPITCtl, 0x00) // a second latch before the read is ignored
		assert.Equal(t, uint16(900), r.read16(0), "the latched count")
		assert.Equal(t, uint16(700), r.read16(0), "then the live count")
	})
	t.Run("read-back latches the selected channels", func(t *testing.T) {
		r := newPITRig()
		r.program(0, 2, 1000)
		r.program(2, 2, 2000)
		r.out(PortSysCtlB, 1) // channel 2's gate
		r.at(1100)
		r.out(PortPITCtl, 0xC0|0x10|1<<3|1<<1) // read-back: latch the count (not the status) of channels 0 and 2
		r.at(1400)
		assert.Equal(t, uint16(900), r.read16(0))
		assert.Equal(t, uint16(1900), r.read16(2))
		assert.Equal(t, uint16(600), r.read16(0))
	})
	t.Run("control port reads 0xFF", func(t *testing.T) {
		r := newPITRig()
		assert.Equal(t, uint8(0xFF), r.in(PortPITCtl))
	})
}

// TestPITChannel2Gate: channel 2 counts only while port 0x61 bit 0 is
// high, and its output reads at bit 5: the calibration loop's view.
func TestPITChannel2Gate(t *testing.T) {
	r := newPITRig()
	r.out(PortSysCtlB, 0) // gate low
	r.program(2, 0, 100)
	assert.Zero(t, r.in(PortSysCtlB)&0x20, "mode 0: output low after the count is written")
	r.at(1500)
	assert.Equal(t, uint16(100), r.read16(2), "gate low: not counting")
	r.out(PortSysCtlB, 1)
	assert.Equal(t, uint8(1), r.in(PortSysCtlB)&0x0F, "bits 0-3 read back")
	r.at(1550)
	assert.Equal(t, uint16(50), r.read16(2))
	assert.Zero(t, r.in(PortSysCtlB)&0x20)
	r.out(PortSysCtlB, 0) // pause
	r.at(1700)
	assert.Equal(t, uint16(50), r.read16(2), "paused")
	r.out(PortSysCtlB, 1)
	r.at(1749)
	assert.Zero(t, r.in(PortSysCtlB)&0x20)
	r.at(1750)
	assert.Equal(t, uint8(0x20), r.in(PortSysCtlB)&0x20, "terminal count: output high")
	assert.Zero(t, r.irqs, "channel 2 raises no IRQ")

	t.Run("mode 2 restarts on the gate's rising edge", func(t *testing.T) {
		r := newPITRig()
		r.out(PortSysCtlB, 1)
		r.program(2, 2, 100)
		r.at(1030)
		r.out(PortSysCtlB, 0)
		r.out(PortSysCtlB, 1)
		assert.Equal(t, uint16(100), r.read16(2))
	})
	t.Run("refresh bit toggles", func(t *testing.T) {
		r := newPITRig()
		seen := map[uint8]bool{}
		for ns := uint64(0); ns < 40000; ns += 5000 {
			r.now = ns
			seen[r.in(PortSysCtlB)&0x10] = true
		}
		assert.Len(t, seen, 2, "bit 4 takes both values within 40 us")
	})
}
