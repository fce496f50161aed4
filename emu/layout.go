package emu

// The guest-physical memory map, one constant per address. The guest's
// kernel/include/memlayout.h mirrors it; layout_test.go checks they agree.
//
// Below 1 MiB and at the top of RAM it is what `qemu-system-i386 -kernel`
// gives for the same -m (SeaBIOS's e820 map, QEMU's Multiboot loader),
// so one kernel image sees the same memory map on both machines.
//
//	0x0000_0000 +--------------------------+
//	            | real-mode IVT, BDA       |  reserved to the guest kernel
//	0x0000_7000 +--------------------------+
//	            | AP trampoline (4 KiB)    |  SIPI vector 0x07
//	0x0000_8000 +--------------------------+
//	            | free low RAM             |
//	0x0000_9000 +--------------------------+
//	            | Multiboot memory map     |  QEMU's ADDR_E820_MAP
//	0x0000_9500 | Multiboot info structure |  QEMU's ADDR_MBI (EBX)
//	0x0000_A000 +--------------------------+
//	            | free low RAM             |
//	0x0009_FC00 +--------------------------+
//	            | EBDA (reserved)          |
//	0x000A_0000 +--------------------------+
//	            | legacy hole: VGA, ROMs   |  not RAM: not in the memory map
//	0x000F_0000 +--------------------------+
//	            | BIOS area (reserved RAM) |  ACPI RSDP, MP floating ptr
//	0x0010_0000 +--------------------------+
//	            | kernel (ELF PT_LOAD)     |
//	            | info pages: module list, |  first page boundary after the
//	            | command lines, loader    |  kernel image
//	            | modules, page aligned    |
//	            | free RAM ...             |
//	RAM - 128K  +--------------------------+
//	            | firmware tables (resvd)  |  RSDT, MADT, MP config table
//	            |                          |  (tables.go), as SeaBIOS
//	  RAM end   +--------------------------+
//	            | (nothing)                |
//	0xFEC0_0000 | IOAPIC                   |
//	0xFEE0_0000 | local APIC               |
//	0xFFFC_0000 | BIOS ROM (reserved)      |
//	0xFFFF_FFFF +--------------------------+
const (
	TrampolineAddr     = 0x00007000 // AP real-mode start (SIPI vector 0x07)
	InfoAreaStart      = 0x00009000 // Multiboot memory map (QEMU's ADDR_E820_MAP)
	InfoStructAddr     = 0x00009500 // Multiboot info structure (QEMU's ADDR_MBI)
	InfoAreaEnd        = 0x0000A000 // no kernel loads over [InfoAreaStart, InfoAreaEnd)
	EBDAStart          = 0x0009FC00 // extended BIOS data area (reserved)
	LegacyHole         = 0x000A0000 // VGA and option ROMs: not RAM
	BIOSAreaStart      = 0x000F0000 // BIOS area (reserved): the RSDP, MP tables
	HighMemStart       = 0x00100000 // 1 MiB: kernels load here
	FirmwareTablesSize = 0x00020000 // reserved at the top of RAM: RSDT, MADT, MP config table
	IOAPICBase         = 0xFEC00000
	LAPICBase          = 0xFEE00000
	BIOSROMStart       = 0xFFFC0000
)

// I/O ports the machine decodes.
const (
	PortDebugExit = 0x00F4 // isa-debug-exit, iobase=0xf4,iosize=4
	PortCOM1      = 0x03F8 // 16550 UART, 8 ports
	PortACPIPM1a  = 0x0604 // PM1a control (QEMU's PIIX4): 0x2000 powers off
	PortCMOSIndex = 0x0070
	PortCMOSData  = 0x0071
	PortPCIAddr   = 0x0CF8
	PortPCIData   = 0x0CFC
	PortPOST      = 0x0080
	PortTraceCtl  = 0x0E9A // dfemu trace: write 1 = tracing on, 0 = off (dev.TraceCtl)
)
