package multiboot

import (
	"encoding/binary"
	"hash/crc32"
)

// Boot information layout (spec 3.3): offsets in the info structure.
const (
	infoFlags      = 0
	infoMemLower   = 4
	infoMemUpper   = 8
	infoCmdline    = 16
	infoModsCount  = 20
	infoModsAddr   = 24
	infoMMapLength = 44
	infoMMapAddr   = 48
	infoLoaderName = 64
	infoSize       = 88 // up to the VBE fields, as QEMU

	infoHasMem    = 1 << 0
	infoHasCmd    = 1 << 2
	infoHasMods   = 1 << 3
	infoHasMMap   = 1 << 6
	infoHasLoader = 1 << 9

	modEntrySize  = 16 // mod_start, mod_end, string, reserved
	mmapEntrySize = 24 // size field (4) + base, length (8+8) + type (4)
	mmapSizeField = 20 // what the size field holds, as QEMU/SeaBIOS

	pageSize = 4096

	// LoaderName is the boot_loader_name given to the guest.
	LoaderName = "dfemu"
)

// placeModules puts the modules page aligned after the kernel's highest
// byte (as QEMU), and not below 1 MiB (a kernel loaded low would
// otherwise push them into the EBDA and the legacy hole).
func placeModules(l *Loaded, mods []Module, ram uint64) error {
	next := max(alignUp(uint64(l.KernelEnd)), HighMemStart)
	for i, m := range mods {
		start := next
		end := start + uint64(len(m.Data))
		if end > ram {
			return errorf("module %d (%q, %d bytes) does not fit in RAM: it would end at %#x, RAM ends at %#x",
				i, m.String, len(m.Data), end, ram)
		}
		l.Chunks = append(l.Chunks, Chunk{Addr: uint32(start), Data: m.Data})
		l.Modules = append(l.Modules, LoadedModule{
			String: m.String,
			Start:  uint32(start),
			End:    uint32(end),
			CRC32:  crc32.ChecksumIEEE(m.Data),
		})
		next = alignUp(end)
		if end == start { // an empty module still gets its own page
			next += pageSize
		}
	}
	return nil
}

// memoryMap is the guest's view of physical memory: the RAM it may use,
// and what it must not (EBDA, BIOS area, BIOS ROM). The legacy hole
// [0xA0000, 0xE0000) is simply absent, as on a PC.
func memoryMap(ram uint64) []MMapEntry {
	return []MMapEntry{
		{Base: 0, Length: EBDAStart, Type: MemAvailable},
		{Base: EBDAStart, Length: LegacyHole - EBDAStart, Type: MemReserved},
		{Base: BIOSAreaStart, Length: HighMemStart - BIOSAreaStart, Type: MemReserved},
		{Base: HighMemStart, Length: ram - HighMemStart, Type: MemAvailable},
		{Base: BIOSROMStart, Length: 1<<32 - BIOSROMStart, Type: MemReserved},
	}
}

// buildInfo writes the boot information into the info area: the info
// structure first, then the memory map, the module list, and the strings
// (command line, module strings, loader name), each 4-byte aligned.
func buildInfo(l *Loaded, ram uint64) error {
	l.MMap = memoryMap(ram)
	l.MemLower = EBDAStart / 1024
	l.MemUpper = uint32((ram - HighMemStart) / 1024)

	need := align4(infoSize) + len(l.MMap)*mmapEntrySize + len(l.Modules)*modEntrySize +
		align4(len(l.Cmdline)+1) + align4(len(LoaderName)+1)
	for _, m := range l.Modules {
		need += align4(len(m.String) + 1)
	}
	if need > InfoAreaEnd-InfoAreaStart {
		return errorf("command line and module strings too long: %d bytes of boot information, the info area holds %d",
			need, InfoAreaEnd-InfoAreaStart)
	}

	a := &area{buf: make([]byte, 0, need)}
	info := a.alloc(infoSize)
	mmap := a.alloc(len(l.MMap) * mmapEntrySize)
	for i, e := range l.MMap {
		b := a.buf[mmap+i*mmapEntrySize:]
		binary.LittleEndian.PutUint32(b[0:], mmapSizeField)
		binary.LittleEndian.PutUint64(b[4:], e.Base)
		binary.LittleEndian.PutUint64(b[12:], e.Length)
		binary.LittleEndian.PutUint32(b[20:], e.Type)
	}
	mods := a.alloc(len(l.Modules) * modEntrySize)
	for i, m := range l.Modules {
		b := a.buf[mods+i*modEntrySize:]
		binary.LittleEndian.PutUint32(b[0:], m.Start)
		binary.LittleEndian.PutUint32(b[4:], m.End)
		binary.LittleEndian.PutUint32(b[8:], a.addr(a.str(m.String)))
	}
	cmdline := a.str(l.Cmdline)
	loader := a.str(LoaderName)

	put := func(off int, v uint32) { binary.LittleEndian.PutUint32(a.buf[info+off:], v) }
	put(infoFlags, infoHasMem|infoHasCmd|infoHasMods|infoHasMMap|infoHasLoader)
	put(infoMemLower, l.MemLower)
	put(infoMemUpper, l.MemUpper)
	put(infoCmdline, a.addr(cmdline))
	put(infoModsCount, uint32(len(l.Modules)))
	put(infoModsAddr, a.addr(mods))
	put(infoMMapLength, uint32(len(l.MMap)*mmapEntrySize))
	put(infoMMapAddr, a.addr(mmap))
	put(infoLoaderName, a.addr(loader))
	l.InfoAddr = a.addr(info)
	l.Chunks = append(l.Chunks, Chunk{Addr: InfoAreaStart, Data: a.buf})
	return nil
}

// area allocates in the info area, 4-byte aligned, within the capacity
// buildInfo computed beforehand.
type area struct {
	buf []byte
}

func (a *area) alloc(n int) int {
	off := len(a.buf)
	a.buf = a.buf[:off+align4(n)]
	return off
}

func (a *area) str(s string) int {
	off := a.alloc(len(s) + 1)
	copy(a.buf[off:], s)
	return off
}

func (a *area) addr(off int) uint32 { return InfoAreaStart + uint32(off) }

func alignUp(v uint64) uint64 { return (v + pageSize - 1) &^ (pageSize - 1) }

func align4(n int) int { return (n + 3) &^ 3 }
