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

// writeFirmwareTables puts the ACPI and MP tables where SeaBIOS leaves
// them under QEMU: the RSDP and the MP floating pointer in the BIOS
// area's F segment, where the ACPI and MP specs say to scan; the RSDT,
// the MADT and the MP configuration table in the region reserved at the
// top of RAM (FirmwareTablesSize, layout.go), which the pointers name.
func (m *Machine) writeFirmwareTables() error {
	fw := firmware.Machine{CPUs: len(m.cpus), LAPICAddr: LAPICBase, IOAPICAddr: IOAPICBase,
		IOAPICID: IOAPICID, CPUSignature: cpuSignature, CPUFeatures: cpuFeatures}
	acpiAddr, mpcAddr, end := TablesAddrs(uint32(len(m.RAM)))
	rsdp, acpi := firmware.ACPITables(fw, acpiAddr)
	mpfp, mpcfg := firmware.MPFloat(mpcAddr), firmware.MPConfig(fw)
	for _, t := range []struct {
		name  string
		addr  uint32
		b     []byte
		limit uint32
	}{
		{"RSDP", RSDPAddr, rsdp, RSDPAddr + 0x20},
		{"MP floating pointer", MPFloatAddr, mpfp, MPFloatAddr + 0x10},
		{"RSDT/MADT", acpiAddr, acpi, mpcAddr},
		{"MP configuration table", mpcAddr, mpcfg, end},
	} {
		if t.addr+uint32(len(t.b)) > t.limit || int(t.limit) > len(m.RAM) {
			return fmt.Errorf("firmware tables: %s (%d bytes at %#x) does not fit", t.name, len(t.b), t.addr)
		}
		copy(m.RAM[t.addr:], t.b)
	}
	return nil
}

// TablesAddrs returns where the RSDT (the MADT follows it) and the MP
// configuration table go in a machine with ram bytes of RAM, and the end
// of the region they share: the first 4 KiB of the firmware-table region
// at the top of RAM hold the RSDT and MADT (about 100 bytes per CPU: 64
// CPUs fit), the next 4 KiB the MP configuration table.
func TablesAddrs(ram uint32) (rsdt, mpConfig, end uint32) {
	base := ram - FirmwareTablesSize
	return base, base + tablesACPISize, base + tablesACPISize + tablesMPSize
}

// Where the firmware tables go. A guest finds them by scanning, as on a
// PC, so these are not part of the memory map the kernel mirrors
// (layout.go): the RSDP and MP floating pointer in the F segment
// (reserved in the memory map given to the guest), the rest at the top
// of RAM (TablesAddrs).
const (
	RSDPAddr       = 0x000F0000
	MPFloatAddr    = 0x000F0020
	tablesACPISize = 0x1000
	tablesMPSize   = 0x1000
	IOAPICID       = 0 // the IOAPIC's APIC ID, as QEMU's
)
