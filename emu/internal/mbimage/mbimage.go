// Package mbimage builds tiny Multiboot kernel images for tests: ELF32
// i386 executables written byte by byte (debug/elf has no writer) and
// a.out-kludge images.
package mbimage

import "encoding/binary"

// Multiboot header magic and the address-fields flag.
const (
	Magic       = 0x1BADB002
	FlagAddress = 1 << 16
)

// LoadAddr is where Kernel and Aout load their code.
const LoadAddr = 0x00100000

// Header is a Multiboot header with a correct checksum; with FlagAddress
// in flags, addr gives header_addr, load_addr, load_end_addr,
// bss_end_addr, entry_addr.
func Header(flags uint32, addr ...uint32) []byte {
	b := le(Magic, flags, -(Magic + flags))
	if flags&FlagAddress != 0 {
		b = append(b, le(addr...)...)
	}
	return b
}

// Segment is one PT_LOAD program header and its bytes.
type Segment struct {
	Vaddr, Paddr uint32
	Data         []byte
	MemSize      uint32 // 0: len(Data)
	Flags        uint32 // p_flags; 0: PF_R|PF_X
}

// ELF builds an ELF32 i386 executable: the ELF header, the program
// headers right after it, then each segment's data 4-byte aligned.
func ELF(entry uint32, segs ...Segment) []byte {
	const ehsize, phsize = 52, 32
	off := ehsize + phsize*len(segs)
	var ph, data []byte
	for _, s := range segs {
		off = (off + 3) &^ 3
		mem, flags := s.MemSize, s.Flags
		if mem == 0 {
			mem = uint32(len(s.Data))
		}
		if flags == 0 {
			flags = 5 // PF_R|PF_X
		}
		ph = append(ph, le(1, uint32(off), s.Vaddr, s.Paddr, uint32(len(s.Data)), mem, flags, 4)...)
		pad := off - ehsize - phsize*len(segs) - len(data)
		data = append(data, make([]byte, pad)...)
		data = append(data, s.Data...)
		off += len(s.Data)
	}
	h := make([]byte, ehsize)
	copy(h, "\x7fELF\x01\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2) // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 3) // EM_386
	binary.LittleEndian.PutUint32(h[20:], 1) // EV_CURRENT
	binary.LittleEndian.PutUint32(h[24:], entry)
	binary.LittleEndian.PutUint32(h[28:], ehsize) // e_phoff
	binary.LittleEndian.PutUint16(h[40:], ehsize)
	binary.LittleEndian.PutUint16(h[42:], phsize)
	binary.LittleEndian.PutUint16(h[44:], uint16(len(segs)))
	return append(append(h, ph...), data...)
}

// Kernel is a one-segment ELF Multiboot kernel at LoadAddr: the header
// (flags 0x3: page-aligned modules, memory information) then code, which
// is the entry point.
func Kernel(code []byte) []byte {
	hdr := Header(3)
	seg := Segment{Vaddr: LoadAddr, Paddr: LoadAddr, Data: append(hdr, code...)}
	return ELF(LoadAddr+uint32(len(hdr)), seg)
}

// Aout is an a.out-kludge kernel (no ELF header): the 32-byte header at
// file offset 0, loaded at LoadAddr, then code (the entry point), then
// bss zero bytes.
func Aout(code []byte, bss uint32) []byte {
	const hdrLen = 32
	end := LoadAddr + hdrLen + uint32(len(code))
	return append(Header(3|FlagAddress, LoadAddr, LoadAddr, end, end+bss, LoadAddr+hdrLen), code...)
}

func le(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}
