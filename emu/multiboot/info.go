package multiboot

import (
	"encoding/binary"
	"hash/crc32"
	"strings"
)

// Where the boot information goes, exactly as under `qemu-system-i386
// -kernel` (QEMU's hw/i386/multiboot.c and its option ROM
// pc-bios/optionrom/multiboot.S):
//
//	InfoAreaStart   0x9000  the memory map, one 24-byte entry per e820
//	                        range (QEMU's ADDR_E820_MAP)
//	InfoStructAddr  0x9500  the info structure, 88 bytes (ADDR_MBI)
//	info pages      the first page boundary after the kernel image: the
//	                module list (16 bytes an entry), then the strings:
//	                each module's, then the kernel command line; the
//	                boot loader name follows at a fixed offset (QEMU
//	                reserves the length of the raw -initrd text); the
//	                whole rounded up to pages
//	modules         after the info pages, each page aligned, in order
//
// mem_lower is what int 0x12 says (639 KiB, below the EBDA); mem_upper is
// the run of available RAM from 1 MiB, as the option ROM computes it from
// the memory map.
//
// Where we differ: QEMU aligns the info pages and the modules relative to
// the kernel's load address (unaligned modules for a kernel loaded at an
// unaligned address, against the header's page-align flag); we align the
// addresses themselves, and never below 1 MiB (a kernel loaded low would
// otherwise push them into the EBDA and the legacy hole).

// Boot information layout (spec 3.3): offsets in the info structure.
const (
	infoFlags      = 0
	infoMemLower   = 4
	infoMemUpper   = 8
	infoBootDevice = 12
	infoCmdline    = 16
	infoModsCount  = 20
	infoModsAddr   = 24
	infoMMapLength = 44
	infoMMapAddr   = 48
	infoLoaderName = 64
	infoSize       = 88 // up to the VBE fields, as QEMU

	infoHasMem     = 1 << 0
	infoHasBootDev = 1 << 1
	infoHasCmd     = 1 << 2
	infoHasMods    = 1 << 3
	infoHasMMap    = 1 << 6
	infoHasLoader  = 1 << 9
	infoFlagsGiven = infoHasMem | infoHasBootDev | infoHasCmd | infoHasMods | infoHasMMap | infoHasLoader

	// bootDevice is QEMU's: BIOS drive 0x80 (the first hard disk), no
	// partition.
	bootDevice = 0x8000FFFF

	modEntrySize  = 16 // mod_start, mod_end, string, reserved
	mmapEntrySize = 24 // size field (4) + base, length (8+8) + type (4)
	mmapSizeField = 20 // what the size field holds, as QEMU/SeaBIOS

	conventionalKiB = EBDAStart / 1024 // int 0x12: 639 KiB

	pageSize = 4096

	// LoaderName is the boot_loader_name given to the guest.
	LoaderName = "dfemu"
)

// memoryMap is the guest's view of physical memory, the e820 map QEMU's
// firmware gives for the same RAM size (up to 3.5 GiB; QEMU moves RAM
// beyond that above 4 GiB): the RAM it may use, and what it must not
// (EBDA, BIOS area, the firmware tables at the top of RAM, BIOS ROM). The
// legacy hole [0xA0000, 0xF0000) is simply absent, as on a PC.
func memoryMap(ram uint64) []MMapEntry {
	tables := ram - FirmwareTablesSize
	return []MMapEntry{
		{Base: 0, Length: EBDAStart, Type: MemAvailable},
		{Base: EBDAStart, Length: LegacyHole - EBDAStart, Type: MemReserved},
		{Base: BIOSAreaStart, Length: HighMemStart - BIOSAreaStart, Type: MemReserved},
		{Base: HighMemStart, Length: tables - HighMemStart, Type: MemAvailable},
		{Base: tables, Length: FirmwareTablesSize, Type: MemReserved},
		{Base: BIOSROMStart, Length: 1<<32 - BIOSROMStart, Type: MemReserved},
	}
}

// upperMemKiB is mem_upper as QEMU's option ROM computes it: the KiB of
// available RAM contiguous from 1 MiB, below 4 GiB, entries in any order.
func upperMemKiB(mmap []MMapEntry) uint32 {
	end := uint64(HighMemStart)
	for grew := true; grew; {
		grew = false
		for _, e := range mmap {
			if e.Type == MemAvailable && e.Base < 1<<32 && e.Base <= end && end < e.Base+e.Length {
				end, grew = e.Base+e.Length, true
			}
		}
	}
	return uint32((end - HighMemStart) / 1024)
}

// stringsLen is the room QEMU reserves for the strings before the boot
// loader name: the command line "kernel append" and the raw -initrd
// text (each module's string, commas doubled, comma separated), each
// with its NUL.
func stringsLen(in Input) uint64 {
	n := uint64(len(in.KernelName)) + 1 + uint64(len(in.Cmdline)) + 1
	if len(in.Modules) == 0 {
		return n
	}
	for _, m := range in.Modules {
		n += uint64(len(m.String)+strings.Count(m.String, ",")) + 1 // the separator, or the NUL
	}
	return n
}

// placeInfoAndModules lays out the info pages (module list and strings)
// at the first page boundary after the kernel, and the modules after
// them, all below usable, the end of the RAM the guest may use.
func placeInfoAndModules(l *Loaded, in Input, usable uint64) error {
	base := max(alignUp(uint64(l.KernelEnd)), HighMemStart)
	nmods := uint64(len(in.Modules))
	strs := nmods * modEntrySize
	loader := strs + stringsLen(in)
	size := alignUp(loader + uint64(len(LoaderName)) + 1)
	if base+size > usable {
		return errorf("command line and module strings (%d bytes) do not fit in RAM after the kernel", size)
	}
	page := make([]byte, size)
	l.ModsAddr = uint32(base)
	l.Chunks = append(l.Chunks, Chunk{Addr: uint32(base), Data: page})

	next := base + size
	for i, m := range in.Modules {
		start := next
		end := start + uint64(len(m.Data))
		if end > usable {
			return errorf("module %d (%q, %d bytes) does not fit in RAM: it would end at %#x, usable RAM ends at %#x",
				i, m.String, len(m.Data), end, usable)
		}
		l.Chunks = append(l.Chunks, Chunk{Addr: uint32(start), Data: m.Data})
		str := base + strs
		strs += uint64(copy(page[strs:], m.String)) + 1
		e := page[i*modEntrySize:]
		binary.LittleEndian.PutUint32(e[0:], uint32(start))
		binary.LittleEndian.PutUint32(e[4:], uint32(end))
		binary.LittleEndian.PutUint32(e[8:], uint32(str))
		l.Modules = append(l.Modules, LoadedModule{
			String: m.String,
			Start:  uint32(start),
			End:    uint32(end),
			CRC32:  crc32.ChecksumIEEE(m.Data),
		})
		next = alignUp(end)
	}
	l.CmdlineAddr = uint32(base + strs)
	copy(page[strs:], l.Cmdline)
	l.LoaderNameAddr = uint32(base + loader)
	copy(page[loader:], LoaderName)
	return nil
}

// buildInfo writes the memory map and the info structure into the info
// area, pointing at the strings placeInfoAndModules laid out.
func buildInfo(l *Loaded, ram uint64) {
	l.MMap = memoryMap(ram)
	l.MemLower = conventionalKiB
	l.MemUpper = upperMemKiB(l.MMap)

	area := make([]byte, InfoStructAddr+infoSize-InfoAreaStart)
	for i, e := range l.MMap {
		b := area[i*mmapEntrySize:]
		binary.LittleEndian.PutUint32(b[0:], mmapSizeField)
		binary.LittleEndian.PutUint64(b[4:], e.Base)
		binary.LittleEndian.PutUint64(b[12:], e.Length)
		binary.LittleEndian.PutUint32(b[20:], e.Type)
	}
	info := area[InfoStructAddr-InfoAreaStart:]
	put := func(off int, v uint32) { binary.LittleEndian.PutUint32(info[off:], v) }
	put(infoFlags, infoFlagsGiven)
	put(infoMemLower, l.MemLower)
	put(infoMemUpper, l.MemUpper)
	put(infoBootDevice, bootDevice)
	put(infoCmdline, l.CmdlineAddr)
	put(infoModsCount, uint32(len(l.Modules)))
	put(infoModsAddr, l.ModsAddr)
	put(infoMMapLength, uint32(len(l.MMap)*mmapEntrySize))
	put(infoMMapAddr, InfoAreaStart)
	put(infoLoaderName, l.LoaderNameAddr)
	l.InfoAddr = InfoStructAddr
	l.Chunks = append(l.Chunks, Chunk{Addr: InfoAreaStart, Data: area})
}

func alignUp(v uint64) uint64 { return (v + pageSize - 1) &^ (pageSize - 1) }
