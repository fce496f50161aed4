package interp_test

// A reference model of the i386 ALU, written from the Intel SDM vol. 2
// instruction pages (the "Operation" pseudo-code and the "Flags Affected"
// paragraph of each instruction), independently of the interpreter. It
// computes, for one aluCase, the registers and EFLAGS after the
// instruction, and which bits of them the architecture defines: flags the
// SDM calls "undefined" are left out of every comparison. The native
// oracle checks this model against the host CPU, so the table tests that
// use it on machines without gcc stand on verified ground.

import (
	"math/bits"

	"dfemu/emu/interp"
)

const (
	fCF = interp.FlagCF
	fPF = interp.FlagPF
	fAF = interp.FlagAF
	fZF = interp.FlagZF
	fSF = interp.FlagSF
	fOF = interp.FlagOF

	arith = interp.ArithFlags
)

// regs is the state an aluCase reads and writes: EAX EBX ECX EDX EFLAGS.
type regs struct{ A, B, C, D, F uint32 }

func (r regs) words() [5]uint32 { return [5]uint32{r.A, r.B, r.C, r.D, r.F} }

var regNames = [5]string{"eax", "ebx", "ecx", "edx", "eflags"}

func sizeMask(size int) uint32 { return uint32(uint64(1)<<size - 1) }
func signBit(size int) uint32  { return 1 << (size - 1) }

// merge writes the low size bits of v into old (partial register write).
func merge(old, v uint32, size int) uint32 {
	m := sizeMask(size)
	return old&^m | v&m
}

// sext sign-extends the low size bits of v to 32 bits.
func sext(v uint32, size int) int32 {
	s := 32 - size
	return int32(v<<s) >> s
}

func flagIf(cond bool, f uint32) uint32 {
	if cond {
		return f
	}
	return 0
}

// szp computes SF, ZF and PF of a size-bit result (PF: even parity of the
// low byte, SDM vol. 1 3.4.3.1).
func szp(r uint32, size int) uint32 {
	r &= sizeMask(size)
	return flagIf(r&signBit(size) != 0, fSF) |
		flagIf(r == 0, fZF) |
		flagIf(bits.OnesCount8(uint8(r))%2 == 0, fPF)
}

// addFlags: flags of r = a + b + carry (ADD, ADC, INC, XADD).
func addFlags(a, b, carry uint32, size int) (uint32, uint32) {
	m := sizeMask(size)
	a, b = a&m, b&m
	wide := uint64(a) + uint64(b) + uint64(carry)
	r := uint32(wide) & m
	f := szp(r, size) |
		flagIf(wide>>size != 0, fCF) |
		flagIf((a^b^r)&0x10 != 0, fAF) |
		flagIf((a^r)&(b^r)&signBit(size) != 0, fOF)
	return r, f
}

// subFlags: flags of r = a - b - borrow (SUB, SBB, CMP, DEC, NEG).
func subFlags(a, b, borrow uint32, size int) (uint32, uint32) {
	m := sizeMask(size)
	a, b = a&m, b&m
	r := (a - b - borrow) & m
	f := szp(r, size) |
		flagIf(uint64(a) < uint64(b)+uint64(borrow), fCF) |
		flagIf((a^b^r)&0x10 != 0, fAF) |
		flagIf((a^b)&(a^r)&signBit(size) != 0, fOF)
	return r, f
}

// expect runs the model: the state after c, the defined bits of each
// word, and whether the instruction faults (#DE) instead.
func (c aluCase) expect() (out, def regs, fault bool) {
	in := c.in
	out = in
	def = regs{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), arith}
	s := c.size
	m := sizeMask(s)
	a, b := in.A&m, in.B&m
	cf := in.F & fCF
	// setArith replaces the arithmetic flags; undef drops flags from the
	// comparison.
	setArith := func(f uint32) { out.F = in.F&^arith | f&arith }
	undef := func(f uint32) { def.F &^= f }

	switch c.op {
	case "add", "adc", "sub", "sbb", "cmp":
		carry := uint32(0)
		if c.op == "adc" || c.op == "sbb" {
			carry = cf
		}
		var r, f uint32
		if c.op == "add" || c.op == "adc" {
			r, f = addFlags(a, b, carry, s)
		} else {
			r, f = subFlags(a, b, carry, s)
		}
		setArith(f)
		if c.op != "cmp" {
			out.A = merge(in.A, r, s)
		}
	case "and", "or", "xor", "test":
		var r uint32
		switch c.op {
		case "and", "test":
			r = a & b
		case "or":
			r = a | b
		case "xor":
			r = a ^ b
		}
		setArith(szp(r, s)) // CF=OF=0
		undef(fAF)
		if c.op != "test" {
			out.A = merge(in.A, r, s)
		}
	case "inc", "dec":
		var r, f uint32
		if c.op == "inc" {
			r, f = addFlags(a, 1, 0, s)
		} else {
			r, f = subFlags(a, 1, 0, s)
		}
		setArith(f&^fCF | cf) // CF not affected
		out.A = merge(in.A, r, s)
	case "neg":
		r, f := subFlags(0, a, 0, s)
		setArith(f&^fCF | flagIf(a != 0, fCF))
		out.A = merge(in.A, r, s)
	case "not":
		out.A = merge(in.A, ^a, s)
	case "rol", "ror", "rcl", "rcr", "shl", "shr", "sar":
		c.modelShift(&out, &def)
	case "shld", "shrd":
		c.modelShiftDouble(&out, &def)
	case "mul", "imul", "div", "idiv":
		return c.modelMulDiv()
	case "imul2", "imul3":
		x := int64(sext(b, s))
		y := int64(sext(a, s))
		if c.op == "imul3" {
			y = int64(int8(c.imm))
		}
		p := x * y
		r := uint32(p) & m
		setArith(flagIf(p != int64(sext(r, s)), fCF|fOF))
		undef(fSF | fZF | fAF | fPF)
		out.A = merge(in.A, r, s)
	case "bt", "bts", "btr", "btc":
		off := b
		if c.form == "imm" {
			off = uint32(c.imm)
		}
		bit := uint32(1) << (off % uint32(s))
		setArith(in.F&^fCF | flagIf(a&bit != 0, fCF)) // ZF unaffected
		undef(fOF | fSF | fAF | fPF)
		switch c.op {
		case "bts":
			out.A = merge(in.A, a|bit, s)
		case "btr":
			out.A = merge(in.A, a&^bit, s)
		case "btc":
			out.A = merge(in.A, a^bit, s)
		}
	case "bsf", "bsr":
		undef(fCF | fOF | fSF | fAF | fPF)
		if b == 0 {
			setArith(in.F | fZF)
			def.A = 0 // destination undefined
			break
		}
		setArith(in.F &^ fZF)
		r := uint32(bits.TrailingZeros32(b))
		if c.op == "bsr" {
			r = uint32(31 - bits.LeadingZeros32(b))
		}
		out.A = merge(in.A, r, s)
	case "xadd":
		r, f := addFlags(a, b, 0, s)
		setArith(f)
		out.B = merge(in.B, a, s)
		out.A = merge(in.A, r, s)
	case "cmpxchg":
		_, f := subFlags(a, b, 0, s)
		setArith(f)
		if a == b {
			out.B = merge(in.B, in.C, s)
		} else {
			out.A = merge(in.A, b, s)
		}
	case "daa", "das", "aaa", "aas", "aam", "aad":
		return c.modelBCD()
	case "bswap":
		out.A = bits.ReverseBytes32(in.A)
	case "cbw":
		out.A = merge(in.A, uint32(sext(in.A, s/2)), s)
	case "cwd":
		out.D = merge(in.D, uint32(sext(in.A, s)>>31), s)
	case "movzx", "movsx":
		// movzx/movsx eax(size), bl: the source is always 8 bits.
		v := in.B & 0xff
		if c.op == "movsx" {
			v = uint32(int32(int8(v)))
		}
		out.A = merge(in.A, v, s)
	case "lahf":
		out.A = in.A&^0xff00 | (in.F&0xd5|2)<<8
	case "sahf":
		setArith(in.F&fOF | (in.A>>8)&0xd5)
	case "cmc":
		setArith(in.F ^ fCF)
	case "clc":
		setArith(in.F &^ fCF)
	case "stc":
		setArith(in.F | fCF)
	default:
		panic("model: unknown op " + c.op)
	}
	return out, def, false
}

// count returns the shift count operand as the instruction sees it,
// before masking.
func (c aluCase) count() uint32 {
	switch c.form {
	case "1":
		return 1
	case "imm":
		return uint32(c.imm)
	}
	return c.in.C & 0xff
}

// modelShift follows the SAL/SAR/SHL/SHR and RCL/RCR/ROL/ROR pages.
func (c aluCase) modelShift(out, def *regs) {
	in, s := c.in, c.size
	m := sizeMask(s)
	a := in.A & m
	msb := func(v uint32) uint32 { return v >> (s - 1) & 1 }
	count := c.count() & 0x1f // COUNTMASK is 1FH for 8, 16 and 32 bits
	if count == 0 {
		return // flags and destination unaffected
	}
	cf := in.F & fCF
	var r, newCF uint32
	flags := in.F & arith
	switch c.op {
	case "shl":
		wide := uint64(a) << count
		r = uint32(wide) & m
		newCF = uint32(wide>>s) & 1
		flags = szp(r, s)
		def.F &^= fAF
		if count >= uint32(s) {
			def.F &^= fCF // undefined for SHL/SHR when count >= size
		}
		if count == 1 {
			flags |= flagIf(msb(r) != newCF, fOF)
		} else {
			def.F &^= fOF
		}
	case "shr":
		r = uint32(uint64(a) >> count)
		newCF = uint32(uint64(a)>>(count-1)) & 1
		flags = szp(r, s)
		def.F &^= fAF
		if count >= uint32(s) {
			def.F &^= fCF
		}
		if count == 1 {
			flags |= flagIf(msb(a) != 0, fOF)
		} else {
			def.F &^= fOF
		}
	case "sar":
		sa := int64(sext(a, s))
		r = uint32(sa>>count) & m
		newCF = uint32(sa>>(count-1)) & 1
		flags = szp(r, s) // OF=0 for 1-bit shifts
		def.F &^= fAF
		if count != 1 {
			def.F &^= fOF
		}
	case "rol", "ror":
		n := count % uint32(s)
		if c.op == "rol" {
			r = (a<<n | a>>(uint32(s)-n)) & m
			newCF = r & 1
			flags = flags&^(fCF|fOF) | newCF
			if count == 1 {
				flags |= flagIf(msb(r) != newCF, fOF)
			}
		} else {
			r = (a>>n | a<<(uint32(s)-n)) & m
			newCF = msb(r)
			flags = flags&^(fCF|fOF) | newCF
			if count == 1 {
				flags |= flagIf(msb(r) != r>>(s-2)&1, fOF)
			}
		}
		if count != 1 {
			def.F &^= fOF
		}
		out.A = merge(in.A, r, s)
		out.F = in.F&^arith | flags
		return
	case "rcl", "rcr":
		n := count % uint32(s+1)
		// Rotate the (s+1)-bit quantity CF:dest.
		w := uint64(cf)<<s | uint64(a)
		full := uint64(1)<<(s+1) - 1
		ofBefore := flagIf(msb(a) != cf, fOF) // RCR: OF from the inputs
		if c.op == "rcl" {
			w = (w<<n | w>>(uint32(s)+1-n)) & full
		} else {
			w = (w>>n | w<<(uint32(s)+1-n)) & full
		}
		r = uint32(w) & m
		newCF = uint32(w>>s) & 1
		flags = flags&^(fCF|fOF) | newCF
		if count == 1 {
			if c.op == "rcl" {
				flags |= flagIf(msb(r) != newCF, fOF)
			} else {
				flags |= ofBefore
			}
		} else {
			def.F &^= fOF
		}
		out.A = merge(in.A, r, s)
		out.F = in.F&^arith | flags
		return
	}
	out.A = merge(in.A, r, s)
	out.F = in.F&^arith | flags | newCF
}

// modelShiftDouble follows the SHLD/SHRD pages: destination EAX, source
// EBX, count masked to 5 bits; a count above the operand size leaves the
// result and flags undefined.
func (c aluCase) modelShiftDouble(out, def *regs) {
	in, s := c.in, c.size
	m := sizeMask(s)
	a, b := in.A&m, in.B&m
	count := c.count() & 0x1f
	if count == 0 {
		return
	}
	if count > uint32(s) {
		def.A &^= m
		def.F = 0
		return
	}
	var r, newCF uint32
	if c.op == "shld" {
		w := uint64(a)<<s | uint64(b)
		r = uint32(w<<count>>s) & m
		newCF = uint32(w>>(uint32(2*s)-count)) & 1
	} else {
		w := uint64(b)<<s | uint64(a)
		r = uint32(w>>count) & m
		newCF = uint32(w>>(count-1)) & 1
	}
	flags := szp(r, s) | newCF
	if count == 1 {
		flags |= flagIf((r^a)&signBit(s) != 0, fOF)
	} else {
		def.F &^= fOF
	}
	def.F &^= fAF
	out.A = merge(in.A, r, s)
	out.F = in.F&^arith | flags
}

// modelMulDiv follows MUL, IMUL (one operand), DIV and IDIV. Operand
// EBX; 8 bits: AX = AL*BL, AL:AH = AX/BL; 16: DX:AX; 32: EDX:EAX.
func (c aluCase) modelMulDiv() (out, def regs, fault bool) {
	in, s := c.in, c.size
	out = in
	def = regs{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), arith}
	m := sizeMask(s)
	src := in.B & m
	// lo/hi halves of the double-size accumulator.
	var lo, hi uint32
	if s == 8 {
		lo, hi = in.A&0xff, in.A>>8&0xff
	} else {
		lo, hi = in.A&m, in.D&m
	}
	put := func(l, h uint32) {
		if s == 8 {
			out.A = in.A&^0xffff | (h&0xff)<<8 | l&0xff
		} else {
			out.A = merge(in.A, l, s)
			out.D = merge(in.D, h, s)
		}
	}
	switch c.op {
	case "mul":
		p := uint64(lo) * uint64(src)
		put(uint32(p), uint32(p>>s))
		out.F = in.F&^arith | flagIf(p>>s != 0, fCF|fOF)
		def.F = fCF | fOF
	case "imul":
		p := int64(sext(lo, s)) * int64(sext(src, s))
		r := uint32(p) & m
		put(r, uint32(p>>s))
		out.F = in.F&^arith | flagIf(p != int64(sext(r, s)), fCF|fOF)
		def.F = fCF | fOF
	case "div":
		if src == 0 {
			return out, def, true
		}
		n := uint64(hi)<<s | uint64(lo)
		q, r := n/uint64(src), n%uint64(src)
		if q > uint64(m) {
			return out, def, true
		}
		put(uint32(q), uint32(r))
		def.F = 0
	case "idiv":
		if src == 0 {
			return out, def, true
		}
		n := int64(uint64(hi)<<s|uint64(lo)) << (64 - 2*s) >> (64 - 2*s)
		d := int64(sext(src, s))
		q, r := n/d, n%d
		if q != int64(sext(uint32(q), s)) {
			return out, def, true
		}
		put(uint32(q), uint32(r))
		def.F = 0
	}
	return out, def, false
}

// modelBCD follows DAA, DAS, AAA, AAS, AAM and AAD (imm8 10).
func (c aluCase) modelBCD() (out, def regs, fault bool) {
	in := c.in
	out = in
	def = regs{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), arith}
	al, ah := in.A&0xff, in.A>>8&0xff
	cf, af := in.F&fCF != 0, in.F&fAF != 0
	var f uint32
	switch c.op {
	case "daa", "das":
		oldAL, oldCF := al, cf
		newCF := false
		if al&0xf > 9 || af {
			if c.op == "daa" {
				newCF = oldCF || al+6 > 0xff
				al = (al + 6) & 0xff
			} else {
				newCF = oldCF || al < 6
				al = (al - 6) & 0xff
			}
			f |= fAF
		}
		if oldAL > 0x99 || oldCF {
			if c.op == "daa" {
				al = (al + 0x60) & 0xff
			} else {
				al = (al - 0x60) & 0xff
			}
			newCF = true
		} else if c.op == "daa" {
			newCF = false
		}
		f |= szp(al, 8) | flagIf(newCF, fCF)
		def.F &^= fOF
		out.A = in.A&^0xff | al
	case "aaa", "aas":
		ax := in.A & 0xffff
		if al&0xf > 9 || af {
			if c.op == "aaa" {
				ax += 0x106
			} else {
				ax = ax - 6 - 0x100 // AX := AX-6; AH := AH-1
			}
			f = fAF | fCF
		}
		ax = ax&0xff00 | ax&0x0f
		out.A = in.A&^0xffff | ax&0xffff
		def.F &^= fOF | fSF | fZF | fPF
	case "aam":
		ah, al = al/10, al%10
		f = szp(al, 8)
		out.A = in.A&^0xffff | ah<<8 | al
		def.F &^= fOF | fAF | fCF
	case "aad":
		al = (al + ah*10) & 0xff
		f = szp(al, 8)
		out.A = in.A&^0xffff | al
		def.F &^= fOF | fAF | fCF
	}
	out.F = in.F&^arith | f
	return out, def, false
}
