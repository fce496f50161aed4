package interp

// Near control transfers and the stack.

// spAt returns the stack offset sp+delta, wrapped to the stack size.
func (c *CPU) spAt(delta uint32) uint32 {
	if c.stack32 {
		return c.R[ESP] + delta
	}
	return (c.R[ESP] + delta) & 0xFFFF
}

// newESP returns ESP after moving the stack pointer by delta.
func (c *CPU) newESP(delta uint32) uint32 {
	if c.stack32 {
		return c.R[ESP] + delta
	}
	return c.R[ESP]&0xFFFF0000 | (c.R[ESP]+delta)&0xFFFF
}

func (c *CPU) push(v uint32, size uint8) {
	d := -uint32(size)
	c.writeSz(SS, c.spAt(d), size, v)
	c.R[ESP] = c.newESP(d)
}

// pop reads the top of the stack and then moves ESP.
func (c *CPU) pop(size uint8) uint32 {
	v := c.readSz(SS, c.spAt(0), size)
	c.R[ESP] = c.newESP(uint32(size))
	return v
}

// jumpNear sets EIP to a near target after the CS limit check.
func (c *CPU) jumpNear(t uint32) {
	if t > c.Seg[CS].Limit {
		c.raise(ExcGP, 0)
	}
	c.EIP = t
}

func (c *CPU) relTarget(i *inst) uint32 {
	t := c.EIP + uint32(i.len) + i.imm
	if i.size == 2 {
		t &= 0xFFFF
	}
	return t
}

func opJcc(c *CPU, i *inst) {
	if c.cond(i.sub) {
		c.jumpNear(c.relTarget(i))
		return
	}
	c.EIP += uint32(i.len)
}

func opJmpRel(c *CPU, i *inst) { c.jumpNear(c.relTarget(i)) }

func opJmpInd(c *CPU, i *inst) { c.jumpNear(c.rdRM(i)) }

func opCallRel(c *CPU, i *inst) {
	t := c.relTarget(i)
	if t > c.Seg[CS].Limit {
		c.raise(ExcGP, 0)
	}
	c.push(c.EIP+uint32(i.len), i.size)
	c.EIP = t
}

func opCallInd(c *CPU, i *inst) {
	t := c.rdRM(i)
	if t > c.Seg[CS].Limit {
		c.raise(ExcGP, 0)
	}
	c.push(c.EIP+uint32(i.len), i.size)
	c.EIP = t
}

func opRet(c *CPU, i *inst) {
	t := c.readSz(SS, c.spAt(0), i.size)
	if t > c.Seg[CS].Limit {
		c.raise(ExcGP, 0)
	}
	c.R[ESP] = c.newESP(uint32(i.size) + i.imm)
	c.EIP = t
}

// opLoop is loop (0), loope (1), loopne (2), jcxz/jecxz (3).
func opLoop(c *CPU, i *inst) {
	cnt := c.R[ECX]
	if i.asize == 2 {
		cnt &= 0xFFFF
	}
	var take bool
	if i.sub == 3 {
		take = cnt == 0
	} else {
		cnt--
		if i.asize == 2 {
			cnt &= 0xFFFF
		}
		take = cnt != 0
		if i.sub == 1 {
			take = take && c.getZF()
		} else if i.sub == 2 {
			take = take && !c.getZF()
		}
	}
	t := c.relTarget(i)
	if take && t > c.Seg[CS].Limit {
		c.raise(ExcGP, 0)
	}
	if i.sub != 3 {
		if i.asize == 2 {
			c.R[ECX] = c.R[ECX]&0xFFFF0000 | cnt
		} else {
			c.R[ECX] = cnt
		}
	}
	if take {
		c.EIP = t
	} else {
		c.EIP += uint32(i.len)
	}
}

func opPushR32(c *CPU, i *inst) {
	v := c.R[i.reg]
	if c.stack32 {
		sp := c.R[ESP] - 4
		c.write32(SS, sp, v)
		c.R[ESP] = sp
	} else {
		c.push(v, 4)
	}
	c.EIP += uint32(i.len)
}

func opPushR(c *CPU, i *inst) {
	c.push(c.getReg(i.reg, i.size), i.size)
	c.EIP += uint32(i.len)
}

func opPushM(c *CPU, i *inst) {
	v := c.readSz(i.seg, c.ea(i), i.size)
	c.push(v, i.size)
	c.EIP += uint32(i.len)
}

func opPushI(c *CPU, i *inst) {
	c.push(i.imm, i.size)
	c.EIP += uint32(i.len)
}

func opPushSeg(c *CPU, i *inst) {
	// A 32-bit push of a segment register writes only 16 bits on
	// Pentium-class CPUs; the upper half of the slot is unchanged.
	v := uint32(c.Seg[i.sub].Sel)
	if i.size == 4 {
		off := c.spAt(neg(4))
		c.lin(SS, off, 4, true)
		c.write16(SS, off, v)
		c.R[ESP] = c.newESP(neg(4))
	} else {
		c.push(v, 2)
	}
	c.EIP += uint32(i.len)
}

func opPopR(c *CPU, i *inst) {
	v := c.pop(i.size)
	c.setReg(i.reg, i.size, v)
	c.EIP += uint32(i.len)
}

// opPopM pops into memory; an ESP-based address uses the incremented ESP.
func opPopM(c *CPU, i *inst) {
	v := c.readSz(SS, c.spAt(0), i.size)
	old := c.R[ESP]
	c.R[ESP] = c.newESP(uint32(i.size))
	off := c.ea(i)
	c.R[ESP] = old
	c.writeSz(i.seg, off, i.size, v)
	c.R[ESP] = c.newESP(uint32(i.size))
	c.EIP += uint32(i.len)
}

func opPopSeg(c *CPU, i *inst) {
	v := c.readSz(SS, c.spAt(0), 2)
	c.loadSeg(int(i.sub), uint16(v))
	c.R[ESP] = c.newESP(uint32(i.size))
	if i.sub == SS {
		c.shadowAt = c.Insns + 1
	}
	c.EIP += uint32(i.len)
}

func opPusha(c *CPU, i *inst) {
	sz := uint32(i.size)
	for k := uint32(0); k < 8; k++ {
		c.writeSz(SS, c.spAt(-(k+1)*sz), i.size, c.getReg(uint8(k), i.size))
	}
	c.R[ESP] = c.newESP(neg(8 * sz))
	c.EIP += uint32(i.len)
}

func opPopa(c *CPU, i *inst) {
	sz := uint32(i.size)
	var v [8]uint32
	for k := uint32(0); k < 8; k++ {
		v[7-k] = c.readSz(SS, c.spAt(k*sz), i.size)
	}
	for k := uint8(0); k < 8; k++ {
		if k != ESP {
			c.setReg(k, i.size, v[k])
		}
	}
	c.R[ESP] = c.newESP(8 * sz)
	c.EIP += uint32(i.len)
}

func opPushf(c *CPU, i *inst) {
	c.push(c.Flags()&^(FlagVM|FlagRF), i.size)
	c.EIP += uint32(i.len)
}

func opPopf(c *CPU, i *inst) {
	v := c.readSz(SS, c.spAt(0), i.size)
	c.R[ESP] = c.newESP(uint32(i.size))
	c.writeFlags(v, i.size)
	c.EIP += uint32(i.len)
}

// writeFlags loads EFLAGS from popf/iret-like sources with the privilege
// rules: IOPL only at CPL 0, IF only at CPL <= IOPL. VM and RF are never
// set this way.
func (c *CPU) writeFlags(v uint32, size uint8) {
	c.materialize()
	mask := uint32(ArithFlags | FlagTF | FlagDF | FlagNT | FlagAC | FlagID | FlagIF | FlagIOPL)
	if c.CR0&CR0PE != 0 {
		cpl := uint32(c.cpl)
		iopl := c.flags >> 12 & 3
		if cpl > 0 {
			mask &^= FlagIOPL
		}
		if cpl > iopl {
			mask &^= FlagIF
		}
	}
	if size == 2 {
		mask &= 0xFFFF
	}
	c.flags = c.flags&^mask | v&mask | 2
}

func opEnter(c *CPU, i *inst) {
	sz := uint32(i.size)
	level := i.imm2
	ebp := c.getReg(EBP, uint8(4))
	d := -sz
	c.writeSz(SS, c.spAt(d), i.size, c.getReg(EBP, i.size))
	frame := c.newESP(d)
	for k := uint32(1); k < level; k++ {
		if c.stack32 {
			ebp -= sz
		} else {
			ebp = ebp&0xFFFF0000 | (ebp-sz)&0xFFFF
		}
		off := ebp
		if !c.stack32 {
			off &= 0xFFFF
		}
		v := c.readSz(SS, off, i.size)
		d -= sz
		c.writeSz(SS, c.spAt(d), i.size, v)
	}
	if level > 0 {
		d -= sz
		c.writeSz(SS, c.spAt(d), i.size, frame)
	}
	d -= i.imm
	newESP := c.newESP(d)
	c.setReg(EBP, i.size, frame)
	c.R[ESP] = newESP
	c.EIP += uint32(i.len)
}

func opLeave(c *CPU, i *inst) {
	sp := c.R[EBP]
	if !c.stack32 {
		sp &= 0xFFFF
	}
	v := c.readSz(SS, sp, i.size)
	if c.stack32 {
		c.R[ESP] = sp + uint32(i.size)
	} else {
		c.R[ESP] = c.R[ESP]&0xFFFF0000 | (sp+uint32(i.size))&0xFFFF
	}
	c.setReg(EBP, i.size, v)
	c.EIP += uint32(i.len)
}

func opInt(c *CPU, i *inst) {
	c.softInterrupt(uint8(i.imm), c.EIP+uint32(i.len))
}

func opInto(c *CPU, i *inst) {
	if c.getOF() {
		c.softInterrupt(ExcOF, c.EIP+uint32(i.len))
		return
	}
	c.EIP += uint32(i.len)
}

func opHlt(c *CPU, i *inst) {
	if c.cpl != 0 {
		c.raise(ExcGP, 0)
	}
	c.EIP += uint32(i.len)
	c.halted = true
	c.stopReq = true
	if c.flags&FlagIF != 0 {
		c.stopWhy = StopHalt
	} else {
		c.stopWhy = StopHaltNoIntr
	}
}

// opUD raises #UD (ud2, invalid lock, mov cs).
func opUD(c *CPU, i *inst) { c.raise(ExcUD, 0) }

// opUnimplemented raises #UD for a valid instruction interp lacks.
func opUnimplemented(c *CPU, i *inst) { c.raiseUnimpl() }

// opUndecodable raises #UD for bytes x86asm rejects.
func opUndecodable(c *CPU, i *inst) { c.raiseUnimpl() }

// neg is -n for stack offsets.
func neg(n uint32) uint32 { return -n }
