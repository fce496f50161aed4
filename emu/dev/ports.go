package dev

// The I/O ports of the devices here. They mirror emu/layout.go (emu's
// layout_test.go checks they agree): package emu builds the machine from
// these devices, so dev cannot import emu.
const (
	PortDebugExit = 0x00F4 // isa-debug-exit, iobase=0xf4,iosize=4
	PortCOM1      = 0x03F8 // 16550 UART, 8 ports
	PortACPIPM1a  = 0x0604 // PM1a control (QEMU's PIIX4)
	PortCMOSIndex = 0x0070
	PortCMOSData  = 0x0071
	PortPCIAddr   = 0x0CF8
	PortPOST      = 0x0080
	PortTraceCtl  = 0x0E9A // dfemu's trace on/off port
)
