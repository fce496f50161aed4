package gdbstub

import (
	"encoding/binary"

	"dfemu/emu/interp"
	"dfemu/internal/gdbproto"
)

// Registers in the order and sizes of targetXML (gdb's register numbers):
//
//	0-7    eax ecx edx ebx esp ebp esi edi     4 bytes
//	8-9    eip eflags                          4
//	10-15  cs ss ds es fs gs (selectors)       4
//	16-23  st0-st7                             10 (always 0: no x87)
//	24-31  fctrl fstat ftag fiseg fioff foseg fooff fop   4 (0)
//	32-35  cr0 cr2 cr3 cr4 (org.dfemu.i386.sys)           4
const (
	regEIP    = 8
	regEFLAGS = 9
	regCS     = 10
	regST0    = 16
	regFCTRL  = 24
	regCR0    = 32
	numRegs   = 36
)

// gdb's segment order (cs ss ds es fs gs) as interp segment numbers.
var segOrder = [6]int{interp.CS, interp.SS, interp.DS, interp.ES, interp.FS, interp.GS}

func regSize(n int) int {
	if n >= regST0 && n < regFCTRL {
		return 10
	}
	return 4
}

// regValue is register n's 32-bit value (0 for the x87 ones).
func regValue(c *interp.CPU, n int) uint32 {
	switch {
	case n < 8:
		return c.R[n]
	case n == regEIP:
		return c.EIP
	case n == regEFLAGS:
		return c.Flags()
	case n < regST0:
		return uint32(c.Seg[segOrder[n-regCS]].Sel)
	case n < regCR0:
		return 0
	}
	return [4]uint32{c.CR0, c.CR2, c.CR3, c.CR4}[n-regCR0]
}

// readRegs is a 'g' reply.
func readRegs(c *interp.CPU) []byte {
	var out []byte
	for n := 0; n < numRegs; n++ {
		out = appendReg(out, c, n)
	}
	return out
}

func appendReg(out []byte, c *interp.CPU, n int) []byte {
	if regSize(n) == 10 {
		return gdbproto.AppendHex(out, make([]byte, 10))
	}
	return gdbproto.AppendHex32LE(out, regValue(c, n))
}

// setReg sets register n; false for one that cannot change this way: a
// segment selector (loading one needs a descriptor; gdb may rewrite the
// same value), an x87 register other than to 0.
func setReg(c *interp.CPU, n int, b []byte) bool {
	if regSize(n) == 10 {
		return allZero(b)
	}
	v := binary.LittleEndian.Uint32(b)
	switch {
	case n < 8:
		c.R[n] = v
	case n == regEIP:
		c.EIP = v
	case n == regEFLAGS:
		c.SetFlags(v)
	case n < regST0:
		return uint32(c.Seg[segOrder[n-regCS]].Sel) == v
	case n < regCR0:
		return v == 0
	case n == regCR0:
		c.CR0 = v
	case n == regCR0+1:
		c.CR2 = v
	case n == regCR0+2:
		c.CR3 = v
	default:
		c.CR4 = v
	}
	return true
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// readReg answers 'p N'.
func (s *session) readReg(c *interp.CPU, arg []byte) string {
	n, err := gdbproto.ParseUint(arg)
	if err != nil || n >= numRegs {
		return errBadPacket
	}
	return string(appendReg(nil, c, int(n)))
}

// writeReg answers 'P N=VALUE'.
func (s *session) writeReg(c *interp.CPU, arg []byte) string {
	eq := -1
	for k, b := range arg {
		if b == '=' {
			eq = k
			break
		}
	}
	if eq < 0 {
		return errBadPacket
	}
	n, err := gdbproto.ParseUint(arg[:eq])
	if err != nil || n >= numRegs {
		return errBadPacket
	}
	v, err := gdbproto.DecodeHex(arg[eq+1:])
	if err != nil || len(v) != regSize(int(n)) {
		return errBadPacket
	}
	if !setReg(c, int(n), v) {
		return errRegister
	}
	return "OK"
}

// writeRegs answers 'G': every register, checked before any is set.
func (s *session) writeRegs(c *interp.CPU, arg []byte) string {
	b, err := gdbproto.DecodeHex(arg)
	if err != nil {
		return errBadPacket
	}
	var vals [numRegs][]byte
	off := 0
	for n := 0; n < numRegs && off < len(b); n++ {
		sz := regSize(n)
		if off+sz > len(b) {
			return errBadPacket
		}
		vals[n] = b[off : off+sz]
		off += sz
	}
	if off != len(b) {
		return errBadPacket
	}
	old := readRegs(c) // restore on a register that cannot be set
	for n, v := range vals {
		if v != nil && !setReg(c, n, v) {
			s.writeRegs(c, old)
			return errRegister
		}
	}
	return "OK"
}
