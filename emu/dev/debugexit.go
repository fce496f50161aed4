package dev

import (
	"sync"
)

// DebugExit is QEMU's isa-debug-exit device as configured by
// "-device isa-debug-exit,iobase=0xf4,iosize=4": ports 0xF4-0xF7.
//
// A write of V, of any size at any of its four ports, asks the machine to
// stop; the dfemu process then exits with status (V<<1)|1, exactly as QEMU
// does, so a guest can never produce status 0 this way (ExitStatus computes
// the status as the host reports it). Only the first write calls onExit:
// the guest is stopping, and a second vCPU writing at the same time must
// not change the status. Reads return 0, as QEMU's debug_exit_read does
// (that zero is also how a guest can tell the device is present).
type DebugExit struct {
	onExit func(v uint32)

	mu     sync.Mutex
	exited bool   // a write has happened
	value  uint32 // the value written first
}

// NewDebugExit returns the debug-exit device; onExit (which may be nil) is
// called with the value of the first write. onExit runs on the goroutine
// of the vCPU that wrote, inside its Out.
func NewDebugExit(onExit func(v uint32)) *DebugExit {
	return &DebugExit{onExit: onExit}
}

// Ports returns the device's port run: iobase 0xF4, iosize 4.
func (d *DebugExit) Ports() (base uint16, n int) { return PortDebugExit, 4 }

// Ranges returns the device's ports for the bus.
func (d *DebugExit) Ranges() []Range { return []Range{{PortDebugExit, 4}} }

// In returns 0 for any read, as QEMU does.
func (d *DebugExit) In(port uint16, size int) uint32 { return 0 }

// Out records the first value written and calls onExit with it. The value
// is taken at the access size (outb 0x31 and outl 0x31 both mean 0x31).
func (d *DebugExit) Out(port uint16, size int, v uint32) {
	if !validSize(size) {
		return
	}
	v &= onesMask(size)
	d.mu.Lock()
	first := !d.exited
	if first {
		d.exited, d.value = true, v
	}
	d.mu.Unlock()
	if first && d.onExit != nil {
		d.onExit(v)
	}
}

// Exited returns the value the guest wrote and whether it wrote one.
func (d *DebugExit) Exited() (v uint32, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.value, d.exited
}

// ExitStatus is the host process exit status for a debug-exit write of v:
// (v<<1)|1, of which a Unix host keeps the low 8 bits (QEMU calls exit()
// with the full value, so its status is the same byte).
func ExitStatus(v uint32) int {
	return int((v<<1)|1) & 0xFF
}
