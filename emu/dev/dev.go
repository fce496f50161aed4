// Package dev holds the machine's I/O-port devices: the 16550 UART
// console, QEMU's isa-debug-exit, the ACPI PM1a power-off register, the
// CMOS/RTC, and the PC ports that answer "absent" (PCI configuration,
// i8042, POST).
package dev

// PortDevice is a device on the I/O port bus. Port numbers are absolute;
// size is 1, 2 or 4 bytes.
type PortDevice interface {
	In(port uint16, size int) uint32
	Out(port uint16, size int, v uint32)
}
