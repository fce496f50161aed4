package dev

import (
	"sync"
	"time"
)

// CMOS register indices (the MC146818 RTC, and the PC/AT CMOS layout that
// SeaBIOS reads and QEMU's pc_cmos_init fills in).
const (
	cmosSeconds    = 0x00
	cmosMinutes    = 0x02
	cmosHours      = 0x04
	cmosWeekday    = 0x06 // 1 = Sunday
	cmosDay        = 0x07
	cmosMonth      = 0x08
	cmosYear       = 0x09 // year % 100
	cmosStatusA    = 0x0A
	cmosStatusB    = 0x0B
	cmosStatusC    = 0x0C
	cmosStatusD    = 0x0D
	cmosFloppy     = 0x10 // drive types: 0 = none
	cmosEquipment  = 0x14 // bit 1 FPU, bit 2 PS/2 mouse, bits 4-5 video
	cmosBaseLo     = 0x15 // base memory, KiB
	cmosBaseHi     = 0x16
	cmosExtLo      = 0x17 // memory above 1 MiB, KiB, at most 65535
	cmosExtHi      = 0x18
	cmosChecksumHi = 0x2E // sum of 0x10-0x2D
	cmosChecksumLo = 0x2F
	cmosExt2Lo     = 0x30 // copy of 0x17-0x18
	cmosExt2Hi     = 0x31
	cmosCentury    = 0x32
	cmosHighLo     = 0x34 // memory above 16 MiB, 64 KiB units, at most 65535
	cmosHighHi     = 0x35
	cmosCPUs       = 0x5F // number of CPUs - 1 (QEMU, read by SeaBIOS)

	cmosSize = 128
)

// Status register bits.
const (
	statusAUIP     = 1 << 7 // update in progress: never set here
	statusADefault = 0x26   // 32.768 kHz divider, 1024 Hz rate
	statusBSet     = 1 << 7 // SET: updates inhibited
	statusBDM      = 1 << 2 // data mode: 1 binary, 0 BCD
	statusB24h     = 1 << 1 // 1: 24-hour clock, 0: 12-hour with bit 7 = PM
	statusBDefault = statusB24h
	statusDVRT     = 1 << 7 // valid RAM and time
	hourPM         = 1 << 7 // in 12-hour mode
	nmiDisable     = 1 << 7 // in the index register
)

// CMOS is the PC's CMOS RAM and real-time clock behind index port 0x70 and
// data port 0x71.
//
// A write to 0x70 selects a register (bits 0-6) and sets the NMI-disable
// bit (bit 7, kept and reported by NMIDisabled); a read of 0x70 returns
// 0xFF, as on QEMU. 0x71 reads and writes the selected register:
//
//   - 0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week (1 =
//     Sunday), 0x07 day, 0x08 month, 0x09 year % 100, 0x32 century: the
//     host's clock now() plus an offset, in BCD unless status B's DM bit
//     is set, hours in 24-hour form unless status B's 24/12 bit is clear
//     (then 1-12 with bit 7 = PM). Writing one of them moves the clock: the
//     offset becomes what makes that field read back as written, all
//     other fields advancing from there (day of week is derived, and a
//     write to it is ignored). The alarm registers 0x01, 0x03, 0x05 are
//     plain RAM: no alarm ever fires.
//   - 0x0A status A: UIP (bit 7) always clear, so a reader never waits;
//     the divider and rate bits read back as written (0x26 at reset).
//   - 0x0B status B: read/write, 0x02 at reset (24-hour, BCD). No RTC
//     interrupt is ever raised, whatever PIE/AIE/UIE say.
//   - 0x0C status C: 0 (no interrupt flags); 0x0D status D: 0x80 (VRT,
//     the battery is good). Both read-only.
//   - 0x10 floppy types 0 (none); 0x14 equipment 0 (no FPU: the CPU has
//     no x87; no PS/2 mouse; video bits 0); 0x15-0x16 base memory 640 KiB;
//     0x17-0x18 and 0x30-0x31 KiB above 1 MiB (at most 65535); 0x34-0x35
//     64 KiB units above 16 MiB (at most 65535); 0x2E-0x2F the standard
//     checksum of 0x10-0x2D; 0x5F the number of CPUs less one. These are
//     the values QEMU's pc_cmos_init gives SeaBIOS, from SetMemory and
//     SetCPUs.
//   - Every other register is NVRAM that reads back what was written.
type CMOS struct {
	now func() time.Time

	mu     sync.Mutex
	index  uint8 // selected register, bits 0-6
	nmiOff bool  // index bit 7
	ram    [cmosSize]uint8
	offset time.Duration // guest clock = now() + offset
}

// NewCMOS returns the CMOS/RTC reading the time from now (time.Now if
// nil). Memory registers say 640 KiB and nothing above 1 MiB until
// SetMemory is called.
func NewCMOS(now func() time.Time) *CMOS {
	if now == nil {
		now = time.Now
	}
	c := &CMOS{now: now}
	c.ram[cmosStatusA] = statusADefault
	c.ram[cmosStatusB] = statusBDefault
	c.ram[cmosBaseLo], c.ram[cmosBaseHi] = 640&0xFF, 640>>8
	c.updateChecksum()
	return c
}

// Ports returns 0x70 and 0x71.
func (c *CMOS) Ports() (base uint16, n int) { return PortCMOSIndex, 2 }

// Ranges returns the device's ports for the bus.
func (c *CMOS) Ranges() []Range { return []Range{{PortCMOSIndex, 2}} }

// SetMemory fills the memory size registers for bytes of RAM below 4 GiB,
// as QEMU does: KiB above 1 MiB and 64 KiB units above 16 MiB, each capped
// at 65535.
func (c *CMOS) SetMemory(bytes uint64) {
	const kib, mib = 1024, 1024 * 1024
	var ext, high uint64
	if bytes > 1*mib {
		ext = min((bytes-1*mib)/kib, 0xFFFF)
	}
	if bytes > 16*mib {
		high = min((bytes-16*mib)/(64*kib), 0xFFFF)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ram[cmosExtLo], c.ram[cmosExtHi] = uint8(ext), uint8(ext>>8)
	c.ram[cmosExt2Lo], c.ram[cmosExt2Hi] = uint8(ext), uint8(ext>>8)
	c.ram[cmosHighLo], c.ram[cmosHighHi] = uint8(high), uint8(high>>8)
	c.updateChecksum()
}

// SetCPUs records the number of CPUs (register 0x5F holds n-1).
func (c *CMOS) SetCPUs(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ram[cmosCPUs] = uint8(max(n, 1) - 1)
}

// NMIDisabled reports whether the guest last wrote the index port with bit
// 7 set.
func (c *CMOS) NMIDisabled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nmiOff
}

// In reads the index port (0xFF) or the selected register.
func (c *CMOS) In(port uint16, size int) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return splitIn(port, size, func(port uint16) (uint8, bool) {
		switch port {
		case PortCMOSIndex:
			return 0xFF, true
		case PortCMOSData:
			return c.read(c.index), true
		}
		return 0, false
	})
}

// Out selects a register or writes the selected one.
func (c *CMOS) Out(port uint16, size int, v uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	splitOut(port, size, v, func(port uint16, b uint8) {
		switch port {
		case PortCMOSIndex:
			c.index = b & 0x7F
			c.nmiOff = b&nmiDisable != 0
		case PortCMOSData:
			c.write(c.index, b)
		}
	})
}

// read returns register r. Called with c.mu held.
func (c *CMOS) read(r uint8) uint8 {
	switch r {
	case cmosSeconds, cmosMinutes, cmosHours, cmosWeekday, cmosDay,
		cmosMonth, cmosYear, cmosCentury:
		return c.encode(r, c.clock())
	case cmosStatusA:
		return c.ram[r] &^ statusAUIP
	case cmosStatusC:
		return 0
	case cmosStatusD:
		return statusDVRT
	}
	return c.ram[r]
}

// write stores b in register r. Called with c.mu held.
func (c *CMOS) write(r, b uint8) {
	switch r {
	case cmosSeconds, cmosMinutes, cmosHours, cmosDay, cmosMonth,
		cmosYear, cmosCentury:
		c.setClockField(r, b)
	case cmosWeekday, cmosStatusC, cmosStatusD:
		// Derived or read-only.
	case cmosStatusA:
		c.ram[r] = b &^ statusAUIP
	default:
		c.ram[r] = b
		if r >= cmosFloppy && r < cmosChecksumHi {
			c.updateChecksum()
		}
	}
}

// clock returns the guest's wall-clock time. Called with c.mu held.
func (c *CMOS) clock() time.Time {
	return c.now().Add(c.offset)
}

// encode returns clock field r of t in the guest's data mode.
func (c *CMOS) encode(r uint8, t time.Time) uint8 {
	var v int
	switch r {
	case cmosSeconds:
		v = t.Second()
	case cmosMinutes:
		v = t.Minute()
	case cmosHours:
		return c.encodeHour(t.Hour())
	case cmosWeekday:
		v = int(t.Weekday()) + 1
	case cmosDay:
		v = t.Day()
	case cmosMonth:
		v = int(t.Month())
	case cmosYear:
		v = t.Year() % 100
	case cmosCentury:
		v = t.Year() / 100
	}
	return c.toGuest(v)
}

// encodeHour returns hour h (0-23) in the guest's 12/24-hour and data mode.
func (c *CMOS) encodeHour(h int) uint8 {
	if c.ram[cmosStatusB]&statusB24h != 0 {
		return c.toGuest(h)
	}
	pm := h >= 12
	h %= 12
	if h == 0 {
		h = 12
	}
	v := c.toGuest(h)
	if pm {
		v |= hourPM
	}
	return v
}

// toGuest encodes v (0-99) in BCD or binary as status B's DM bit says.
func (c *CMOS) toGuest(v int) uint8 {
	if c.ram[cmosStatusB]&statusBDM != 0 {
		return uint8(v)
	}
	return uint8(v/10<<4 | v%10)
}

// fromGuest decodes a value written in the guest's data mode.
func (c *CMOS) fromGuest(b uint8) int {
	if c.ram[cmosStatusB]&statusBDM != 0 {
		return int(b)
	}
	return int(b>>4)*10 + int(b&0x0F)
}

// setClockField moves the guest clock so that field r reads as b.
func (c *CMOS) setClockField(r, b uint8) {
	t := c.clock()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	switch r {
	case cmosSeconds:
		sec = c.fromGuest(b)
	case cmosMinutes:
		minute = c.fromGuest(b)
	case cmosHours:
		hour = c.decodeHour(b)
	case cmosDay:
		day = c.fromGuest(b)
	case cmosMonth:
		month = time.Month(c.fromGuest(b))
	case cmosYear:
		year = year/100*100 + c.fromGuest(b)
	case cmosCentury:
		year = c.fromGuest(b)*100 + year%100
	}
	set := time.Date(year, month, day, hour, minute, sec, t.Nanosecond(), t.Location())
	c.offset += set.Sub(t)
}

// decodeHour turns a written hours register into 0-23.
func (c *CMOS) decodeHour(b uint8) int {
	if c.ram[cmosStatusB]&statusB24h != 0 {
		return c.fromGuest(b)
	}
	h := c.fromGuest(b&^hourPM) % 12
	if b&hourPM != 0 {
		h += 12
	}
	return h
}

// updateChecksum recomputes the PC/AT checksum of 0x10-0x2D.
func (c *CMOS) updateChecksum() {
	var sum uint16
	for r := cmosFloppy; r < cmosChecksumHi; r++ {
		sum += uint16(c.ram[r])
	}
	c.ram[cmosChecksumHi], c.ram[cmosChecksumLo] = uint8(sum>>8), uint8(sum)
}
