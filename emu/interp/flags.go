package interp

// Lazy arithmetic flags. ALU instructions record the operation, its
// operand size, operands and result in c.lazy instead of computing the six
// arithmetic flags; a flag is computed only when something reads it
// (jcc, setcc, pushf, an interrupt). While c.lazy.op != lzNone the
// arithmetic bits of c.flags are stale; every other EFLAGS bit in c.flags
// is always current.

// Lazy operation kinds.
const (
	lzNone  = iota // arithmetic flags are in c.flags
	lzAdd          // a + b
	lzAdc          // a + b + cf
	lzSub          // a - b (also cmp, neg with a = 0)
	lzSbb          // a - b - cf
	lzLogic        // and/or/xor/test: CF=OF=AF=0
	lzInc          // a + 1, CF preserved in cf
	lzDec          // a - 1, CF preserved in cf
)

type lazyFlags struct {
	op   uint8
	size uint8  // operand size in bytes: 1, 2 or 4
	a, b uint32 // operands, masked to size
	res  uint32 // result, masked to size
	cf   uint32 // carry in (adc/sbb) or preserved CF (inc/dec): 0 or 1
}

var sizeMask = [5]uint32{1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF}
var signBit = [5]uint32{1: 0x80, 2: 0x8000, 4: 0x80000000}

// parity[b] is FlagPF when b has an even number of set bits.
var parity = func() (t [256]uint8) {
	for i := range t {
		n := 0
		for b := i; b != 0; b >>= 1 {
			n += b & 1
		}
		if n%2 == 0 {
			t[i] = FlagPF
		}
	}
	return
}()

// Flags returns EFLAGS with the lazily computed arithmetic flags applied.
func (c *CPU) Flags() uint32 {
	c.materialize()
	return c.flags | 2
}

// SetFlags sets EFLAGS (all bits, no privilege checks: for loaders and
// debuggers).
func (c *CPU) SetFlags(v uint32) {
	c.lazy.op = lzNone
	c.flags = v&^(1<<1|1<<3|1<<5|1<<15) | 2
}

// materialize computes the pending arithmetic flags into c.flags.
func (c *CPU) materialize() {
	if c.lazy.op == lzNone {
		return
	}
	c.flags = c.flags&^ArithFlags | c.lazy.compute()
	c.lazy.op = lzNone
}

// compute returns the six arithmetic flags of a pending lazy operation.
func (l *lazyFlags) compute() uint32 {
	var f uint32
	if l.cfBit() != 0 {
		f |= FlagCF
	}
	f |= uint32(parity[uint8(l.res)])
	if l.op != lzLogic && (l.a^l.b^l.res)&0x10 != 0 {
		f |= FlagAF
	}
	if l.res == 0 {
		f |= FlagZF
	}
	if l.res&signBit[l.size] != 0 {
		f |= FlagSF
	}
	if l.ofBit() {
		f |= FlagOF
	}
	return f
}

func (l *lazyFlags) cfBit() uint32 {
	switch l.op {
	case lzAdd:
		if l.res < l.a {
			return 1
		}
	case lzAdc:
		if l.res < l.a || (l.cf != 0 && l.res == l.a) {
			return 1
		}
	case lzSub:
		if l.a < l.b {
			return 1
		}
	case lzSbb:
		if l.a < l.b || (l.cf != 0 && l.a == l.b) {
			return 1
		}
	case lzInc, lzDec:
		return l.cf
	}
	return 0
}

func (l *lazyFlags) ofBit() bool {
	sb := signBit[l.size]
	switch l.op {
	case lzAdd, lzAdc, lzInc:
		return (l.a^l.res)&(l.b^l.res)&sb != 0
	case lzSub, lzSbb, lzDec:
		return (l.a^l.b)&(l.a^l.res)&sb != 0
	}
	return false
}

// Individual flag reads, without materialising everything.

func (c *CPU) getCF() bool {
	if c.lazy.op == lzNone {
		return c.flags&FlagCF != 0
	}
	return c.lazy.cfBit() != 0
}

func (c *CPU) cfVal() uint32 {
	if c.getCF() {
		return 1
	}
	return 0
}

func (c *CPU) getZF() bool {
	if c.lazy.op == lzNone {
		return c.flags&FlagZF != 0
	}
	return c.lazy.res == 0
}

func (c *CPU) getSF() bool {
	if c.lazy.op == lzNone {
		return c.flags&FlagSF != 0
	}
	return c.lazy.res&signBit[c.lazy.size] != 0
}

func (c *CPU) getOF() bool {
	if c.lazy.op == lzNone {
		return c.flags&FlagOF != 0
	}
	return c.lazy.ofBit()
}

func (c *CPU) getPF() bool {
	if c.lazy.op == lzNone {
		return c.flags&FlagPF != 0
	}
	return parity[uint8(c.lazy.res)] != 0
}

// cond evaluates condition code cc (the low nibble of jcc/setcc/cmovcc).
func (c *CPU) cond(cc uint8) bool {
	// Fast paths for the common compare-and-branch pairs.
	if c.lazy.op == lzSub {
		a, b := c.lazy.a, c.lazy.b
		switch cc {
		case 2:
			return a < b
		case 3:
			return a >= b
		case 4:
			return a == b
		case 5:
			return a != b
		case 6:
			return a <= b
		case 7:
			return a > b
		case 0xC, 0xD, 0xE, 0xF:
			sh := 32 - 8*uint32(c.lazy.size)
			sa, sb := int32(a<<sh), int32(b<<sh)
			switch cc {
			case 0xC:
				return sa < sb
			case 0xD:
				return sa >= sb
			case 0xE:
				return sa <= sb
			default:
				return sa > sb
			}
		}
	}
	var r bool
	switch cc >> 1 {
	case 0:
		r = c.getOF()
	case 1:
		r = c.getCF()
	case 2:
		r = c.getZF()
	case 3:
		r = c.getCF() || c.getZF()
	case 4:
		r = c.getSF()
	case 5:
		r = c.getPF()
	case 6:
		r = c.getSF() != c.getOF()
	case 7:
		r = c.getZF() || c.getSF() != c.getOF()
	}
	return r != (cc&1 != 0)
}

// setArith replaces the arithmetic flags with f (eagerly computed).
func (c *CPU) setArith(f uint32) {
	c.lazy.op = lzNone
	c.flags = c.flags&^ArithFlags | f&ArithFlags
}

// szp returns the SF, ZF and PF of a result of the given size.
func szp(res uint32, size uint8) uint32 {
	res &= sizeMask[size]
	f := uint32(parity[uint8(res)])
	if res == 0 {
		f |= FlagZF
	}
	if res&signBit[size] != 0 {
		f |= FlagSF
	}
	return f
}
