package interp

import (
	"fmt"
	"runtime/debug"
)

// The run loop. The inner loop (loop) has no defer: a fault panics out of
// it to runProtected, which recovers, and Run delivers the exception and
// enters the loop again. A fault therefore costs a panic and a recover;
// an instruction costs a map-free array lookup and an indirect call.

// Reset puts the CPU in its power-on state (SDM vol. 3, 9.1.1): real
// mode, CS:EIP = F000:FFF0 with CS base FFFF0000.
func (c *CPU) Reset() {
	c.R = [8]uint32{}
	c.R[EDX] = cpuidSignature
	c.EIP = 0xFFF0
	data := Segment{Limit: 0xFFFF, Attr: AttrP | AttrS | AttrRW | AttrAccessed, Valid: true}
	for s := range c.Seg {
		c.Seg[s] = data
	}
	c.Seg[CS] = Segment{Sel: 0xF000, Base: 0xFFFF0000, Limit: 0xFFFF,
		Attr: AttrP | AttrS | AttrCode | AttrRW | AttrAccessed, Valid: true}
	c.LDTR = Segment{Limit: 0xFFFF, Attr: AttrP | 2, Valid: true}
	c.TR = Segment{Limit: 0xFFFF, Attr: AttrP | 0xB, Valid: true}
	c.GDTR = DescTable{Limit: 0xFFFF}
	c.IDTR = DescTable{Limit: 0xFFFF}
	c.CR0, c.CR2, c.CR3, c.CR4 = CR0CD|CR0NW|CR0ET, 0, 0, 0
	c.DR = [8]uint32{6: 0xFFFF0FF0, 7: 0x400}
	c.lazy = lazyFlags{}
	c.flags = 2
	c.halted, c.stopReq, c.intrPending = false, false, false
	c.irqPending, c.nmiPending, c.nmiBlocked, c.waitSIPI = false, false, false, false
	c.shadowAt = ^uint64(0)
	c.apicBase = apicBaseDef | apicEnable
	if c.cfg.ID == 0 {
		c.apicBase |= apicBSP
	}
	c.sync()
	c.flushTLB()
}

// EnterFlatProtected sets up the Multiboot entry state: protected mode
// without paging, CS = 0x10 and DS/ES/FS/GS/SS = 0x18 flat 32-bit
// segments, EFLAGS = 2 (IF clear), CPL 0, EIP = eip. The caller sets
// EAX/EBX. No GDT is built: the guest loads its own before reloading
// segment registers.
func (c *CPU) EnterFlatProtected(eip uint32) {
	c.CR0 = CR0PE | CR0ET
	code := Segment{Sel: 0x10, Limit: 0xFFFFFFFF, Valid: true,
		Attr: AttrG | AttrDB | AttrP | AttrS | AttrCode | AttrRW | AttrAccessed | 0xF00}
	data := Segment{Sel: 0x18, Limit: 0xFFFFFFFF, Valid: true,
		Attr: AttrG | AttrDB | AttrP | AttrS | AttrRW | AttrAccessed | 0xF00}
	for s := range c.Seg {
		c.Seg[s] = data
	}
	c.Seg[CS] = code
	c.EIP = eip
	c.SetFlags(2)
	c.halted = false
	c.sync()
	c.flushTLB()
}

// sync recomputes all derived state from the exported fields (the
// machine may set them between runs).
func (c *CPU) sync() {
	for s := range c.Seg {
		c.refreshSeg(s)
	}
	c.stack32 = c.Seg[SS].Attr&AttrDB != 0
	c.refreshCS()
	if c.CR0 != c.mmu.cr0 || c.CR3 != c.mmu.cr3 || c.CR4 != c.mmu.cr4 {
		c.flushTLB()
	}
}

// Run executes up to max instructions and says why it stopped.
func (c *CPU) Run(max uint64) StopReason {
	c.sync()
	end := c.Insns + max
	if end < c.Insns {
		end = ^uint64(0)
	}
	for {
		if c.stopReq {
			c.stopReq = false
			if c.stopWhy == stopSwitch {
				// SetTracer between Runs: nothing to stop.
			} else if c.stopWhy == StopRequested || !c.halted {
				return c.stopWhy
			}
		}
		if c.waitSIPI {
			return StopWaitSIPI
		}
		if c.halted && !(c.nmiPending && !c.nmiBlocked) {
			if !c.intrPending || c.flags&FlagIF == 0 {
				if c.flags&FlagIF == 0 {
					return StopHaltNoIntr
				}
				return StopHalt
			}
		}
		if c.Insns >= end {
			return StopBudget
		}
		r, f, bug := c.runProtected(end)
		switch {
		case bug != nil:
			c.LastFault = fmt.Sprintf("internal error (dfemu bug): %v at %04x:%08x [%s]\n%s",
				bug, c.Seg[CS].Sel, c.EIP, c.describeAt(), debug.Stack())
			return StopInternalError
		case f != nil:
			if c.trace != nil {
				c.traceFaulted()
			}
			if f.unimpl {
				c.LastFault = "unimplemented instruction at " + fmt.Sprintf("%04x:%08x: ", c.Seg[CS].Sel, c.EIP) + c.describeAt()
				if c.cfg.StopOnUD {
					return StopUnimplemented
				}
				f.hasErr = false
			}
			if !c.exception(*f) {
				return StopShutdown
			}
			if c.stepAfterFault() {
				return StopDebug
			}
		case r == stopSwitch:
			// SetTracer from a device: run the other loop.
		default:
			return r
		}
	}
}

// runProtected runs the loop, recovering a fault or a Go runtime error.
func (c *CPU) runProtected(end uint64) (r StopReason, f *fault, bug any) {
	defer func() {
		if p := recover(); p != nil {
			if ff, ok := p.(*fault); ok {
				cp := *ff
				f = &cp
				return
			}
			bug = p
		}
	}()
	if c.dbg != nil {
		return c.debugLoop(end), nil, nil
	}
	if c.trace != nil {
		return c.loopTraced(end), nil, nil
	}
	return c.loop(end), nil, nil
}

// interruptDue says whether an interrupt is to be taken before the next
// instruction: one is pending, and it is an NMI or IF is set, and no
// interrupt shadow (sti, mov ss) covers this instruction. Every run loop
// (loop, loopTraced, debugLoop) asks it; it inlines.
func (c *CPU) interruptDue() bool {
	return c.intrPending && (c.flags&FlagIF != 0 || c.nmiPending) && c.Insns != c.shadowAt
}

// loop is the interpreter's hot loop. loopTraced (trace.go) and
// debugLoop (debughooks.go) mirror its body: the interrupt check, the
// decode-cache lookup, execute-and-retire (Insns, the 16-bit EIP wrap)
// and the stopReq exit. They are separate loops, not one loop with
// hooks, so that this one carries no tracer or debugger test per
// instruction; change the mirrored lines in all three.
func (c *CPU) loop(end uint64) StopReason {
	for c.Insns < end {
		if c.interruptDue() {
			if !c.acceptInterrupt() {
				return StopShutdown
			}
		}
		var i *inst
		lin := c.mmu.seg[CS].base + c.EIP
		if cp := c.curPage; cp != nil && lin&^0xFFF == c.curLin {
			if idx := cp.index[lin&0xFFF]; idx != 0 {
				i = &cp.insts[idx-1]
			} else {
				i = c.fetch()
			}
		} else {
			i = c.fetch()
		}
		i.fn(c, i)
		c.Insns++
		if c.code16 {
			c.EIP &= 0xFFFF
		}
		if c.stopReq {
			c.stopReq = false
			return c.stopWhy
		}
	}
	return StopBudget
}

// acceptInterrupt takes the pending external interrupt's vector from the
// bus and delivers it; false on a triple fault.
func (c *CPU) acceptInterrupt() bool {
	if c.nmiPending {
		if c.nmiBlocked {
			if c.flags&FlagIF == 0 || !c.irqPending {
				return true
			}
		} else {
			c.nmiPending, c.nmiBlocked = false, true
			c.intrPending = c.irqPending
			return c.externalInterrupt(ExcNMI)
		}
	}
	if c.bus == nil {
		c.intrPending = false
		return true
	}
	vec := c.bus.AckInterrupt()
	return c.externalInterrupt(vec)
}
