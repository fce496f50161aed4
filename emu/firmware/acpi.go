package firmware

// ACPI 1.0 tables (ACPI spec 6.x, sections 5.2.5 RSDP, 5.2.6 the system
// description table header, 5.2.7 RSDT, 5.2.12 MADT). The RSDP is the
// revision 0 (ACPI 1.0) form QEMU's SeaBIOS gives a pc machine, pointing
// at an RSDT that lists one table, the MADT. There is no FADT: dfemu's
// power-off port (PM1a at 0x604) is QEMU's and fixed.

// ACPI sizes and MADT entry types.
const (
	RSDPSize         = 20
	SDTHeaderSize    = 36
	MADTLocalAPIC    = 0
	MADTIOAPIC       = 1
	MADTOverride     = 2
	MADTLocalAPICNMI = 4
	madtPCATCompat   = 1
	madtCPUEnabled   = 1
	oemID            = "DFEMU "
	oemTableID       = "DFEMUPC "
)

// RSDP builds the Root System Description Pointer (revision 0) for an
// RSDT at rsdt. It must live 16-byte aligned in 0xE0000-0xFFFFF.
func RSDP(rsdt uint32) []byte {
	w := &writer{}
	w.u8([]byte("RSD PTR ")...)
	w.u8(0) // checksum
	w.str(oemID, 6)
	w.u8(0) // revision 0: ACPI 1.0, RSDT only
	w.u32(rsdt)
	w.b[8] = checksum(w.b)
	return w.b
}

// sdtHeader starts a system description table; finishSDT fills in its
// length and checksum.
func sdtHeader(sig string, rev uint8) *writer {
	w := &writer{}
	w.u8([]byte(sig)...)
	w.u32(0) // length
	w.u8(rev, 0)
	w.str(oemID, 6)
	w.str(oemTableID, 8)
	w.u32(1)                // OEM revision
	w.u8([]byte("DFEM")...) // creator ID
	w.u32(1)                // creator revision
	return w
}

func finishSDT(w *writer) []byte {
	w.put32(4, uint32(len(w.b)))
	w.b[9] = checksum(w.b)
	return w.b
}

// RSDT builds the Root System Description Table listing tables.
func RSDT(tables ...uint32) []byte {
	w := sdtHeader("RSDT", 1)
	for _, t := range tables {
		w.u32(t)
	}
	return finishSDT(w)
}

// MADT builds the Multiple APIC Description Table: one enabled
// Processor Local APIC per CPU (processor ID = APIC ID = index), the
// IOAPIC at GSI base 0, the interrupt source Overrides, and a local
// APIC NMI on LINT1 of every processor, as QEMU's does.
func MADT(m Machine) []byte {
	w := sdtHeader("APIC", 1)
	w.u32(m.LAPICAddr)
	w.u32(madtPCATCompat) // dual 8259s present
	for i := 0; i < m.CPUs; i++ {
		w.u8(MADTLocalAPIC, 8, uint8(i), uint8(i))
		w.u32(madtCPUEnabled)
	}
	w.u8(MADTIOAPIC, 12, m.IOAPICID, 0)
	w.u32(m.IOAPICAddr)
	w.u32(0) // GSI base
	for _, o := range Overrides {
		w.u8(MADTOverride, 10, 0, o.Source) // bus 0: ISA
		w.u32(o.GSI)
		w.u16(o.Flags)
	}
	w.u8(MADTLocalAPICNMI, 6, 0xFF) // all processors
	w.u16(FlagsConforming)
	w.u8(1) // LINT1
	return finishSDT(w)
}

// ACPITables lays out the RSDT at addr followed by the MADT and returns
// both as one block, and the RSDP that points at it.
func ACPITables(m Machine, addr uint32) (rsdp, tables []byte) {
	madt := MADT(m)
	rsdtLen := uint32(SDTHeaderSize + 4)
	rsdt := RSDT(addr + rsdtLen)
	return RSDP(addr), append(rsdt, madt...)
}
