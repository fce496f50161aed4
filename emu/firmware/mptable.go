package firmware

// The Intel MultiProcessor Specification 1.4 tables (chapter 4): the MP
// floating pointer structure (found by scanning 0xF0000-0xFFFFF on a
// 16-byte boundary) and the MP configuration table it points at, with
// entries in the order the spec requires: processors, buses, I/O APICs,
// I/O interrupt assignments, local interrupt assignments. As SeaBIOS's
// (src/fw/mptable.c) for a machine without PCI: one ISA bus, ISA IRQs
// 0-15 but 2 and the level-triggered PCI
// ones (5, 9, 10, 11: QEMU's PCI interrupt lines) on the same IOAPIC inputs, IRQ0 on input 2; ExtINT on
// LINT0 of the BSP and NMI on LINT1 of every local APIC.

// MP table sizes and entry types.
const (
	MPFloatSize      = 16
	MPConfigHdrSize  = 44
	MPProcessor      = 0
	MPBus            = 1
	MPIOAPIC         = 2
	MPIOInterrupt    = 3
	MPLocalInterrupt = 4
	mpSpecRev        = 4 // MP spec 1.4
	mpCPUEnabled     = 1
	mpCPUBSP         = 2
	MPIntINT         = 0
	MPIntNMI         = 1
	MPIntExtINT      = 3
	mpISABus         = 0
)

// MPFloat builds the floating pointer structure for a configuration
// table at cfg.
func MPFloat(cfg uint32) []byte {
	w := &writer{}
	w.u8([]byte("_MP_")...)
	w.u32(cfg)
	w.u8(1, mpSpecRev, 0) // length in paragraphs, revision, checksum
	w.u8(0, 0, 0, 0, 0)   // feature bytes: 0 = a configuration table exists
	w.b[10] = checksum(w.b)
	return w.b
}

// MPConfig builds the MP configuration table.
func MPConfig(m Machine) []byte {
	w := &writer{}
	w.u8([]byte("PCMP")...)
	w.u16(0) // base table length
	w.u8(mpSpecRev, 0)
	w.str("DFEMU", 8)
	w.str("0.1", 12)
	w.u32(0) // OEM table pointer
	w.u16(0) // OEM table size
	w.u16(0) // entry count
	w.u32(m.LAPICAddr)
	w.u16(0) // extended table length
	w.u8(0, 0)
	n := 0
	for i := 0; i < m.CPUs; i++ {
		flags := uint8(mpCPUEnabled)
		if i == 0 {
			flags |= mpCPUBSP
		}
		w.u8(MPProcessor, uint8(i), 0x14, flags)
		w.u32(m.CPUSignature)
		w.u32(m.CPUFeatures)
		w.u32(0)
		w.u32(0)
		n++
	}
	w.u8(MPBus, mpISABus)
	w.str("ISA", 6)
	w.u8(MPIOAPIC, m.IOAPICID, 0x11, 1) // version 0x11, enabled
	w.u32(m.IOAPICAddr)
	n += 2
	for irq := 0; irq < 16; irq++ {
		if irq == 2 || levelIRQ(irq) {
			continue // 2: the cascade, input 2 is IRQ0's; level ones are PCI's on QEMU
		}
		w.u8(MPIOInterrupt, MPIntINT)
		w.u16(FlagsConforming)
		w.u8(mpISABus, uint8(irq), m.IOAPICID, uint8(ISAToGSI(irq)))
		n++
	}
	for lint, e := range []struct{ typ, dst uint8 }{{MPIntExtINT, 0}, {MPIntNMI, 0xFF}} {
		w.u8(MPLocalInterrupt, e.typ)
		w.u16(FlagsConforming)
		w.u8(mpISABus, 0, e.dst, uint8(lint))
		n++
	}
	w.put16(4, uint16(len(w.b)))
	w.put16(34, uint16(n))
	w.b[7] = checksum(w.b)
	return w.b
}

// levelIRQ reports whether the MADT overrides ISA IRQ irq as
// level-triggered (a PCI interrupt line on QEMU's pc machine).
func levelIRQ(irq int) bool {
	for _, o := range Overrides {
		if int(o.Source) == irq && o.Flags&FlagsLevelTriggered == FlagsLevelTriggered {
			return true
		}
	}
	return false
}
