package multiboot

import "encoding/binary"

// header is a Multiboot header found in the kernel file (spec 3.1.1).
type header struct {
	offset int // file offset of the magic
	flags  uint32
	// a.out-kludge address fields, valid when flags has flagAddress.
	headerAddr, loadAddr, loadEndAddr, bssEndAddr, entryAddr uint32
}

// findHeader returns the first header in the first 8 KiB whose checksum
// is right (4-byte aligned, as QEMU searches). A magic with a bad
// checksum and no good header after it is reported as a bad checksum.
func findHeader(k []byte) (*header, error) {
	limit := min(len(k), searchLimit)
	badSum := -1
	for off := 0; off+12 <= limit; off += 4 {
		if le32(k, off) != HeaderMagic {
			continue
		}
		flags := le32(k, off+4)
		if HeaderMagic+flags+le32(k, off+8) != 0 {
			if badSum < 0 {
				badSum = off
			}
			continue
		}
		return parseHeader(k, off, flags)
	}
	if badSum >= 0 {
		return nil, errorf("bad Multiboot header checksum at offset %#x", badSum)
	}
	if len(k) < 12 {
		return nil, errorf("kernel file too short (%d bytes) for a Multiboot header", len(k))
	}
	return nil, errorf("no Multiboot header (magic %#x) in the first 8 KiB", HeaderMagic)
}

func parseHeader(k []byte, off int, flags uint32) (*header, error) {
	if unknown := flags & requiredMask &^ requiredKnown; unknown != 0 {
		return nil, errorf("Multiboot header requires unsupported features (flags %#x)", unknown)
	}
	h := &header{offset: off, flags: flags}
	if flags&flagAddress == 0 {
		return h, nil
	}
	if off+32 > len(k) {
		return nil, errorf("Multiboot header at %#x truncated: address fields (flag 16) beyond the end of the file", off)
	}
	h.headerAddr = le32(k, off+12)
	h.loadAddr = le32(k, off+16)
	h.loadEndAddr = le32(k, off+20)
	h.bssEndAddr = le32(k, off+24)
	h.entryAddr = le32(k, off+28)
	return h, nil
}

func le32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
