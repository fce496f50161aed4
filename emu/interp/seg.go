package interp

// Descriptor tables, segment register loads with their protection
// checks, and far control transfers (jmp, call, ret). Call gates and task
// switches are not implemented: a far jmp/call to a gate or TSS raises
// #UD (reported as unimplemented).

// desc is a raw 8-byte segment descriptor.
type desc struct{ lo, hi uint32 }

func (d desc) base() uint32 { return d.lo>>16 | (d.hi&0xFF)<<16 | d.hi&0xFF000000 }

func (d desc) limit() uint32 {
	l := d.lo&0xFFFF | d.hi&0xF0000
	if d.hi&(1<<23) != 0 {
		l = l<<12 | 0xFFF
	}
	return l
}

func (d desc) attr() uint16     { return uint16(d.hi >> 8) }
func (d desc) typ() uint32      { return d.hi >> 8 & 0xF }
func (d desc) system() bool     { return d.hi&(1<<12) == 0 }
func (d desc) dpl() int         { return int(d.hi >> 13 & 3) }
func (d desc) present() bool    { return d.hi&(1<<15) != 0 }
func (d desc) code() bool       { return !d.system() && d.hi&(1<<11) != 0 }
func (d desc) conforming() bool { return d.code() && d.hi&(1<<10) != 0 }
func (d desc) readable() bool   { return !d.system() && (!d.code() || d.hi&(1<<9) != 0) }
func (d desc) writable() bool   { return !d.system() && !d.code() && d.hi&(1<<9) != 0 }

func (d desc) segment(sel uint16) Segment {
	return Segment{Sel: sel, Base: d.base(), Limit: d.limit(), Attr: d.attr(), Valid: true}
}

// descAddr returns the linear address of selector sel's descriptor, or
// ok=false when it lies outside its table.
func (c *CPU) descAddr(sel uint16) (uint32, bool) {
	idx := uint32(sel &^ 7)
	if sel&4 != 0 {
		if !c.LDTR.Valid || idx+7 > c.LDTR.Limit {
			return 0, false
		}
		return c.LDTR.Base + idx, true
	}
	if idx+7 > uint32(c.GDTR.Limit) {
		return 0, false
	}
	return c.GDTR.Base + idx, true
}

// readDesc reads sel's descriptor, raising vec(sel) if it is outside
// its table.
func (c *CPU) readDesc(sel uint16, vec uint8, ext uint32) desc {
	a, ok := c.descAddr(sel)
	if !ok {
		c.raise(vec, uint32(sel&^3)|ext)
	}
	return desc{c.readSup(a, 4), c.readSup(a+4, 4)}
}

// setAccessed sets the descriptor's accessed bit if it is clear.
func (c *CPU) setAccessed(sel uint16, d desc) {
	if d.hi&(1<<8) == 0 {
		a, _ := c.descAddr(sel)
		c.writeSup(a+4, 4, d.hi|1<<8)
	}
}

// setSeg installs a loaded segment register and its derived state.
func (c *CPU) setSeg(s int, sg Segment) {
	c.Seg[s] = sg
	c.refreshSeg(s)
	switch s {
	case SS:
		c.stack32 = sg.Attr&AttrDB != 0
	case CS:
		c.refreshCS()
	}
}

// refreshCS recomputes what depends on CS: CPL, code mode, current page.
func (c *CPU) refreshCS() {
	if c.CR0&CR0PE != 0 {
		c.cpl = int(c.Seg[CS].Sel & 3)
	} else {
		c.cpl = 0
	}
	c.mmu.user = 0
	if c.cpl == 3 {
		c.mmu.user = 1
	}
	c.code16 = c.Seg[CS].Attr&AttrDB == 0
	c.curPage = nil
}

// loadSeg loads a data segment register or SS (mov, pop, lds...).
func (c *CPU) loadSeg(s int, sel uint16) {
	if c.CR0&CR0PE == 0 {
		sg := c.Seg[s]
		sg.Sel, sg.Base, sg.Valid = sel, uint32(sel)<<4, true
		c.setSeg(s, sg)
		return
	}
	if s == SS {
		c.setSeg(SS, c.checkSS(sel, c.cpl, ExcGP, 0))
		return
	}
	if sel&^3 == 0 {
		c.setSeg(s, Segment{Sel: sel})
		return
	}
	d := c.readDesc(sel, ExcGP, 0)
	if d.system() || !d.readable() {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.conforming() && (int(sel&3) > d.dpl() || c.cpl > d.dpl()) {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3))
	}
	c.setAccessed(sel, d)
	c.setSeg(s, d.segment(sel))
}

// checkSS validates sel as the stack segment at privilege cpl. vec is
// #GP for loads and #TS for stack switches.
func (c *CPU) checkSS(sel uint16, cpl int, vec uint8, ext uint32) Segment {
	if sel&^3 == 0 {
		c.raise(vec, ext)
	}
	d := c.readDesc(sel, vec, ext)
	if int(sel&3) != cpl || d.dpl() != cpl || !d.writable() {
		c.raise(vec, uint32(sel&^3)|ext)
	}
	if !d.present() {
		c.raise(ExcSS, uint32(sel&^3)|ext)
	}
	c.setAccessed(sel, d)
	return d.segment(sel)
}

// checkCode validates sel as a code segment for a far transfer to
// privilege rpl-or-below (jmp/call: same privilege; ret/iret: rpl).
func (c *CPU) checkCode(sel uint16) desc {
	if sel&^3 == 0 {
		c.raise(ExcGP, 0)
	}
	d := c.readDesc(sel, ExcGP, 0)
	if d.system() {
		c.raiseUnimpl() // call gate, task gate, TSS: not implemented
	}
	if !d.code() {
		c.raise(ExcGP, uint32(sel&^3))
	}
	return d
}

// farTransfer is a far jmp (call=false) or call to sel:off.
func (c *CPU) farTransfer(sel uint16, off uint32, call bool, size uint8, ret uint32) {
	if size == 2 {
		off &= 0xFFFF
	}
	if c.CR0&CR0PE == 0 {
		if call {
			c.writeSz(SS, c.spAt(-uint32(size)), size, uint32(c.Seg[CS].Sel))
			c.writeSz(SS, c.spAt(neg(2*uint32(size))), size, ret)
			c.R[ESP] = c.newESP(neg(2 * uint32(size)))
		}
		cs := c.Seg[CS]
		cs.Sel, cs.Base, cs.Valid = sel, uint32(sel)<<4, true
		c.setSeg(CS, cs)
		c.EIP = off
		return
	}
	d := c.checkCode(sel)
	if d.conforming() {
		if d.dpl() > c.cpl {
			c.raise(ExcGP, uint32(sel&^3))
		}
	} else if int(sel&3) > c.cpl || d.dpl() != c.cpl {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3))
	}
	if off > d.limit() {
		c.raise(ExcGP, 0)
	}
	if call {
		c.writeSz(SS, c.spAt(-uint32(size)), size, uint32(c.Seg[CS].Sel))
		c.writeSz(SS, c.spAt(neg(2*uint32(size))), size, ret)
		c.R[ESP] = c.newESP(neg(2 * uint32(size)))
	}
	c.setAccessed(sel, d)
	c.setSeg(CS, d.segment(sel&^3|uint16(c.cpl)))
	c.EIP = off
}

func opFarDirect(c *CPU, i *inst) {
	c.farTransfer(uint16(i.imm2), i.imm, i.sub == 1, i.size, c.EIP+uint32(i.len))
}

func opFarInd(c *CPU, i *inst) {
	off := c.ea(i)
	v := c.readSz(i.seg, off, i.size)
	sel := c.read16(i.seg, off+uint32(i.size))
	c.farTransfer(uint16(sel), v, i.sub == 1, i.size, c.EIP+uint32(i.len))
}

func opRetFar(c *CPU, i *inst) {
	sz := uint32(i.size)
	off := c.readSz(SS, c.spAt(0), i.size)
	sel := uint16(c.readSz(SS, c.spAt(sz), i.size))
	if i.size == 2 {
		off &= 0xFFFF
	}
	if c.CR0&CR0PE == 0 {
		cs := c.Seg[CS]
		cs.Sel, cs.Base, cs.Valid = sel, uint32(sel)<<4, true
		c.R[ESP] = c.newESP(2*sz + i.imm)
		c.setSeg(CS, cs)
		c.EIP = off
		return
	}
	rpl := int(sel & 3)
	d := c.checkReturnCode(sel)
	if rpl == c.cpl {
		if off > d.limit() {
			c.raise(ExcGP, 0)
		}
		c.R[ESP] = c.newESP(2*sz + i.imm)
		c.setAccessed(sel, d)
		c.setSeg(CS, d.segment(sel))
		c.EIP = off
		return
	}
	// Return to an outer privilege level: SS:ESP follow.
	esp := c.readSz(SS, c.spAt(2*sz+i.imm), i.size)
	ssSel := uint16(c.readSz(SS, c.spAt(3*sz+i.imm), i.size))
	ss := c.checkSS(ssSel, rpl, ExcGP, 0)
	if off > d.limit() {
		c.raise(ExcGP, 0)
	}
	c.setAccessed(sel, d)
	c.setSeg(CS, d.segment(sel))
	c.setSeg(SS, ss)
	if c.stack32 {
		c.R[ESP] = esp + i.imm
	} else {
		c.R[ESP] = c.R[ESP]&0xFFFF0000 | (esp+i.imm)&0xFFFF
	}
	c.EIP = off
	c.nullDataSegs()
}

// checkReturnCode validates the code segment of a far ret or iret.
func (c *CPU) checkReturnCode(sel uint16) desc {
	d := c.checkCode(sel)
	rpl := int(sel & 3)
	if rpl < c.cpl {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if d.conforming() {
		if d.dpl() > rpl {
			c.raise(ExcGP, uint32(sel&^3))
		}
	} else if d.dpl() != rpl {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3))
	}
	return d
}

// nullDataSegs clears data segment registers the new (outer) CPL may not
// use, after a return to an outer privilege level.
func (c *CPU) nullDataSegs() {
	for _, s := range [4]int{ES, DS, FS, GS} {
		sg := &c.Seg[s]
		if !sg.Valid {
			continue
		}
		dpl := int(sg.Attr >> AttrDPLShift & 3)
		conf := sg.Attr&AttrCode != 0 && sg.Attr&AttrDC != 0
		if !conf && dpl < c.cpl {
			c.setSeg(s, Segment{Sel: 0})
		}
	}
}

func opMovToSeg(c *CPU, i *inst) {
	v := c.rdRM(i)
	c.loadSeg(int(i.sub), uint16(v))
	if i.sub == SS {
		c.shadowAt = c.Insns + 1
	}
	c.EIP += uint32(i.len)
}

func opMovFromSeg(c *CPU, i *inst) {
	v := uint32(c.Seg[i.sub].Sel)
	c.wrRM(i, v)
	c.EIP += uint32(i.len)
}

// opLar is lar (sub 0) and lsl (sub 1).
func opLar(c *CPU, i *inst) {
	c.needPM()
	sel := uint16(c.srcRM(i, 2))
	c.materialize()
	d, ok := c.visibleDesc(sel)
	if ok && d.system() {
		t := d.typ()
		if i.sub == 0 {
			ok = t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xB || t == 0xC
		} else {
			ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB
		}
	}
	if !ok {
		c.flags &^= FlagZF
		c.EIP += uint32(i.len)
		return
	}
	var v uint32
	if i.sub == 0 {
		v = d.hi & 0x00FFFF00
	} else {
		v = d.limit()
	}
	c.setReg(i.reg, i.size, v)
	c.flags |= FlagZF
	c.EIP += uint32(i.len)
}

// visibleDesc reads sel's descriptor for lar/lsl/verr/verw: ok is false
// if it is null, outside its table, or not visible at CPL/RPL.
func (c *CPU) visibleDesc(sel uint16) (desc, bool) {
	if sel&^3 == 0 {
		return desc{}, false
	}
	a, ok := c.descAddr(sel)
	if !ok {
		return desc{}, false
	}
	d := desc{c.readSup(a, 4), c.readSup(a+4, 4)}
	if !d.conforming() && (d.dpl() < c.cpl || d.dpl() < int(sel&3)) {
		return d, false
	}
	return d, true
}

// opVerr is verr (sub 0) and verw (sub 1).
func opVerr(c *CPU, i *inst) {
	c.needPM()
	sel := uint16(c.srcRM(i, 2))
	c.materialize()
	d, ok := c.visibleDesc(sel)
	if ok {
		if i.sub == 0 {
			ok = d.readable()
		} else {
			ok = d.writable()
		}
	}
	if ok {
		c.flags |= FlagZF
	} else {
		c.flags &^= FlagZF
	}
	c.EIP += uint32(i.len)
}

func opArpl(c *CPU, i *inst) {
	c.needPM()
	a, lin := c.rmwRead(i)
	b := c.getReg(i.reg, 2)
	c.materialize()
	if a&3 < b&3 {
		c.rmwWrite(i, lin, a&^3|b&3)
		c.flags |= FlagZF
	} else {
		c.flags &^= FlagZF
	}
	c.EIP += uint32(i.len)
}

// needPM raises #UD for protected-mode-only instructions in real mode.
func (c *CPU) needPM() {
	if c.CR0&CR0PE == 0 {
		c.raise(ExcUD, 0)
	}
}
