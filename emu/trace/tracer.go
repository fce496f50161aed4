// Package trace is dfemu's instruction tracer: it receives what the interp
// CPUs execute (interp.Tracer), filters it, prints one line per
// instruction or event, and counts what it printed for a summary.
//
// Vocabulary:
//
//	record    an executed instruction or a delivered interrupt/exception,
//	          numbered in one sequence across all CPUs (seq)
//	window    the part of the run being traced: from -start (or the first
//	          instruction) to -stop or -max; records outside are numbered
//	          but neither printed nor counted
//	filter    a per-record test inside the window: ring, CPUs, function
//
// Files: tracer.go (filtering, this), format.go (the line), summary.go
// (the tables), symbols.go (ELF symbols and DWARF lines).
//
// Context: a Tracer is called from the machine's vCPU loop, one call at a
// time (all vCPUs of interp run on one goroutine); it is not safe for
// concurrent use.
package trace

import (
	"bufio"
	"io"

	"dfemu/emu/interp"
)

// Syntax is the assembly syntax of the printed instructions.
type Syntax int

const (
	Intel Syntax = iota // x86asm.IntelSyntax: mov eax, dword ptr [ebx+4]
	GNU                 // x86asm.GNUSyntax (AT&T): mov 0x4(%ebx),%eax
)

// Options selects and shapes what is traced.
type Options struct {
	Syntax  Syntax
	Changes bool // print the registers and memory each instruction changed
	NoLines bool // leave out the file:line column

	// The window: Start and Stop are linear addresses (HasStart, HasStop
	// say they are set). The instruction at Stop is the last traced.
	Start, Stop       uint32
	HasStart, HasStop bool
	Max               uint64 // instructions printed at most; 0: no limit

	// Filters inside the window.
	Ring     int          // 0 or 3; -1: any
	CPUs     map[int]bool // nil: every CPU
	Func     *Symbol      // only instructions inside this function
	OnlyFunc bool         // Func is set
}

// Tracer is an interp.Tracer that prints to a writer.
type Tracer struct {
	opt  Options
	syms *Symbolizer
	w    *bufio.Writer
	err  error // the first write error: printing stops, counting goes on

	seq     uint64 // records seen
	active  bool   // inside the window
	done    bool   // the window has ended
	printed uint64 // instructions printed
	onDone  func()

	cache map[cacheKey]*lineInfo
	buf   []byte
	sum   Summary
}

// New returns a tracer printing to w (buffered: call Close at the end).
func New(w io.Writer, syms *Symbolizer, opt Options) *Tracer {
	if syms == nil {
		syms = &Symbolizer{}
	}
	return &Tracer{opt: opt, syms: syms, w: bufio.NewWriterSize(w, 1<<16),
		active: !opt.HasStart, cache: map[cacheKey]*lineInfo{}, sum: newSummary()}
}

// OnDone sets a function called once when the window ends (-stop reached,
// -max printed), so the machine can stop tracing and run at full speed.
func (t *Tracer) OnDone(f func()) { t.onDone = f }

// Insn is called for each executed instruction (interp.Tracer).
func (t *Tracer) Insn(c *interp.CPU, r *interp.InsnRecord) {
	t.seq++
	if t.done {
		return
	}
	if !t.active {
		if r.Lin != t.opt.Start {
			return
		}
		t.active = true
	}
	if t.selected(r.CPU, r.CPL, r.Lin) {
		li := t.line(r)
		t.sum.insn(r, li.fn)
		t.printInsn(r, li)
		t.printed++
		if t.opt.Max != 0 && t.printed >= t.opt.Max {
			t.finish()
			return
		}
	}
	if t.opt.HasStop && r.Lin == t.opt.Stop {
		t.finish()
	}
}

// Event is called for each interrupt or exception delivered
// (interp.Tracer). Inside a function filter, an event is shown when it
// leaves or enters the function.
func (t *Tracer) Event(c *interp.CPU, e *interp.EventRecord) {
	t.seq++
	if t.done || !t.active {
		return
	}
	if !t.selected(e.CPU, e.FromCPL, e.FromLin) && !t.selected(e.CPU, e.ToCPL, e.ToLin) {
		return
	}
	t.sum.event(e)
	t.printEvent(c, e)
}

// selected applies the filters inside the window.
func (t *Tracer) selected(cpu, cpl int, lin uint32) bool {
	if t.opt.Ring >= 0 && cpl != t.opt.Ring {
		return false
	}
	if t.opt.CPUs != nil && !t.opt.CPUs[cpu] {
		return false
	}
	if t.opt.OnlyFunc && !t.opt.Func.Contains(lin) {
		return false
	}
	return true
}

// finish ends the window.
func (t *Tracer) finish() {
	t.done = true
	if t.onDone != nil {
		t.onDone()
	}
}

// Done reports whether the window has ended.
func (t *Tracer) Done() bool { return t.done }

// Seq is the number of records seen (printed or not).
func (t *Tracer) Seq() uint64 { return t.seq }

// Printed is the number of instructions printed.
func (t *Tracer) Printed() uint64 { return t.printed }

// Summary returns the counts of what was printed.
func (t *Tracer) Summary() *Summary { return &t.sum }

// Close flushes the output and returns the first write error.
func (t *Tracer) Close() error {
	if err := t.w.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

// write appends a finished line to the output.
func (t *Tracer) write(b []byte) {
	if t.err != nil {
		return
	}
	if _, err := t.w.Write(b); err != nil {
		t.err = err
	}
}
