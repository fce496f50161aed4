package interp

import "golang.org/x/arch/x86/x86asm"

// build turns one x86asm instruction into an inst: it picks the handler
// for the operand forms and resolves registers, the effective-address
// form and immediates once. A nil fn means "not implemented" (#UD).

// Operand kinds.
const (
	aNone = iota
	aReg  // general register: reg, size
	aMem  // memory: the inst's address fields
	aImm  // immediate: imm
	aRel  // relative branch offset: imm
	aSeg  // segment register: reg
	aCR   // control register: reg
	aDR   // debug register: reg
	aOther
)

type arg struct {
	kind uint8
	reg  uint8
	size uint8
	imm  uint32
}

// gpr maps an x86asm register to (number, size in bytes); size 0 if the
// register is not a general one.
func gpr(r x86asm.Reg) (uint8, uint8) {
	switch {
	case r >= x86asm.AL && r <= x86asm.BH:
		return uint8(r - x86asm.AL), 1
	case r >= x86asm.AX && r <= x86asm.DI:
		return uint8(r - x86asm.AX), 2
	case r >= x86asm.EAX && r <= x86asm.EDI:
		return uint8(r - x86asm.EAX), 4
	}
	return 0, 0
}

// condOf maps jcc/setcc/cmovcc mnemonics to condition codes.
var condOf = map[x86asm.Op]uint8{}

func init() {
	j := []x86asm.Op{x86asm.JO, x86asm.JNO, x86asm.JB, x86asm.JAE, x86asm.JE, x86asm.JNE, x86asm.JBE, x86asm.JA,
		x86asm.JS, x86asm.JNS, x86asm.JP, x86asm.JNP, x86asm.JL, x86asm.JGE, x86asm.JLE, x86asm.JG}
	s := []x86asm.Op{x86asm.SETO, x86asm.SETNO, x86asm.SETB, x86asm.SETAE, x86asm.SETE, x86asm.SETNE, x86asm.SETBE, x86asm.SETA,
		x86asm.SETS, x86asm.SETNS, x86asm.SETP, x86asm.SETNP, x86asm.SETL, x86asm.SETGE, x86asm.SETLE, x86asm.SETG}
	m := []x86asm.Op{x86asm.CMOVO, x86asm.CMOVNO, x86asm.CMOVB, x86asm.CMOVAE, x86asm.CMOVE, x86asm.CMOVNE, x86asm.CMOVBE, x86asm.CMOVA,
		x86asm.CMOVS, x86asm.CMOVNS, x86asm.CMOVP, x86asm.CMOVNP, x86asm.CMOVL, x86asm.CMOVGE, x86asm.CMOVLE, x86asm.CMOVG}
	for k := range 16 {
		condOf[j[k]] = uint8(k)
		condOf[s[k]] = uint8(k)
		condOf[m[k]] = uint8(k)
	}
}

// ALU operations in x86 encoding order, plus test.
const (
	aluAdd = iota
	aluOr
	aluAdc
	aluSbb
	aluAnd
	aluSub
	aluXor
	aluCmp
	aluTest
)

var aluOf = map[x86asm.Op]uint8{
	x86asm.ADD: aluAdd, x86asm.OR: aluOr, x86asm.ADC: aluAdc, x86asm.SBB: aluSbb,
	x86asm.AND: aluAnd, x86asm.SUB: aluSub, x86asm.XOR: aluXor, x86asm.CMP: aluCmp,
	x86asm.TEST: aluTest,
}

// Shift/rotate operations in x86 encoding order (/0../7; /6 is shl too).
const (
	shRol = iota
	shRor
	shRcl
	shRcr
	shShl
	shShr
	shSal
	shSar
)

var shiftOf = map[x86asm.Op]uint8{
	x86asm.ROL: shRol, x86asm.ROR: shRor, x86asm.RCL: shRcl, x86asm.RCR: shRcr,
	x86asm.SHL: shShl, x86asm.SHR: shShr, x86asm.SAR: shSar,
}

// lockable lists the instructions that accept lock with a memory
// destination.
var lockable = map[x86asm.Op]bool{
	x86asm.ADD: true, x86asm.ADC: true, x86asm.AND: true, x86asm.BTC: true, x86asm.BTR: true,
	x86asm.BTS: true, x86asm.CMPXCHG: true, x86asm.CMPXCHG8B: true, x86asm.DEC: true,
	x86asm.INC: true, x86asm.NEG: true, x86asm.NOT: true, x86asm.OR: true, x86asm.SBB: true,
	x86asm.SUB: true, x86asm.XOR: true, x86asm.XADD: true, x86asm.XCHG: true,
}

func build(xi *x86asm.Inst) inst {
	in := inst{len: uint8(xi.Len), asize: uint8(xi.AddrSize / 8), op: xi.Op,
		base: noReg, index: noReg, rm: noReg, seg: DS, size: uint8(xi.DataSize / 8)}
	lock := false
	for _, p := range xi.Prefix {
		if p == 0 {
			break
		}
		switch p & 0xFF {
		case 0xF0:
			lock = true
			if p&x86asm.PrefixInvalid != 0 {
				return inst{fn: opUD, len: in.len}
			}
		case 0xF3:
			in.rep = repE
		case 0xF2:
			in.rep = repNE
		}
	}
	if esc := xi.Opcode >> 24; esc >= 0xD8 && esc <= 0xDF {
		return inst{fn: opFPUEscape, len: in.len} // x87: no FPU here
	}
	if xi.Op == x86asm.FWAIT {
		return inst{fn: opWait, len: in.len}
	}
	var a [4]arg
	n := 0
	for k, x := range xi.Args[:4] {
		if x == nil {
			break
		}
		n = k + 1
		a[k] = in.arg(x, xi)
		if a[k].kind == aOther {
			return inst{}
		}
	}
	if seg := segOverride(xi); seg >= 0 && !hasMem(a[:n]) {
		in.seg = uint8(seg) // string instructions, xlat
	}
	if lock && (!lockable[xi.Op] || a[0].kind != aMem) {
		return inst{fn: opUD, len: in.len}
	}
	in.fn = pick(&in, xi, a[:n])
	return in
}

// segOverride returns the segment of the instruction's last
// segment-override prefix, or -1 without one.
func segOverride(xi *x86asm.Inst) int {
	seg := -1
	for _, p := range xi.Prefix {
		if p == 0 {
			break
		}
		switch p & 0xFF {
		case 0x26:
			seg = ES
		case 0x2E:
			seg = CS
		case 0x36:
			seg = SS
		case 0x3E:
			seg = DS
		case 0x64:
			seg = FS
		case 0x65:
			seg = GS
		}
	}
	return seg
}

func hasMem(a []arg) bool {
	for _, x := range a {
		if x.kind == aMem {
			return true
		}
	}
	return false
}

// arg resolves one operand, filling the inst's address fields for memory.
func (in *inst) arg(x x86asm.Arg, xi *x86asm.Inst) arg {
	switch v := x.(type) {
	case x86asm.Reg:
		if n, sz := gpr(v); sz != 0 {
			return arg{kind: aReg, reg: n, size: sz}
		}
		switch {
		case v >= x86asm.ES && v <= x86asm.GS:
			return arg{kind: aSeg, reg: uint8(v - x86asm.ES), size: 2}
		case v >= x86asm.CR0 && v <= x86asm.CR7:
			return arg{kind: aCR, reg: uint8(v - x86asm.CR0), size: 4}
		case v >= x86asm.DR0 && v <= x86asm.DR7:
			return arg{kind: aDR, reg: uint8(v - x86asm.DR0), size: 4}
		}
		return arg{kind: aOther}
	case x86asm.Mem:
		if v.Base != 0 {
			n, sz := gpr(v.Base)
			if sz < 2 {
				return arg{kind: aOther}
			}
			in.base = n
		}
		if v.Index != 0 {
			n, sz := gpr(v.Index)
			if sz < 2 {
				return arg{kind: aOther}
			}
			in.index = n
			switch v.Scale {
			case 2:
				in.scale = 1
			case 4:
				in.scale = 2
			case 8:
				in.scale = 3
			}
		}
		in.disp = uint32(v.Disp)
		switch {
		case v.Segment >= x86asm.ES && v.Segment <= x86asm.GS:
			in.seg = uint8(v.Segment - x86asm.ES)
		case in.base == ESP || in.base == EBP:
			in.seg = SS
		default:
			in.seg = DS
		}
		return arg{kind: aMem, size: uint8(xi.MemBytes)}
	case x86asm.Imm:
		return arg{kind: aImm, imm: uint32(v)}
	case x86asm.Rel:
		return arg{kind: aRel, imm: uint32(v)}
	}
	return arg{kind: aOther}
}

// rmArg records operand x as the inst's r/m operand: a register in rm,
// or memory (rm = noReg). It returns the operand size.
func (in *inst) rmArg(x arg) uint8 {
	if x.kind == aReg {
		in.rm = x.reg
		return x.size
	}
	in.rm = noReg
	return x.size
}

func isRM(x arg) bool { return x.kind == aReg || x.kind == aMem }

// pick chooses the handler. The operand size is taken from the operands
// themselves (x86asm's DataSize ignores byte forms).
func pick(in *inst, xi *x86asm.Inst, a []arg) handler {
	op := xi.Op
	n := len(a)
	if aop, ok := aluOf[op]; ok && n == 2 {
		in.sub = aop
		return pickALU(in, a)
	}
	if sh, ok := shiftOf[op]; ok && n == 2 && isRM(a[0]) {
		in.sub = sh
		in.size = in.rmArg(a[0])
		if a[1].kind == aImm {
			in.imm = a[1].imm
			return opShiftImm
		}
		return opShiftCL
	}
	if cc, ok := condOf[op]; ok {
		in.sub = cc
		switch {
		case n == 1 && a[0].kind == aRel:
			in.imm = a[0].imm
			return opJcc
		case n == 1 && isRM(a[0]):
			in.size = 1
			in.rmArg(a[0])
			return opSetcc
		case n == 2 && a[0].kind == aReg && isRM(a[1]):
			in.reg = a[0].reg
			in.size = a[0].size
			in.rmArg(a[1])
			return opCmov
		}
		return nil
	}
	if h := pickData(in, xi, a); h != nil {
		return h
	}
	if h := pickControl(in, xi, a); h != nil {
		return h
	}
	if h := pickString(in, xi, a); h != nil {
		return h
	}
	return pickSystem(in, xi, a)
}

// forms holds the handlers of a two-operand instruction (mov, the ALU
// group) by operand form; the *32 entries are the dword fast variants
// (the general handler again where a form has none).
type forms struct {
	rr, rr32, rm, rm32, mr, mr32, ri, ri32, mi handler
}

var (
	aluForms = forms{rr: opAluRR, rr32: opAluRR32, rm: opAluRM, rm32: opAluRM32,
		mr: opAluMR, mr32: opAluMR32, ri: opAluRI, ri32: opAluRI32, mi: opAluMI}
	// test m, r is test r, m: it only reads.
	testForms = forms{rr: opAluRR, rr32: opAluRR32, rm: opAluRM, rm32: opAluRM32,
		mr: opAluRM, mr32: opAluRM, ri: opAluRI, ri32: opAluRI32, mi: opAluMI}
	movForms = forms{rr: opMovRR, rr32: opMovRR32, rm: opMovRM, rm32: opMovRM32,
		mr: opMovMR, mr32: opMovMR32, ri: opMovRI, ri32: opMovRI, mi: opMovMI}
)

// pick fills the inst from operands d, s and returns the handler of their
// form; ok is false when they are none of r,r r,m m,r r,imm m,imm.
func (f *forms) pick(in *inst, d, s arg) (h handler, ok bool) {
	switch {
	case d.kind == aReg && s.kind == aReg:
		in.reg, in.rm, in.size = d.reg, s.reg, d.size
		return dword(d.size, f.rr, f.rr32), true
	case d.kind == aReg && s.kind == aMem:
		in.reg, in.size = d.reg, d.size
		return dword(d.size, f.rm, f.rm32), true
	case d.kind == aMem && s.kind == aReg:
		in.reg, in.size = s.reg, s.size
		return dword(s.size, f.mr, f.mr32), true
	case d.kind == aReg && s.kind == aImm:
		in.reg, in.size, in.imm = d.reg, d.size, s.imm&sizeMask[d.size]
		return dword(d.size, f.ri, f.ri32), true
	case d.kind == aMem && s.kind == aImm:
		in.size, in.imm = d.size, s.imm&sizeMask[d.size]
		if in.size == 0 {
			return nil, true
		}
		return f.mi, true
	}
	return nil, false
}

// dword returns h32 for a 4-byte operand, h otherwise.
func dword(size uint8, h, h32 handler) handler {
	if size == 4 {
		return h32
	}
	return h
}

func pickALU(in *inst, a []arg) handler {
	f := &aluForms
	if in.sub == aluTest {
		f = &testForms
	}
	h, _ := f.pick(in, a[0], a[1])
	return h
}

// pickData covers moves, exchanges, unary arithmetic, multiplication,
// bit operations and conversions.
func pickData(in *inst, xi *x86asm.Inst, a []arg) handler {
	n := len(a)
	switch xi.Op {
	case x86asm.MOV:
		return pickMov(in, a)
	case x86asm.MOVZX, x86asm.MOVSX:
		if n != 2 || a[0].kind != aReg || !isRM(a[1]) {
			return nil
		}
		in.reg, in.size = a[0].reg, a[0].size
		in.ssize = in.rmArg(a[1])
		if xi.Op == x86asm.MOVZX {
			return opMovzx
		}
		return opMovsx
	case x86asm.LEA:
		if n == 2 && a[0].kind == aReg && a[1].kind == aMem {
			in.reg, in.size = a[0].reg, a[0].size
			return opLea
		}
	case x86asm.XCHG:
		if n != 2 {
			return nil
		}
		r, m := a[0], a[1]
		if r.kind != aReg {
			r, m = m, r
		}
		if r.kind != aReg || !isRM(m) {
			return nil
		}
		in.reg, in.size = r.reg, r.size
		in.rmArg(m)
		return opXchg
	case x86asm.XADD, x86asm.CMPXCHG:
		if n != 2 || !isRM(a[0]) || a[1].kind != aReg {
			return nil
		}
		in.reg, in.size = a[1].reg, a[1].size
		in.rmArg(a[0])
		if xi.Op == x86asm.XADD {
			return opXadd
		}
		return opCmpxchg
	case x86asm.CMPXCHG8B:
		if n == 1 && a[0].kind == aMem {
			in.rm = noReg
			return opCmpxchg8b
		}
	case x86asm.BSWAP:
		if n == 1 && a[0].kind == aReg && a[0].size == 4 {
			in.reg = a[0].reg
			return opBswap
		}
	case x86asm.INC, x86asm.DEC, x86asm.NEG, x86asm.NOT:
		if n != 1 || !isRM(a[0]) {
			return nil
		}
		in.size = in.rmArg(a[0])
		switch xi.Op {
		case x86asm.INC:
			return opInc
		case x86asm.DEC:
			return opDec
		case x86asm.NEG:
			return opNeg
		}
		return opNot
	case x86asm.MUL, x86asm.IMUL, x86asm.DIV, x86asm.IDIV:
		return pickMul(in, xi, a)
	case x86asm.SHLD, x86asm.SHRD:
		if n != 3 || !isRM(a[0]) || a[1].kind != aReg {
			return nil
		}
		in.size = in.rmArg(a[0])
		in.reg = a[1].reg
		if xi.Op == x86asm.SHRD {
			in.sub = 1
		}
		if a[2].kind == aImm {
			in.imm = a[2].imm
			return opShldImm
		}
		return opShldCL
	case x86asm.BT, x86asm.BTS, x86asm.BTR, x86asm.BTC:
		if n != 2 || !isRM(a[0]) {
			return nil
		}
		in.sub = map[x86asm.Op]uint8{x86asm.BT: 0, x86asm.BTS: 1, x86asm.BTR: 2, x86asm.BTC: 3}[xi.Op]
		in.size = in.rmArg(a[0])
		if in.size == 0 {
			in.size = uint8(xi.DataSize / 8)
		}
		if a[1].kind == aImm {
			in.imm = a[1].imm
			return opBtImm
		}
		if a[1].kind == aReg {
			in.reg = a[1].reg
			return opBtReg
		}
	case x86asm.BSF, x86asm.BSR, x86asm.TZCNT, x86asm.LZCNT:
		// f3 0f bc/bd is tzcnt/lzcnt only with BMI1/ABM; a Pentium
		// ignores the rep prefix and runs bsf/bsr (gcc emits "rep bsf"
		// for __builtin_ctz relying on exactly that).
		if n == 2 && a[0].kind == aReg && isRM(a[1]) {
			in.reg, in.size = a[0].reg, a[0].size
			in.rmArg(a[1])
			if xi.Op == x86asm.BSR || xi.Op == x86asm.LZCNT {
				in.sub = 1
			}
			return opBsf
		}
	case x86asm.CBW, x86asm.CWDE:
		return opCbw
	case x86asm.CWD, x86asm.CDQ:
		return opCwd
	case x86asm.LAHF:
		return opLahf
	case x86asm.SAHF:
		return opSahf
	case x86asm.CLC, x86asm.STC, x86asm.CMC, x86asm.CLD, x86asm.STD:
		in.sub = map[x86asm.Op]uint8{x86asm.CLC: 0, x86asm.STC: 1, x86asm.CMC: 2, x86asm.CLD: 3, x86asm.STD: 4}[xi.Op]
		return opFlagOp
	case x86asm.NOP, x86asm.PAUSE:
		return opNop
	case x86asm.XLATB:
		return opXlat
	case x86asm.DAA, x86asm.DAS, x86asm.AAA, x86asm.AAS:
		in.sub = map[x86asm.Op]uint8{x86asm.DAA: 0, x86asm.DAS: 1, x86asm.AAA: 2, x86asm.AAS: 3}[xi.Op]
		return opBCD
	case x86asm.AAM, x86asm.AAD:
		if n == 1 && a[0].kind == aImm {
			in.imm = a[0].imm & 0xFF
			if xi.Op == x86asm.AAD {
				return opAad
			}
			return opAam
		}
	case x86asm.LDS, x86asm.LES, x86asm.LFS, x86asm.LGS, x86asm.LSS:
		if n == 2 && a[0].kind == aReg && a[1].kind == aMem {
			in.reg, in.size = a[0].reg, a[0].size
			in.sub = map[x86asm.Op]uint8{x86asm.LDS: DS, x86asm.LES: ES, x86asm.LFS: FS, x86asm.LGS: GS, x86asm.LSS: SS}[xi.Op]
			return opLoadFar
		}
	case x86asm.BOUND:
		if n == 2 && a[0].kind == aReg && a[1].kind == aMem {
			in.reg, in.size = a[0].reg, a[0].size
			return opBound
		}
	}
	return nil
}

func pickMov(in *inst, a []arg) handler {
	if len(a) != 2 {
		return nil
	}
	d, s := a[0], a[1]
	if h, ok := movForms.pick(in, d, s); ok {
		return h
	}
	switch {
	case s.kind == aSeg && isRM(d):
		in.sub = s.reg
		if d.kind == aReg {
			in.size = d.size
		} else {
			in.size = 2
		}
		in.rmArg(d)
		return opMovFromSeg
	case d.kind == aSeg && isRM(s):
		if d.reg == CS {
			return opUD
		}
		in.sub = d.reg
		in.size = 2
		in.rmArg(s)
		return opMovToSeg
	case d.kind == aCR && s.kind == aReg:
		in.sub, in.rm = d.reg, s.reg
		return opMovToCR
	case d.kind == aReg && s.kind == aCR:
		in.sub, in.rm = s.reg, d.reg
		return opMovFromCR
	case d.kind == aDR && s.kind == aReg:
		in.sub, in.rm = d.reg, s.reg
		return opMovToDR
	case d.kind == aReg && s.kind == aDR:
		in.sub, in.rm = s.reg, d.reg
		return opMovFromDR
	}
	return nil
}

func pickMul(in *inst, xi *x86asm.Inst, a []arg) handler {
	switch len(a) {
	case 1:
		if !isRM(a[0]) {
			return nil
		}
		in.size = in.rmArg(a[0])
		switch xi.Op {
		case x86asm.MUL:
			return opMul
		case x86asm.IMUL:
			return opImul1
		case x86asm.DIV:
			return opDiv
		}
		return opIdiv
	case 2, 3:
		if xi.Op != x86asm.IMUL || a[0].kind != aReg || !isRM(a[1]) {
			return nil
		}
		in.reg, in.size = a[0].reg, a[0].size
		in.rmArg(a[1])
		if len(a) == 3 {
			if a[2].kind != aImm {
				return nil
			}
			in.imm = a[2].imm
			return opImul3
		}
		return opImul2
	}
	return nil
}

// pickControl covers branches, calls, the stack and interrupts.
func pickControl(in *inst, xi *x86asm.Inst, a []arg) handler {
	n := len(a)
	osz := uint8(xi.DataSize / 8)
	switch xi.Op {
	case x86asm.JMP, x86asm.CALL:
		in.size = osz
		call := xi.Op == x86asm.CALL
		if n == 1 && a[0].kind == aRel {
			in.imm = a[0].imm
			if call {
				return opCallRel
			}
			return opJmpRel
		}
		if n == 1 && isRM(a[0]) {
			in.rmArg(a[0])
			if call {
				return opCallInd
			}
			return opJmpInd
		}
	case x86asm.LJMP, x86asm.LCALL:
		in.size = osz
		in.sub = 0
		if xi.Op == x86asm.LCALL {
			in.sub = 1
		}
		if n == 2 && a[0].kind == aImm && a[1].kind == aImm {
			in.imm2, in.imm = a[0].imm&0xFFFF, a[1].imm
			return opFarDirect
		}
		if n == 1 && a[0].kind == aMem {
			in.rm = noReg
			return opFarInd
		}
	case x86asm.RET, x86asm.LRET:
		in.size = osz
		if n == 1 && a[0].kind == aImm {
			in.imm = a[0].imm & 0xFFFF
		}
		if xi.Op == x86asm.LRET {
			return opRetFar
		}
		return opRet
	case x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE, x86asm.JCXZ, x86asm.JECXZ:
		if n != 1 || a[0].kind != aRel {
			return nil
		}
		in.size = osz
		in.imm = a[0].imm
		in.sub = map[x86asm.Op]uint8{x86asm.LOOP: 0, x86asm.LOOPE: 1, x86asm.LOOPNE: 2, x86asm.JCXZ: 3, x86asm.JECXZ: 3}[xi.Op]
		return opLoop
	case x86asm.PUSH:
		in.size = osz
		if n != 1 {
			return nil
		}
		switch a[0].kind {
		case aReg:
			in.reg = a[0].reg
			in.size = a[0].size
			if in.size == 4 {
				return opPushR32
			}
			return opPushR
		case aMem:
			in.rm = noReg
			return opPushM
		case aImm:
			in.imm = a[0].imm
			return opPushI
		case aSeg:
			in.sub = a[0].reg
			return opPushSeg
		}
	case x86asm.POP:
		in.size = osz
		if n != 1 {
			return nil
		}
		switch a[0].kind {
		case aReg:
			in.reg = a[0].reg
			in.size = a[0].size
			return opPopR
		case aMem:
			in.rm = noReg
			return opPopM
		case aSeg:
			if a[0].reg == CS {
				return opUD
			}
			in.sub = a[0].reg
			return opPopSeg
		}
	case x86asm.PUSHA, x86asm.PUSHAD:
		in.size = osz
		return opPusha
	case x86asm.POPA, x86asm.POPAD:
		in.size = osz
		return opPopa
	case x86asm.PUSHF, x86asm.PUSHFD:
		in.size = osz
		return opPushf
	case x86asm.POPF, x86asm.POPFD:
		in.size = osz
		return opPopf
	case x86asm.ENTER:
		if n == 2 {
			in.size = osz
			in.imm, in.imm2 = a[0].imm&0xFFFF, a[1].imm&0x1F
			return opEnter
		}
	case x86asm.LEAVE:
		in.size = osz
		return opLeave
	case x86asm.INT:
		if n == 1 && a[0].kind == aImm {
			in.imm = a[0].imm & 0xFF
			if xi.Len == 1 && xi.Opcode>>24 == 0xCC {
				in.sub = 1 // int3
			}
			return opInt
		}
	case x86asm.INTO:
		return opInto
	case x86asm.IRET, x86asm.IRETD:
		in.size = osz
		return opIret
	case x86asm.HLT:
		return opHlt
	case x86asm.UD2:
		return opUD
	}
	return nil
}

// pickString covers the string instructions. The memory operands are
// implied (ESI/EDI); in.seg is the source segment (DS or the override).
func pickString(in *inst, xi *x86asm.Inst, a []arg) handler {
	var h handler
	switch xi.Op {
	case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD:
		h = opMovs
	case x86asm.STOSB, x86asm.STOSW, x86asm.STOSD:
		h = opStos
	case x86asm.LODSB, x86asm.LODSW, x86asm.LODSD:
		h = opLods
	case x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD:
		h = opCmps
	case x86asm.SCASB, x86asm.SCASW, x86asm.SCASD:
		h = opScas
	case x86asm.INSB, x86asm.INSW, x86asm.INSD:
		h = opIns
	case x86asm.OUTSB, x86asm.OUTSW, x86asm.OUTSD:
		h = opOuts
	default:
		return nil
	}
	switch xi.Op {
	case x86asm.MOVSB, x86asm.STOSB, x86asm.LODSB, x86asm.CMPSB, x86asm.SCASB, x86asm.INSB, x86asm.OUTSB:
		in.size = 1
	case x86asm.MOVSW, x86asm.STOSW, x86asm.LODSW, x86asm.CMPSW, x86asm.SCASW, x86asm.INSW, x86asm.OUTSW:
		in.size = 2
	default:
		in.size = 4
	}
	// The source segment: an override, else DS. x86asm puts the
	// override in the source Mem operand.
	in.seg = DS
	for _, x := range xi.Args[:2] {
		if m, ok := x.(x86asm.Mem); ok && (m.Base == x86asm.ESI || m.Base == x86asm.SI) &&
			m.Segment >= x86asm.ES && m.Segment <= x86asm.GS {
			in.seg = uint8(m.Segment - x86asm.ES)
		}
	}
	if seg := segOverride(xi); seg >= 0 {
		in.seg = uint8(seg)
	}
	in.base, in.index = noReg, noReg
	return h
}

// pickSystem covers I/O, flags control, descriptor tables and the other
// system instructions.
func pickSystem(in *inst, xi *x86asm.Inst, a []arg) handler {
	n := len(a)
	switch xi.Op {
	case x86asm.IN:
		if n == 2 && a[0].kind == aReg {
			in.size = a[0].size
			if a[1].kind == aImm {
				in.imm, in.sub = a[1].imm&0xFF, 1
			}
			return opIn
		}
	case x86asm.OUT:
		if n == 2 && a[1].kind == aReg {
			in.size = a[1].size
			if a[0].kind == aImm {
				in.imm, in.sub = a[0].imm&0xFF, 1
			}
			return opOut
		}
	case x86asm.CLI:
		return opCli
	case x86asm.STI:
		return opSti
	case x86asm.LGDT, x86asm.LIDT, x86asm.SGDT, x86asm.SIDT:
		if n == 1 && a[0].kind == aMem {
			in.rm = noReg
			in.sub = map[x86asm.Op]uint8{x86asm.LGDT: 0, x86asm.LIDT: 1, x86asm.SGDT: 2, x86asm.SIDT: 3}[xi.Op]
			return opDescTable
		}
	case x86asm.LLDT, x86asm.LTR, x86asm.SLDT, x86asm.STR, x86asm.LMSW, x86asm.SMSW,
		x86asm.VERR, x86asm.VERW:
		if n == 1 && isRM(a[0]) {
			sz := in.rmArg(a[0])
			in.size = 2
			if a[0].kind == aReg {
				in.size = sz
			}
			switch xi.Op {
			case x86asm.LLDT:
				return opLldt
			case x86asm.LTR:
				return opLtr
			case x86asm.SLDT, x86asm.STR, x86asm.SMSW:
				in.sub = map[x86asm.Op]uint8{x86asm.SLDT: 0, x86asm.STR: 1, x86asm.SMSW: 2}[xi.Op]
				return opStoreSys
			case x86asm.LMSW:
				return opLmsw
			case x86asm.VERR:
				return opVerr
			}
			in.sub = 1
			return opVerr
		}
	case x86asm.LAR, x86asm.LSL:
		if n == 2 && a[0].kind == aReg && isRM(a[1]) {
			in.reg, in.size = a[0].reg, a[0].size
			in.rmArg(a[1])
			if xi.Op == x86asm.LSL {
				in.sub = 1
			}
			return opLar
		}
	case x86asm.ARPL:
		if n == 2 && isRM(a[0]) && a[1].kind == aReg {
			in.size = 2
			in.rmArg(a[0])
			in.reg = a[1].reg
			return opArpl
		}
	case x86asm.INVLPG:
		if n == 1 && a[0].kind == aMem {
			return opInvlpg
		}
	case x86asm.CLTS:
		return opClts
	case x86asm.WBINVD, x86asm.INVD:
		return opPrivNop
	case x86asm.CPUID:
		return opCpuid
	case x86asm.RDTSC:
		return opRdtsc
	case x86asm.RDMSR:
		return opRdmsr
	case x86asm.WRMSR:
		return opWrmsr
	}
	return nil
}
