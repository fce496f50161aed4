package emu

import (
	"fmt"

	"dfemu/emu/firmware"
)

// CPU identification the MP table's processor entries carry (interp's
// cpuid leaf 1: family 5 model 2 stepping 12; FPU-less Pentium features
// PSE TSC MSR CX8 APIC PGE CMOV).
const (
	cpuSignature = 0x52C
	cpuFeatures  = 1<<3 | 1<<4 | 1<<5 | 1<<8 | 1<<9 | 1<<13 | 1<<15
)

// writeFirmwareTables puts the ACPI and MP tables where a PC BIOS
// leaves them (layout.go): the RSDP and the MP floating pointer in the
// BIOS area's F segment, the RSDT+MADT and the MP configuration table
// in the reserved firmware-table region.
func (m *Machine) writeFirmwareTables() error {
	fw := firmware.Machine{CPUs: len(m.cpus), LAPICAddr: LAPICBase, IOAPICAddr: IOAPICBase,
		IOAPICID: IOAPICID, CPUSignature: cpuSignature, CPUFeatures: cpuFeatures}
	rsdp, acpi := firmware.ACPITables(fw, ACPITablesAddr)
	mpfp, mpcfg := firmware.MPFloat(MPConfigAddr), firmware.MPConfig(fw)
	for _, t := range []struct {
		name  string
		addr  uint32
		b     []byte
		limit uint32
	}{
		{"RSDP", RSDPAddr, rsdp, RSDPAddr + 0x20},
		{"MP floating pointer", MPFloatAddr, mpfp, MPFloatAddr + 0x10},
		{"RSDT/MADT", ACPITablesAddr, acpi, MPConfigAddr},
		{"MP configuration table", MPConfigAddr, mpcfg, FirmwareTablesEnd},
	} {
		if t.addr+uint32(len(t.b)) > t.limit || int(t.limit) > len(m.RAM) {
			return fmt.Errorf("firmware tables: %s (%d bytes at %#x) does not fit", t.name, len(t.b), t.addr)
		}
		copy(m.RAM[t.addr:], t.b)
	}
	return nil
}

// Where the firmware tables go. A guest finds them by scanning, as on
// a PC, so these are not part of the memory map the kernel mirrors
// (layout.go): the ACPI tables at 0xE0000, the MP configuration table at
// 0xE1000 (the BIOS area, reserved in the memory map given to the
// guest), the RSDP and MP floating pointer in the F segment, where the
// ACPI and MP specs say to scan.
const (
	ACPITablesAddr    = 0x000E0000 // RSDT, then MADT
	MPConfigAddr      = 0x000E1000
	FirmwareTablesEnd = 0x000E3000
	RSDPAddr          = 0x000F0000
	MPFloatAddr       = 0x000F0020
	IOAPICID          = 0 // the IOAPIC's APIC ID, as QEMU's
)
