package emu

import (
	"fmt"
	"sort"
)

// Guest RAM sizes (-m, in MiB). RAM is one byte slice from physical
// address 0, legacy hole included (the CPU reads RAM directly; the hole
// is simply absent from the guest's memory map). Its top stays below
// the 32-bit MMIO window (IOAPIC at 0xFEC00000).
const (
	DefaultMemMiB = 256
	MinMemMiB     = 2
	MaxMemMiB     = 3584
)

// newRAM allocates mib MiB of zeroed guest RAM.
func newRAM(mib int) ([]byte, error) {
	if mib < MinMemMiB || mib > MaxMemMiB {
		return nil, fmt.Errorf("memory size %d MiB out of range [%d, %d]", mib, MinMemMiB, MaxMemMiB)
	}
	return make([]byte, mib<<20), nil
}

// MMIODevice is a device mapped in guest-physical memory above RAM.
// Addresses are absolute; size is 1, 2 or 4.
type MMIODevice interface {
	Read(addr uint32, size int) uint32
	Write(addr uint32, size int, v uint32)
}

// MMIOBus is the physical address space above RAM: regions registered by
// devices (the LAPICs and the IOAPIC, emu/irq.go); everything else unassigned,
// reading all ones and ignoring writes, reported once per 4 KiB page.
type MMIOBus struct {
	ramEnd  uint64
	regions []mmioRegion // sorted by base
	seen    map[uint32]bool

	// Unknown is called for each unassigned access, with a description
	// and whether it is the first one on that page. Nil: ignored.
	Unknown func(desc string, first bool)
}

type mmioRegion struct {
	name       string
	base, size uint64
	dev        MMIODevice
}

// NewMMIOBus returns an MMIO space for a machine whose RAM ends at ramEnd.
func NewMMIOBus(ramEnd uint64) *MMIOBus {
	return &MMIOBus{ramEnd: ramEnd, seen: make(map[uint32]bool)}
}

// Register maps d at [base, base+size). It fails if the region is empty,
// crosses 4 GiB, covers RAM or overlaps another region.
func (b *MMIOBus) Register(name string, base, size uint32, d MMIODevice) error {
	lo, hi := uint64(base), uint64(base)+uint64(size)
	switch {
	case size == 0 || hi > 1<<32:
		return fmt.Errorf("mmio: %s: bad region [%#x, %#x)", name, lo, hi)
	case lo < b.ramEnd:
		return fmt.Errorf("mmio: %s [%#x, %#x) overlaps RAM (ends at %#x)", name, lo, hi, b.ramEnd)
	}
	for _, r := range b.regions {
		if lo < r.base+r.size && r.base < hi {
			return fmt.Errorf("mmio: %s [%#x, %#x) overlaps %s [%#x, %#x)", name, lo, hi, r.name, r.base, r.base+r.size)
		}
	}
	b.regions = append(b.regions, mmioRegion{name: name, base: lo, size: uint64(size), dev: d})
	sort.Slice(b.regions, func(i, j int) bool { return b.regions[i].base < b.regions[j].base })
	return nil
}

func (b *MMIOBus) find(addr uint32) *mmioRegion {
	for i := range b.regions {
		r := &b.regions[i]
		if uint64(addr) >= r.base && uint64(addr) < r.base+r.size {
			return r
		}
	}
	return nil
}

// Read reads size bytes at a physical address beyond RAM.
func (b *MMIOBus) Read(addr uint32, size int) uint32 {
	if r := b.find(addr); r != nil {
		return r.dev.Read(addr, size)
	}
	b.unknown(addr, fmt.Sprintf("unassigned physical address 0x%08x read (size %d)", addr, size))
	return onesOf(size)
}

// Write writes size bytes at a physical address beyond RAM.
func (b *MMIOBus) Write(addr uint32, size int, v uint32) {
	if r := b.find(addr); r != nil {
		r.dev.Write(addr, size, v)
		return
	}
	b.unknown(addr, fmt.Sprintf("unassigned physical address 0x%08x write %#x (size %d)", addr, v, size))
}

func (b *MMIOBus) unknown(addr uint32, desc string) {
	page := addr &^ 0xFFF
	first := !b.seen[page]
	b.seen[page] = true
	if b.Unknown != nil {
		b.Unknown(desc, first)
	}
}
