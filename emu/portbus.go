package emu

import (
	"fmt"

	"dfemu/emu/dev"
)

// PortBus dispatches I/O port accesses to the devices registered on it.
// Each device owns one or more runs of ports; runs never overlap. An
// access to a port nobody owns reads as all ones, is dropped on write,
// and is reported to Unknown.
//
// Context: registration happens while the machine is built; In and Out
// run on the vCPU loop. The bus itself keeps no per-access state beyond
// the set of unknown ports already reported.
type PortBus struct {
	owner [1 << 16]uint16 // port -> 1 + index in devs; 0: unassigned
	devs  []portDevice
	seen  map[uint16]bool // unknown ports already reported

	// Unknown is called for each access to an unassigned port, with a
	// description ("unknown port 0x1234 read (size 1)") and whether it is
	// the first access to that port. Nil: ignored.
	Unknown func(desc string, first bool)
}

type portDevice struct {
	name        string
	first, last uint16
	dev         dev.PortDevice
}

// NewPortBus returns an empty bus.
func NewPortBus() *PortBus { return &PortBus{seen: make(map[uint16]bool)} }

// Register gives ports [first, first+n) to d under name. It fails when a
// port is already owned or the run leaves the port space.
func (b *PortBus) Register(name string, first uint16, n int, d dev.PortDevice) error {
	if n <= 0 || int(first)+n > 1<<16 {
		return fmt.Errorf("port bus: %s: bad port run %#x+%d", name, first, n)
	}
	last := first + uint16(n-1)
	for p := int(first); p <= int(last); p++ {
		if o := b.owner[p]; o != 0 {
			other := b.devs[o-1]
			return fmt.Errorf("port bus: %s [%#x, %#x] overlaps %s [%#x, %#x] at port %#x",
				name, first, last, other.name, other.first, other.last, p)
		}
	}
	b.devs = append(b.devs, portDevice{name: name, first: first, last: last, dev: d})
	for p := int(first); p <= int(last); p++ {
		b.owner[p] = uint16(len(b.devs))
	}
	return nil
}

// Owner names the device that owns port, or "" if none.
func (b *PortBus) Owner(port uint16) string {
	if o := b.owner[port]; o != 0 {
		return b.devs[o-1].name
	}
	return ""
}

// In reads size bytes from port: the owner's answer, or all ones.
func (b *PortBus) In(port uint16, size int) uint32 {
	if o := b.owner[port]; o != 0 {
		return b.devs[o-1].dev.In(port, size)
	}
	b.unknown(port, fmt.Sprintf("unknown port 0x%04x read (size %d)", port, size))
	return onesOf(size)
}

// Out writes size bytes to port; dropped if no device owns it.
func (b *PortBus) Out(port uint16, size int, v uint32) {
	if o := b.owner[port]; o != 0 {
		b.devs[o-1].dev.Out(port, size, v)
		return
	}
	b.unknown(port, fmt.Sprintf("unknown port 0x%04x write %#x (size %d)", port, v, size))
}

func (b *PortBus) unknown(port uint16, desc string) {
	first := !b.seen[port]
	b.seen[port] = true
	if b.Unknown != nil {
		b.Unknown(desc, first)
	}
}

// onesOf is the all-ones value of a size-byte access.
func onesOf(size int) uint32 {
	switch size {
	case 1:
		return 0xFF
	case 2:
		return 0xFFFF
	}
	return 0xFFFFFFFF
}
