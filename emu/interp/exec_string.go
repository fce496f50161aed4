package interp

// String instructions. With a rep prefix at most strChunk iterations run
// per execution; the instruction then restarts (EIP unchanged) so that
// interrupts and the run budget are honoured, as on real CPUs. Registers
// are committed after every iteration, so a fault mid-way restarts at the
// faulting element.

const strChunk = 4096

func (c *CPU) strStep(i *inst) uint32 {
	if c.flags&FlagDF != 0 {
		return -uint32(i.size)
	}
	return uint32(i.size)
}

// idx reads an index/count register at the address size.
func (c *CPU) idx(r, asize uint8) uint32 {
	if asize == 2 {
		return c.R[r] & 0xFFFF
	}
	return c.R[r]
}

func (c *CPU) advIdx(r, asize uint8, d uint32) {
	if asize == 2 {
		c.R[r] = c.R[r]&0xFFFF0000 | (c.R[r]+d)&0xFFFF
	} else {
		c.R[r] += d
	}
}

// repDone finishes a rep instruction whose count reached zero or whose
// chunk ran out.
func (c *CPU) repDone(i *inst) {
	if c.idx(ECX, i.asize) == 0 {
		c.EIP += uint32(i.len)
	}
}

// The elements loop of every string instruction reads
//
//	for n := c.strIters(i); n > 0 && c.strMore(i); n-- {
//		one element; c.strCount(i)
//	}
//	c.strEnd(i)
//
// which runs one element without a rep prefix and, with one, up to a
// chunk of elements while ECX is not zero.

// strIters is how many elements one execution may run.
func strIters(i *inst) int {
	if i.rep == repNone {
		return 1
	}
	return strChunk
}

// strMore reports whether a rep count remains (always, without rep).
func (c *CPU) strMore(i *inst) bool {
	return i.rep == repNone || c.idx(ECX, i.asize) != 0
}

// strCount counts one element off ECX under a rep prefix.
func (c *CPU) strCount(i *inst) {
	if i.rep != repNone {
		c.advIdx(ECX, i.asize, ^uint32(0))
	}
}

// strEnd moves past the instruction, or past a rep instruction whose
// count ran out (else it restarts for the next chunk).
func (c *CPU) strEnd(i *inst) {
	if i.rep == repNone {
		c.EIP += uint32(i.len)
	} else {
		c.repDone(i)
	}
}

func opMovs(c *CPU, i *inst) {
	d := c.strStep(i)
	if i.rep != repNone && i.size == 4 && i.asize == 4 && d == 4 && c.movsFast(i) {
		c.repDone(i)
		return
	}
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		v := c.readSz(i.seg, c.idx(ESI, i.asize), i.size)
		c.writeSz(ES, c.idx(EDI, i.asize), i.size, v)
		c.advIdx(ESI, i.asize, d)
		c.advIdx(EDI, i.asize, d)
		c.strCount(i)
	}
	c.strEnd(i)
}

// movsFast copies dwords a page run at a time when both segments are flat
// and both pages are in the TLB; it returns false to fall back.
func (c *CPU) movsFast(i *inst) bool {
	if !c.mmu.seg[i.seg].flatR || !c.mmu.seg[ES].flatW {
		return false
	}
	moved := false
	for budget := strChunk; budget > 0; {
		cnt := c.R[ECX]
		if cnt == 0 {
			return true
		}
		s, d := c.R[ESI], c.R[EDI]
		es := &c.mmu.tlb[(s>>12)&tlbMask]
		ed := &c.mmu.tlb[(d>>12)&tlbMask]
		u := c.mmu.user
		if es.rtag[u] != s&^0xFFF|1 || ed.wtag[u] != d&^0xFFF|1 {
			return moved
		}
		n := min((0x1000-s&0xFFF)/4, (0x1000-d&0xFFF)/4, cnt, uint32(budget))
		if n == 0 {
			return moved
		}
		ps, pd := es.phys|s&0xFFF, ed.phys|d&0xFFF
		if ps < pd && pd < ps+4*n { // overlapping forward copy: element order matters
			return moved
		}
		copy(c.ram[pd:pd+4*n], c.ram[ps:ps+4*n])
		c.R[ESI] += 4 * n
		c.R[EDI] += 4 * n
		c.R[ECX] -= n
		budget -= int(n)
		moved = true
	}
	return true
}

func opStos(c *CPU, i *inst) {
	d := c.strStep(i)
	v := c.getReg(EAX, i.size)
	n := strIters(i)
	if i.rep != repNone && i.asize == 4 && d == uint32(i.size) {
		n -= c.stosFast(i, v)
	}
	for ; n > 0 && c.strMore(i); n-- {
		c.writeSz(ES, c.idx(EDI, i.asize), i.size, v)
		c.advIdx(EDI, i.asize, d)
		c.strCount(i)
	}
	c.strEnd(i)
}

func opLods(c *CPU, i *inst) {
	d := c.strStep(i)
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		v := c.readSz(i.seg, c.idx(ESI, i.asize), i.size)
		c.setReg(EAX, i.size, v)
		c.advIdx(ESI, i.asize, d)
		c.strCount(i)
	}
	c.strEnd(i)
}

// repStop reports whether a repe/repne cmps/scas ends after this element.
func (c *CPU) repStop(i *inst) bool {
	switch i.rep {
	case repE:
		return !c.getZF()
	case repNE:
		return c.getZF()
	}
	return false
}

func opCmps(c *CPU, i *inst) {
	d := c.strStep(i)
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		a := c.readSz(i.seg, c.idx(ESI, i.asize), i.size)
		b := c.readSz(ES, c.idx(EDI, i.asize), i.size)
		_, lf := c.alu(aluCmp, a, b, i.size)
		c.advIdx(ESI, i.asize, d)
		c.advIdx(EDI, i.asize, d)
		c.strCount(i)
		c.lazy = lf
		if c.repStop(i) {
			c.EIP += uint32(i.len)
			return
		}
	}
	c.strEnd(i)
}

func opScas(c *CPU, i *inst) {
	d := c.strStep(i)
	acc := c.getReg(EAX, i.size)
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		b := c.readSz(ES, c.idx(EDI, i.asize), i.size)
		_, lf := c.alu(aluCmp, acc, b, i.size)
		c.advIdx(EDI, i.asize, d)
		c.strCount(i)
		c.lazy = lf
		if c.repStop(i) {
			c.EIP += uint32(i.len)
			return
		}
	}
	c.strEnd(i)
}

func opIns(c *CPU, i *inst) {
	port := uint16(c.R[EDX])
	c.ioCheck(port, i.size)
	d := c.strStep(i)
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		off := c.idx(EDI, i.asize)
		c.lin(ES, off, uint32(i.size), true) // check before the port read
		v := c.in(port, i.size)
		c.writeSz(ES, off, i.size, v)
		c.advIdx(EDI, i.asize, d)
		c.strCount(i)
		if c.stopReq {
			break
		}
	}
	c.strEnd(i)
}

func opOuts(c *CPU, i *inst) {
	port := uint16(c.R[EDX])
	c.ioCheck(port, i.size)
	d := c.strStep(i)
	for n := strIters(i); n > 0 && c.strMore(i); n-- {
		v := c.readSz(i.seg, c.idx(ESI, i.asize), i.size)
		c.out(port, i.size, v)
		c.advIdx(ESI, i.asize, d)
		c.strCount(i)
		if c.stopReq {
			break
		}
	}
	c.strEnd(i)
}

// stosFast stores forward a page run at a time while ES is flat and the
// destination page is in the TLB; it returns the elements stored.
func (c *CPU) stosFast(i *inst, v uint32) int {
	if !c.mmu.seg[ES].flatW {
		return 0
	}
	sz := uint32(i.size)
	done := 0
	for done < strChunk {
		cnt, d := c.R[ECX], c.R[EDI]
		e := &c.mmu.tlb[(d>>12)&tlbMask]
		if cnt == 0 || d%sz != 0 || e.wtag[c.mmu.user] != d&^0xFFF|1 {
			break
		}
		n := min((0x1000-d&0xFFF)/sz, cnt, uint32(strChunk-done))
		p := e.phys | d&0xFFF
		buf := c.ram[p : p+n*sz]
		switch sz {
		case 1:
			for k := range buf {
				buf[k] = uint8(v)
			}
		case 2:
			for k := 0; k < len(buf); k += 2 {
				buf[k], buf[k+1] = uint8(v), uint8(v>>8)
			}
		default:
			for k := 0; k < len(buf); k += 4 {
				buf[k], buf[k+1], buf[k+2], buf[k+3] = uint8(v), uint8(v>>8), uint8(v>>16), uint8(v>>24)
			}
		}
		c.R[EDI] += n * sz
		c.R[ECX] -= n
		done += int(n)
	}
	return done
}
