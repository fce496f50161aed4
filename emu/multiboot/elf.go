package multiboot

import (
	"bytes"
	"fmt"
	"slices"
)

// ELF32 constants (System V ABI, i386 supplement).
const (
	elfHeaderSize = 52
	phdrSize      = 32
	maxPhdrs      = 128 // real kernels have a handful

	elfClass32 = 1
	elfDataLSB = 1
	etExec     = 2
	emI386     = 3
	emX86_64   = 62
	ptLoad     = 1
	pfX        = 1
)

// phdr is an ELF32 program header.
type phdr struct {
	typ, offset, vaddr, paddr, filesz, memsz, flags uint32
}

// loadELF loads the PT_LOAD segments of an ELF32 i386 executable at their
// physical addresses (p_paddr), zero-filling p_memsz beyond p_filesz.
func loadELF(l *Loaded, k []byte, usable uint64) error {
	if len(k) < 4 || !bytes.Equal(k[:4], []byte("\x7fELF")) {
		return errorf("not an ELF file, and the Multiboot header has no address fields (flag 16)")
	}
	if len(k) < elfHeaderSize {
		return errorf("truncated ELF header (%d bytes)", len(k))
	}
	switch {
	case k[4] != elfClass32:
		return errorf("not a 32-bit ELF file (class %d); give a 32-bit i386 kernel", k[4])
	case k[5] != elfDataLSB:
		return errorf("not a little-endian ELF file")
	}
	machine := uint16(k[18]) | uint16(k[19])<<8
	switch machine {
	case emI386:
	case emX86_64:
		return errorf("x86-64 ELF file: give a 32-bit i386 kernel")
	default:
		return errorf("ELF file for machine %d, not i386", machine)
	}
	if typ := uint16(k[16]) | uint16(k[17])<<8; typ != etExec {
		return errorf("ELF file of type %d, not an executable", typ)
	}
	phdrs, err := readPhdrs(k)
	if err != nil {
		return err
	}
	entry := le32(k, 24)
	for i, p := range phdrs {
		if p.typ != ptLoad || p.memsz == 0 {
			continue
		}
		if err := addSegment(l, k, i, p, usable); err != nil {
			return err
		}
		// QEMU's load_elf: a virtual entry point inside an executable
		// segment whose p_vaddr and p_paddr differ is moved to p_paddr.
		if p.flags&pfX != 0 && p.vaddr != p.paddr &&
			entry >= p.vaddr && uint64(entry) < uint64(p.vaddr)+uint64(p.filesz) {
			entry = entry - p.vaddr + p.paddr
		}
	}
	if len(l.Chunks) == 0 {
		return errorf("ELF file has no loadable segment")
	}
	if err := checkOverlaps(l.Chunks); err != nil {
		return err
	}
	if !entryLoaded(l.Chunks, entry) {
		return errorf("entry point %#x outside the loaded segments", entry)
	}
	l.Format = "elf"
	l.Entry = entry
	return nil
}

func readPhdrs(k []byte) ([]phdr, error) {
	phoff := uint64(le32(k, 28))
	phentsize := uint16(k[42]) | uint16(k[43])<<8
	phnum := uint64(uint16(k[44]) | uint16(k[45])<<8)
	switch {
	case phnum == 0:
		return nil, errorf("ELF file has no program headers")
	case phentsize != phdrSize:
		return nil, errorf("ELF program header size %d, want %d", phentsize, phdrSize)
	case phnum > maxPhdrs:
		return nil, errorf("ELF file has %d program headers (at most %d)", phnum, maxPhdrs)
	case phoff+phnum*phdrSize > uint64(len(k)):
		return nil, errorf("truncated file: program headers [%#x, %#x) beyond its end (%#x)",
			phoff, phoff+phnum*phdrSize, len(k))
	}
	ps := make([]phdr, phnum)
	for i := range ps {
		o := int(phoff) + i*phdrSize
		ps[i] = phdr{typ: le32(k, o), offset: le32(k, o+4), vaddr: le32(k, o+8), paddr: le32(k, o+12),
			filesz: le32(k, o+16), memsz: le32(k, o+20), flags: le32(k, o+24)}
	}
	return ps, nil
}

func addSegment(l *Loaded, k []byte, i int, p phdr, usable uint64) error {
	if p.filesz > p.memsz {
		return errorf("segment %d: p_filesz %#x larger than p_memsz %#x", i, p.filesz, p.memsz)
	}
	fileEnd := uint64(p.offset) + uint64(p.filesz)
	if fileEnd > uint64(len(k)) {
		return errorf("truncated file: segment %d needs bytes [%#x, %#x), file has %#x",
			i, p.offset, fileEnd, len(k))
	}
	if err := checkRange(fmt.Sprintf("segment %d", i), uint64(p.paddr), uint64(p.memsz), usable); err != nil {
		return err
	}
	c := Chunk{Addr: p.paddr, Data: k[p.offset:fileEnd], ZeroFill: p.memsz - p.filesz}
	l.Chunks = append(l.Chunks, c)
	if len(l.Chunks) == 1 || c.Addr < l.KernelStart {
		l.KernelStart = c.Addr
	}
	if end := uint32(c.End()); end > l.KernelEnd {
		l.KernelEnd = end
	}
	return nil
}

// checkOverlaps rejects segments that load over one another (QEMU's ROM
// loader refuses overlapping regions too).
func checkOverlaps(cs []Chunk) error {
	s := slices.Clone(cs)
	slices.SortFunc(s, func(a, b Chunk) int { return int(int64(a.Addr) - int64(b.Addr)) })
	for i := 1; i < len(s); i++ {
		if uint64(s[i].Addr) < s[i-1].End() {
			return errorf("segments [%#x, %#x) and [%#x, %#x) overlap",
				s[i-1].Addr, s[i-1].End(), s[i].Addr, s[i].End())
		}
	}
	return nil
}

// entryLoaded says whether entry lies in the file-backed part of a chunk.
func entryLoaded(cs []Chunk, entry uint32) bool {
	for _, c := range cs {
		if entry >= c.Addr && uint64(entry) < uint64(c.Addr)+uint64(len(c.Data)) {
			return true
		}
	}
	return false
}
