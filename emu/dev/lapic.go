package dev

import "math/bits"

// The local APIC (Intel SDM vol. 3, chapter 10), one per vCPU, and the
// APIC bus that connects them to each other and to the IOAPIC.
//
// Model: delivery is instantaneous (an IPI is in the target's IRR, or has
// reset/started it, when the ICR write returns, so the delivery-status
// bit always reads idle); time is the machine's virtual clock in
// nanoseconds (Clock), and the timer counts at 1 GHz before its divider,
// as QEMU's APIC timer does. x2APIC, TSC-deadline mode, the thermal and
// performance LVTs' sources, SMI and ExtINT are not modelled; their
// registers read and write.
//
// Context: the interrupt controllers and the PIT serve the interp
// backend's deterministic scheduler; they are called from its one
// thread only and are not safe for concurrent use (the kvm backend uses
// KVM's own).

// LAPIC register offsets (SDM vol. 3, table 10-1).
const (
	LAPICRegID       = 0x020
	LAPICRegVersion  = 0x030
	LAPICRegTPR      = 0x080
	LAPICRegAPR      = 0x090
	LAPICRegPPR      = 0x0A0
	LAPICRegEOI      = 0x0B0
	LAPICRegLDR      = 0x0D0
	LAPICRegDFR      = 0x0E0
	LAPICRegSVR      = 0x0F0
	LAPICRegISR      = 0x100 // 8 registers, 0x10 apart
	LAPICRegTMR      = 0x180
	LAPICRegIRR      = 0x200
	LAPICRegESR      = 0x280
	LAPICRegICRLow   = 0x300
	LAPICRegICRHigh  = 0x310
	LAPICRegTimer    = 0x320
	LAPICRegThermal  = 0x330
	LAPICRegPerf     = 0x340
	LAPICRegLINT0    = 0x350
	LAPICRegLINT1    = 0x360
	LAPICRegError    = 0x370
	LAPICRegInitCnt  = 0x380
	LAPICRegCurCnt   = 0x390
	LAPICRegDivide   = 0x3E0
	LAPICVersion     = 0x00050014 // version 0x14 (integrated APIC), max LVT entry 5
	LAPICSize        = 0x1000
	lvtMasked        = 1 << 16
	lvtTimerPeriodic = 1 << 17
	svrEnable        = 1 << 8
)

// ICR fields (SDM vol. 3, 10.6.1).
const (
	ICRFixed      = 0 << 8
	ICRLowest     = 1 << 8
	ICRNMI        = 4 << 8
	ICRInit       = 5 << 8
	ICRStartup    = 6 << 8
	icrModeMask   = 7 << 8
	ICRLogical    = 1 << 11
	ICRPending    = 1 << 12 // delivery status: never set, delivery is instantaneous
	ICRAssert     = 1 << 14
	ICRLevel      = 1 << 15
	ICRSelf       = 1 << 18
	ICRAll        = 2 << 18
	ICRAllButSelf = 3 << 18
	icrShortMask  = 3 << 18
)

// ESR bits (SDM vol. 3, 10.5.3).
const (
	esrSendIllegal = 1 << 5
	esrRecvIllegal = 1 << 6
	esrIllegalReg  = 1 << 7
)

// APICCPU is what a LAPIC needs of its CPU.
type APICCPU interface {
	SetIntrPending(bool)   // the LAPIC has a deliverable interrupt (or not)
	EnterWaitForSIPI()     // INIT
	StartupIPI(uint8) bool // STARTUP with a vector
	NMI()
	RequestStop() // after INIT: the CPU must leave its run loop
}

// Clock is the machine's virtual time in nanoseconds.
type Clock func() uint64

// APICBus connects the LAPICs (indexed by APIC ID, which is the vCPU
// index) and the IOAPIC.
type APICBus struct {
	LAPICs []*LAPIC
	IOAPIC *IOAPIC
	Now    Clock
}

// NewAPICBus makes n LAPICs, LAPIC i for cpus[i] with APIC ID i.
func NewAPICBus(cpus []APICCPU, now Clock) *APICBus {
	b := &APICBus{Now: now}
	for i, c := range cpus {
		l := &LAPIC{id: uint32(i), bus: b, cpu: c}
		l.reset()
		b.LAPICs = append(b.LAPICs, l)
	}
	return b
}

// LAPIC is one CPU's local APIC.
type LAPIC struct {
	id  uint32
	bus *APICBus
	cpu APICCPU

	tpr, ldr, dfr, svr, esr, esrPending uint32
	icrLow, icrHigh                     uint32
	irr, isr, tmr                       [8]uint32
	lvt                                 [6]uint32 // timer, thermal, perf, LINT0, LINT1, error
	timerInit, divide                   uint32
	timerStart, timerDeadline           uint64 // ns; deadline 0: not counting
}

// reset is the LAPIC's power-on/INIT state (SDM vol. 3, 10.4.7.1): every
// LVT masked, software-disabled (SVR 0xFF), flat logical model.
func (l *LAPIC) reset() {
	id, bus, cpu := l.id, l.bus, l.cpu
	*l = LAPIC{id: id, bus: bus, cpu: cpu, svr: 0xFF, dfr: 0xFFFFFFFF}
	for i := range l.lvt {
		l.lvt[i] = lvtMasked
	}
}

// ID is the APIC ID.
func (l *LAPIC) ID() int { return int(l.id) }

func (l *LAPIC) enabled() bool { return l.svr&svrEnable != 0 }

// highest returns the highest vector set in v, or -1.
func highest(v *[8]uint32) int {
	for i := 7; i >= 0; i-- {
		if v[i] != 0 {
			return i*32 + 31 - bits.LeadingZeros32(v[i])
		}
	}
	return -1
}

func setBit(v *[8]uint32, n uint8, on bool) {
	if on {
		v[n/32] |= 1 << (n % 32)
	} else {
		v[n/32] &^= 1 << (n % 32)
	}
}

func hasBit(v *[8]uint32, n uint8) bool { return v[n/32]&(1<<(n%32)) != 0 }

// ppr is the processor priority (SDM vol. 3, 10.8.3.1).
func (l *LAPIC) ppr() uint32 {
	isrv := uint32(0)
	if h := highest(&l.isr); h >= 0 {
		isrv = uint32(h)
	}
	if l.tpr&0xF0 >= isrv&0xF0 {
		return l.tpr & 0xFF
	}
	return isrv & 0xF0
}

// deliverable is the vector the CPU would take now, or -1: the highest
// requested vector whose class is above the processor priority class.
func (l *LAPIC) deliverable() int {
	h := highest(&l.irr)
	if h < 0 || !l.enabled() || uint32(h)&0xF0 <= l.ppr()&0xF0 {
		return -1
	}
	return h
}

// Pending reports whether an interrupt can be taken now.
func (l *LAPIC) Pending() bool { return l.deliverable() >= 0 }

func (l *LAPIC) update() { l.cpu.SetIntrPending(l.Pending()) }

// Ack is the CPU's interrupt acknowledge: the highest deliverable vector
// moves from IRR to ISR; with none (TPR raised meanwhile) the spurious
// vector is returned and nothing changes (SDM vol. 3, 10.9).
func (l *LAPIC) Ack() uint8 {
	v := l.deliverable()
	if v < 0 {
		l.update()
		return uint8(l.svr)
	}
	setBit(&l.irr, uint8(v), false)
	setBit(&l.isr, uint8(v), true)
	l.update()
	return uint8(v)
}

// accept puts a fixed interrupt in the IRR (level: also in the TMR).
func (l *LAPIC) accept(vector uint8, level bool) {
	if vector < 16 {
		l.esrPending |= esrRecvIllegal
		l.lvtError()
		return
	}
	if !l.enabled() {
		return // a software-disabled APIC drops fixed interrupts (10.4.7.2)
	}
	setBit(&l.irr, vector, true)
	setBit(&l.tmr, vector, level)
	l.update()
}

// lvtError raises the error LVT's interrupt, if unmasked.
func (l *LAPIC) lvtError() {
	if e := l.lvt[5]; e&lvtMasked == 0 && uint8(e) >= 16 && l.enabled() {
		setBit(&l.irr, uint8(e), true)
		l.update()
	}
}

// eoi retires the highest in-service vector; a level-triggered one is
// broadcast to the IOAPIC (SDM vol. 3, 10.8.5).
func (l *LAPIC) eoi() {
	h := highest(&l.isr)
	if h < 0 {
		return
	}
	setBit(&l.isr, uint8(h), false)
	if hasBit(&l.tmr, uint8(h)) && l.bus.IOAPIC != nil {
		l.bus.IOAPIC.EOI(uint8(h))
	}
	l.update()
}

// Read reads a LAPIC register; addr is absolute (only the offset in the
// 4 KiB page counts). Registers are 32 bits on 16-byte boundaries; other
// sizes and offsets read 0.
func (l *LAPIC) Read(addr uint32, size int) uint32 {
	off := addr & 0xFFF
	v := l.reg(off &^ 0xF)
	if off&0xF != 0 || size != 4 {
		// A partial read of a register: the bytes it covers.
		sh := (off & 3) * 8
		if off&0xF >= 4 {
			return 0
		}
		return v >> sh & onesMask(size)
	}
	return v
}

func (l *LAPIC) reg(off uint32) uint32 {
	switch {
	case off >= LAPICRegISR && off < LAPICRegISR+0x80:
		return l.isr[(off-LAPICRegISR)/16]
	case off >= LAPICRegTMR && off < LAPICRegTMR+0x80:
		return l.tmr[(off-LAPICRegTMR)/16]
	case off >= LAPICRegIRR && off < LAPICRegIRR+0x80:
		return l.irr[(off-LAPICRegIRR)/16]
	case off >= LAPICRegTimer && off <= LAPICRegError:
		return l.lvt[(off-LAPICRegTimer)/16]
	}
	switch off {
	case LAPICRegID:
		return l.id << 24
	case LAPICRegVersion:
		return LAPICVersion
	case LAPICRegTPR:
		return l.tpr
	case LAPICRegPPR:
		return l.ppr()
	case LAPICRegLDR:
		return l.ldr
	case LAPICRegDFR:
		return l.dfr
	case LAPICRegSVR:
		return l.svr
	case LAPICRegESR:
		return l.esr
	case LAPICRegICRLow:
		return l.icrLow &^ ICRPending
	case LAPICRegICRHigh:
		return l.icrHigh
	case LAPICRegInitCnt:
		return l.timerInit
	case LAPICRegCurCnt:
		return l.currentCount(l.bus.Now())
	case LAPICRegDivide:
		return l.divide
	}
	return 0
}

// Write writes a LAPIC register (32-bit writes only; others are
// ignored, as a real APIC's behaviour for them is undefined).
func (l *LAPIC) Write(addr uint32, size int, v uint32) {
	off := addr & 0xFFF
	if size != 4 || off&0xF != 0 {
		return
	}
	now := l.bus.Now()
	switch off {
	case LAPICRegTPR:
		l.tpr = v & 0xFF
		l.update()
	case LAPICRegEOI:
		l.eoi()
	case LAPICRegLDR:
		l.ldr = v & 0xFF000000
	case LAPICRegDFR:
		l.dfr = v | 0x0FFFFFFF
	case LAPICRegSVR:
		l.svr = v & 0x3FF
		if !l.enabled() {
			for i := range l.lvt {
				l.lvt[i] |= lvtMasked
			}
		}
		l.update()
	case LAPICRegESR:
		l.esr, l.esrPending = l.esrPending, 0
	case LAPICRegICRHigh:
		l.icrHigh = v & 0xFF000000
	case LAPICRegICRLow:
		l.icrLow = v &^ ICRPending
		l.sendIPI()
	case LAPICRegTimer, LAPICRegThermal, LAPICRegPerf, LAPICRegLINT0, LAPICRegLINT1, LAPICRegError:
		i := (off - LAPICRegTimer) / 16
		if i == 0 {
			l.timerCatchUp(now)
		}
		if !l.enabled() {
			v |= lvtMasked
		}
		l.lvt[i] = v & lvtWritable[i]
	case LAPICRegInitCnt:
		l.timerInit = v
		l.timerStart = now
		l.timerDeadline = 0
		if v != 0 {
			l.timerDeadline = now + uint64(v)*l.divisor()
		}
	case LAPICRegDivide:
		l.divide = v & 0xB
	case LAPICRegID, LAPICRegVersion, LAPICRegPPR, LAPICRegCurCnt, LAPICRegAPR:
		// read-only
	default:
		if off < 0x400 && !(off >= LAPICRegISR && off < LAPICRegESR) {
			l.esrPending |= esrIllegalReg
			l.lvtError() // every error the ESR records interrupts (10.5.3)
		}
	}
}

// lvtWritable are the writable bits of each LVT (SDM vol. 3, fig. 10-8).
var lvtWritable = [6]uint32{
	0x300FF, // timer: vector, mask, mode (one-shot/periodic)
	0x107FF, // thermal: vector, delivery mode, mask
	0x107FF, // performance
	0x1A7FF, // LINT0: vector, mode, polarity, trigger, mask
	0x1A7FF, // LINT1
	0x100FF, // error: vector, mask
}

// divisor is the timer's divide configuration (SDM vol. 3, 10.5.4):
// bits 3,1:0 = 111 divide by 1, else by 2^(value+1).
func (l *LAPIC) divisor() uint64 {
	d := l.divide&3 | l.divide>>1&4
	if d == 7 {
		return 1
	}
	return 2 << d
}

// currentCount is the timer's current count at time now.
func (l *LAPIC) currentCount(now uint64) uint32 {
	if l.timerDeadline == 0 || l.timerInit == 0 {
		return 0
	}
	div := l.divisor()
	if l.lvt[0]&lvtTimerPeriodic != 0 {
		period := uint64(l.timerInit) * div
		el := (now - l.timerStart) % period
		return l.timerInit - uint32(el/div)
	}
	if now >= l.timerDeadline {
		return 0
	}
	return uint32((l.timerDeadline - now + div - 1) / div)
}

// timerCatchUp brings the timer state to now without raising anything
// (periods that ended while the timer was masked are lost, as on
// hardware, where a masked timer interrupt is simply not sent).
func (l *LAPIC) timerCatchUp(now uint64) {
	if l.timerDeadline == 0 || now < l.timerDeadline {
		return
	}
	if l.lvt[0]&lvtTimerPeriodic == 0 {
		l.timerDeadline = 0
		return
	}
	period := uint64(l.timerInit) * l.divisor()
	n := (now - l.timerStart) / period
	l.timerStart += n * period
	l.timerDeadline = l.timerStart + period
}

// NextEvent is when the timer next interrupts, if it can.
func (l *LAPIC) NextEvent() (uint64, bool) {
	if l.timerDeadline == 0 || l.lvt[0]&lvtMasked != 0 {
		return 0, false
	}
	return l.timerDeadline, true
}

// Tick fires the timer if its deadline is at or before now.
func (l *LAPIC) Tick(now uint64) {
	if l.timerDeadline == 0 || now < l.timerDeadline {
		return
	}
	if e := l.lvt[0]; e&lvtMasked == 0 {
		l.accept(uint8(e), false)
	}
	l.timerCatchUp(now)
}

// sendIPI sends what the ICR says (SDM vol. 3, 10.6.1).
func (l *LAPIC) sendIPI() {
	lo := l.icrLow
	mode := lo & icrModeMask
	vector := uint8(lo)
	if (mode == ICRFixed || mode == ICRLowest) && vector < 16 {
		l.esrPending |= esrSendIllegal
		l.lvtError()
		return
	}
	if mode == ICRInit && lo&ICRLevel != 0 && lo&ICRAssert == 0 {
		return // INIT level de-assert: only synchronises arbitration IDs
	}
	var targets []*LAPIC
	switch lo & icrShortMask {
	case ICRSelf:
		targets = []*LAPIC{l}
	case ICRAll:
		targets = l.bus.LAPICs
	case ICRAllButSelf:
		for _, t := range l.bus.LAPICs {
			if t != l {
				targets = append(targets, t)
			}
		}
	default:
		targets = l.bus.destination(uint8(l.icrHigh>>24), lo&ICRLogical != 0)
	}
	if mode == ICRLowest && len(targets) > 1 {
		targets = []*LAPIC{lowestPriority(targets)}
	}
	for _, t := range targets {
		t.receive(mode, vector, lo&ICRLevel != 0)
	}
}

// receive is an interrupt message arriving at this LAPIC.
func (l *LAPIC) receive(mode uint32, vector uint8, level bool) {
	switch mode {
	case ICRFixed, ICRLowest:
		l.accept(vector, level)
	case ICRNMI:
		l.cpu.NMI()
	case ICRInit:
		l.reset()
		l.cpu.EnterWaitForSIPI()
		l.cpu.RequestStop()
		l.update()
	case ICRStartup:
		l.cpu.StartupIPI(vector)
	}
	// SMI, ExtINT and reserved modes are not modelled: dropped.
}

// destination is the set of LAPICs a destination field names:
// physical: the APIC ID (0xFF: all); logical: flat model, the LAPICs
// whose logical ID shares a bit with dest (SDM vol. 3, 10.6.2).
func (b *APICBus) destination(dest uint8, logical bool) []*LAPIC {
	var out []*LAPIC
	for _, t := range b.LAPICs {
		if logical {
			if uint8(t.ldr>>24)&dest != 0 {
				out = append(out, t)
			}
		} else if dest == 0xFF || uint32(dest) == t.id {
			out = append(out, t)
		}
	}
	return out
}

// lowestPriority picks the target with the lowest TPR, the lowest APIC
// ID among equals: deterministic.
func lowestPriority(ts []*LAPIC) *LAPIC {
	best := ts[0]
	for _, t := range ts[1:] {
		if t.tpr&0xF0 < best.tpr&0xF0 {
			best = t
		}
	}
	return best
}

// Deliver is an interrupt message from the IOAPIC.
func (b *APICBus) Deliver(dest uint8, logical bool, mode uint32, vector uint8, level bool) {
	ts := b.destination(dest, logical)
	if mode == ICRLowest && len(ts) > 1 {
		ts = []*LAPIC{lowestPriority(ts)}
	}
	for _, t := range ts {
		t.receive(mode, vector, level)
	}
}
