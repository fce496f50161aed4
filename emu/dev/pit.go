package dev

import "math/bits"

// The 8254 programmable interval timer (Intel 8254 datasheet) at ports
// 0x40-0x43, and port 0x61 (NMI status and control: channel 2's gate,
// speaker enable, channel 2's output, the refresh toggle).
//
// Time comes from the machine's clock (ns); the counters run at
// 1.193182 MHz. Channels 0 and 2 are modelled (1, the DRAM refresh
// timer, is accepted like them but drives nothing). Modes 0 (interrupt
// on terminal count), 2 (rate generator) and 3 (square wave), and 4 as
// mode 0 without the output rising; binary counting only (the BCD bit
// is ignored); access lobyte, hibyte, lobyte/hibyte; the counter-latch
// command and the read-back command's count latch. Channel 0's output
// is ISA IRQ0: each rising edge raises it (modes 2 and 3 periodically,
// mode 0 once at terminal count). Channel 2 counts only while its gate
// (port 0x61 bit 0) is high; its output reads at port 0x61 bit 5 — the
// PIT calibration loops of Linux and xv6-style kernels poll exactly
// that.

// PITHz is the 8254's input clock.
const PITHz = 1193182

// PIT port numbers.
const (
	PortPIT0    = 0x40
	PortPITCtl  = 0x43
	PortSysCtlB = 0x61
)

// pitTicks converts nanoseconds to PIT input-clock ticks (floor).
func pitTicks(ns uint64) uint64 {
	hi, lo := bits.Mul64(ns, PITHz)
	q, _ := bits.Div64(hi, lo, 1e9)
	return q
}

// pitNanos is the first nanosecond at which pitTicks reaches t.
func pitNanos(t uint64) uint64 {
	hi, lo := bits.Mul64(t, 1e9)
	lo, c := bits.Add64(lo, PITHz-1, 0)
	q, _ := bits.Div64(hi+c, lo, PITHz)
	return q
}

type pitChannel struct {
	mode, access uint8
	reload       uint32 // 1..65536
	loaded       bool   // a count was written: the counter runs
	gate         bool
	startTick    uint64 // PIT tick at which counting (re)started
	frozen       uint64 // ticks counted before the gate last went low
	running      bool   // counting now (loaded and gate high)
	writeHi      bool   // lobyte/hibyte: the next write is the high byte
	readHi       bool
	latched      bool
	latch        uint16
	latchHi      bool
	lowByte      uint8
	seen         uint64 // PIT tick up to which output edges were raised (channel 0)
}

// PIT is the 8254 plus port 0x61.
type PIT struct {
	ch     [3]pitChannel
	now    Clock
	sysCtl uint8 // port 0x61 bits 0-3 as written
	// IRQ0 is called with each rising edge of channel 0's output.
	IRQ0 func()
}

// NewPIT returns a PIT whose channels are unprogrammed (channel 0 and 1
// gates tied high, channel 2's from port 0x61).
func NewPIT(now Clock) *PIT {
	p := &PIT{now: now}
	p.ch[0].gate, p.ch[1].gate = true, true
	for i := range p.ch {
		p.ch[i].reload = 65536
	}
	return p
}

// Ranges: 0x40-0x43 and 0x61.
func (p *PIT) Ranges() []Range { return []Range{{PortPIT0, 4}, {PortSysCtlB, 1}} }

// elapsed is the number of input ticks channel c has counted.
func (c *pitChannel) elapsed(tick uint64) uint64 {
	if !c.running {
		return c.frozen
	}
	return c.frozen + tick - c.startTick
}

// count is the counting element's value at tick.
func (c *pitChannel) count(tick uint64) uint16 {
	if !c.loaded {
		return 0
	}
	e := c.elapsed(tick)
	switch c.mode {
	case 2:
		return uint16(c.reload - uint32(e%uint64(c.reload)))
	case 3:
		half := uint64(c.reload+1) / 2
		return uint16(c.reload - uint32(2*(e%half)))
	}
	return uint16(uint64(c.reload) - e) // modes 0, 4: wraps on past zero
}

// out is the channel's output at tick.
func (c *pitChannel) out(tick uint64) bool {
	if !c.loaded {
		return c.mode != 0
	}
	e := c.elapsed(tick)
	r := uint64(c.reload)
	switch c.mode {
	case 2:
		return e%r != r-1
	case 3:
		return e%r < (r+1)/2
	case 4:
		return e != r
	}
	return e >= r // mode 0
}

// nextRise is the tick of the output's next rising edge after tick, if
// any.
func (c *pitChannel) nextRise(tick uint64) (uint64, bool) {
	if !c.loaded || !c.running {
		return 0, false
	}
	e := c.elapsed(tick)
	r := uint64(c.reload)
	var at uint64 // elapsed count at the next rise
	switch c.mode {
	case 0:
		if e >= r {
			return 0, false
		}
		at = r
	case 2:
		at = (e/r)*r + r // the output rises as the count reloads
	case 3:
		at = (e/r)*r + r
	default:
		return 0, false
	}
	return tick + (at - e), true
}

// NextEvent is when channel 0 next raises IRQ0 (ns), if ever.
func (p *PIT) NextEvent() (uint64, bool) {
	t, ok := p.ch[0].nextRise(p.ch[0].seen)
	if !ok {
		return 0, false
	}
	return pitNanos(t), true
}

// Tick raises IRQ0 if channel 0's output rose since the last Tick: the
// machine calls it at each event NextEvent announced (several periods
// passed at once raise one edge: the line is edge-triggered).
func (p *PIT) Tick(now uint64) {
	c := &p.ch[0]
	tick := pitTicks(now)
	if tick <= c.seen {
		return
	}
	t, ok := c.nextRise(c.seen)
	c.seen = tick
	if ok && t <= tick && p.IRQ0 != nil {
		p.IRQ0()
	}
}

// In reads a counter, or port 0x61.
func (p *PIT) In(port uint16, size int) uint32 {
	return splitIn(port, size, func(port uint16) (uint8, bool) {
		tick := pitTicks(p.now())
		switch {
		case port >= PortPIT0 && port < PortPIT0+3:
			return p.readCounter(&p.ch[port-PortPIT0], tick), true
		case port == PortPITCtl:
			return 0xFF, true // the control word register is write-only
		case port == PortSysCtlB:
			v := p.sysCtl & 0x0F
			if p.ch[2].out(tick) {
				v |= 0x20
			}
			if (p.now()/15085)&1 != 0 { // refresh request toggles every ~15 us
				v |= 0x10
			}
			return v, true
		}
		return 0, false
	})
}

func (p *PIT) readCounter(c *pitChannel, tick uint64) uint8 {
	v := c.count(tick)
	if c.latched {
		v = c.latch
	}
	var b uint8
	switch c.access {
	case 1:
		b = uint8(v)
		c.latched = false
	case 2:
		b = uint8(v >> 8)
		c.latched = false
	default:
		if !c.readHi {
			b = uint8(v)
		} else {
			b = uint8(v >> 8)
			c.latched = false
		}
		c.readHi = !c.readHi
	}
	return b
}

// Out programs the PIT, or writes port 0x61.
func (p *PIT) Out(port uint16, size int, v uint32) {
	splitOut(port, size, v, func(port uint16, b uint8) {
		tick := pitTicks(p.now())
		switch {
		case port >= PortPIT0 && port < PortPIT0+3:
			p.writeCounter(&p.ch[port-PortPIT0], b, tick)
		case port == PortPITCtl:
			p.control(b, tick)
		case port == PortSysCtlB:
			p.sysCtl = b & 0x0F
			p.setGate(&p.ch[2], b&1 != 0, tick)
		}
	})
}

// control is a write to the control word register.
func (p *PIT) control(b uint8, tick uint64) {
	sel := b >> 6
	if sel == 3 { // read-back: latch the counts of the selected channels
		for i := range p.ch {
			if b&(2<<i) != 0 && b&0x20 == 0 && !p.ch[i].latched {
				p.ch[i].latched, p.ch[i].latch = true, p.ch[i].count(tick)
				p.ch[i].readHi = false
			}
		}
		return
	}
	c := &p.ch[sel]
	access := b >> 4 & 3
	if access == 0 { // counter latch command
		if !c.latched {
			c.latched, c.latch, c.readHi = true, c.count(tick), false
		}
		return
	}
	mode := b >> 1 & 7
	if mode >= 6 {
		mode -= 4 // 6 and 7 are aliases of 2 and 3
	}
	c.mode, c.access = mode, access
	c.loaded, c.running, c.latched = false, false, false
	c.writeHi, c.readHi = false, false
	c.frozen, c.seen = 0, tick
}

func (p *PIT) writeCounter(c *pitChannel, b uint8, tick uint64) {
	var v uint32
	switch c.access {
	case 1:
		v = uint32(b)
	case 2:
		v = uint32(b) << 8
	default:
		if !c.writeHi {
			c.lowByte, c.writeHi = b, true
			return
		}
		v = uint32(c.lowByte) | uint32(b)<<8
		c.writeHi = false
	}
	if v == 0 {
		v = 65536
	}
	c.reload = v
	c.loaded = true
	c.frozen = 0
	c.seen = tick
	c.running = c.gate
	c.startTick = tick
}

// setGate drives a channel's gate input: counting pauses while it is low;
// a rising edge restarts modes 2 and 3 from the reload value.
func (p *PIT) setGate(c *pitChannel, high bool, tick uint64) {
	if high == c.gate {
		return
	}
	c.gate = high
	if !c.loaded {
		return
	}
	if !high {
		c.frozen = c.elapsed(tick)
		c.running = false
		return
	}
	if c.mode == 2 || c.mode == 3 {
		c.frozen = 0
	}
	c.running, c.startTick, c.seen = true, tick, tick
}
