package interp

import "fmt"

// Exception and interrupt delivery: real-mode IVT, protected-mode
// interrupt and trap gates (32- and 16-bit), the TSS stack switch on
// entry to an inner privilege level, iret, and the double/triple fault
// rules. Task gates and task switches are not implemented (#UD,
// reported as unimplemented).

// Event kinds for delivery.
const (
	evException = iota // a fault: pushed EIP is the faulting instruction
	evSoft             // int n, int3, into: gate DPL is checked
	evExternal         // a hardware interrupt
)

// raise aborts the current instruction with exception vec.
func (c *CPU) raise(vec uint8, err uint32) {
	c.flt = fault{vector: vec, err: err, hasErr: hasErrCode(vec)}
	panic(&c.flt)
}

// raiseUnimpl raises #UD for something interp does not implement; with
// Config.StopOnUD Run stops instead.
func (c *CPU) raiseUnimpl() {
	c.flt = fault{vector: ExcUD, unimpl: true}
	panic(&c.flt)
}

func hasErrCode(vec uint8) bool {
	switch vec {
	case ExcDF, ExcTS, ExcNP, ExcSS, ExcGP, ExcPF, ExcAC:
		return true
	}
	return false
}

func contributory(vec uint8) bool {
	switch vec {
	case ExcDE, ExcTS, ExcNP, ExcSS, ExcGP:
		return true
	}
	return false
}

// exception delivers fault f raised by the instruction at EIP, applying
// the double-fault rules (SDM vol. 3, table 6-5). It returns false on a
// triple fault.
func (c *CPU) exception(f fault) bool {
	for {
		c.LastFault = fmt.Sprintf("exception %d (%s) err=%#x at %04x:%08x",
			f.vector, excName(f.vector), f.err, c.Seg[CS].Sel, c.EIP)
		g := c.tryDeliver(f.vector, f.err, f.hasErr, evException, c.EIP)
		if g == nil {
			return true
		}
		if f.vector == ExcDF {
			c.LastFault = fmt.Sprintf("triple fault: exception %d (%s) err=%#x while delivering #DF at %04x:%08x",
				g.vector, excName(g.vector), g.err, c.Seg[CS].Sel, c.EIP)
			if c.trace != nil {
				c.traceTripleFault(*g)
			}
			return false
		}
		if (contributory(f.vector) && contributory(g.vector)) ||
			(f.vector == ExcPF && (g.vector == ExcPF || contributory(g.vector))) {
			f = fault{vector: ExcDF, err: 0, hasErr: true}
		} else {
			f = *g
		}
	}
}

// tryDeliver runs a delivery and returns the fault it raised, if any.
func (c *CPU) tryDeliver(vec uint8, err uint32, hasErr bool, kind int, ret uint32) (g *fault) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*fault)
			if !ok {
				panic(r)
			}
			cp := *f
			g = &cp
		}
	}()
	c.deliver(vec, err, hasErr, kind, ret)
	return nil
}

// softInterrupt is int n / int3 / into: a fault during delivery is an
// ordinary fault of the instruction.
func (c *CPU) softInterrupt(vec uint8, next uint32) {
	c.deliver(vec, 0, false, evSoft, next)
}

// externalInterrupt delivers a hardware interrupt at an instruction
// boundary. It returns false on a triple fault.
func (c *CPU) externalInterrupt(vec uint8) bool {
	c.halted = false
	g := c.tryDeliver(vec, 0, false, evExternal, c.EIP)
	if g == nil {
		return true
	}
	return c.exception(*g)
}

// deliver transfers control to the handler of vec. ret is the EIP to
// push. All pushes happen before any register changes.
func (c *CPU) deliver(vec uint8, err uint32, hasErr bool, kind int, ret uint32) {
	if c.trace != nil { // report it only once delivered
		fromCS, fromEIP, fromCPL := c.Seg[CS], c.EIP, c.cpl
		c.deliverVia(vec, err, hasErr, kind, ret)
		c.traceDelivered(vec, err, hasErr, kind, fromCS, fromEIP, fromCPL)
		return
	}
	c.deliverVia(vec, err, hasErr, kind, ret)
}

// deliverVia is deliver: through the IVT in real mode, the IDT's gate in
// protected mode.
func (c *CPU) deliverVia(vec uint8, err uint32, hasErr bool, kind int, ret uint32) {
	flags := c.Flags()
	if c.CR0&CR0PE == 0 {
		c.deliverReal(vec, ret, flags)
		return
	}
	var ext uint32
	if kind != evSoft {
		ext = 1
	}
	idx := uint32(vec) * 8
	if idx+7 > uint32(c.IDTR.Limit) {
		c.raise(ExcGP, idx|2|ext)
	}
	gate := desc{c.readSup(c.IDTR.Base+idx, 4), c.readSup(c.IDTR.Base+idx+4, 4)}
	gtype := gate.hi >> 8 & 0x1F
	switch gtype {
	case 0x6, 0x7, 0xE, 0xF:
	case 0x5:
		c.raiseUnimpl() // task gate
	default:
		c.raise(ExcGP, idx|2|ext)
	}
	if kind == evSoft && gate.dpl() < c.cpl {
		c.raise(ExcGP, idx|2)
	}
	if !gate.present() {
		c.raise(ExcNP, idx|2|ext)
	}
	gate32 := gtype&8 != 0
	sel := uint16(gate.lo >> 16)
	off := gate.lo&0xFFFF | gate.hi&0xFFFF0000
	if !gate32 {
		off &= 0xFFFF
	}
	if sel&^3 == 0 {
		c.raise(ExcGP, ext)
	}
	d := c.readDesc(sel, ExcGP, ext)
	if !d.code() || d.dpl() > c.cpl {
		c.raise(ExcGP, uint32(sel&^3)|ext)
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3)|ext)
	}
	if off > d.limit() {
		c.raise(ExcGP, ext)
	}
	sz := uint32(2)
	if gate32 {
		sz = 4
	}
	newCPL := c.cpl
	if !d.conforming() {
		newCPL = d.dpl()
	}

	// The frame, from the top down: [SS ESP] EFLAGS CS EIP [error].
	var frame [6]uint32
	n := 0
	var ss Segment
	var esp uint32
	if newCPL < c.cpl {
		ss, esp = c.tssStack(newCPL, ext)
		frame[n], frame[n+1] = uint32(c.Seg[SS].Sel), c.R[ESP]
		n += 2
	}
	frame[n], frame[n+1], frame[n+2] = flags, uint32(c.Seg[CS].Sel), ret
	n += 3
	if hasErr {
		frame[n] = err
		n++
	}
	user := 0
	if newCPL == 3 {
		user = 1
	}
	if newCPL < c.cpl {
		c.pushFrame(ss, esp, frame[:n], sz, user, uint32(ss.Sel&^3)|ext)
		c.setSeg(SS, ss)
		c.stack32 = ss.Attr&AttrDB != 0
		esp -= uint32(n) * sz
		if c.stack32 {
			c.R[ESP] = esp
		} else {
			c.R[ESP] = c.R[ESP]&0xFFFF0000 | esp&0xFFFF
		}
	} else {
		cur := c.Seg[SS]
		c.pushFrame(cur, c.R[ESP], frame[:n], sz, c.mmu.user, ext)
		c.R[ESP] = c.newESP(-uint32(n) * sz)
	}
	c.setAccessed(sel, d)
	c.setSeg(CS, d.segment(sel&^3|uint16(newCPL)))
	c.EIP = off
	c.flags &^= FlagTF | FlagNT | FlagRF | FlagVM
	if gtype&1 == 0 { // interrupt gate
		c.flags &^= FlagIF
	}
}

// pushFrame writes frame (top first) below esp on stack segment ss,
// checking the segment limit (#SS with error code se).
func (c *CPU) pushFrame(ss Segment, esp uint32, frame []uint32, sz uint32, user int, se uint32) {
	big := ss.Attr&AttrDB != 0
	for k, v := range frame {
		off := esp - uint32(k+1)*sz
		if !big {
			off &= 0xFFFF
		}
		lo, hi := uint32(0), ss.Limit
		if ss.Attr&AttrDC != 0 && ss.Attr&AttrCode == 0 {
			lo, hi = ss.Limit+1, 0xFFFF
			if big {
				hi = 0xFFFFFFFF
			}
		}
		if off < lo || off+sz-1 > hi || off+sz-1 < off {
			c.raise(ExcSS, se)
		}
		c.writeSlow(ss.Base+off, int(sz), v, user)
	}
}

// tssStack returns the inner stack for privilege cpl from the TSS.
func (c *CPU) tssStack(cpl int, ext uint32) (Segment, uint32) {
	ttype := c.TR.Attr & 0xF
	if !c.TR.Valid || (ttype != 0x9 && ttype != 0xB) {
		c.raise(ExcTS, uint32(c.TR.Sel&^3)|ext)
	}
	at := uint32(4 + 8*cpl)
	if at+5 > c.TR.Limit {
		c.raise(ExcTS, uint32(c.TR.Sel&^3)|ext)
	}
	esp := c.readSup(c.TR.Base+at, 4)
	sel := uint16(c.readSup(c.TR.Base+at+4, 2))
	if sel&^3 == 0 {
		c.raise(ExcTS, ext)
	}
	d := c.readDesc(sel, ExcTS, ext)
	if int(sel&3) != cpl || d.dpl() != cpl || !d.writable() {
		c.raise(ExcTS, uint32(sel&^3)|ext)
	}
	if !d.present() {
		c.raise(ExcSS, uint32(sel&^3)|ext)
	}
	return d.segment(sel), esp
}

// deliverReal dispatches through the real-mode IVT.
func (c *CPU) deliverReal(vec uint8, ret, flags uint32) {
	at := uint32(vec) * 4
	if at+3 > uint32(c.IDTR.Limit) {
		c.raise(ExcGP, 0)
	}
	ent := c.readSup(c.IDTR.Base+at, 4)
	c.writeSz(SS, c.spAt(neg(2)), 2, flags)
	c.writeSz(SS, c.spAt(neg(4)), 2, uint32(c.Seg[CS].Sel))
	c.writeSz(SS, c.spAt(neg(6)), 2, ret)
	c.R[ESP] = c.newESP(neg(6))
	cs := c.Seg[CS]
	cs.Sel = uint16(ent >> 16)
	cs.Base = uint32(cs.Sel) << 4
	c.setSeg(CS, cs)
	c.EIP = ent & 0xFFFF
	c.flags &^= FlagIF | FlagTF | FlagAC | FlagRF
}

func opIret(c *CPU, i *inst) {
	c.nmiBlocked = false
	sz := uint32(i.size)
	eip := c.readSz(SS, c.spAt(0), i.size)
	sel := uint16(c.readSz(SS, c.spAt(sz), i.size))
	fl := c.readSz(SS, c.spAt(2*sz), i.size)
	if c.CR0&CR0PE == 0 {
		cs := c.Seg[CS]
		cs.Sel, cs.Base = sel, uint32(sel)<<4
		c.R[ESP] = c.newESP(3 * sz)
		c.setSeg(CS, cs)
		c.EIP = eip
		c.writeFlags(fl, i.size)
		return
	}
	if c.flags&FlagNT != 0 {
		c.raiseUnimpl() // task return
	}
	if i.size == 4 && fl&FlagVM != 0 && c.cpl == 0 {
		c.raiseUnimpl() // return to virtual-8086 mode
	}
	rpl := int(sel & 3)
	d := c.checkReturnCode(sel)
	if rpl == c.cpl {
		if eip > d.limit() {
			c.raise(ExcGP, 0)
		}
		c.R[ESP] = c.newESP(3 * sz)
		c.setAccessed(sel, d)
		c.writeFlags(fl, i.size)
		c.setSeg(CS, d.segment(sel))
		c.EIP = eip
		return
	}
	esp := c.readSz(SS, c.spAt(3*sz), i.size)
	ssSel := uint16(c.readSz(SS, c.spAt(4*sz), i.size))
	ss := c.checkSS(ssSel, rpl, ExcGP, 0)
	if eip > d.limit() {
		c.raise(ExcGP, 0)
	}
	c.setAccessed(sel, d)
	c.writeFlags(fl, i.size) // with the old CPL's rights
	c.setSeg(CS, d.segment(sel))
	c.setSeg(SS, ss)
	if c.stack32 {
		c.R[ESP] = esp
	} else {
		c.R[ESP] = c.R[ESP]&0xFFFF0000 | esp&0xFFFF
	}
	c.EIP = eip
	c.nullDataSegs()
}

var excNames = [...]string{"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "coproc", "#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM"}

func excName(v uint8) string {
	if int(v) < len(excNames) {
		return excNames[v]
	}
	return fmt.Sprintf("vector %d", v)
}
