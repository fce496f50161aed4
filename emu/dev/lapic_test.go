package dev

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCPU records what a LAPIC asks of its CPU.
type fakeCPU struct {
	pending   bool
	waitSIPI  bool
	sipi      []uint8
	nmis      int
	stops     int
	started   bool // a SIPI arrived in wait-for-SIPI
	sipiTaken bool // StartupIPI's answer
}

func (c *fakeCPU) SetIntrPending(p bool) { c.pending = p }
func (c *fakeCPU) EnterWaitForSIPI()     { c.waitSIPI, c.started = true, false }
func (c *fakeCPU) StartupIPI(v uint8) bool {
	c.sipi = append(c.sipi, v)
	if !c.waitSIPI {
		return false
	}
	c.waitSIPI, c.started = false, true
	return true
}
func (c *fakeCPU) NMI()         { c.nmis++ }
func (c *fakeCPU) RequestStop() { c.stops++ }

// apicRig is n LAPICs on a bus with a settable clock (ns).
type apicRig struct {
	now  uint64
	cpus []*fakeCPU
	bus  *APICBus
}

func newAPICRig(n int) *apicRig {
	r := &apicRig{}
	var cs []APICCPU
	for range n {
		c := &fakeCPU{}
		r.cpus = append(r.cpus, c)
		cs = append(cs, c)
	}
	r.bus = NewAPICBus(cs, func() uint64 { return r.now })
	return r
}

// lapic i, software-enabled with spurious vector 0xFF.
func (r *apicRig) enabled(i int) *LAPIC {
	l := r.bus.LAPICs[i]
	l.Write(LAPICBase+LAPICRegSVR, 4, svrEnable|0xFF)
	return l
}

// LAPICBase is where the LAPIC sits; only the offset in the page counts.
const LAPICBase = 0xFEE00000

func rd(l *LAPIC, off uint32) uint32    { return l.Read(LAPICBase+off, 4) }
func wr(l *LAPIC, off uint32, v uint32) { l.Write(LAPICBase+off, 4, v) }

// ipi sends an IPI from l: destination APIC ID dest, ICR low lo.
func ipi(l *LAPIC, dest uint8, lo uint32) {
	wr(l, LAPICRegICRHigh, uint32(dest)<<24)
	wr(l, LAPICRegICRLow, lo)
}

func TestLAPICIdentityAndReset(t *testing.T) {
	r := newAPICRig(3)
	for i, l := range r.bus.LAPICs {
		assert.Equal(t, uint32(i)<<24, rd(l, LAPICRegID), "ID of LAPIC %d", i)
		assert.Equal(t, uint32(LAPICVersion), rd(l, LAPICRegVersion))
		assert.Equal(t, uint32(0xFF), rd(l, LAPICRegSVR), "reset: software-disabled, spurious 0xFF")
		assert.Equal(t, uint32(0xFFFFFFFF), rd(l, LAPICRegDFR), "reset: flat model")
		for off := uint32(LAPICRegTimer); off <= LAPICRegError; off += 0x10 {
			assert.Equal(t, uint32(lvtMasked), rd(l, off), "LVT %#x masked at reset", off)
		}
	}
	l := r.bus.LAPICs[1]
	wr(l, LAPICRegID, 7<<24)
	assert.Equal(t, uint32(1)<<24, rd(l, LAPICRegID), "ID is read-only")
	assert.Equal(t, uint32(0x14), l.Read(LAPICBase+LAPICRegVersion, 1), "a byte read gives the low byte")
	assert.Zero(t, l.Read(LAPICBase+LAPICRegVersion+4, 4), "between registers reads 0")
}

// TestLAPICPriority: the highest requested vector whose class is above
// the PPR is delivered; TPR and in-service vectors mask lower classes;
// EOI retires the highest in-service vector.
func TestLAPICPriority(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tpr     uint32
		request []uint8
		want    []int // vectors acked in order (no EOI between); -1: nothing deliverable
	}{
		{"single", 0, []uint8{0x40}, []int{0x40, -1}},
		{"highest first", 0, []uint8{0x31, 0x80, 0x55}, []int{0x80, -1}},
		{"same class waits for EOI", 0, []uint8{0x41, 0x42}, []int{0x42, -1}},
		{"tpr masks its class and below", 0x50, []uint8{0x50, 0x4F, 0x61}, []int{0x61, -1}},
		{"tpr masks everything", 0xF0, []uint8{0xFE, 0x20}, []int{-1}},
		{"tpr subclass bits do not mask", 0x5F, []uint8{0x60}, []int{0x60, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAPICRig(1)
			l := r.enabled(0)
			wr(l, LAPICRegTPR, tc.tpr)
			for _, v := range tc.request {
				l.accept(v, false)
			}
			for _, want := range tc.want {
				if want < 0 {
					assert.False(t, l.Pending())
					assert.False(t, r.cpus[0].pending)
					break
				}
				require.True(t, l.Pending())
				assert.True(t, r.cpus[0].pending)
				assert.Equal(t, uint8(want), l.Ack())
			}
		})
	}
}

func TestLAPICInServiceAndEOI(t *testing.T) {
	r := newAPICRig(1)
	l := r.enabled(0)
	l.accept(0x41, false)
	l.accept(0x42, false)
	l.accept(0x90, false)
	assert.Equal(t, uint32(1<<2|1<<1), rd(l, LAPICRegIRR+0x20), "IRR bits 0x41, 0x42")
	assert.Equal(t, uint8(0x90), l.Ack())
	assert.Equal(t, uint32(0x90), rd(l, LAPICRegPPR), "PPR is the in-service class")
	assert.Equal(t, uint32(1<<16), rd(l, LAPICRegISR+0x40), "ISR bit 0x90")
	assert.False(t, l.Pending(), "0x4x is below the in-service class")
	wr(l, LAPICRegEOI, 0)
	assert.Zero(t, rd(l, LAPICRegISR+0x40))
	assert.Equal(t, uint8(0x42), l.Ack())
	wr(l, LAPICRegEOI, 0)
	assert.Equal(t, uint8(0x41), l.Ack())
	assert.Equal(t, uint32(0x40), rd(l, LAPICRegPPR))
	wr(l, LAPICRegTPR, 0x80)
	assert.Equal(t, uint32(0x80), rd(l, LAPICRegPPR), "TPR above the in-service class")
	wr(l, LAPICRegEOI, 0)
	wr(l, LAPICRegEOI, 0) // nothing in service: no effect
	assert.Equal(t, uint32(0x80), rd(l, LAPICRegPPR))
}

func TestLAPICSpuriousAndSoftwareDisable(t *testing.T) {
	r := newAPICRig(1)
	l := r.bus.LAPICs[0]
	l.accept(0x40, false)
	assert.False(t, l.Pending(), "a software-disabled APIC drops fixed interrupts")
	r.enabled(0)
	wr(l, LAPICRegSVR, svrEnable|0xEF)
	l.accept(0x40, false)
	wr(l, LAPICRegTPR, 0x40) // raised after the request: the ack finds nothing
	assert.Equal(t, uint8(0xEF), l.Ack(), "nothing deliverable: the spurious vector")
	assert.Equal(t, uint32(1), rd(l, LAPICRegIRR+0x20), "the request stays in the IRR")
	wr(l, LAPICRegTPR, 0)
	assert.Equal(t, uint8(0x40), l.Ack())
	wr(l, LAPICRegTimer, 0x30)
	assert.Equal(t, uint32(0x30), rd(l, LAPICRegTimer))
	wr(l, LAPICRegSVR, 0xEF) // software disable masks every LVT
	assert.Equal(t, uint32(lvtMasked|0x30), rd(l, LAPICRegTimer))
	wr(l, LAPICRegTimer, 0x30)
	assert.Equal(t, uint32(lvtMasked|0x30), rd(l, LAPICRegTimer), "LVTs stay masked while disabled")
}

// TestLAPICTimer: one-shot and periodic, each divide, the current count
// against the bus clock (1 GHz before the divider), and NextEvent/Tick.
func TestLAPICTimer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		divide   uint32 // DCR value
		div      uint64
		periodic bool
	}{
		{"one-shot div 1", 0xB, 1, false},
		{"one-shot div 2", 0x0, 2, false},
		{"one-shot div 16", 0x3, 16, false},
		{"one-shot div 128", 0xA, 128, false},
		{"periodic div 1", 0xB, 1, true},
		{"periodic div 4", 0x1, 4, true},
		{"periodic div 16", 0x3, 16, true},
		{"periodic div 64", 0x9, 64, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAPICRig(1)
			l := r.enabled(0)
			r.now = 1000
			mode := uint32(0x30)
			if tc.periodic {
				mode |= lvtTimerPeriodic
			}
			wr(l, LAPICRegDivide, tc.divide)
			wr(l, LAPICRegTimer, mode)
			const count = 1000
			wr(l, LAPICRegInitCnt, count)
			period := count * tc.div
			at, ok := l.NextEvent()
			require.True(t, ok)
			assert.Equal(t, 1000+period, at)
			assert.Equal(t, uint32(count), rd(l, LAPICRegCurCnt))
			r.now += period / 4
			assert.Equal(t, uint32(count*3/4), rd(l, LAPICRegCurCnt))
			l.Tick(r.now)
			assert.False(t, l.Pending(), "not due yet")

			r.now = at
			l.Tick(r.now)
			assert.Equal(t, uint8(0x30), l.Ack(), "due at the deadline")
			wr(l, LAPICRegEOI, 0)
			next, ok := l.NextEvent()
			if !tc.periodic {
				assert.False(t, ok, "one-shot: done")
				assert.Zero(t, rd(l, LAPICRegCurCnt))
				return
			}
			require.True(t, ok)
			assert.Equal(t, at+period, next, "periodic: the next period")
			assert.Equal(t, uint32(count), rd(l, LAPICRegCurCnt), "reloaded")
			r.now = at + 3*period + period/2 // periods missed while not ticked: one interrupt
			l.Tick(r.now)
			assert.Equal(t, uint8(0x30), l.Ack())
			assert.False(t, l.Pending())
			next, _ = l.NextEvent()
			assert.Equal(t, at+4*period, next)
			assert.Equal(t, uint32(count/2), rd(l, LAPICRegCurCnt))
		})
	}
}

func TestLAPICTimerMaskedAndStopped(t *testing.T) {
	r := newAPICRig(1)
	l := r.enabled(0)
	wr(l, LAPICRegDivide, 0xB)
	wr(l, LAPICRegTimer, lvtMasked|lvtTimerPeriodic|0x30)
	wr(l, LAPICRegInitCnt, 100)
	_, ok := l.NextEvent()
	assert.False(t, ok, "a masked timer raises nothing")
	r.now = 150
	l.Tick(r.now)
	assert.False(t, l.Pending())
	assert.Equal(t, uint32(50), rd(l, LAPICRegCurCnt), "a masked timer still counts")
	wr(l, LAPICRegInitCnt, 0)
	assert.Zero(t, rd(l, LAPICRegCurCnt), "initial count 0 stops it")
}

// TestLAPICIPI: the ICR's delivery modes, destinations and shorthands.
func TestLAPICIPI(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dest   uint8
		lo     uint32
		ldr    [4]uint8 // logical IDs
		tprs   [4]uint32
		wantTo []int // LAPICs that got vector 0x50
	}{
		{"fixed physical", 2, ICRFixed | 0x50, [4]uint8{}, [4]uint32{}, []int{2}},
		{"fixed broadcast 0xFF", 0xFF, ICRFixed | 0x50, [4]uint8{}, [4]uint32{}, []int{0, 1, 2, 3}},
		{"fixed to no one", 9, ICRFixed | 0x50, [4]uint8{}, [4]uint32{}, nil},
		{"self", 3, ICRSelf | 0x50, [4]uint8{}, [4]uint32{}, []int{0}},
		{"all including self", 3, ICRAll | 0x50, [4]uint8{}, [4]uint32{}, []int{0, 1, 2, 3}},
		{"all but self", 0, ICRAllButSelf | 0x50, [4]uint8{}, [4]uint32{}, []int{1, 2, 3}},
		{"logical flat", 0x0A, ICRLogical | 0x50, [4]uint8{1, 2, 4, 8}, [4]uint32{}, []int{1, 3}},
		{"lowest priority: lowest TPR", 0xFF, ICRLowest | 0x50, [4]uint8{}, [4]uint32{0x20, 0x30, 0x10, 0x10}, []int{2}},
		{"lowest priority: logical", 0x0C, ICRLogical | ICRLowest | 0x50, [4]uint8{1, 2, 4, 8}, [4]uint32{}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAPICRig(4)
			for i := range 4 {
				l := r.enabled(i)
				wr(l, LAPICRegLDR, uint32(tc.ldr[i])<<24)
				wr(l, LAPICRegTPR, tc.tprs[i])
			}
			ipi(r.bus.LAPICs[0], tc.dest, tc.lo)
			var got []int
			for i, l := range r.bus.LAPICs {
				if rd(l, LAPICRegIRR+0x20)&(1<<16) != 0 { // vector 0x50
					got = append(got, i)
				}
			}
			assert.Equal(t, tc.wantTo, got)
			assert.Zero(t, rd(r.bus.LAPICs[0], LAPICRegICRLow)&ICRPending, "delivery is instantaneous")
			assert.Equal(t, uint32(tc.dest)<<24, rd(r.bus.LAPICs[0], LAPICRegICRHigh))
		})
	}
}

func TestLAPICNMIInitStartup(t *testing.T) {
	r := newAPICRig(3)
	bsp := r.enabled(0)
	ap := r.enabled(1)
	ap.accept(0x40, false)
	wr(ap, LAPICRegTPR, 0x20)

	ipi(bsp, 2, ICRNMI)
	assert.Equal(t, []int{0, 0, 1}, []int{r.cpus[0].nmis, r.cpus[1].nmis, r.cpus[2].nmis})

	ipi(bsp, 1, ICRInit|ICRLevel|ICRAssert)
	assert.True(t, r.cpus[1].waitSIPI, "INIT puts the AP in wait-for-SIPI")
	assert.Equal(t, 1, r.cpus[1].stops)
	assert.Equal(t, uint32(0xFF), rd(ap, LAPICRegSVR), "INIT resets the LAPIC")
	assert.Zero(t, rd(ap, LAPICRegTPR))
	assert.Zero(t, rd(ap, LAPICRegIRR+0x20))
	assert.Equal(t, uint32(1)<<24, rd(ap, LAPICRegID), "INIT keeps the APIC ID")

	ipi(bsp, 1, ICRInit|ICRLevel) // de-assert: ignored
	assert.Equal(t, 1, r.cpus[1].stops)

	ipi(bsp, 1, ICRStartup|0x07)
	ipi(bsp, 1, ICRStartup|0x07) // the second SIPI finds it running
	assert.Equal(t, []uint8{0x07, 0x07}, r.cpus[1].sipi)
	assert.True(t, r.cpus[1].started)
	assert.False(t, r.cpus[1].waitSIPI)
	assert.Empty(t, r.cpus[2].sipi)
	assert.False(t, r.cpus[0].waitSIPI)

	ipi(bsp, 0, ICRAllButSelf|ICRInit|ICRAssert)
	assert.True(t, r.cpus[1].waitSIPI)
	assert.True(t, r.cpus[2].waitSIPI)
	assert.False(t, r.cpus[0].waitSIPI, "all-but-self spares the sender")
}

// TestLAPICErrors: illegal vectors sent or received and illegal register
// addresses set ESR bits, which a write to the ESR makes visible (and
// clears the pending ones); an unmasked error LVT interrupts.
func TestLAPICErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(r *apicRig)
		esr  uint32
	}{
		{"send illegal vector", func(r *apicRig) { ipi(r.bus.LAPICs[0], 1, ICRFixed|0x05) }, esrSendIllegal},
		{"receive illegal vector", func(r *apicRig) { r.bus.LAPICs[0].accept(0x0F, false) }, esrRecvIllegal},
		{"illegal register", func(r *apicRig) { wr(r.bus.LAPICs[0], 0x3F0, 1) }, esrIllegalReg},
		{"NMI with vector 0 is legal", func(r *apicRig) { ipi(r.bus.LAPICs[0], 1, ICRNMI) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newAPICRig(2)
			l := r.enabled(0)
			r.enabled(1)
			wr(l, LAPICRegError, 0xE0)
			tc.do(r)
			assert.Zero(t, rd(l, LAPICRegESR), "the ESR shows errors only after a write")
			wr(l, LAPICRegESR, 0)
			assert.Equal(t, tc.esr, rd(l, LAPICRegESR))
			if tc.esr != 0 {
				assert.Equal(t, uint8(0xE0), l.Ack(), "the error LVT's vector")
			} else {
				assert.False(t, l.Pending())
			}
			wr(l, LAPICRegESR, 0)
			assert.Zero(t, rd(l, LAPICRegESR), "a second write clears it")
		})
	}
}
