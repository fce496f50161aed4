package dev

// The I/O APIC (Intel 82093AA datasheet): 24 redirection entries that
// turn interrupt lines (GSIs) into messages on the APIC bus. Registers
// are reached indirectly: IOREGSEL at base+0x00 selects, IOWIN at
// base+0x10 reads and writes.
//
// Edge-triggered entries send a message on each rising edge of their
// line; level-triggered ones send while the line is high and remote IRR
// is clear, set remote IRR, and wait for the LAPIC's EOI of their vector.
// Destination mode physical and logical (flat), delivery modes fixed,
// lowest priority, NMI, INIT; polarity is recorded but lines are
// active-high (every ISA line is).

// IOAPIC register indexes and sizes.
const (
	IOAPICRegSel     = 0x00
	IOAPICRegWin     = 0x10
	IOAPICSize       = 0x20
	IOAPICEntries    = 24
	ioapicRegID      = 0x00
	ioapicRegVersion = 0x01
	ioapicRegArb     = 0x02
	ioapicRegRedir   = 0x10
	IOAPICVersion    = (IOAPICEntries-1)<<16 | 0x11
	redirMasked      = 1 << 16
	redirLevel       = 1 << 15
	redirRemoteIRR   = 1 << 14
	redirLogical     = 1 << 11
	redirWritable    = 0xFF00000000000000 | 0x1AFFF // dest, mask, trigger, polarity, dest mode, mode, vector
)

// IOAPIC is the machine's one I/O APIC.
type IOAPIC struct {
	bus   *APICBus
	id    uint32
	sel   uint32
	redir [IOAPICEntries]uint64
	line  [IOAPICEntries]bool
}

// NewIOAPIC makes an IOAPIC with APIC ID id on bus, every entry masked.
func NewIOAPIC(bus *APICBus, id int) *IOAPIC {
	a := &IOAPIC{bus: bus, id: uint32(id)}
	for i := range a.redir {
		a.redir[i] = redirMasked
	}
	bus.IOAPIC = a
	return a
}

// Read reads IOREGSEL or IOWIN (32-bit accesses; others read 0).
func (a *IOAPIC) Read(addr uint32, size int) uint32 {
	if size != 4 {
		return 0
	}
	switch addr & 0xFF {
	case IOAPICRegSel:
		return a.sel
	case IOAPICRegWin:
		return a.reg(a.sel)
	}
	return 0
}

func (a *IOAPIC) reg(r uint32) uint32 {
	switch {
	case r == ioapicRegID, r == ioapicRegArb:
		return a.id << 24
	case r == ioapicRegVersion:
		return IOAPICVersion
	case r >= ioapicRegRedir && r < ioapicRegRedir+2*IOAPICEntries:
		e := a.redir[(r-ioapicRegRedir)/2]
		if r&1 != 0 {
			return uint32(e >> 32)
		}
		return uint32(e)
	}
	return 0
}

// Write writes IOREGSEL or IOWIN.
func (a *IOAPIC) Write(addr uint32, size int, v uint32) {
	if size != 4 {
		return
	}
	switch addr & 0xFF {
	case IOAPICRegSel:
		a.sel = v & 0xFF
	case IOAPICRegWin:
		a.setReg(a.sel, v)
	}
}

func (a *IOAPIC) setReg(r, v uint32) {
	switch {
	case r == ioapicRegID:
		a.id = v >> 24 & 0xF
	case r >= ioapicRegRedir && r < ioapicRegRedir+2*IOAPICEntries:
		n := (r - ioapicRegRedir) / 2
		e := a.redir[n]
		if r&1 != 0 {
			e = e&0xFFFFFFFF | uint64(v)<<32
		} else {
			e = e&^0xFFFFFFFF | uint64(v)
		}
		a.redir[n] = e&redirWritable | a.redir[n]&redirRemoteIRR
		a.service(int(n))
	}
}

// SetLine sets the level of interrupt line gsi (out-of-range lines are
// ignored).
func (a *IOAPIC) SetLine(gsi int, high bool) {
	if gsi < 0 || gsi >= IOAPICEntries {
		return
	}
	rising := high && !a.line[gsi]
	a.line[gsi] = high
	e := a.redir[gsi]
	if e&redirLevel != 0 {
		a.service(gsi)
	} else if rising && e&redirMasked == 0 {
		a.send(e)
	}
}

// service sends a level-triggered entry's message when its line is high,
// it is unmasked and no earlier message waits for an EOI.
func (a *IOAPIC) service(n int) {
	e := a.redir[n]
	if e&redirLevel == 0 || e&redirMasked != 0 || e&redirRemoteIRR != 0 || !a.line[n] {
		return
	}
	a.redir[n] |= redirRemoteIRR
	a.send(e)
}

func (a *IOAPIC) send(e uint64) {
	a.bus.Deliver(uint8(e>>56), e&redirLogical != 0, uint32(e)&icrModeMask, uint8(e), e&redirLevel != 0)
}

// EOI is a LAPIC's end of interrupt for a level-triggered vector: every
// entry with that vector clears remote IRR and sends again if its line
// is still high.
func (a *IOAPIC) EOI(vector uint8) {
	for n, e := range a.redir {
		if e&redirRemoteIRR != 0 && uint8(e) == vector {
			a.redir[n] &^= redirRemoteIRR
			a.service(n)
		}
	}
}

// CanInterrupt reports whether a rising edge on gsi would send anything.
func (a *IOAPIC) CanInterrupt(gsi int) bool {
	return gsi >= 0 && gsi < IOAPICEntries && a.redir[gsi]&redirMasked == 0
}
