package multiboot

import (
	"encoding/binary"
	"hash/crc32"
	"testing"

	"dfemu/emu/internal/mbimage"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testRAM = 16 << 20

var code = []byte{0xF4, 0xEB, 0xFD} // hlt; jmp .-1

func load(t *testing.T, in Input) (*Loaded, []byte) {
	t.Helper()
	if in.RAMSize == 0 {
		in.RAMSize = testRAM
	}
	l, err := Load(in)
	require.NoError(t, err)
	ram := make([]byte, in.RAMSize)
	require.NoError(t, l.Apply(ram))
	return l, ram
}

func u32(ram []byte, a uint32) uint32 { return binary.LittleEndian.Uint32(ram[a:]) }

func cstr(ram []byte, a uint32) string {
	e := a
	for ram[e] != 0 {
		e++
	}
	return string(ram[a:e])
}

func TestLoadELF(t *testing.T) {
	k := mbimage.Kernel(code)
	mods := []Module{
		{String: "a.elf arg1 arg2", Data: []byte("module a contents")},
		{String: "b.elf", Data: make([]byte, 5000)},
	}
	l, ram := load(t, Input{Kernel: k, KernelName: "kernel.elf", Cmdline: "test=all", Modules: mods})

	assert.Equal(t, "elf", l.Format)
	assert.Equal(t, uint32(0x10000C), l.Entry)
	assert.Equal(t, code, ram[0x10000C:0x10000F])
	assert.Equal(t, uint32(0x100000), l.KernelStart)
	assert.Equal(t, uint32(0x10000F), l.KernelEnd)

	// As QEMU: the module list and the strings in the page after the
	// kernel, then the modules, page aligned, each with its string.
	require.Len(t, l.Modules, 2)
	assert.Equal(t, uint32(0x102000), l.Modules[0].Start)
	assert.Equal(t, uint32(0x102000+17), l.Modules[0].End)
	assert.Equal(t, uint32(0x103000), l.Modules[1].Start)
	assert.Equal(t, uint32(0x103000+5000), l.Modules[1].End)
	assert.Equal(t, crc32.ChecksumIEEE(mods[0].Data), l.Modules[0].CRC32)
	assert.Equal(t, "module a contents", string(ram[0x102000:0x102000+17]))

	// The info structure, read back from RAM as the guest would.
	info := l.InfoAddr
	assert.Equal(t, uint32(0x9500), info)
	assert.Equal(t, uint32(1|2|4|8|64|512), u32(ram, info+infoFlags))
	assert.Equal(t, uint32(639), u32(ram, info+infoMemLower))
	assert.Equal(t, uint32(15*1024-128), u32(ram, info+infoMemUpper))
	assert.Equal(t, uint32(0x8000FFFF), u32(ram, info+infoBootDevice))
	assert.Equal(t, uint32(2), u32(ram, info+infoModsCount))
	ma := u32(ram, info+infoModsAddr)
	assert.Equal(t, uint32(0x101000), ma)
	assert.Equal(t, uint32(0x102000), u32(ram, ma))
	assert.Equal(t, uint32(0x102011), u32(ram, ma+4))
	// The strings follow the list: the modules', then the command line;
	// the loader name after room for the raw -initrd text.
	assert.Equal(t, uint32(0x101020), u32(ram, ma+8))
	assert.Equal(t, "a.elf arg1 arg2", cstr(ram, u32(ram, ma+8)))
	assert.Equal(t, uint32(0x101030), u32(ram, ma+16+8))
	assert.Equal(t, "b.elf", cstr(ram, u32(ram, ma+16+8)))
	assert.Equal(t, uint32(0x101036), u32(ram, info+infoCmdline))
	assert.Equal(t, "kernel.elf test=all", cstr(ram, u32(ram, info+infoCmdline)))
	assert.Equal(t, uint32(0x10104A), u32(ram, info+infoLoaderName))
	assert.Equal(t, "dfemu", cstr(ram, u32(ram, info+infoLoaderName)))

	// The memory map, entry by entry (size field 20, as QEMU), at 0x9000.
	type ent struct {
		base, len uint64
		typ       uint32
	}
	var got []ent
	mm, mlen := u32(ram, info+infoMMapAddr), u32(ram, info+infoMMapLength)
	assert.Equal(t, uint32(0x9000), mm)
	for p := mm; p < mm+mlen; p += u32(ram, p) + 4 {
		assert.Equal(t, uint32(20), u32(ram, p))
		got = append(got, ent{binary.LittleEndian.Uint64(ram[p+4:]), binary.LittleEndian.Uint64(ram[p+12:]), u32(ram, p+20)})
	}
	assert.Equal(t, []ent{
		{0, 0x9FC00, 1},
		{0x9FC00, 0x400, 2},
		{0xF0000, 0x10000, 2},
		{0x100000, testRAM - 0x100000 - 0x20000, 1},
		{testRAM - 0x20000, 0x20000, 2},
		{0xFFFC0000, 0x40000, 2},
	}, got)
	for _, c := range l.Chunks {
		assert.LessOrEqual(t, c.End(), uint64(testRAM-FirmwareTablesSize))
	}
	// The info area chunk stays inside the info area.
	last := l.Chunks[len(l.Chunks)-1]
	assert.Equal(t, uint32(InfoAreaStart), last.Addr)
	assert.LessOrEqual(t, last.End(), uint64(InfoAreaEnd))
}

// QEMU reserves room for the raw -initrd text before the loader name: a
// comma in a module's string is doubled there.
func TestLoaderNameAfterRawInitrd(t *testing.T) {
	mods := []Module{{String: "a x,y", Data: []byte("a")}, {String: "b", Data: nil}}
	l, ram := load(t, Input{Kernel: mbimage.Kernel(code), KernelName: "k", Modules: mods})
	base := uint32(0x101000) + 2*modEntrySize
	assert.Equal(t, base+6+2, l.CmdlineAddr, "after \"a x,y\" and \"b\"")
	assert.Equal(t, "k ", cstr(ram, l.CmdlineAddr))
	// "k" "" and the raw "a x,,y,b": 2 + 1 + 9 bytes.
	assert.Equal(t, base+12, l.LoaderNameAddr)
	// An empty module takes no room: the next one starts where it does.
	assert.Equal(t, l.Modules[1].Start, l.Modules[1].End)
	assert.Equal(t, uint32(0x103000), l.Modules[1].Start)
}

// mem_upper is the run of available RAM from 1 MiB, whatever the order
// of the entries, as QEMU's option ROM computes it.
func TestUpperMem(t *testing.T) {
	mm := []MMapEntry{
		{Base: 0x300000, Length: 0x100000, Type: MemAvailable},
		{Base: 0x100000, Length: 0x200000, Type: MemAvailable},
		{Base: 0x500000, Length: 0x100000, Type: MemAvailable}, // after a gap
		{Base: 0x400000, Length: 0x100000, Type: MemReserved},
	}
	assert.Equal(t, uint32(3*1024), upperMemKiB(mm))
	assert.Equal(t, uint32(0), upperMemKiB(nil))
	for _, mib := range []uint64{2, 32, 256, 1024, 3000} {
		assert.Equal(t, uint32(mib*1024-1024-128), upperMemKiB(memoryMap(mib<<20)), "%d MiB", mib)
	}
}

func TestLoadELFBSSAndVirtualEntry(t *testing.T) {
	hdr := mbimage.Header(3)
	seg := mbimage.Segment{Vaddr: 0xC0100000, Paddr: 0x100000, Data: append(hdr, code...), MemSize: 0x3000}
	data := mbimage.Segment{Vaddr: 0xC0200000, Paddr: 0x200000, Data: []byte{1, 2, 3}, Flags: 6}
	k := mbimage.ELF(0xC010000C, seg, data)
	in := Input{Kernel: k, RAMSize: testRAM}
	l, err := Load(in)
	require.NoError(t, err)
	ram := make([]byte, testRAM)
	for i := range ram[0x100000:0x104000] {
		ram[0x100000+i] = 0xAA // bss must be cleared
	}
	require.NoError(t, l.Apply(ram))
	assert.Equal(t, uint32(0x10000C), l.Entry, "virtual entry mapped through p_vaddr->p_paddr")
	assert.Equal(t, make([]byte, 0x3000-15), ram[0x10000F:0x103000])
	assert.Equal(t, byte(0xAA), ram[0x103000])
	assert.Equal(t, []byte{1, 2, 3}, ram[0x200000:0x200003])
	assert.Equal(t, uint32(0x200003), l.KernelEnd)
	assert.Equal(t, "kernel.elf"[:0]+" ", l.Cmdline, "QEMU: kernel name, space, append")
}

func TestLoadAout(t *testing.T) {
	k := mbimage.Aout(code, 0x2000)
	l, ram := load(t, Input{Kernel: k, Modules: []Module{{String: "m", Data: []byte("x")}}})
	assert.Equal(t, "a.out kludge", l.Format)
	assert.Equal(t, uint32(0x100020), l.Entry)
	assert.Equal(t, code, ram[0x100020:0x100023])
	assert.Equal(t, uint32(0x100023+0x2000), l.KernelEnd)
	assert.Equal(t, uint32(0x103000), l.ModsAddr)
	assert.Equal(t, uint32(0x104000), l.Modules[0].Start)
}

// An ELF file whose header has flag 16 is loaded by the address fields,
// as QEMU does.
func TestLoadELFWithAddressFields(t *testing.T) {
	k := mbimage.Kernel(code) // header at file offset 84 (52 + 32)
	const off = 84
	// Replace the 12-byte header by a 32-byte one with address fields:
	// load the whole file at 0x200000 so the header is at 0x200000+84.
	hdr := mbimage.Header(3|mbimage.FlagAddress, 0x200000+off, 0x200000, 0, 0, 0x200000+off+32)
	img := append(append(append([]byte{}, k[:off]...), hdr...), code...)
	l, ram := load(t, Input{Kernel: img})
	assert.Equal(t, "a.out kludge", l.Format)
	assert.Equal(t, uint32(0x200000+off+32), l.Entry)
	assert.Equal(t, code, ram[l.Entry:l.Entry+3])
	assert.Equal(t, byte(0x7F), ram[0x200000], "the whole file is loaded")
}

func TestVideoFlagIgnored(t *testing.T) {
	hdr := mbimage.Header(4)
	k := mbimage.ELF(0x10000C, mbimage.Segment{Vaddr: 0x100000, Paddr: 0x100000, Data: append(hdr, code...)})
	l, _ := load(t, Input{Kernel: k})
	assert.Len(t, l.Notes, 1)
}

// elfWith returns a valid kernel with fn applied to a copy of its bytes.
func elfWith(fn func(k []byte) []byte) []byte {
	k := mbimage.Kernel(code)
	return fn(append([]byte{}, k...))
}

func put32(k []byte, off int, v uint32) []byte { binary.LittleEndian.PutUint32(k[off:], v); return k }
func put16(k []byte, off int, v uint16) []byte { binary.LittleEndian.PutUint16(k[off:], v); return k }

// Program header 0 field offsets in a Kernel image.
const (
	ph0        = 52
	phOffset   = ph0 + 4
	phVaddr    = ph0 + 8
	phPaddr    = ph0 + 12
	phFilesz   = ph0 + 16
	phMemsz    = ph0 + 20
	mbHdrOff   = 84 // the Multiboot header's file offset in a Kernel image
	aoutHdrLen = 32
)

func TestBadImages(t *testing.T) {
	seg := func(paddr, memsz uint32) mbimage.Segment {
		return mbimage.Segment{Vaddr: paddr, Paddr: paddr, Data: append(mbimage.Header(3), code...), MemSize: memsz}
	}
	aout := func(addr ...uint32) []byte { return append(mbimage.Header(3|mbimage.FlagAddress, addr...), code...) }
	const la = 0x100000
	cases := []struct {
		name   string
		kernel []byte
		mods   []Module
		ram    uint64
		want   string
	}{
		{"empty file", nil, nil, 0, "too short"},
		{"no header", make([]byte, 10000), nil, 0, "no Multiboot header"},
		{"header after 8 KiB", append(make([]byte, 8192), mbimage.Header(3)...), nil, 0, "no Multiboot header"},
		{"bad checksum", elfWith(func(k []byte) []byte { return put32(k, mbHdrOff+8, 0) }), nil, 0, "checksum"},
		{"unsupported required flag", elfWith(func(k []byte) []byte {
			return append(append(k[:mbHdrOff], mbimage.Header(3|1<<5)...), code...)
		}), nil, 0, "unsupported features"},
		{"not ELF, no a.out kludge", append([]byte("MZ\x00\x00"), mbimage.Header(3)...), nil, 0, "not an ELF file"},
		{"truncated ELF header", append([]byte("\x7fELF"), mbimage.Header(3)...), nil, 0, "truncated ELF header"},
		{"64-bit ELF", elfWith(func(k []byte) []byte { k[4] = 2; return k }), nil, 0, "not a 32-bit"},
		{"big-endian ELF", elfWith(func(k []byte) []byte { k[5] = 2; return k }), nil, 0, "little-endian"},
		{"x86-64 machine", elfWith(func(k []byte) []byte { return put16(k, 18, 62) }), nil, 0, "x86-64"},
		{"ARM machine", elfWith(func(k []byte) []byte { return put16(k, 18, 40) }), nil, 0, "not i386"},
		{"shared object", elfWith(func(k []byte) []byte { return put16(k, 16, 3) }), nil, 0, "not an executable"},
		{"no program headers", elfWith(func(k []byte) []byte { return put16(k, 44, 0) }), nil, 0, "no program headers"},
		{"odd program header size", elfWith(func(k []byte) []byte { return put16(k, 42, 40) }), nil, 0, "program header size"},
		{"too many program headers", elfWith(func(k []byte) []byte { return put16(k, 44, 60000) }), nil, 0, "program headers (at most"},
		{"program headers beyond file", elfWith(func(k []byte) []byte { return put32(k, 28, 0xFFFFFFF0) }), nil, 0, "truncated file: program headers"},
		{"segment beyond file", elfWith(func(k []byte) []byte { return k[:len(k)-1] }), nil, 0, "truncated file: segment 0"},
		{"segment offset huge", elfWith(func(k []byte) []byte { return put32(k, phOffset, 0xFFFFFFFF) }), nil, 0, "truncated file: segment 0"},
		{"filesz over memsz", elfWith(func(k []byte) []byte { return put32(k, phMemsz, 1) }), nil, 0, "larger than p_memsz"},
		{"segment outside RAM", elfWith(func(k []byte) []byte { return put32(k, phPaddr, testRAM-4) }), nil, 0, "outside RAM"},
		{"segment wraps 4 GiB", elfWith(func(k []byte) []byte { return put32(k, phPaddr, 0xFFFFFFF0) }), nil, 0, "outside RAM"},
		{"segment over info area", elfWith(func(k []byte) []byte { return put32(k, phPaddr, InfoAreaStart+0x100) }), nil, 0, "boot information area"},
		{"segment in legacy hole", elfWith(func(k []byte) []byte { return put32(k, phPaddr, 0xB8000) }), nil, 0, "legacy hole"},
		{"no loadable segment", elfWith(func(k []byte) []byte { return put32(k, ph0, 4) }), nil, 0, "no loadable segment"},
		{"entry outside segments", elfWith(func(k []byte) []byte { return put32(k, 24, 0x300000) }), nil, 0, "entry point 0x300000 outside"},
		{"entry in bss only", mbimage.ELF(la+0x2000, seg(la, 0x3000)), nil, 0, "outside the loaded segments"},
		{"overlapping segments", mbimage.ELF(la+12, seg(la, 0x2000), seg(la+0x1000, 0)), nil, 0, "overlap"},
		{"a.out header_addr below load_addr", aout(la, la+4, 0, 0, la+32), nil, 0, "below load_addr"},
		{"a.out load before file", aout(la+0x100, la, 0, 0, la+0x120), nil, 0, "before the file"},
		{"a.out load_end below load_addr", aout(la, la, la-1, 0, la+32), nil, 0, "load_end_addr"},
		{"a.out truncated", aout(la, la, la+0x10000, 0, la+32), nil, 0, "truncated file"},
		{"a.out bss_end below load end", aout(la, la, la+35, la+34, la+32), nil, 0, "bss_end_addr"},
		{"a.out entry outside", aout(la, la, 0, 0, la+0x5000), nil, 0, "entry point"},
		{"a.out outside RAM", aout(la, la, 0, 0xF00000+testRAM, la+32), nil, 0, "outside RAM"},
		{"a.out over info area", aout(InfoAreaStart, InfoAreaStart, 0, 0, InfoAreaStart+32), nil, 0, "boot information area"},
		{"a.out address fields truncated", mbimage.Header(3 | mbimage.FlagAddress)[:12], nil, 0, "address fields"},
		{"module too large", mbimage.Kernel(code), []Module{{String: "big", Data: make([]byte, testRAM)}}, 0, "does not fit in RAM"},
		{"module over the firmware tables", mbimage.Kernel(code), []Module{{String: "big", Data: make([]byte, testRAM-0x102000-0x1000)}}, 0, "does not fit in RAM"},
		{"strings beyond RAM", mbimage.Kernel(code), []Module{{String: string(make([]byte, testRAM)), Data: nil}}, 0, "do not fit in RAM"},
		{"segment over the firmware tables", elfWith(func(k []byte) []byte { return put32(k, phPaddr, testRAM-0x20000) }), nil, 0, "outside RAM"},
		{"RAM too small", mbimage.Kernel(code), nil, 1 << 20, "RAM size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ram := c.ram
			if ram == 0 {
				ram = testRAM
			}
			l, err := Load(Input{Kernel: c.kernel, Modules: c.mods, RAMSize: ram, KernelName: "k"})
			require.Error(t, err)
			assert.Nil(t, l)
			var me *Error
			require.ErrorAs(t, err, &me)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestApplyRejectsSmallRAM(t *testing.T) {
	l, err := Load(Input{Kernel: mbimage.Kernel(code), RAMSize: testRAM})
	require.NoError(t, err)
	assert.Error(t, l.Apply(make([]byte, 0x100000)))
}
