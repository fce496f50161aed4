package interp

// Operand access and the ALU instructions (add..cmp, test, inc, dec, neg,
// not). Each handler computes, writes its destination, and only then
// records flags and advances EIP, so a fault leaves no trace.

// getReg reads register n of the given size (8-bit: AL CL DL BL AH CH DH BH).
func (c *CPU) getReg(n, size uint8) uint32 {
	switch size {
	case 4:
		return c.R[n&7]
	case 2:
		return c.R[n&7] & 0xFFFF
	}
	if n < 4 {
		return c.R[n] & 0xFF
	}
	return c.R[n&3] >> 8 & 0xFF
}

func (c *CPU) setReg(n, size uint8, v uint32) {
	switch size {
	case 4:
		c.R[n&7] = v
	case 2:
		c.R[n&7] = c.R[n&7]&0xFFFF0000 | v&0xFFFF
	default:
		if n < 4 {
			c.R[n] = c.R[n]&^0xFF | v&0xFF
		} else {
			c.R[n&3] = c.R[n&3]&^0xFF00 | (v&0xFF)<<8
		}
	}
}

// ea computes the memory operand's offset.
func (c *CPU) ea(i *inst) uint32 {
	off := i.disp
	if i.base != noReg {
		off += c.R[i.base]
	}
	if i.index != noReg {
		off += c.R[i.index] << i.scale
	}
	if i.asize == 2 {
		off &= 0xFFFF
	}
	return off
}

// rdRM reads the r/m operand (register rm, or memory) of size i.size.
func (c *CPU) rdRM(i *inst) uint32 {
	if i.rm != noReg {
		return c.getReg(i.rm, i.size)
	}
	return c.readSz(i.seg, c.ea(i), i.size)
}

// wrRM writes the r/m operand.
func (c *CPU) wrRM(i *inst, v uint32) {
	if i.rm != noReg {
		c.setReg(i.rm, i.size, v)
		return
	}
	c.writeSz(i.seg, c.ea(i), i.size, v)
}

// rmw is a read-modify-write of the r/m operand: it returns the value and
// a function-free handle (the linear address) for the write-back.
func (c *CPU) rmwRead(i *inst) (v, lin uint32) {
	if i.rm != noReg {
		return c.getReg(i.rm, i.size), 0
	}
	lin = c.lin(i.seg, c.ea(i), uint32(i.size), true)
	return c.readLinSz(lin, i.size), lin
}

func (c *CPU) rmwWrite(i *inst, lin, v uint32) {
	if i.rm != noReg {
		c.setReg(i.rm, i.size, v)
		return
	}
	c.writeLinSz(lin, i.size, v)
}

func (c *CPU) readLinSz(lin uint32, size uint8) uint32 {
	switch size {
	case 4:
		return c.readLin32(lin)
	case 2:
		return c.readLin16(lin)
	}
	return c.readLin8(lin)
}

func (c *CPU) writeLinSz(lin uint32, size uint8, v uint32) {
	switch size {
	case 4:
		c.writeLin32(lin, v)
	case 2:
		c.writeLin16(lin, v)
	default:
		c.writeLin8(lin, v)
	}
}

// alu computes a op b at the given size; the flags it would set are
// returned, to be stored after the destination is written.
func (c *CPU) alu(op uint8, a, b uint32, size uint8) (uint32, lazyFlags) {
	m := sizeMask[size]
	a &= m
	b &= m
	var r uint32
	lf := lazyFlags{size: size, a: a, b: b}
	switch op {
	case aluAdd:
		r, lf.op = a+b, lzAdd
	case aluOr:
		r, lf.op = a|b, lzLogic
	case aluAdc:
		lf.cf = c.cfVal()
		r, lf.op = a+b+lf.cf, lzAdc
	case aluSbb:
		lf.cf = c.cfVal()
		r, lf.op = a-b-lf.cf, lzSbb
	case aluAnd, aluTest:
		r, lf.op = a&b, lzLogic
	case aluSub, aluCmp:
		r, lf.op = a-b, lzSub
	case aluXor:
		r, lf.op = a^b, lzLogic
	}
	lf.res = r & m
	return lf.res, lf
}

func opAluRR32(c *CPU, i *inst) {
	a, b := c.R[i.reg], c.R[i.rm]
	switch i.sub {
	case aluAdd:
		r := a + b
		c.R[i.reg] = r
		c.lazy = lazyFlags{op: lzAdd, size: 4, a: a, b: b, res: r}
	case aluSub, aluCmp:
		r := a - b
		if i.sub == aluSub {
			c.R[i.reg] = r
		}
		c.lazy = lazyFlags{op: lzSub, size: 4, a: a, b: b, res: r}
	default:
		r, lf := c.alu(i.sub, a, b, 4)
		if i.sub < aluCmp {
			c.R[i.reg] = r
		}
		c.lazy = lf
	}
	c.EIP += uint32(i.len)
}

func opAluRM32(c *CPU, i *inst) {
	b := c.read32(i.seg, c.ea(i))
	r, lf := c.alu(i.sub, c.R[i.reg], b, 4)
	if i.sub < aluCmp {
		c.R[i.reg] = r
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opAluMR32(c *CPU, i *inst) {
	if i.sub == aluCmp {
		a := c.read32(i.seg, c.ea(i))
		_, c.lazy = c.alu(aluCmp, a, c.R[i.reg], 4)
		c.EIP += uint32(i.len)
		return
	}
	lin := c.lin(i.seg, c.ea(i), 4, true)
	a := c.readLin32(lin)
	r, lf := c.alu(i.sub, a, c.R[i.reg], 4)
	c.writeLin32(lin, r)
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opAluRI32(c *CPU, i *inst) {
	a := c.R[i.reg]
	switch i.sub {
	case aluAdd:
		r := a + i.imm
		c.R[i.reg] = r
		c.lazy = lazyFlags{op: lzAdd, size: 4, a: a, b: i.imm, res: r}
	case aluSub, aluCmp:
		r := a - i.imm
		if i.sub == aluSub {
			c.R[i.reg] = r
		}
		c.lazy = lazyFlags{op: lzSub, size: 4, a: a, b: i.imm, res: r}
	default:
		r, lf := c.alu(i.sub, a, i.imm, 4)
		if i.sub < aluCmp {
			c.R[i.reg] = r
		}
		c.lazy = lf
	}
	c.EIP += uint32(i.len)
}

// Generic (8/16-bit) forms.

func opAluRR(c *CPU, i *inst) {
	r, lf := c.alu(i.sub, c.getReg(i.reg, i.size), c.getReg(i.rm, i.size), i.size)
	if i.sub < aluCmp {
		c.setReg(i.reg, i.size, r)
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

// opAluRM is reg op= mem (and test mem, reg: test is commutative).
func opAluRM(c *CPU, i *inst) {
	b := c.readSz(i.seg, c.ea(i), i.size)
	r, lf := c.alu(i.sub, c.getReg(i.reg, i.size), b, i.size)
	if i.sub < aluCmp {
		c.setReg(i.reg, i.size, r)
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opAluMR(c *CPU, i *inst) {
	if i.sub == aluCmp {
		a := c.readSz(i.seg, c.ea(i), i.size)
		_, c.lazy = c.alu(aluCmp, a, c.getReg(i.reg, i.size), i.size)
		c.EIP += uint32(i.len)
		return
	}
	lin := c.lin(i.seg, c.ea(i), uint32(i.size), true)
	a := c.readLinSz(lin, i.size)
	r, lf := c.alu(i.sub, a, c.getReg(i.reg, i.size), i.size)
	c.writeLinSz(lin, i.size, r)
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opAluRI(c *CPU, i *inst) {
	r, lf := c.alu(i.sub, c.getReg(i.reg, i.size), i.imm, i.size)
	if i.sub < aluCmp {
		c.setReg(i.reg, i.size, r)
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opAluMI(c *CPU, i *inst) {
	if i.sub >= aluCmp {
		a := c.readSz(i.seg, c.ea(i), i.size)
		_, c.lazy = c.alu(i.sub, a, i.imm, i.size)
		c.EIP += uint32(i.len)
		return
	}
	lin := c.lin(i.seg, c.ea(i), uint32(i.size), true)
	a := c.readLinSz(lin, i.size)
	r, lf := c.alu(i.sub, a, i.imm, i.size)
	c.writeLinSz(lin, i.size, r)
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opInc(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	m := sizeMask[i.size]
	r := (a + 1) & m
	cf := c.cfVal()
	c.rmwWrite(i, lin, r)
	c.lazy = lazyFlags{op: lzInc, size: i.size, a: a, b: 1, res: r, cf: cf}
	c.EIP += uint32(i.len)
}

func opDec(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	m := sizeMask[i.size]
	r := (a - 1) & m
	cf := c.cfVal()
	c.rmwWrite(i, lin, r)
	c.lazy = lazyFlags{op: lzDec, size: i.size, a: a, b: 1, res: r, cf: cf}
	c.EIP += uint32(i.len)
}

func opNeg(c *CPU, i *inst) {
	b, lin := c.rmwRead(i)
	r, lf := c.alu(aluSub, 0, b, i.size)
	c.rmwWrite(i, lin, r)
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opNot(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	c.rmwWrite(i, lin, ^a&sizeMask[i.size])
	c.EIP += uint32(i.len)
}
