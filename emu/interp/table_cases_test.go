package interp_test

// The ALU case table shared by the table test (interp vs the model in
// table_model_test.go) and the two oracles (interp vs the host CPU, interp
// vs QEMU). A case is one instruction with fixed register operands:
// destination EAX (AL/AX), source EBX (BL/BX), count CL, the high half
// of mul/div in EDX (AH for 8 bits), cmpxchg's new value in ECX. Its
// machine code comes from the small encoder below, so every side runs
// exactly the same bytes; x86asm decodes them back as a self-check.

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

type aluCase struct {
	op   string // model name: an x86 mnemonic, or imul2/imul3
	size int    // operand size: 8, 16 or 32
	form string // "" (reg, reg), "imm", "imm8", "1", "cl"
	imm  uint8  // 8-bit immediate of the imm forms that have one
	in   regs
}

// aluGroup1 is the /digit of the 80/81/83 group and the opcode row of the
// two-register forms.
var aluGroup1 = map[string]byte{"add": 0, "or": 1, "adc": 2, "sbb": 3, "and": 4, "sub": 5, "xor": 6, "cmp": 7}

var aluGroup2 = map[string]byte{"rol": 0, "ror": 1, "rcl": 2, "rcr": 3, "shl": 4, "shr": 5, "sar": 7}

var aluGroup3 = map[string]byte{"not": 2, "neg": 3, "mul": 4, "imul": 5, "div": 6, "idiv": 7}

var aluBitOp = map[string]byte{"bt": 4, "bts": 5, "btr": 6, "btc": 7}

var aluOneByte = map[string][]byte{
	"daa": {0x27}, "das": {0x2f}, "aaa": {0x37}, "aas": {0x3f},
	"aam": {0xd4, 0x0a}, "aad": {0xd5, 0x0a},
	"bswap": {0x0f, 0xc8}, "cbw": {0x98}, "cwd": {0x99},
	"lahf": {0x9f}, "sahf": {0x9e}, "cmc": {0xf5}, "clc": {0xf8}, "stc": {0xf9},
}

func le(v uint32, size int) []byte {
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return b[:size/8]
}

// code encodes c. ModRM bytes: D8 = (reg EBX, rm EAX), C3 = (reg EAX, rm
// EBX), CB = (reg ECX, rm EBX); C0|n<<3 = (/n, rm EAX).
func (c aluCase) code() []byte {
	var p []byte
	if c.size == 16 {
		p = append(p, 0x66)
	}
	w := byte(1)
	if c.size == 8 {
		w = 0
	}
	if n, ok := aluGroup1[c.op]; ok {
		switch c.form {
		case "":
			return append(p, n<<3|w, 0xd8)
		case "imm":
			return append(append(p, 0x80|w, 0xc0|n<<3), le(c.in.B, c.size)...)
		case "imm8":
			return append(p, 0x83, 0xc0|n<<3, byte(c.in.B))
		}
	}
	if n, ok := aluGroup2[c.op]; ok {
		switch c.form {
		case "1":
			return append(p, 0xd0|w, 0xc0|n<<3)
		case "cl":
			return append(p, 0xd2|w, 0xc0|n<<3)
		case "imm":
			return append(p, 0xc0|w, 0xc0|n<<3, c.imm)
		}
	}
	if n, ok := aluGroup3[c.op]; ok {
		rm := byte(0) // not/neg: EAX
		if c.op != "not" && c.op != "neg" {
			rm = 3 // mul/div: EBX
		}
		return append(p, 0xf6|w, 0xc0|n<<3|rm)
	}
	if n, ok := aluBitOp[c.op]; ok {
		if c.form == "imm" {
			return append(p, 0x0f, 0xba, 0xc0|n<<3, c.imm)
		}
		return append(p, 0x0f, 0xa3|(n-4)<<3, 0xd8)
	}
	if b, ok := aluOneByte[c.op]; ok {
		return append(p, b...)
	}
	switch c.op {
	case "test":
		if c.form == "imm" {
			return append(append(p, 0xf6|w, 0xc0), le(c.in.B, c.size)...)
		}
		return append(p, 0x84|w, 0xd8)
	case "inc":
		return append(p, 0xfe|w, 0xc0)
	case "dec":
		return append(p, 0xfe|w, 0xc8)
	case "shld", "shrd":
		op := byte(0xa4)
		if c.op == "shrd" {
			op = 0xac
		}
		if c.form == "cl" {
			return append(p, 0x0f, op|1, 0xd8)
		}
		return append(p, 0x0f, op, 0xd8, c.imm)
	case "imul2":
		return append(p, 0x0f, 0xaf, 0xc3)
	case "imul3":
		return append(p, 0x6b, 0xc3, c.imm)
	case "bsf":
		return append(p, 0x0f, 0xbc, 0xc3)
	case "bsr":
		return append(p, 0x0f, 0xbd, 0xc3)
	case "xadd":
		return append(p, 0x0f, 0xc0|w, 0xd8)
	case "cmpxchg":
		return append(p, 0x0f, 0xb0|w, 0xcb)
	case "movzx":
		return append(p, 0x0f, 0xb6, 0xc3)
	case "movsx":
		return append(p, 0x0f, 0xbe, 0xc3)
	}
	panic("encoder: unknown op " + c.op)
}

// asm disassembles c's code (Intel syntax), for reports.
func (c aluCase) asm() string {
	in, err := x86asm.Decode(c.code(), 32)
	if err != nil {
		return fmt.Sprintf("%s(undecodable % x)", c.op, c.code())
	}
	return x86asm.IntelSyntax(in, 0, nil)
}

func (c aluCase) String() string {
	return fmt.Sprintf("%s [% x] in eax=%#x ebx=%#x ecx=%#x edx=%#x flags=%s",
		c.asm(), c.code(), c.in.A, c.in.B, c.in.C, c.in.D, flagString(c.in.F))
}

// flagString names the arithmetic flags set in f.
func flagString(f uint32) string {
	var s []string
	for _, x := range []struct {
		bit  uint32
		name string
	}{{fCF, "CF"}, {fPF, "PF"}, {fAF, "AF"}, {fZF, "ZF"}, {fSF, "SF"}, {fOF, "OF"}} {
		if f&x.bit != 0 {
			s = append(s, x.name)
		}
	}
	return fmt.Sprintf("%#x{%s}", f, strings.Join(s, ","))
}

// mnemonic is what x86asm must print for c (the self-check of the
// encoder).
func (c aluCase) mnemonic() string {
	switch c.op {
	case "imul2", "imul3":
		return "imul"
	case "cbw":
		if c.size == 32 {
			return "cwde"
		}
	case "cwd":
		if c.size == 32 {
			return "cdq"
		}
	}
	return c.op
}

// compareWords reports, for words got/want with defined bits def, a
// description of each difference ("" if none).
func compareWords(got, want, def [5]uint32) string {
	var diffs []string
	for i := range got {
		if (got[i]^want[i])&def[i] == 0 {
			continue
		}
		if i == 4 {
			diffs = append(diffs, fmt.Sprintf("eflags got %s want %s (compared %s)",
				flagString(got[i]&arith), flagString(want[i]&arith), flagString(def[i])))
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s got %#x want %#x", regNames[i], got[i], want[i]))
	}
	return strings.Join(diffs, "; ")
}

// aluGen draws operands: edge values of each size and seeded random ones.
type aluGen struct {
	r     *rand.Rand
	cases []aluCase
}

func edgeValues(size int) []uint32 {
	m := sizeMask(size)
	h := signBit(size)
	return []uint32{0, 1, 2, 0x0f, 0x10, h - 1, h, h + 1, m - 1, m, 0x5555_5555 & m}
}

// val returns an edge value or a random one, each half of the time.
func (g *aluGen) val(size int) uint32 {
	if g.r.IntN(2) == 0 {
		e := edgeValues(size)
		return e[g.r.IntN(len(e))]
	}
	return g.r.Uint32() & sizeMask(size)
}

// add appends a case whose operands a (EAX), b (EBX) fill the low size
// bits of registers whose other bits are random.
func (g *aluGen) add(op string, size int, form string, imm uint8, a, b, cReg, d uint32) {
	m := sizeMask(size)
	junk := func(v uint32) uint32 { return g.r.Uint32()&^m | v&m }
	in := regs{A: junk(a), B: junk(b), C: junk(cReg), D: junk(d), F: g.r.Uint32() & arith}
	if size == 8 && form == "" && (op == "mul" || op == "imul" || op == "div" || op == "idiv") {
		in.A = in.A&^0xffff | d<<8&0xff00 | a&0xff // AH is the high half
	}
	g.cases = append(g.cases, aluCase{op: op, size: size, form: form, imm: imm, in: in})
}

// genALUCases builds the deterministic case table for seed.
func genALUCases(seed uint64) []aluCase {
	g := &aluGen{r: rand.New(rand.NewPCG(seed, 0x1386))}
	sizes := []int{8, 16, 32}
	rnd := func() uint32 { return g.r.Uint32() }

	for _, op := range []string{"add", "adc", "sub", "sbb", "cmp", "and", "or", "xor", "test"} {
		for _, s := range sizes {
			e := edgeValues(s)[:9]
			for _, a := range e[:8] {
				for _, b := range e[1:] {
					g.add(op, s, "", 0, a, b, rnd(), rnd())
				}
			}
			for range 16 {
				g.add(op, s, "", 0, g.val(s), g.val(s), rnd(), rnd())
				g.add(op, s, "imm", 0, g.val(s), g.val(s), rnd(), rnd())
				if s != 8 && op != "test" {
					g.add(op, s, "imm8", 0, g.val(s), uint32(int32(int8(rnd()))), rnd(), rnd())
				}
			}
		}
	}
	for _, op := range []string{"inc", "dec", "neg", "not"} {
		for _, s := range sizes {
			for _, a := range edgeValues(s) {
				g.add(op, s, "", 0, a, rnd(), rnd(), rnd())
			}
			for range 9 {
				g.add(op, s, "", 0, g.val(s), rnd(), rnd(), rnd())
			}
		}
	}
	for _, op := range []string{"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"} {
		for _, s := range sizes {
			counts := []uint32{0, 1, 2, uint32(s) - 1, uint32(s), uint32(s) + 1, 31, 32, 33, 0xff}
			for _, n := range counts {
				for range 6 {
					g.add(op, s, "cl", 0, g.val(s), rnd(), n|rnd()&^0xff, rnd())
				}
			}
			for range 12 {
				g.add(op, s, "1", 0, g.val(s), rnd(), rnd(), rnd())
				g.add(op, s, "imm", uint8(g.r.IntN(40)), g.val(s), rnd(), rnd(), rnd())
			}
		}
	}
	for _, op := range []string{"shld", "shrd"} {
		for _, s := range []int{16, 32} {
			for _, n := range []uint32{0, 1, 2, uint32(s) - 1, uint32(s), uint32(s) + 1, 31} {
				for range 4 {
					g.add(op, s, "cl", 0, g.val(s), g.val(s), n|rnd()&^0xff, rnd())
				}
			}
			for range 12 {
				g.add(op, s, "imm", uint8(g.r.IntN(s+1)), g.val(s), g.val(s), rnd(), rnd())
			}
		}
	}
	for _, op := range []string{"mul", "imul"} {
		for _, s := range sizes {
			for range 40 {
				g.add(op, s, "", 0, g.val(s), g.val(s), rnd(), rnd())
			}
		}
	}
	for _, op := range []string{"div", "idiv"} {
		for _, s := range sizes {
			for n := 0; n < 40; {
				g.add(op, s, "", 0, g.val(s), g.val(s), rnd(), g.val(s))
				if _, _, fault := g.cases[len(g.cases)-1].expect(); fault {
					g.cases = g.cases[:len(g.cases)-1] // #DE cases live in exc_cpu_test.go
					continue
				}
				n++
			}
		}
	}
	for _, s := range []int{16, 32} {
		for range 30 {
			g.add("imul2", s, "", 0, g.val(s), g.val(s), rnd(), rnd())
			g.add("imul3", s, "", uint8(rnd()), rnd(), g.val(s), rnd(), rnd())
		}
		for _, op := range []string{"bt", "bts", "btr", "btc"} {
			for range 24 {
				g.add(op, s, "", 0, g.val(s), rnd()&63, rnd(), rnd())
			}
			for range 12 {
				g.add(op, s, "imm", uint8(rnd()), g.val(s), rnd(), rnd(), rnd())
			}
		}
		for _, op := range []string{"bsf", "bsr"} {
			for range 24 {
				b := g.val(s)
				if g.r.IntN(4) == 0 {
					b = 1 << g.r.IntN(s)
				}
				g.add(op, s, "", 0, rnd(), b, rnd(), rnd())
			}
		}
	}
	for _, s := range sizes {
		for range 24 {
			g.add("xadd", s, "", 0, g.val(s), g.val(s), rnd(), rnd())
			a := g.val(s)
			b := a
			if g.r.IntN(2) == 0 {
				b = g.val(s)
			}
			g.add("cmpxchg", s, "", 0, a, b, rnd(), rnd())
		}
	}
	for _, op := range []string{"daa", "das", "aaa", "aas"} {
		for range 64 {
			g.add(op, 8, "", 0, rnd(), rnd(), rnd(), rnd())
		}
	}
	for _, op := range []string{"aam", "aad", "lahf", "sahf", "cmc", "clc", "stc"} {
		for range 12 {
			g.add(op, 8, "", 0, rnd(), rnd(), rnd(), rnd())
		}
	}
	for range 8 {
		g.add("bswap", 32, "", 0, rnd(), rnd(), rnd(), rnd())
		for _, s := range []int{16, 32} {
			for _, op := range []string{"cbw", "cwd", "movzx", "movsx"} {
				g.add(op, s, "", 0, rnd(), rnd(), rnd(), rnd())
			}
		}
	}
	return g.cases
}
