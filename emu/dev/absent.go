package dev

import (
	"sync"
	"sync/atomic"
)

// PCIAbsent is the PCI configuration mechanism #1 of a PC with no PCI
// devices, at 0xCF8-0xCFF, so that kernels probing PCI find the host
// bridge interface working and every bus empty:
//
//   - CONFIG_ADDRESS (0xCF8): a 32-bit write latches the value and a read
//     returns it (a narrower read returns its bytes of it). Narrower
//     writes to 0xCF8-0xCFB are ignored, as on QEMU's i440FX, whose
//     config address register only takes 32-bit writes; 0xCF9 is the
//     PIIX reset control register there, which this machine does not
//     have (a write to it does not reset).
//   - CONFIG_DATA (0xCFC-0xCFF): reads return all ones ("no device" in
//     the vendor ID), writes are ignored.
//
// Linux's pci_check_type1 therefore detects mechanism #1 and then finds
// no device on bus 0.
type PCIAbsent struct {
	addr atomic.Uint32 // CONFIG_ADDRESS as last written
}

// NewPCIAbsent returns an empty PCI configuration space.
func NewPCIAbsent() *PCIAbsent { return &PCIAbsent{} }

// Ports returns 0xCF8 and its 8 ports.
func (p *PCIAbsent) Ports() (base uint16, n int) { return PortPCIAddr, 8 }

// Ranges returns the device's ports for the bus.
func (p *PCIAbsent) Ranges() []Range { return []Range{{PortPCIAddr, 8}} }

// Address returns the latched CONFIG_ADDRESS value.
func (p *PCIAbsent) Address() uint32 { return p.addr.Load() }

// In reads CONFIG_ADDRESS bytes or all-ones configuration data.
func (p *PCIAbsent) In(port uint16, size int) uint32 {
	addr := p.addr.Load()
	return splitIn(port, size, func(port uint16) (uint8, bool) {
		if port >= PortPCIAddr && port < PortPCIAddr+4 {
			return uint8(addr >> (8 * (port - PortPCIAddr))), true
		}
		return 0xFF, true // CONFIG_DATA: no device answers
	})
}

// Out latches a 32-bit write to CONFIG_ADDRESS; everything else is ignored.
func (p *PCIAbsent) Out(port uint16, size int, v uint32) {
	if port == PortPCIAddr && size == 4 {
		p.addr.Store(v)
	}
}

// POST is the power-on self-test diagnostic port 0x80, where firmware and
// kernels write progress codes (and which Linux writes for I/O delays).
// Writes are accepted and the last byte is kept for crash reports; reads
// return all ones, as an ISA bus with nothing decoding the read does.
type POST struct {
	mu     sync.Mutex
	last   uint8
	writes uint64
}

// NewPOST returns the port 0x80 device.
func NewPOST() *POST { return &POST{} }

// Ports returns port 0x80.
func (p *POST) Ports() (base uint16, n int) { return PortPOST, 1 }

// Ranges returns the device's ports for the bus.
func (p *POST) Ranges() []Range { return []Range{{PortPOST, 1}} }

// In returns all ones.
func (p *POST) In(port uint16, size int) uint32 { return onesMask(size) }

// Out keeps the low byte of the value written at 0x80 (a wider write's
// other bytes belong to the DMA page registers at 0x81-0x83, not here).
func (p *POST) Out(port uint16, size int, v uint32) {
	if port != PortPOST || !validSize(size) {
		return
	}
	p.mu.Lock()
	p.last = uint8(v)
	p.writes++
	p.mu.Unlock()
}

// Last returns the last code written (0 before any write).
func (p *POST) Last() uint8 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Writes returns how many writes the port has taken.
func (p *POST) Writes() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writes
}

// i8042 ports: data and status/command. 0x61-0x63 between them are not
// the controller's (0x61 is system control port B, the PIT gate).
const (
	portI8042Data   = 0x60
	portI8042Status = 0x64
)

// I8042 is an absent keyboard controller at ports 0x60 and 0x64: reads
// return all ones (status 0xFF is what a kernel sees on a PC without an
// i8042, and Linux's i8042 driver gives up on it), writes are ignored.
// Its two ports are not contiguous, so it has Ranges but no Ports.
type I8042 struct{}

// NewI8042Absent returns the absent keyboard controller.
func NewI8042Absent() *I8042 { return &I8042{} }

// Ranges returns ports 0x60 and 0x64, one port each.
func (k *I8042) Ranges() []Range {
	return []Range{{portI8042Data, 1}, {portI8042Status, 1}}
}

// In returns all ones.
func (k *I8042) In(port uint16, size int) uint32 { return onesMask(size) }

// Out ignores the write.
func (k *I8042) Out(port uint16, size int, v uint32) {}
