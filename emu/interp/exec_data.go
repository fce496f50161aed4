package interp

import "math/bits"

// Moves, exchanges, conversions and flag instructions.

func opMovRR32(c *CPU, i *inst) {
	c.R[i.reg] = c.R[i.rm]
	c.EIP += uint32(i.len)
}

func opMovRM32(c *CPU, i *inst) {
	c.R[i.reg] = c.read32(i.seg, c.ea(i))
	c.EIP += uint32(i.len)
}

func opMovMR32(c *CPU, i *inst) {
	c.write32(i.seg, c.ea(i), c.R[i.reg])
	c.EIP += uint32(i.len)
}

func opMovRR(c *CPU, i *inst) {
	c.setReg(i.reg, i.size, c.getReg(i.rm, i.size))
	c.EIP += uint32(i.len)
}

func opMovRM(c *CPU, i *inst) {
	c.setReg(i.reg, i.size, c.readSz(i.seg, c.ea(i), i.size))
	c.EIP += uint32(i.len)
}

func opMovMR(c *CPU, i *inst) {
	c.writeSz(i.seg, c.ea(i), i.size, c.getReg(i.reg, i.size))
	c.EIP += uint32(i.len)
}

func opMovRI(c *CPU, i *inst) {
	c.setReg(i.reg, i.size, i.imm)
	c.EIP += uint32(i.len)
}

func opMovMI(c *CPU, i *inst) {
	c.writeSz(i.seg, c.ea(i), i.size, i.imm)
	c.EIP += uint32(i.len)
}

// srcRM reads an r/m source of size ssize (movzx/movsx).
func (c *CPU) srcRM(i *inst, size uint8) uint32 {
	if i.rm != noReg {
		return c.getReg(i.rm, size)
	}
	return c.readSz(i.seg, c.ea(i), size)
}

func opMovzx(c *CPU, i *inst) {
	c.setReg(i.reg, i.size, c.srcRM(i, i.ssize))
	c.EIP += uint32(i.len)
}

func opMovsx(c *CPU, i *inst) {
	v := c.srcRM(i, i.ssize)
	if i.ssize == 1 {
		v = uint32(int32(int8(v)))
	} else {
		v = uint32(int32(int16(v)))
	}
	c.setReg(i.reg, i.size, v)
	c.EIP += uint32(i.len)
}

func opLea(c *CPU, i *inst) {
	c.setReg(i.reg, i.size, c.ea(i))
	c.EIP += uint32(i.len)
}

func opXchg(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	b := c.getReg(i.reg, i.size)
	c.rmwWrite(i, lin, b)
	c.setReg(i.reg, i.size, a)
	c.EIP += uint32(i.len)
}

func opXadd(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	b := c.getReg(i.reg, i.size)
	r, lf := c.alu(aluAdd, a, b, i.size)
	if i.rm != noReg { // xadd r, r: the destination is written last
		c.setReg(i.reg, i.size, a)
		c.setReg(i.rm, i.size, r)
	} else {
		c.rmwWrite(i, lin, r)
		c.setReg(i.reg, i.size, a)
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opCmpxchg(c *CPU, i *inst) {
	a, lin := c.rmwRead(i)
	acc := c.getReg(EAX, i.size)
	_, lf := c.alu(aluCmp, acc, a, i.size)
	if a == acc {
		c.rmwWrite(i, lin, c.getReg(i.reg, i.size))
	} else {
		// The destination is written back unchanged (a locked cycle).
		c.rmwWrite(i, lin, a)
		c.setReg(EAX, i.size, a)
	}
	c.lazy = lf
	c.EIP += uint32(i.len)
}

func opCmpxchg8b(c *CPU, i *inst) {
	off := c.ea(i)
	lin := c.lin(i.seg, off, 8, true)
	lo := c.readLin32(lin)
	hi := c.readLin32(lin + 4)
	c.materialize()
	if lo == c.R[EAX] && hi == c.R[EDX] {
		c.writeLin64(lin, c.R[EBX], c.R[ECX])
		c.flags |= FlagZF
	} else {
		c.writeLin64(lin, lo, hi)
		c.R[EAX], c.R[EDX] = lo, hi
		c.flags &^= FlagZF
	}
	c.EIP += uint32(i.len)
}

// writeLin64 writes two dwords, checking both before writing either.
func (c *CPU) writeLin64(lin, lo, hi uint32) {
	if lin&0xFFF > 0xFF8 {
		c.translate(lin, true, c.mmu.user)
		c.translate(lin+7, true, c.mmu.user)
	}
	c.writeLin32(lin, lo)
	c.writeLin32(lin+4, hi)
}

func opBswap(c *CPU, i *inst) {
	c.R[i.reg] = bits.ReverseBytes32(c.R[i.reg])
	c.EIP += uint32(i.len)
}

func opSetcc(c *CPU, i *inst) {
	var v uint32
	if c.cond(i.sub) {
		v = 1
	}
	c.wrRM(i, v)
	c.EIP += uint32(i.len)
}

func opCmov(c *CPU, i *inst) {
	v := c.rdRM(i)
	if c.cond(i.sub) {
		c.setReg(i.reg, i.size, v)
	}
	c.EIP += uint32(i.len)
}

func opCbw(c *CPU, i *inst) {
	if i.size == 2 {
		c.setReg(EAX, 2, uint32(int32(int8(c.R[EAX]))))
	} else {
		c.R[EAX] = uint32(int32(int16(c.R[EAX])))
	}
	c.EIP += uint32(i.len)
}

func opCwd(c *CPU, i *inst) {
	if i.size == 2 {
		c.setReg(EDX, 2, uint32(int32(int16(c.R[EAX]))>>16))
	} else {
		c.R[EDX] = uint32(int32(c.R[EAX]) >> 31)
	}
	c.EIP += uint32(i.len)
}

func opLahf(c *CPU, i *inst) {
	f := c.Flags()
	c.setReg(4, 1, f&0xD5|2) // AH
	c.EIP += uint32(i.len)
}

func opSahf(c *CPU, i *inst) {
	c.materialize()
	ah := c.getReg(4, 1)
	c.flags = c.flags&^0xD5 | ah&0xD5
	c.EIP += uint32(i.len)
}

func opFlagOp(c *CPU, i *inst) {
	switch i.sub {
	case 0, 1, 2: // clc stc cmc
		c.materialize()
		switch i.sub {
		case 0:
			c.flags &^= FlagCF
		case 1:
			c.flags |= FlagCF
		default:
			c.flags ^= FlagCF
		}
	case 3:
		c.flags &^= FlagDF
	case 4:
		c.flags |= FlagDF
	}
	c.EIP += uint32(i.len)
}

func opNop(c *CPU, i *inst) {
	c.EIP += uint32(i.len)
}

func opXlat(c *CPU, i *inst) {
	off := c.R[EBX] + c.R[EAX]&0xFF
	if i.asize == 2 {
		off &= 0xFFFF
	}
	v := c.read8(i.seg, off)
	c.setReg(EAX, 1, v)
	c.EIP += uint32(i.len)
}

// opBCD implements daa, das, aaa, aas (SDM vol. 2 pseudo-code).
func opBCD(c *CPU, i *inst) {
	c.materialize()
	al := c.R[EAX] & 0xFF
	cf := c.flags&FlagCF != 0
	af := c.flags&FlagAF != 0
	f := c.flags &^ ArithFlags
	switch i.sub {
	case 0, 1: // daa, das
		oldAL, oldCF := al, cf
		cf = false
		if al&0xF > 9 || af {
			if i.sub == 0 {
				cf = oldCF || al+6 > 0xFF
				al = (al + 6) & 0xFF
			} else {
				cf = oldCF || al < 6
				al = (al - 6) & 0xFF
			}
			af = true
		} else {
			af = false
		}
		if oldAL > 0x99 || oldCF {
			if i.sub == 0 {
				al = (al + 0x60) & 0xFF
			} else {
				al = (al - 0x60) & 0xFF
			}
			cf = true
		}
		c.setReg(EAX, 1, al)
		f |= szp(al, 1)
	case 2, 3: // aaa, aas
		ax := c.R[EAX] & 0xFFFF
		if al&0xF > 9 || af {
			if i.sub == 2 {
				ax += 0x106
			} else {
				ax = (ax - 6) & 0xFFFF
				ax = (ax&0xFF | (ax>>8-1)<<8) & 0xFFFF
			}
			af, cf = true, true
		} else {
			af, cf = false, false
		}
		ax &= 0xFF0F
		c.setReg(EAX, 2, ax)
		f |= szp(ax, 1)
	}
	if cf {
		f |= FlagCF
	}
	if af {
		f |= FlagAF
	}
	c.flags = f
	c.EIP += uint32(i.len)
}

func opAam(c *CPU, i *inst) {
	if i.imm == 0 {
		c.raise(ExcDE, 0)
	}
	al := c.R[EAX] & 0xFF
	q, r := al/i.imm, al%i.imm
	c.setReg(EAX, 2, q<<8|r)
	c.setArith(szp(r, 1))
	c.EIP += uint32(i.len)
}

func opAad(c *CPU, i *inst) {
	al := (c.R[EAX]&0xFF + (c.R[EAX]>>8&0xFF)*i.imm) & 0xFF
	c.setReg(EAX, 2, al)
	c.setArith(szp(al, 1))
	c.EIP += uint32(i.len)
}

// opLoadFar is lds/les/lfs/lgs/lss: offset then selector from memory.
func opLoadFar(c *CPU, i *inst) {
	off := c.ea(i)
	v := c.readSz(i.seg, off, i.size)
	sel := c.read16(i.seg, off+uint32(i.size))
	c.loadSeg(int(i.sub), uint16(sel))
	c.setReg(i.reg, i.size, v)
	c.EIP += uint32(i.len)
}

func opBound(c *CPU, i *inst) {
	off := c.ea(i)
	lo := c.readSz(i.seg, off, i.size)
	hi := c.readSz(i.seg, off+uint32(i.size), i.size)
	v := c.getReg(i.reg, i.size)
	if i.size == 2 {
		if int16(v) < int16(lo) || int16(v) > int16(hi) {
			c.raise(ExcBR, 0)
		}
	} else if int32(v) < int32(lo) || int32(v) > int32(hi) {
		c.raise(ExcBR, 0)
	}
	c.EIP += uint32(i.len)
}
