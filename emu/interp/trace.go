package interp

// Instruction tracing. While a Tracer is set (SetTracer), Run uses
// loopTraced instead of loop: the fast loop has no tracing branch at all,
// so tracing off costs nothing. loopTraced reports every instruction it
// retires (Tracer.Insn) and every interrupt or exception delivered
// (Tracer.Event), in the order they happened:
//
//	an ordinary instruction    Insn
//	int n / int3 / into        Insn, then Event (EventSoft)
//	a faulting instruction     Insn with Faulted set, then Event (EventException)
//	a fault on fetch           Event only (there is no instruction)
//	an external interrupt      Event (EventExternal), between two Insns
//	a triple fault             Event (EventTripleFault)
//
// With TraceOptions.Changes an Insn also carries the registers before and
// after it and the memory it wrote. Writes are captured in writeSlow: while
// Changes is on, tlbFill never grants the TLB fast write path, so every
// write of an instruction goes through writeSlow (tracing with changes is
// slower; tracing without them and not tracing are not affected).
//
// Context: SetTracer is called between Runs or from the vCPU loop (a
// device's Out), never from another goroutine while Run runs.

// Tracer receives what a CPU executes. The records are reused after the
// call returns: copy what must be kept.
type Tracer interface {
	Insn(c *CPU, r *InsnRecord)
	Event(c *CPU, e *EventRecord)
}

// TraceOptions says what to record besides the instruction itself.
type TraceOptions struct {
	// Changes records registers before and after each instruction and
	// its memory writes (InsnRecord.Before, After, Writes).
	Changes bool
}

// RegState is the state an instruction can change, for before/after
// diffs: general registers, EIP, EFLAGS and segment selectors.
type RegState struct {
	R     [8]uint32
	EIP   uint32
	Flags uint32
	Sel   [6]uint16
}

// MemWrite is one memory write by an instruction (linear address).
type MemWrite struct {
	Lin  uint32
	Size uint8
	Val  uint32
}

// MaxTracedWrites bounds the writes kept per instruction (rep stos can
// write thousands); InsnRecord.MoreWrites counts the rest.
const MaxTracedWrites = 4

// InsnRecord is one executed instruction.
type InsnRecord struct {
	CPU     int    // Config.ID
	Insns   uint64 // the CPU's retired count before this instruction
	CPL     int    // ring it ran in
	CS      uint16
	EIP     uint32
	Lin     uint32   // CS.base + EIP
	CR3     uint32   // the address space (for symbols of user programs)
	Mode    int      // 16 or 32: decode mode
	Bytes   [15]byte // Bytes[:Len] the instruction, 0 after
	Len     int
	Faulted bool // it raised the exception of the next Event

	// With TraceOptions.Changes:
	Before, After RegState
	Writes        []MemWrite
	MoreWrites    int
}

// EventKind says what an EventRecord is.
type EventKind int

const (
	EventException   EventKind = iota // a fault or trap raised by the CPU
	EventSoft                         // int n, int3, into
	EventExternal                     // a hardware interrupt
	EventTripleFault                  // a fault while delivering #DF: shutdown
)

func (k EventKind) String() string {
	switch k {
	case EventException:
		return "exception"
	case EventSoft:
		return "int"
	case EventExternal:
		return "irq"
	case EventTripleFault:
		return "triple-fault"
	}
	return "event?"
}

// EventRecord is one interrupt or exception delivered.
type EventRecord struct {
	CPU     int
	Insns   uint64
	Kind    EventKind
	Vector  uint8
	Err     uint32
	HasErr  bool
	CR2     uint32 // for #PF
	FromCPL int
	FromCS  uint16 // the instruction where it happened
	FromEIP uint32
	FromLin uint32
	ToCPL   int
	ToCS    uint16 // the handler
	ToEIP   uint32
	ToLin   uint32
	CR3     uint32
}

// ExcName is the mnemonic of an exception vector (#PF), or "vector N".
func ExcName(v uint8) string { return excName(v) }

// traceState is a traced CPU's recording state.
type traceState struct {
	t       Tracer
	changes bool // TraceOptions.Changes: registers and memory writes
	mem     bool // capture writes in writeSlow (tlbFill grants no fast write)
	pending bool // rec is an instruction being executed
	rec     InsnRecord
	ev      EventRecord
	queued  []EventRecord // events raised inside the pending instruction (int n)
}

// stopSwitch is Run's internal reason to leave a loop: the tracer changed,
// so the other loop must run. Run never returns it.
const stopSwitch StopReason = -1

// SetTracer starts tracing to t, or stops tracing when t is nil. Called
// from a device's Out (the guest's trace port), it takes effect after the
// current instruction.
func (c *CPU) SetTracer(t Tracer, opts TraceOptions) {
	mem := t != nil && opts.Changes
	wasMem := c.trace != nil && c.trace.mem
	if t == nil {
		c.trace = nil
	} else {
		c.trace = &traceState{t: t, changes: opts.Changes, mem: mem}
	}
	if mem && !wasMem {
		c.flushTLB() // drop the fast write tags granted before
	}
	if !c.stopReq {
		c.stopReq = true
		c.stopWhy = stopSwitch
	}
}

// Tracing reports whether a tracer is set.
func (c *CPU) Tracing() bool { return c.trace != nil }

// loopTraced is loop (run.go) with traceBegin/traceEnd around each
// instruction and a return when the tracer changes; the rest of its body
// mirrors loop (see there why they are separate).
func (c *CPU) loopTraced(end uint64) StopReason {
	ts := c.trace
	for c.Insns < end {
		if c.trace != ts {
			return stopSwitch
		}
		if c.interruptDue() {
			if !c.acceptInterrupt() {
				return StopShutdown
			}
		}
		lin := c.mmu.seg[CS].base + c.EIP
		var i *inst
		if cp := c.curPage; cp != nil && lin&^0xFFF == c.curLin && cp.index[lin&0xFFF] != 0 {
			i = &cp.insts[cp.index[lin&0xFFF]-1]
		} else {
			i = c.fetch()
		}
		c.traceBegin(ts, lin, i)
		i.fn(c, i)
		c.Insns++
		if c.code16 {
			c.EIP &= 0xFFFF
		}
		c.traceEnd(ts)
		if c.stopReq {
			c.stopReq = false
			return c.stopWhy
		}
	}
	return StopBudget
}

// traceBegin fills the record of the instruction about to run.
func (c *CPU) traceBegin(ts *traceState, lin uint32, i *inst) {
	r := &ts.rec
	r.CPU, r.Insns, r.CPL = c.cfg.ID, c.Insns, c.cpl
	r.CS, r.EIP, r.Lin, r.CR3 = c.Seg[CS].Sel, c.EIP, lin, c.CR3
	r.Mode = 16
	if c.Seg[CS].Attr&AttrDB != 0 {
		r.Mode = 32
	}
	r.Len = int(i.len)
	r.Bytes = [15]byte{} // bytes past Len are 0: records compare whole
	c.codeBytes(lin, r.Bytes[:r.Len])
	r.Faulted = false
	if ts.changes {
		c.regState(&r.Before)
		r.Writes, r.MoreWrites = r.Writes[:0], 0
	}
	ts.pending = true
}

// traceEnd reports the retired instruction and the events it raised.
func (c *CPU) traceEnd(ts *traceState) {
	ts.pending = false
	if ts.changes {
		c.regState(&ts.rec.After)
	}
	ts.t.Insn(c, &ts.rec)
	for k := range ts.queued {
		ts.t.Event(c, &ts.queued[k])
	}
	ts.queued = ts.queued[:0]
}

// traceFaulted reports the instruction that raised fault f (Run calls
// it before delivering the exception).
func (c *CPU) traceFaulted() {
	ts := c.trace
	if !ts.pending {
		return // the fault came from the fetch: the event tells it
	}
	ts.pending = false
	ts.rec.Faulted = true
	if ts.changes {
		c.regState(&ts.rec.After)
	}
	ts.t.Insn(c, &ts.rec)
	ts.queued = ts.queued[:0]
}

// traceDelivered reports a delivery that completed (deliver calls it
// last); from is CS:EIP and CPL where it happened.
func (c *CPU) traceDelivered(vec uint8, err uint32, hasErr bool, kind int, fromCS Segment, fromEIP uint32, fromCPL int) {
	ts := c.trace
	if ts == nil {
		return
	}
	e := EventRecord{CPU: c.cfg.ID, Insns: c.Insns, Vector: vec, Err: err, HasErr: hasErr,
		FromCPL: fromCPL, FromCS: fromCS.Sel, FromEIP: fromEIP, FromLin: fromCS.Base + fromEIP,
		ToCPL: c.cpl, ToCS: c.Seg[CS].Sel, ToEIP: c.EIP, ToLin: c.Seg[CS].Base + c.EIP, CR3: c.CR3}
	switch kind {
	case evSoft:
		e.Kind = EventSoft
	case evExternal:
		e.Kind = EventExternal
	default:
		e.Kind = EventException
	}
	if vec == ExcPF && kind == evException {
		e.CR2 = c.CR2
	}
	if ts.pending { // int n: report it after the instruction
		ts.queued = append(ts.queued, e)
		return
	}
	ts.ev = e
	ts.t.Event(c, &ts.ev)
}

// traceTripleFault reports the shutdown (exception calls it).
func (c *CPU) traceTripleFault(f fault) {
	ts := c.trace
	ts.ev = EventRecord{CPU: c.cfg.ID, Insns: c.Insns, Kind: EventTripleFault, Vector: f.vector,
		Err: f.err, HasErr: f.hasErr, FromCPL: c.cpl, FromCS: c.Seg[CS].Sel, FromEIP: c.EIP,
		FromLin: c.Seg[CS].Base + c.EIP, CR3: c.CR3}
	ts.t.Event(c, &ts.ev)
}

// traceWrite records a memory write (writeSlow calls it while
// tracing with changes).
func (c *CPU) traceWrite(lin uint32, size int, v uint32) {
	ts := c.trace
	if !ts.pending {
		return // an exception frame or a descriptor update outside an instruction
	}
	r := &ts.rec
	if len(r.Writes) >= MaxTracedWrites {
		r.MoreWrites++
		return
	}
	r.Writes = append(r.Writes, MemWrite{Lin: lin, Size: uint8(size), Val: v & sizeMask[size]})
}

// regState copies the registers an instruction can change.
func (c *CPU) regState(s *RegState) {
	s.R, s.EIP, s.Flags = c.R, c.EIP, c.Flags()
	for k := range s.Sel {
		s.Sel[k] = c.Seg[k].Sel
	}
}

// codeBytes copies the instruction bytes at linear lin (before the
// instruction runs: it may overwrite itself).
func (c *CPU) codeBytes(lin uint32, buf []byte) {
	if cp := c.curPage; cp != nil && lin&^0xFFF == c.curLin && int(lin&0xFFF)+len(buf) <= 0x1000 {
		copy(buf, c.ram[cp.phys|lin&0xFFF:])
		return
	}
	for k := range buf {
		if p, ok := c.probe(lin+uint32(k), false); ok {
			buf[k] = uint8(c.physRead(p, 1))
		} else {
			buf[k] = 0
		}
	}
}
