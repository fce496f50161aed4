// Package firmware builds the tables a PC's firmware leaves in memory
// for the kernel to find its CPUs and interrupt controllers: ACPI (RSDP,
// RSDT, MADT; ACPI 1.0, revision 0 RSDP) and the Intel MultiProcessor
// Specification 1.4 table (floating pointer and configuration table).
//
// The builders are pure functions: a Machine and the addresses the
// tables will live at in, bytes out, checksums filled in. The machine
// (emu) copies them into guest RAM. What they describe follows what
// QEMU's pc machine and SeaBIOS give for the same -smp (firmware_test
// compares the two field by field): APIC IDs 0..N-1, CPU 0 the BSP, one
// IOAPIC with 24 inputs at GSI 0, ISA IRQ0 on IOAPIC input 2.
package firmware

import "encoding/binary"

// Machine is what the tables describe.
type Machine struct {
	CPUs         int    // 1..255; APIC IDs 0..CPUs-1, CPU 0 is the BSP
	LAPICAddr    uint32 // 0xFEE00000
	IOAPICAddr   uint32 // 0xFEC00000
	IOAPICID     uint8  // the IOAPIC's APIC ID
	CPUSignature uint32 // cpuid leaf 1 EAX, for the MP processor entries
	CPUFeatures  uint32 // cpuid leaf 1 EDX
}

// Override is an ACPI interrupt source override: ISA IRQ Source arrives
// at GSI with MPS INTI Flags.
type Override struct {
	Source uint8
	GSI    uint32
	Flags  uint16
}

// MPS INTI flags (ACPI 5.2.12.5, MP spec table 4-10).
const (
	FlagsConforming     = 0
	FlagsActiveHigh     = 1
	FlagsLevelTriggered = 3 << 2
	FlagsEdgeTriggered  = 1 << 2
)

// Overrides are the ISA interrupt source overrides of QEMU's pc machine
// (hw/i386/acpi-common.c): IRQ0 (the PIT) on GSI 2, and the PCI-routed
// IRQs 5, 9, 10, 11 level-triggered, active high.
var Overrides = []Override{
	{0, 2, FlagsConforming},
	{5, 5, FlagsLevelTriggered | FlagsActiveHigh},
	{9, 9, FlagsLevelTriggered | FlagsActiveHigh},
	{10, 10, FlagsLevelTriggered | FlagsActiveHigh},
	{11, 11, FlagsLevelTriggered | FlagsActiveHigh},
}

// ISAToGSI is where ISA IRQ irq arrives at the IOAPIC.
func ISAToGSI(irq int) int {
	for _, o := range Overrides {
		if int(o.Source) == irq {
			return int(o.GSI)
		}
	}
	return irq
}

// checksum returns the byte that makes b sum to 0 (mod 256).
func checksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return -s
}

// Sum is the byte sum of b; a table with a correct checksum sums to 0.
func Sum(b []byte) byte { return -checksum(b) }

type writer struct{ b []byte }

func (w *writer) u8(v ...uint8) { w.b = append(w.b, v...) }
func (w *writer) u16(v uint16)  { w.b = binary.LittleEndian.AppendUint16(w.b, v) }
func (w *writer) u32(v uint32)  { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *writer) str(s string, n int) {
	b := make([]byte, n)
	copy(b, s)
	for i := len(s); i < n; i++ {
		b[i] = ' '
	}
	w.b = append(w.b, b...)
}
func (w *writer) put16(off int, v uint16) { binary.LittleEndian.PutUint16(w.b[off:], v) }
func (w *writer) put32(off int, v uint32) { binary.LittleEndian.PutUint32(w.b[off:], v) }
