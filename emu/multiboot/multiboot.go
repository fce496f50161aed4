// Package multiboot loads a Multiboot v1 kernel the way
// `qemu-system-i386 -kernel` does, as a pure function: kernel bytes,
// modules, command line and RAM size in; the bytes to write into guest
// RAM, the entry point and the boot information address out. It knows
// nothing of the CPU.
//
// Vocabulary:
//
//	header     the Multiboot header: magic, flags, checksum and, with
//	           flag 16, the a.out-kludge address fields (spec 3.1.1)
//	chunk      one contiguous write into guest-physical RAM
//	info       the Multiboot information structure (spec 3.3) and what it
//	           points to: the memory map and the structure in the info
//	           area [InfoAreaStart, InfoAreaEnd), the module list and the
//	           strings in the info pages after the kernel (info.go)
//
// Which loader, as QEMU (hw/i386/multiboot.c): when the header has flag
// 16 (address fields) the a.out-kludge fields are used, even for an ELF
// file; otherwise the file must be an ELF32 i386 executable and its
// PT_LOAD segments are loaded at p_paddr. An ELF entry point that is a
// virtual address is mapped through the executable segment containing it
// (p_vaddr -> p_paddr), as QEMU's load_elf does.
//
// Where we are stricter than QEMU, every case is an *Error: required
// header flags we do not know (bits 3..15), overlapping segments, loads
// over the info area or the legacy hole, an entry point outside the
// loaded bytes, anything that does not fit in RAM below the firmware
// tables at its top.
package multiboot

import "fmt"

// The guest-physical addresses the loader relies on. They mirror
// emu/layout.go (emu's layout_test.go checks they agree); they are
// repeated here so this package stays free of the machine.
const (
	InfoAreaStart      = 0x00009000 // boot information area: the memory map first
	InfoStructAddr     = 0x00009500 // the Multiboot info structure
	InfoAreaEnd        = 0x0000A000
	EBDAStart          = 0x0009FC00 // top of conventional memory (639 KiB)
	LegacyHole         = 0x000A0000 // VGA and option ROMs: never loaded
	BIOSAreaStart      = 0x000F0000 // BIOS area (reserved RAM)
	HighMemStart       = 0x00100000
	FirmwareTablesSize = 0x00020000 // reserved at the top of RAM
	BIOSROMStart       = 0xFFFC0000
)

// Multiboot v1 constants (Multiboot Specification 0.6.96).
const (
	HeaderMagic     = 0x1BADB002 // in the kernel's header
	BootloaderMagic = 0x2BADB002 // in EAX at the entry point
	searchLimit     = 8192       // the header lies within the first 8 KiB

	flagPageAlign = 1 << 0  // modules page aligned
	flagMemInfo   = 1 << 1  // mem_* and mmap wanted
	flagVideo     = 1 << 2  // video mode wanted: ignored, as QEMU does
	flagAddress   = 1 << 16 // a.out kludge: header address fields valid
	requiredKnown = flagPageAlign | flagMemInfo | flagVideo
	requiredMask  = 0xFFFF
)

// Module is one boot module: its string ("path args", as QEMU gives it)
// and its contents.
type Module struct {
	String string
	Data   []byte
}

// Input is everything the loader needs.
type Input struct {
	Kernel     []byte
	KernelName string // the -kernel path: the command line is "KernelName Cmdline"
	Cmdline    string // -append
	Modules    []Module
	RAMSize    uint64 // bytes of RAM from address 0
}

// Chunk is one write into guest RAM: Data at Addr, then ZeroFill zero
// bytes (a segment's bss).
type Chunk struct {
	Addr     uint32
	Data     []byte
	ZeroFill uint32
}

// End is the first address after the chunk.
func (c Chunk) End() uint64 { return uint64(c.Addr) + uint64(len(c.Data)) + uint64(c.ZeroFill) }

// LoadedModule says where a module went.
type LoadedModule struct {
	String     string
	Start, End uint32 // [Start, End) in guest-physical memory
	CRC32      uint32 // IEEE CRC-32 of the contents, for logs and guest tests
}

// MMapEntry is one memory-map entry as given to the guest.
type MMapEntry struct {
	Base, Length uint64
	Type         uint32 // 1 available, 2 reserved
}

// Memory types of the memory map.
const (
	MemAvailable = 1
	MemReserved  = 2
)

// Loaded is the result of Load: apply Chunks to RAM, then start the
// boot CPU at Entry with EAX=BootloaderMagic and EBX=InfoAddr.
type Loaded struct {
	Entry    uint32
	InfoAddr uint32
	Chunks   []Chunk // kernel segments first, then the info pages, the modules, the info area

	ModsAddr, CmdlineAddr, LoaderNameAddr uint32 // in the info pages after the kernel

	KernelStart, KernelEnd uint32 // lowest and first-after-highest kernel byte
	Format                 string // "elf" or "a.out kludge"
	Cmdline                string // the command line given to the guest
	Modules                []LoadedModule
	MemLower, MemUpper     uint32 // KiB
	MMap                   []MMapEntry
	Notes                  []string // harmless oddities worth a verbose line
}

// Error is a bad image or a boot that cannot fit: one line, no panic.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return "multiboot: " + e.Msg }

func errorf(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Load lays out a Multiboot boot: the kernel, its modules and the boot
// information. Every problem with the image or the inputs is an *Error.
func Load(in Input) (*Loaded, error) {
	if in.RAMSize < HighMemStart+FirmwareTablesSize+searchLimit || in.RAMSize > BIOSROMStart {
		return nil, errorf("RAM size %d bytes out of range", in.RAMSize)
	}
	usable := in.RAMSize - FirmwareTablesSize
	h, err := findHeader(in.Kernel)
	if err != nil {
		return nil, err
	}
	l := &Loaded{}
	if h.flags&flagVideo != 0 {
		l.Notes = append(l.Notes, "kernel asks for a video mode (header flag 2): ignored, as QEMU does")
	}
	if h.flags&flagAddress != 0 {
		err = loadAout(l, in.Kernel, h, usable)
	} else {
		err = loadELF(l, in.Kernel, usable)
	}
	if err != nil {
		return nil, err
	}
	l.Cmdline = in.KernelName + " " + in.Cmdline
	if err := placeInfoAndModules(l, in, usable); err != nil {
		return nil, err
	}
	buildInfo(l, in.RAMSize)
	return l, nil
}

// Apply copies the chunks into ram (address 0 = ram[0]).
func (l *Loaded) Apply(ram []byte) error {
	for _, c := range l.Chunks {
		if c.End() > uint64(len(ram)) {
			return errorf("chunk [%#x, %#x) beyond RAM (%#x bytes)", c.Addr, c.End(), len(ram))
		}
		n := copy(ram[c.Addr:], c.Data)
		clear(ram[uint64(c.Addr)+uint64(n) : c.End()])
	}
	return nil
}

// checkRange rejects a load of [addr, addr+size) that leaves the usable
// RAM (below the firmware tables) or covers the info area or the legacy
// hole. what names it for the error.
func checkRange(what string, addr, size, usable uint64) error {
	end := addr + size
	switch {
	case end > usable:
		return errorf("%s [%#x, %#x) outside RAM: usable RAM ends at %#x, below the firmware tables",
			what, addr, end, usable)
	case addr < InfoAreaEnd && end > InfoAreaStart:
		return errorf("%s [%#x, %#x) overlaps the boot information area [%#x, %#x)",
			what, addr, end, InfoAreaStart, InfoAreaEnd)
	case addr < HighMemStart && end > LegacyHole:
		return errorf("%s [%#x, %#x) overlaps the legacy hole [%#x, %#x)",
			what, addr, end, LegacyHole, HighMemStart)
	}
	return nil
}
