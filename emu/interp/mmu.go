package interp

import "encoding/binary"

// The MMU: segment limit/type checks, paging with a software TLB, and
// memory access. The fast path of every access is: a flat segment (no
// check), then one TLB entry compare and a slice index into RAM.
//
// The TLB is direct-mapped on the linear page number. An entry holds one
// physical page and separate tags for supervisor/user reads and writes,
// each set only after a page walk that allowed that kind of access (and
// set the accessed/dirty bits it implies). A write tag is never set for a
// physical page holding decoded code, so every write to such a page takes
// the slow path, which invalidates the decoded instructions it overlaps.

const (
	tlbBits = 8
	tlbSize = 1 << tlbBits
	tlbMask = tlbSize - 1
)

type tlbEntry struct {
	rtag [2]uint32 // [user] linear page | 1, or 0
	wtag [2]uint32
	// wcode is a write permission on a page holding decoded code: the
	// fast path does not see it, the slow path skips the page walk.
	wcode [2]uint32
	phys  uint32 // physical page (always RAM)
}

// segCache is a segment register's access rules, precomputed at load.
type segCache struct {
	base         uint32
	lo, hi       uint32 // valid offsets, inclusive
	r, w         bool
	flatR, flatW bool // base 0, limit 4 GiB: no check needed
}

type mmuState struct {
	tlb      [tlbSize]tlbEntry
	seg      [6]segCache
	user     int  // 1 when CPL == 3
	hasLarge bool // the TLB holds pieces of 4 MiB pages
	// The control registers the TLB was filled under; Run flushes it
	// when a loader or debugger changed them between runs.
	cr0, cr3, cr4 uint32
}

// refreshSeg recomputes the access rules of segment register s.
func (c *CPU) refreshSeg(s int) {
	sg := &c.Seg[s]
	sc := &c.mmu.seg[s]
	sc.base = sg.Base
	sc.lo, sc.hi = 0, sg.Limit
	if c.CR0&CR0PE == 0 {
		sc.r, sc.w = true, true
	} else if !sg.Valid {
		sc.r, sc.w = false, false
	} else if sg.Attr&AttrCode != 0 {
		sc.r, sc.w = sg.Attr&AttrRW != 0, false
	} else {
		sc.r, sc.w = true, sg.Attr&AttrRW != 0
		if sg.Attr&AttrDC != 0 { // expand-down
			sc.lo = sg.Limit + 1
			sc.hi = 0xFFFF
			if sg.Attr&AttrDB != 0 {
				sc.hi = 0xFFFFFFFF
			}
			if sc.lo == 0 { // limit 0xFFFFFFFF: nothing is valid
				sc.lo, sc.hi = 1, 0
			}
		}
	}
	full := sc.base == 0 && sc.lo == 0 && sc.hi == 0xFFFFFFFF
	sc.flatR = full && sc.r
	sc.flatW = full && sc.w
}

// segFault raises the fault for a bad access through segment s.
func (c *CPU) segFault(s uint8) {
	if s == SS {
		c.raise(ExcSS, 0)
	}
	c.raise(ExcGP, 0)
}

// lin checks an access of size bytes at off through segment s and
// returns its linear address.
func (c *CPU) lin(s uint8, off, size uint32, write bool) uint32 {
	sc := &c.mmu.seg[s]
	if write {
		if sc.flatW {
			return off
		}
		if !sc.w {
			c.segFault(s)
		}
	} else {
		if sc.flatR {
			return off
		}
		if !sc.r {
			c.segFault(s)
		}
	}
	end := off + size - 1
	if off < sc.lo || end > sc.hi || end < off {
		c.segFault(s)
	}
	return sc.base + off
}

// Segment-relative accesses, the ones instructions use.

func (c *CPU) read8(s uint8, off uint32) uint32 {
	return c.readLin8(c.lin(s, off, 1, false))
}

func (c *CPU) read16(s uint8, off uint32) uint32 {
	return c.readLin16(c.lin(s, off, 2, false))
}

func (c *CPU) read32(s uint8, off uint32) uint32 {
	return c.readLin32(c.lin(s, off, 4, false))
}

func (c *CPU) readSz(s uint8, off uint32, size uint8) uint32 {
	switch size {
	case 4:
		return c.read32(s, off)
	case 2:
		return c.read16(s, off)
	}
	return c.read8(s, off)
}

func (c *CPU) write8(s uint8, off, v uint32) {
	c.writeLin8(c.lin(s, off, 1, true), v)
}

func (c *CPU) write16(s uint8, off, v uint32) {
	c.writeLin16(c.lin(s, off, 2, true), v)
}

func (c *CPU) write32(s uint8, off, v uint32) {
	c.writeLin32(c.lin(s, off, 4, true), v)
}

func (c *CPU) writeSz(s uint8, off uint32, size uint8, v uint32) {
	switch size {
	case 4:
		c.write32(s, off, v)
	case 2:
		c.write16(s, off, v)
	default:
		c.write8(s, off, v)
	}
}

// Linear accesses at the current privilege.

func (c *CPU) readLin8(lin uint32) uint32 {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.rtag[c.mmu.user] == lin&^0xFFF|1 {
		return uint32(c.ram[e.phys|lin&0xFFF])
	}
	return c.readSlow(lin, 1, c.mmu.user)
}

func (c *CPU) readLin16(lin uint32) uint32 {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.rtag[c.mmu.user] == lin&^0xFFF|1 && lin&0xFFF <= 0xFFE {
		p := e.phys | lin&0xFFF
		return uint32(binary.LittleEndian.Uint16(c.ram[p : p+2]))
	}
	return c.readSlow(lin, 2, c.mmu.user)
}

func (c *CPU) readLin32(lin uint32) uint32 {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.rtag[c.mmu.user] == lin&^0xFFF|1 && lin&0xFFF <= 0xFFC {
		p := e.phys | lin&0xFFF
		return binary.LittleEndian.Uint32(c.ram[p : p+4])
	}
	return c.readSlow(lin, 4, c.mmu.user)
}

func (c *CPU) writeLin8(lin, v uint32) {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.wtag[c.mmu.user] == lin&^0xFFF|1 {
		c.ram[e.phys|lin&0xFFF] = uint8(v)
		return
	}
	c.writeSlow(lin, 1, v, c.mmu.user)
}

func (c *CPU) writeLin16(lin, v uint32) {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.wtag[c.mmu.user] == lin&^0xFFF|1 && lin&0xFFF <= 0xFFE {
		p := e.phys | lin&0xFFF
		binary.LittleEndian.PutUint16(c.ram[p:p+2], uint16(v))
		return
	}
	c.writeSlow(lin, 2, v, c.mmu.user)
}

func (c *CPU) writeLin32(lin, v uint32) {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.wtag[c.mmu.user] == lin&^0xFFF|1 && lin&0xFFF <= 0xFFC {
		p := e.phys | lin&0xFFF
		binary.LittleEndian.PutUint32(c.ram[p:p+4], v)
		return
	}
	c.writeSlow(lin, 4, v, c.mmu.user)
}

// Supervisor (implicit) linear accesses: descriptor tables, TSS, IDT.

func (c *CPU) readSup(lin uint32, size int) uint32 { return c.readSlow(lin, size, 0) }

func (c *CPU) writeSup(lin uint32, size int, v uint32) { c.writeSlow(lin, size, v, 0) }

// readSlow reads through a page walk, splitting page-crossing accesses;
// a watchpoint it hits stops the CPU after the instruction.
func (c *CPU) readSlow(lin uint32, size int, user int) uint32 {
	v := c.readWalk(lin, size, user)
	if c.dbg != nil {
		c.checkWatch(lin, size, false)
	}
	return v
}

func (c *CPU) readWalk(lin uint32, size int, user int) uint32 {
	if int(lin&0xFFF)+size <= 0x1000 {
		return c.physRead(c.translate(lin, false, user), size)
	}
	p1 := c.translate(lin, false, user)
	p2 := c.translate((lin|0xFFF)+1, false, user)
	var v uint32
	for k := 0; k < size; k++ {
		p := p1 + uint32(k)
		if (lin+uint32(k))&0xFFF < lin&0xFFF {
			p = p2 + (lin+uint32(k))&0xFFF
		}
		v |= c.physRead(p, 1) << (8 * k)
	}
	return v
}

// writeSlow writes through a page walk; both pages of a page-crossing
// write are checked before any byte is written. A tracer recording
// changes sees the writes that did not fault; a watchpoint it hits
// stops the CPU after the instruction.
func (c *CPU) writeSlow(lin uint32, size int, v uint32, user int) {
	c.writeWalk(lin, size, v, user)
	if c.trace != nil && c.trace.mem {
		c.traceWrite(lin, size, v)
	}
	if c.dbg != nil {
		c.checkWatch(lin, size, true)
	}
}

// writeWalk is writeSlow without the tracer and the watchpoints.
func (c *CPU) writeWalk(lin uint32, size int, v uint32, user int) {
	if int(lin&0xFFF)+size <= 0x1000 {
		if e := &c.mmu.tlb[(lin>>12)&tlbMask]; e.wcode[user] == lin&^0xFFF|1 {
			c.physWrite(e.phys|lin&0xFFF, size, v)
			return
		}
		c.physWrite(c.translate(lin, true, user), size, v)
		return
	}
	p1 := c.translate(lin, true, user)
	p2 := c.translate((lin|0xFFF)+1, true, user)
	for k := 0; k < size; k++ {
		p := p1 + uint32(k)
		if (lin+uint32(k))&0xFFF < lin&0xFFF {
			p = p2 + (lin+uint32(k))&0xFFF
		}
		c.physWrite(p, 1, v>>(8*k))
	}
}

// physRead reads RAM or, beyond it, the bus.
func (c *CPU) physRead(p uint32, size int) uint32 {
	if uint64(p)+uint64(size) <= uint64(len(c.ram)) {
		switch size {
		case 1:
			return uint32(c.ram[p])
		case 2:
			return uint32(binary.LittleEndian.Uint16(c.ram[p:]))
		default:
			return binary.LittleEndian.Uint32(c.ram[p:])
		}
	}
	if c.bus == nil {
		return sizeMask[size]
	}
	return c.bus.ReadPhys(p, size) & sizeMask[size]
}

// physWrite writes RAM (invalidating decoded code it overlaps) or the bus.
func (c *CPU) physWrite(p uint32, size int, v uint32) {
	if uint64(p)+uint64(size) <= uint64(len(c.ram)) {
		if c.icache.marks[p>>12] != 0 {
			c.codeWritten(p, size)
		}
		switch size {
		case 1:
			c.ram[p] = uint8(v)
		case 2:
			binary.LittleEndian.PutUint16(c.ram[p:], uint16(v))
		default:
			binary.LittleEndian.PutUint32(c.ram[p:], v)
		}
		return
	}
	if c.bus != nil {
		c.bus.WritePhys(p, size, v&sizeMask[size])
	}
}

// Page-table entry bits.
const (
	pteP  = 1 << 0
	pteRW = 1 << 1
	pteUS = 1 << 2
	pteA  = 1 << 5
	pteD  = 1 << 6
	ptePS = 1 << 7
)

// translate walks the page tables for an access (raising #PF), sets the
// accessed/dirty bits, fills the TLB when the page is RAM, and returns
// the physical address.
func (c *CPU) translate(lin uint32, write bool, user int) uint32 {
	if c.CR0&CR0PG == 0 {
		c.tlbFill(lin, lin, write, user)
		return lin
	}
	pdeAddr := c.CR3&^0xFFF | (lin>>22)*4
	pde := c.physRead(pdeAddr, 4)
	if pde&pteP == 0 {
		c.pageFault(lin, write, user, false)
	}
	var phys, perm uint32
	large := pde&ptePS != 0 && c.CR4&CR4PSE != 0
	if large {
		perm = pde
		phys = pde&0xFFC00000 | lin&0x3FFFFF
	} else {
		pteAddr := pde&^0xFFF | (lin>>12&0x3FF)*4
		pte := c.physRead(pteAddr, 4)
		if pte&pteP == 0 {
			c.pageFault(lin, write, user, false)
		}
		perm = pde & pte
		c.checkPerm(lin, perm, write, user)
		if pde&pteA == 0 {
			c.physWrite(pdeAddr, 4, pde|pteA)
		}
		npte := pte | pteA
		if write {
			npte |= pteD
		}
		if npte != pte {
			c.physWrite(pteAddr, 4, npte)
		}
		phys = pte&^0xFFF | lin&0xFFF
		c.tlbFill(lin, phys, write, user)
		return phys
	}
	c.checkPerm(lin, perm, write, user)
	npde := pde | pteA
	if write {
		npde |= pteD
	}
	if npde != pde {
		c.physWrite(pdeAddr, 4, npde)
	}
	c.mmu.hasLarge = true
	c.tlbFill(lin, phys, write, user)
	return phys
}

func (c *CPU) checkPerm(lin, perm uint32, write bool, user int) {
	if user != 0 {
		if perm&pteUS == 0 || (write && perm&pteRW == 0) {
			c.pageFault(lin, write, user, true)
		}
	} else if write && perm&pteRW == 0 && c.CR0&CR0WP != 0 {
		c.pageFault(lin, write, user, true)
	}
}

func (c *CPU) pageFault(lin uint32, write bool, user int, present bool) {
	var code uint32
	if present {
		code |= 1
	}
	if write {
		code |= 2
	}
	if user != 0 {
		code |= 4
	}
	c.CR2 = lin
	c.raise(ExcPF, code)
}

// tlbFill records a successful translation if the page is RAM.
func (c *CPU) tlbFill(lin, phys uint32, write bool, user int) {
	pp := phys &^ 0xFFF
	if uint64(pp)+0x1000 > uint64(len(c.ram)) || c.watchedPage(lin) {
		return
	}
	tag := lin&^0xFFF | 1
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.phys != pp || !e.holds(tag) {
		*e = tlbEntry{phys: pp}
	}
	e.rtag[user] = tag
	if write {
		if c.icache.marks[pp>>12] == 0 && (c.trace == nil || !c.trace.mem) {
			e.wtag[user] = tag
		} else {
			e.wcode[user] = tag
		}
	}
}

// holds reports whether every tag set in e is tag (an empty entry too).
func (e *tlbEntry) holds(tag uint32) bool {
	for _, t := range [6]uint32{e.rtag[0], e.rtag[1], e.wtag[0], e.wtag[1], e.wcode[0], e.wcode[1]} {
		if t != 0 && t != tag {
			return false
		}
	}
	return true
}

// lookupCode returns the physical address of an instruction fetch at
// lin, from the TLB when it can.
func (c *CPU) lookupCode(lin uint32) uint32 {
	e := &c.mmu.tlb[(lin>>12)&tlbMask]
	if e.rtag[c.mmu.user] == lin&^0xFFF|1 {
		return e.phys | lin&0xFFF
	}
	return c.translate(lin, false, c.mmu.user)
}

// flushTLB empties the TLB (CR3 write, paging mode change).
func (c *CPU) flushTLB() {
	c.mmu.tlb = [tlbSize]tlbEntry{}
	c.mmu.hasLarge = false
	c.mmu.cr0, c.mmu.cr3, c.mmu.cr4 = c.CR0, c.CR3, c.CR4
	c.curPage = nil
}

// invlpg drops the translation of one linear page.
func (c *CPU) invlpg(lin uint32) {
	if c.mmu.hasLarge {
		c.flushTLB()
		return
	}
	c.mmu.tlb[(lin>>12)&tlbMask] = tlbEntry{}
	c.curPage = nil
}

// dropWriteTags removes every fast write path to physical page pp.
func (c *CPU) dropWriteTags(pp uint32) {
	for i := range c.mmu.tlb {
		if e := &c.mmu.tlb[i]; e.phys == pp {
			for u := range e.wtag {
				if e.wtag[u] != 0 {
					e.wcode[u], e.wtag[u] = e.wtag[u], 0
				}
			}
		}
	}
}

// probe translates lin without faulting into the guest or touching
// accessed/dirty bits (debuggers, ReadLinear). ok is false if unmapped.
func (c *CPU) probe(lin uint32, write bool) (phys uint32, ok bool) {
	if c.CR0&CR0PG == 0 {
		return lin, true
	}
	pde := c.physRead(c.CR3&^0xFFF|(lin>>22)*4, 4)
	if pde&pteP == 0 {
		return 0, false
	}
	if pde&ptePS != 0 && c.CR4&CR4PSE != 0 {
		return pde&0xFFC00000 | lin&0x3FFFFF, true
	}
	pte := c.physRead(pde&^0xFFF|(lin>>12&0x3FF)*4, 4)
	if pte&pteP == 0 {
		return 0, false
	}
	return pte&^0xFFF | lin&0xFFF, true
}
