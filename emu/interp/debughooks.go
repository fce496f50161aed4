package interp

// Debug hooks for a debugger (the GDB stub): breakpoints, watchpoints and
// single step, without patching guest memory.
//
// Model: c.dbg is nil unless something is armed; then runProtected runs
// debugLoop, a copy of loop that checks each instruction's linear address
// against the breakpoints before executing it and stops after one
// instruction when stepping. A CPU with nothing armed runs loop, which
// has no debug check at all.
//
// Watchpoints: a linear page holding a watched byte is never entered in
// the TLB (tlbFill), so every data access to it takes readSlow/writeSlow,
// which compare the access with the watchpoints. A hit is trap-like, as
// on x86's debug registers: the instruction completes, then Run returns
// StopDebug. Instruction fetches do not trigger watchpoints.
//
// Addresses are linear (segment base + offset), as in QEMU's gdbstub; in
// the flat segments our kernel uses they equal gdb's addresses.

// DebugKind says what stopped a CPU with StopDebug.
type DebugKind int

const (
	DebugNone       DebugKind = iota
	DebugBreakpoint           // EIP reached a breakpoint (not executed yet)
	DebugStep                 // one instruction (or one exception delivery) done
	DebugWatch                // a watched address was accessed (the access is done)
)

// WatchKind is the kind of access a watchpoint catches (gdb's Z2/Z3/Z4).
type WatchKind int

const (
	WatchWrite WatchKind = iota
	WatchRead
	WatchAccess
)

func (k WatchKind) String() string {
	switch k {
	case WatchWrite:
		return "watch"
	case WatchRead:
		return "rwatch"
	}
	return "awatch"
}

// DebugEvent is the reason for the last StopDebug.
type DebugEvent struct {
	Kind  DebugKind
	Addr  uint32    // the breakpoint's or the watched access's linear address
	Watch WatchKind // for DebugWatch: which watchpoint kind matched
}

type watchpoint struct {
	addr, len uint32
	kind      WatchKind
}

type debugState struct {
	bps map[uint32]int // linear address -> how many times armed
	// bpFilter has bit lin&0xFFF set for every breakpoint: most
	// instructions are ruled out without a map lookup.
	bpFilter [4096 / 64]uint64
	watches  []watchpoint
	step     bool
	// skipAt is a breakpoint address not checked for the first
	// instruction of the next Run (resuming from a breakpoint).
	skipAt  uint32
	skip    bool
	event   DebugEvent
	watched map[uint32]int // linear page -> number of watchpoints on it
}

// armed reports whether anything needs the checked loop.
func (d *debugState) armed() bool {
	return len(d.bps) > 0 || len(d.watches) > 0 || d.step
}

func (c *CPU) debug() *debugState {
	if c.dbg == nil {
		c.dbg = &debugState{bps: map[uint32]int{}, watched: map[uint32]int{}}
	}
	return c.dbg
}

// tidyDebug drops the debug state when nothing is armed, so the CPU runs
// the unchecked loop again.
func (c *CPU) tidyDebug() {
	if c.dbg != nil && !c.dbg.armed() {
		c.dbg = nil
	}
}

// SetBreakpoint arms (on) or disarms a breakpoint at a linear address.
// Arming twice needs disarming twice.
func (c *CPU) SetBreakpoint(lin uint32, on bool) {
	d := c.debug()
	if on {
		d.bps[lin]++
	} else if d.bps[lin] > 1 {
		d.bps[lin]--
	} else {
		delete(d.bps, lin)
	}
	d.bpFilter = [4096 / 64]uint64{}
	for a := range d.bps {
		d.bpFilter[a&0xFFF>>6] |= 1 << (a & 63)
	}
	c.tidyDebug()
}

// SetWatchpoint arms or disarms a watchpoint on [lin, lin+n). Disarming
// one that is not armed is an error-free no-op that returns false.
func (c *CPU) SetWatchpoint(kind WatchKind, lin, n uint32, on bool) bool {
	if n == 0 {
		n = 1
	}
	w := watchpoint{addr: lin, len: n, kind: kind}
	d := c.debug()
	found := true
	if on {
		d.watches = append(d.watches, w)
	} else {
		found = false
		for k, x := range d.watches {
			if x == w {
				d.watches = append(d.watches[:k], d.watches[k+1:]...)
				found = true
				break
			}
		}
	}
	if found {
		for p := uint64(lin) >> 12; p <= (uint64(lin)+uint64(n)-1)>>12 && p <= 0xFFFFF; p++ {
			if on {
				d.watched[uint32(p)]++
			} else if d.watched[uint32(p)]--; d.watched[uint32(p)] <= 0 {
				delete(d.watched, uint32(p))
			}
		}
	}
	// Watched pages must leave the TLB (and the fast string paths) so
	// that their accesses take the slow path; unwatched ones may return.
	c.flushTLB()
	c.tidyDebug()
	return found
}

// SetSingleStep makes the next Run stop with StopDebug (DebugStep) after
// one instruction, or after delivering an exception or interrupt.
func (c *CPU) SetSingleStep(on bool) {
	if on {
		c.debug().step = true
	} else if c.dbg != nil {
		c.dbg.step = false
	}
	c.tidyDebug()
}

// SkipBreakpointOnce makes the next Run execute the instruction at EIP
// even if a breakpoint is set there (resuming from a breakpoint stop, as
// x86's RF flag does).
func (c *CPU) SkipBreakpointOnce() {
	if c.dbg != nil {
		c.dbg.skip, c.dbg.skipAt = true, c.mmu.seg[CS].base+c.EIP
	}
}

// LastDebugEvent is the reason for the last StopDebug.
func (c *CPU) LastDebugEvent() DebugEvent {
	if c.dbg == nil {
		return DebugEvent{}
	}
	return c.dbg.event
}

// debugStop records ev and makes the loop return StopDebug after the
// current instruction.
func (c *CPU) debugStop(ev DebugEvent) {
	c.dbg.event = ev
	c.stopReq = true
	c.stopWhy = StopDebug
}

// watchedPage reports whether linear page lin>>12 holds a watchpoint
// (tlbFill keeps it out of the TLB).
func (c *CPU) watchedPage(lin uint32) bool {
	return c.dbg != nil && c.dbg.watched[lin>>12] > 0
}

// checkWatch compares a data access with the watchpoints (slow path).
func (c *CPU) checkWatch(lin uint32, size int, write bool) {
	for _, w := range c.dbg.watches {
		if lin+uint32(size)-1 < w.addr || lin > w.addr+w.len-1 {
			continue
		}
		if (w.kind == WatchWrite && !write) || (w.kind == WatchRead && write) {
			continue
		}
		hit := lin
		if hit < w.addr {
			hit = w.addr
		}
		c.debugStop(DebugEvent{Kind: DebugWatch, Addr: hit, Watch: w.kind})
		return
	}
}

// debugLoop is loop (run.go) with the breakpoint test before the fetch
// and the single-step stops; the rest of its body mirrors loop (see there
// why they are separate).
func (c *CPU) debugLoop(end uint64) StopReason {
	d := c.dbg
	first := true
	for c.Insns < end {
		if c.interruptDue() {
			if !c.acceptInterrupt() {
				return StopShutdown
			}
			if d.step {
				d.event = DebugEvent{Kind: DebugStep}
				return StopDebug
			}
		}
		lin := c.mmu.seg[CS].base + c.EIP
		skip := d.skip && first && lin == d.skipAt
		d.skip, first = false, false
		if d.bpFilter[lin&0xFFF>>6]&(1<<(lin&63)) != 0 && !skip && d.bps[lin] > 0 {
			d.event = DebugEvent{Kind: DebugBreakpoint, Addr: lin}
			return StopDebug
		}
		var i *inst
		if cp := c.curPage; cp != nil && lin&^0xFFF == c.curLin && cp.index[lin&0xFFF] != 0 {
			i = &cp.insts[cp.index[lin&0xFFF]-1]
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
		if d.step {
			d.event = DebugEvent{Kind: DebugStep}
			return StopDebug
		}
	}
	return StopBudget
}

// stepAfterFault reports whether Run should stop after delivering an
// exception because the CPU is single-stepping.
func (c *CPU) stepAfterFault() bool {
	if c.dbg != nil && c.dbg.step {
		c.dbg.event = DebugEvent{Kind: DebugStep}
		return true
	}
	return false
}
