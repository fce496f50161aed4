// Package dev holds the machine's I/O-port devices: the 16550 UART
// console, QEMU's isa-debug-exit, the ACPI PM1a power-off register, the
// CMOS/RTC, and the PC ports that answer "absent" (PCI configuration,
// i8042, POST).
//
//	ports        device       constructor
//	0x060, 0x064 I8042        NewI8042Absent  reads 0xFF
//	0x070-0x071  CMOS         NewCMOS         RTC from the host clock, memory sizes
//	0x080        POST         NewPOST         last code kept, reads 0xFF
//	0x0F4-0x0F7  DebugExit    NewDebugExit    exit status (V<<1)|1, reads 0
//	0x3F8-0x3FF  UART         NewUART         16550A console, IRQ4 line
//	0x604-0x605  ACPIPM       NewACPIPM       outw(0x604, 0x2000) powers off
//	0xCF8-0xCFF  PCIAbsent    NewPCIAbsent    address latch, data all ones
//	0xE9A        TraceCtl     NewTraceCtl     write 1/0: instruction tracing on/off
//
// Every device is a PortDevice that also says where it lives (Ranges, and
// Ports for the devices that occupy one run of ports), so the bus registers
// it without repeating port numbers. Port numbers come from ports.go (a mirror of emu/layout.go).
//
// Conventions shared by all devices here:
//
//   - In and Out take absolute port numbers and a size of 1, 2 or 4. A
//     wider access to a byte-wide device is split into byte accesses at
//     consecutive ports, little-endian, as the ISA bus does; bytes that
//     fall outside the device read as all ones and are dropped on write.
//   - Devices are safe for concurrent use (the kvm backend runs one
//     goroutine per vCPU). Callbacks given to a constructor are called
//     without any device lock held, so they may call back into the device.
//   - Nothing panics on a guest access: an unexpected size or port reads
//     as all ones and is ignored on write.
package dev

// PortDevice is a device on the I/O port bus. Port numbers are absolute;
// size is 1, 2 or 4 bytes.
type PortDevice interface {
	In(port uint16, size int) uint32
	Out(port uint16, size int, v uint32)
}

// Range is a run of N consecutive I/O ports starting at Base.
type Range struct {
	Base uint16
	N    int
}

// Contains reports whether port is in r.
func (r Range) Contains(port uint16) bool {
	return int(port) >= int(r.Base) && int(port) < int(r.Base)+r.N
}

// Device is a PortDevice that says which ports it decodes. The bus
// registers each Range; Ranges of one device never overlap.
type Device interface {
	PortDevice
	Ranges() []Range
}

// onesMask is the all-ones value of an access of size bytes: what an
// absent device answers.
func onesMask(size int) uint32 {
	switch size {
	case 1:
		return 0xFF
	case 2:
		return 0xFFFF
	default:
		return 0xFFFFFFFF
	}
}

// validSize reports whether size is a port access width.
func validSize(size int) bool {
	return size == 1 || size == 2 || size == 4
}

// splitIn performs a size-byte read as byte reads at port, port+1, ...,
// assembled little-endian. readByte reports false for a port the device
// does not decode; that byte reads as 0xFF.
func splitIn(port uint16, size int, readByte func(port uint16) (uint8, bool)) uint32 {
	if !validSize(size) {
		return onesMask(4)
	}
	var v uint32
	for i := 0; i < size; i++ {
		b, ok := readByte(port + uint16(i))
		if !ok {
			b = 0xFF
		}
		v |= uint32(b) << (8 * i)
	}
	return v
}

// splitOut performs a size-byte write as byte writes at port, port+1, ...,
// little-endian. The device ignores bytes for ports it does not decode.
func splitOut(port uint16, size int, v uint32, writeByte func(port uint16, b uint8)) {
	if !validSize(size) {
		return
	}
	for i := 0; i < size; i++ {
		writeByte(port+uint16(i), uint8(v>>(8*i)))
	}
}
