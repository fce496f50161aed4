package interp

import "math/bits"

// Shifts, rotates, multiplication, division and bit instructions. Their
// flags are computed eagerly.

func opShiftImm(c *CPU, i *inst) { c.shift(i, i.imm&0x1F) }

func opShiftCL(c *CPU, i *inst) { c.shift(i, c.R[ECX]&0x1F) }

func (c *CPU) shift(i *inst, cnt uint32) {
	a, lin := c.rmwRead(i)
	if cnt == 0 { // count 0: no write, flags unchanged
		c.EIP += uint32(i.len)
		return
	}
	size := i.size
	nb := uint32(size) * 8
	m := sizeMask[size]
	sb := signBit[size]
	c.materialize()
	f := c.flags & ArithFlags
	var r uint32
	switch i.sub {
	case shShl, shSal:
		w := uint64(a) << cnt
		r = uint32(w) & m
		cf := uint32(w>>nb) & 1
		f = szp(r, size) | cf
		if (r&sb != 0) != (cf != 0) {
			f |= FlagOF
		}
	case shShr:
		r = a >> cnt
		cf := a >> (cnt - 1) & 1
		f = szp(r, size) | cf
		if a&sb != 0 {
			f |= FlagOF
		}
	case shSar:
		sa := int32(a<<(32-nb)) >> (32 - nb)
		r = uint32(sa>>cnt) & m
		cf := uint32(sa>>(cnt-1)) & 1
		f = szp(r, size) | cf
	case shRol, shRor:
		n := cnt % nb
		if i.sub == shRol {
			r = (a<<n | a>>(nb-n)) & m
			f &^= FlagCF | FlagOF
			f |= r & 1
			if (r&sb != 0) != (r&1 != 0) {
				f |= FlagOF
			}
		} else {
			r = (a>>n | a<<(nb-n)) & m
			f &^= FlagCF | FlagOF
			if r&sb != 0 {
				f |= FlagCF
			}
			if (r&sb != 0) != (r&(sb>>1) != 0) {
				f |= FlagOF
			}
		}
	case shRcl, shRcr:
		n := cnt % (nb + 1)
		cf := f & FlagCF
		r = a
		if i.sub == shRcr && (a&sb != 0) != (cf != 0) {
			f |= FlagOF
		} else {
			f &^= FlagOF
		}
		for ; n > 0; n-- {
			if i.sub == shRcl {
				out := r & sb
				r = (r<<1 | cf) & m
				cf = 0
				if out != 0 {
					cf = 1
				}
			} else {
				out := r & 1
				r = r>>1 | cf*sb
				cf = out
			}
		}
		f = f&^FlagCF | cf
		if i.sub == shRcl {
			f &^= FlagOF
			if (r&sb != 0) != (cf != 0) {
				f |= FlagOF
			}
		}
	}
	c.rmwWrite(i, lin, r)
	c.setArith(f)
	c.EIP += uint32(i.len)
}

func opShldImm(c *CPU, i *inst) { c.shld(i, i.imm&0x1F) }

func opShldCL(c *CPU, i *inst) { c.shld(i, c.R[ECX]&0x1F) }

// shld implements shld (sub 0) and shrd (sub 1).
func (c *CPU) shld(i *inst, cnt uint32) {
	a, lin := c.rmwRead(i)
	if cnt == 0 {
		c.EIP += uint32(i.len)
		return
	}
	b := c.getReg(i.reg, i.size)
	var r, cf uint32
	if i.size == 4 {
		if i.sub == 0 {
			v := uint64(a)<<32 | uint64(b)
			r = uint32(v << cnt >> 32)
			cf = uint32(v<<(cnt-1)>>63) & 1
		} else {
			v := uint64(b)<<32 | uint64(a)
			r = uint32(v >> cnt)
			cf = uint32(v>>(cnt-1)) & 1
		}
	} else {
		// 16-bit: counts above 16 give undefined results; use the
		// 48-bit a:b:a pattern real CPUs produce.
		if i.sub == 0 {
			v := uint64(a)<<32 | uint64(b)<<16 | uint64(a)
			r = uint32(v<<cnt>>32) & 0xFFFF
			cf = uint32(v<<(cnt-1)>>47) & 1
		} else {
			v := uint64(a) | uint64(b)<<16 | uint64(a)<<32
			r = uint32(v>>cnt) & 0xFFFF
			cf = uint32(v>>(cnt-1)) & 1
		}
	}
	c.materialize()
	f := szp(r, i.size) | cf
	if (r^a)&signBit[i.size] != 0 {
		f |= FlagOF
	}
	c.rmwWrite(i, lin, r)
	c.setArith(f)
	c.EIP += uint32(i.len)
}

// mulFlags sets CF=OF=overflow and SF/ZF/PF from the low result.
func (c *CPU) mulFlags(low uint32, size uint8, overflow bool) {
	f := szp(low, size)
	if overflow {
		f |= FlagCF | FlagOF
	}
	c.setArith(f)
}

func opMul(c *CPU, i *inst) {
	s := c.rdRM(i)
	switch i.size {
	case 1:
		r := (c.R[EAX] & 0xFF) * s
		c.setReg(EAX, 2, r)
		c.mulFlags(r, 1, r>>8 != 0)
	case 2:
		r := (c.R[EAX] & 0xFFFF) * s
		c.setReg(EAX, 2, r)
		c.setReg(EDX, 2, r>>16)
		c.mulFlags(r, 2, r>>16 != 0)
	default:
		hi, lo := bits.Mul32(c.R[EAX], s)
		c.R[EAX], c.R[EDX] = lo, hi
		c.mulFlags(lo, 4, hi != 0)
	}
	c.EIP += uint32(i.len)
}

func opImul1(c *CPU, i *inst) {
	s := c.rdRM(i)
	switch i.size {
	case 1:
		r := int32(int8(c.R[EAX])) * int32(int8(s))
		c.setReg(EAX, 2, uint32(r))
		c.mulFlags(uint32(r), 1, r != int32(int8(r)))
	case 2:
		r := int32(int16(c.R[EAX])) * int32(int16(s))
		c.setReg(EAX, 2, uint32(r))
		c.setReg(EDX, 2, uint32(r)>>16)
		c.mulFlags(uint32(r), 2, r != int32(int16(r)))
	default:
		r := int64(int32(c.R[EAX])) * int64(int32(s))
		c.R[EAX], c.R[EDX] = uint32(r), uint32(r>>32)
		c.mulFlags(uint32(r), 4, r != int64(int32(r)))
	}
	c.EIP += uint32(i.len)
}

func (c *CPU) imulN(i *inst, a, b uint32) {
	var r uint32
	var ovf bool
	if i.size == 2 {
		p := int32(int16(a)) * int32(int16(b))
		r, ovf = uint32(p), p != int32(int16(p))
	} else {
		p := int64(int32(a)) * int64(int32(b))
		r, ovf = uint32(p), p != int64(int32(p))
	}
	c.setReg(i.reg, i.size, r)
	c.mulFlags(r, i.size, ovf)
	c.EIP += uint32(i.len)
}

func opImul2(c *CPU, i *inst) { c.imulN(i, c.getReg(i.reg, i.size), c.rdRM(i)) }

func opImul3(c *CPU, i *inst) { c.imulN(i, c.rdRM(i), i.imm) }

func opDiv(c *CPU, i *inst) {
	s := c.rdRM(i)
	if s == 0 {
		c.raise(ExcDE, 0)
	}
	switch i.size {
	case 1:
		n := c.R[EAX] & 0xFFFF
		q, r := n/s, n%s
		if q > 0xFF {
			c.raise(ExcDE, 0)
		}
		c.setReg(EAX, 2, r<<8|q)
	case 2:
		n := c.R[EDX]&0xFFFF<<16 | c.R[EAX]&0xFFFF
		q, r := n/s, n%s
		if q > 0xFFFF {
			c.raise(ExcDE, 0)
		}
		c.setReg(EAX, 2, q)
		c.setReg(EDX, 2, r)
	default:
		if c.R[EDX] >= s {
			c.raise(ExcDE, 0)
		}
		q, r := bits.Div32(c.R[EDX], c.R[EAX], s)
		c.R[EAX], c.R[EDX] = q, r
	}
	c.EIP += uint32(i.len)
}

func opIdiv(c *CPU, i *inst) {
	s := c.rdRM(i)
	if s&sizeMask[i.size] == 0 {
		c.raise(ExcDE, 0)
	}
	switch i.size {
	case 1:
		n, d := int32(int16(c.R[EAX])), int32(int8(s))
		q, r := n/d, n%d
		if q != int32(int8(q)) {
			c.raise(ExcDE, 0)
		}
		c.setReg(EAX, 2, uint32(r)<<8|uint32(q)&0xFF)
	case 2:
		n, d := int32(c.R[EDX]<<16|c.R[EAX]&0xFFFF), int32(int16(s))
		q, r := int64(n)/int64(d), int64(n)%int64(d)
		if q != int64(int16(q)) {
			c.raise(ExcDE, 0)
		}
		c.setReg(EAX, 2, uint32(q))
		c.setReg(EDX, 2, uint32(r))
	default:
		n, d := int64(uint64(c.R[EDX])<<32|uint64(c.R[EAX])), int64(int32(s))
		if n == -1<<63 && d == -1 {
			c.raise(ExcDE, 0)
		}
		q, r := n/d, n%d
		if q != int64(int32(q)) {
			c.raise(ExcDE, 0)
		}
		c.R[EAX], c.R[EDX] = uint32(q), uint32(r)
	}
	c.EIP += uint32(i.len)
}

// bitOp applies bt (0), bts (1), btr (2), btc (3) to v and sets CF.
func (c *CPU) bitOp(op uint8, v, bit uint32) (uint32, bool) {
	old := v >> bit & 1
	switch op {
	case 1:
		v |= 1 << bit
	case 2:
		v &^= 1 << bit
	case 3:
		v ^= 1 << bit
	}
	return v, old != 0
}

func (c *CPU) setCF(on bool) {
	c.materialize()
	if on {
		c.flags |= FlagCF
	} else {
		c.flags &^= FlagCF
	}
}

func opBtImm(c *CPU, i *inst) {
	bit := i.imm & (uint32(i.size)*8 - 1)
	c.btAt(i, c.ea0(i), bit)
}

// ea0 is the memory operand offset, or 0 for a register operand.
func (c *CPU) ea0(i *inst) uint32 {
	if i.rm != noReg {
		return 0
	}
	return c.ea(i)
}

func opBtReg(c *CPU, i *inst) {
	off := c.getReg(i.reg, i.size)
	if i.rm != noReg {
		c.btAt(i, 0, off&(uint32(i.size)*8-1))
		return
	}
	// Memory with a register offset: the offset is signed and may
	// address outside the operand.
	var adj uint32
	var bit uint32
	if i.size == 2 {
		adj = uint32(int32(int16(off))>>4) * 2
		bit = off & 15
	} else {
		adj = uint32(int32(off)>>5) * 4
		bit = off & 31
	}
	ea := c.ea(i) + adj
	if i.asize == 2 {
		ea &= 0xFFFF
	}
	c.btAt(i, ea, bit)
}

func (c *CPU) btAt(i *inst, ea, bit uint32) {
	if i.rm != noReg {
		v := c.getReg(i.rm, i.size)
		nv, cf := c.bitOp(i.sub, v, bit)
		c.setReg(i.rm, i.size, nv)
		c.setCF(cf)
	} else if i.sub == 0 {
		v := c.readSz(i.seg, ea, i.size)
		_, cf := c.bitOp(0, v, bit)
		c.setCF(cf)
	} else {
		lin := c.lin(i.seg, ea, uint32(i.size), true)
		v := c.readLinSz(lin, i.size)
		nv, cf := c.bitOp(i.sub, v, bit)
		c.writeLinSz(lin, i.size, nv)
		c.setCF(cf)
	}
	c.EIP += uint32(i.len)
}

// opBsf is bsf (sub 0) and bsr (sub 1).
func opBsf(c *CPU, i *inst) {
	v := c.rdRM(i) & sizeMask[i.size]
	c.materialize()
	if v == 0 {
		c.flags |= FlagZF
	} else {
		c.flags &^= FlagZF
		if i.sub == 0 {
			c.setReg(i.reg, i.size, uint32(bits.TrailingZeros32(v)))
		} else {
			c.setReg(i.reg, i.size, uint32(31-bits.LeadingZeros32(v)))
		}
	}
	c.EIP += uint32(i.len)
}
