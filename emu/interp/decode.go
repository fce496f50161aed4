package interp

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// The decode cache. Each instruction is decoded once by x86asm, turned
// into an inst (a handler and pre-resolved operands, build.go) and kept in
// the codePage of the physical page it starts on. A codePage is valid for
// one decode mode (16 or 32); a write to a physical page with decoded
// code drops the decoded instructions whose bytes it overlaps' page.
//
// An instruction that crosses a page boundary is not cached: it is
// decoded again each time it runs (rare), so a write to either page is
// always seen.

// handler executes one instruction. It advances EIP itself, last.
type handler func(c *CPU, i *inst)

// inst is one decoded instruction.
type inst struct {
	fn    handler
	disp  uint32 // memory operand displacement
	imm   uint32 // immediate, relative target offset, or port
	imm2  uint32 // second immediate (enter level, far selector)
	len   uint8
	size  uint8 // operand size in bytes: 1, 2 or 4
	asize uint8 // address size in bytes: 2 or 4
	reg   uint8 // first register operand (x86 numbering)
	rm    uint8 // second register operand, when not memory
	seg   uint8 // segment of the memory operand
	base  uint8 // memory base register, or noReg
	index uint8 // memory index register, or noReg
	scale uint8 // index shift: 0..3
	sub   uint8 // operation selector: ALU op, condition, ...
	ssize uint8 // source operand size (movzx/movsx), or 0
	rep   uint8 // repNone, repE, repNE
	op    x86asm.Op
}

const noReg = 8

const (
	repNone = iota
	repE
	repNE
)

type codePage struct {
	mode  uint8          // 16 or 32
	phys  uint32         // physical page base
	index [4096]uint16   // offset -> 1 + position in insts, 0: not decoded
	used  [4096 / 8]byte // bytes covered by decoded instructions
	insts []inst
}

// CodeCache is the decoded code of one machine's RAM. The vCPUs of a
// machine share RAM and should share one CodeCache (Config.Code), so that
// a write by any of them invalidates what the others decoded.
type CodeCache struct {
	pages []*codePage // by physical page number (RAM only)
	marks []uint8     // 1 when pages[n] may hold decoded code
	cpus  []*CPU      // the CPUs using this cache
}

// NewCodeCache returns an empty cache for ramSize bytes of RAM.
func NewCodeCache(ramSize int) *CodeCache {
	n := (ramSize + 0xFFF) >> 12
	return &CodeCache{pages: make([]*codePage, n), marks: make([]uint8, n+1)}
}

type decodeCache struct {
	*CodeCache
	scratch inst // a page-crossing or non-RAM instruction
}

// dropPage forgets the decoded code of physical page pp on every CPU.
func (d *CodeCache) dropPage(pp uint32) {
	old := d.pages[pp]
	for _, c := range d.cpus {
		if old != nil && c.curPage == old {
			c.curPage = nil
		}
	}
	d.pages[pp] = nil
	d.marks[pp] = 0
}

// markPage records that physical page pp holds decoded code: no CPU may
// write it through its TLB fast path any more.
func (d *CodeCache) markPage(pp uint32) {
	if d.marks[pp] != 0 {
		return
	}
	d.marks[pp] = 1
	for _, c := range d.cpus {
		c.dropWriteTags(pp << 12)
	}
}

// codeWritten handles a write of size bytes at RAM address p on a page
// that holds decoded code.
func (c *CPU) codeWritten(p uint32, size int) {
	cp := c.icache.pages[p>>12]
	if cp == nil {
		c.icache.marks[p>>12] = 0
		return
	}
	for k := 0; k < size; k++ {
		o := (p + uint32(k)) & 0xFFF
		if cp.used[o>>3]&(1<<(o&7)) != 0 {
			c.icache.dropPage(p >> 12)
			return
		}
	}
}

// InvalidatePhys drops decoded code overlapping physical [addr, addr+n).
// The machine calls it after writing guest RAM behind the CPUs' backs
// (a loader between runs, DMA). Writes by the CPUs themselves need not.
func (c *CPU) InvalidatePhys(addr, n uint32) {
	if n == 0 {
		return
	}
	for pg := addr >> 12; pg <= (addr+n-1)>>12 && int(pg) < len(c.icache.pages); pg++ {
		c.icache.dropPage(pg)
	}
}

// fetch returns the instruction at CS:EIP, decoding it if needed, and
// makes its page the current code page when it is cacheable.
func (c *CPU) fetch() *inst {
	eip := c.EIP
	cs := &c.Seg[CS]
	if eip > cs.Limit {
		c.raise(ExcGP, 0)
	}
	lin := cs.Base + eip
	mode := uint8(16)
	if cs.Attr&AttrDB != 0 {
		mode = 32
	}
	phys := c.lookupCode(lin)
	pp := phys >> 12
	var cp *codePage
	if int(pp) < len(c.icache.pages) {
		cp = c.icache.pages[pp]
		if cp == nil || cp.mode != mode {
			if cp != nil {
				c.icache.dropPage(pp)
			}
			cp = &codePage{mode: mode, phys: phys &^ 0xFFF}
			c.icache.pages[pp] = cp
			c.icache.markPage(pp)
		}
		// The whole page is reachable only if it lies within CS's limit.
		if cs.Base&0xFFF == 0 && eip|0xFFF <= cs.Limit {
			c.curLin = lin &^ 0xFFF
			c.curPage = cp
		}
		if idx := cp.index[lin&0xFFF]; idx != 0 {
			return &cp.insts[idx-1]
		}
	}
	// Gather up to 15 bytes, stopping at the page end unless needed.
	var buf [15]byte
	n := 0x1000 - int(lin&0xFFF)
	if n > 15 {
		n = 15
	}
	for k := 0; k < n; k++ {
		buf[k] = uint8(c.physRead(phys+uint32(k), 1))
	}
	xi, err := x86asm.Decode(buf[:n], int(mode))
	crossed := false
	// x86asm reports a truncated instruction as Op 0 (a lone prefix
	// byte), like an invalid one: read on into the next page and retry.
	if (err != nil || xi.Op == 0) && n < 15 {
		p2 := c.translate((lin|0xFFF)+1, false, c.mmu.user)
		for k := n; k < 15; k++ {
			buf[k] = uint8(c.physRead(p2+uint32(k-n), 1))
		}
		xi, err = x86asm.Decode(buf[:], int(mode))
		crossed = err == nil && xi.Len > n
	}
	var in inst
	if err == nil && xi.Op == 0 {
		err = x86asm.ErrUnrecognized
	}
	if err != nil {
		in = inst{fn: opUndecodable, len: 1}
	} else {
		in = build(&xi)
		if in.fn == nil {
			in.fn = opUnimplemented
		}
	}
	if err == nil && uint64(eip)+uint64(xi.Len)-1 > uint64(cs.Limit) {
		c.raise(ExcGP, 0)
	}
	if cp == nil || crossed {
		c.icache.scratch = in
		return &c.icache.scratch
	}
	cp.insts = append(cp.insts, in)
	off := lin & 0xFFF
	cp.index[off] = uint16(len(cp.insts))
	for k := uint32(0); k < uint32(in.len); k++ {
		o := off + k
		cp.used[o>>3] |= 1 << (o & 7)
	}
	return &cp.insts[len(cp.insts)-1]
}

// describeAt renders the instruction at CS:EIP for reports.
func (c *CPU) describeAt() string {
	var buf [15]byte
	n := 0
	lin := c.Seg[CS].Base + c.EIP
	for ; n < 15; n++ {
		p, ok := c.probe(lin+uint32(n), false)
		if !ok {
			break
		}
		buf[n] = uint8(c.physRead(p, 1))
	}
	mode := 16
	if c.Seg[CS].Attr&AttrDB != 0 {
		mode = 32
	}
	xi, err := x86asm.Decode(buf[:n], mode)
	if err != nil {
		return fmt.Sprintf("% x (%v)", buf[:min(n, 8)], err)
	}
	return fmt.Sprintf("% x: %s", buf[:xi.Len], x86asm.IntelSyntax(xi, uint64(c.EIP), nil))
}
