package multiboot

// loadAout loads a kernel by the header's address fields (flag 16, the
// "a.out kludge", spec 3.1.3), as QEMU does: the file from the header's
// position minus (header_addr - load_addr) is loaded at load_addr, up to
// load_end_addr (0: the end of the file), then zeroed up to bss_end_addr
// (0: no bss); the entry is entry_addr.
func loadAout(l *Loaded, k []byte, h *header, usable uint64) error {
	if h.headerAddr < h.loadAddr {
		return errorf("a.out kludge: header_addr %#x below load_addr %#x", h.headerAddr, h.loadAddr)
	}
	before := uint64(h.headerAddr - h.loadAddr) // bytes loaded before the header
	if before > uint64(h.offset) {
		return errorf("a.out kludge: load_addr %#x starts %d bytes before the file", h.loadAddr, before-uint64(h.offset))
	}
	textOff := uint64(h.offset) - before
	var loadSize uint64
	if h.loadEndAddr != 0 {
		if h.loadEndAddr < h.loadAddr {
			return errorf("a.out kludge: load_end_addr %#x below load_addr %#x", h.loadEndAddr, h.loadAddr)
		}
		loadSize = uint64(h.loadEndAddr - h.loadAddr)
	} else {
		loadSize = uint64(len(k)) - textOff
	}
	if textOff+loadSize > uint64(len(k)) {
		return errorf("a.out kludge: truncated file: load needs bytes [%#x, %#x), file has %#x",
			textOff, textOff+loadSize, len(k))
	}
	memSize := loadSize
	if h.bssEndAddr != 0 {
		if uint64(h.bssEndAddr) < uint64(h.loadAddr)+loadSize {
			return errorf("a.out kludge: bss_end_addr %#x below the loaded end %#x",
				h.bssEndAddr, uint64(h.loadAddr)+loadSize)
		}
		memSize = uint64(h.bssEndAddr - h.loadAddr)
	}
	if memSize == 0 {
		return errorf("a.out kludge: nothing to load")
	}
	if err := checkRange("a.out kludge load", uint64(h.loadAddr), memSize, usable); err != nil {
		return err
	}
	if h.entryAddr < h.loadAddr || uint64(h.entryAddr) >= uint64(h.loadAddr)+loadSize {
		return errorf("entry point %#x outside the loaded bytes [%#x, %#x)",
			h.entryAddr, h.loadAddr, uint64(h.loadAddr)+loadSize)
	}
	l.Format = "a.out kludge"
	l.Entry = h.entryAddr
	l.KernelStart = h.loadAddr
	l.KernelEnd = uint32(uint64(h.loadAddr) + memSize)
	l.Chunks = append(l.Chunks, Chunk{
		Addr:     h.loadAddr,
		Data:     k[textOff : textOff+loadSize],
		ZeroFill: uint32(memSize - loadSize),
	})
	return nil
}
