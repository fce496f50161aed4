package interp

import "testing"

// nopTracer counts what it is given.
type nopTracer struct{ insns, events int }

func (t *nopTracer) Insn(c *CPU, r *InsnRecord)   { t.insns++ }
func (t *nopTracer) Event(c *CPU, e *EventRecord) { t.events++ }

// BenchmarkLoopTraced is BenchmarkLoop with a tracer that does nothing:
// the cost of the traced loop itself. BenchmarkLoop (no tracer) must not
// change when tracing code changes: tracing off costs nothing.
//
//	go test -run '^$' -bench 'Loop' ./emu/interp/
func BenchmarkLoopTraced(b *testing.B) {
	for _, changes := range []bool{false, true} {
		name := "insns"
		if changes {
			name = "changes"
		}
		b.Run(name, func(b *testing.B) {
			c, _ := newTestCPU(b, assemble(b, benchLoop, testCode))
			tr := &nopTracer{}
			c.SetTracer(tr, TraceOptions{Changes: changes})
			c.Run(1000)
			b.ResetTimer()
			start := c.Insns
			for n := 0; n < b.N; n++ {
				if r := c.Run(1 << 18); r != StopBudget {
					b.Fatalf("stopped: %v %s", r, c.LastFault)
				}
			}
			b.StopTimer()
			if tr.insns != int(c.Insns) {
				b.Fatalf("traced %d of %d instructions", tr.insns, c.Insns)
			}
			b.ReportMetric(float64(c.Insns-start)/b.Elapsed().Seconds()/1e6, "MIPS")
		})
	}
}

// A traced run computes what an untraced one does, and reports every
// instruction, the write of each store, and an int3 as an event after it.
func TestTracedRunMatchesUntraced(t *testing.T) {
	src := benchLoop[:len(benchLoop)-len("\n\thlt")] // no hlt: run a budget
	plain, _ := newTestCPU(t, assemble(t, src, testCode))
	traced, _ := newTestCPU(t, assemble(t, src, testCode))
	rec := &recTracer{}
	traced.SetTracer(rec, TraceOptions{Changes: true})
	plain.Run(10_000)
	traced.Run(10_000)
	if plain.R != traced.R || plain.EIP != traced.EIP || plain.Flags() != traced.Flags() {
		t.Fatalf("traced run differs:\n%s\n%s", plain.Dump(), traced.Dump())
	}
	if len(rec.insns) != 10_000 {
		t.Fatalf("traced %d instructions", len(rec.insns))
	}
	stores := 0
	for _, r := range rec.insns {
		if r.Bytes[0] == 0x89 && r.Bytes[1] == 0x46 { // mov [esi+4], eax
			stores++
			if len(r.Writes) != 1 || r.Writes[0].Lin != 0x2004 || r.Writes[0].Size != 4 || r.Writes[0].Val != r.After.R[EAX] {
				t.Fatalf("store's writes: %+v (eax %08x)", r.Writes, r.After.R[EAX])
			}
		}
	}
	if stores == 0 {
		t.Fatal("no store traced")
	}
}

func TestTraceEventOrder(t *testing.T) {
	// int3 is reported as an instruction, then its event, then the handler.
	c, _ := newTestCPU(t, assemble(t, `
	lgdt gdtr
	lidt idtr
	int3
	hlt
handler:
	hlt
	.align 8
gdt:
	.quad 0, 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdtr:
	.word 4*8-1
	.long gdt
	.align 8
idt:
	.fill 3, 8, 0
	.word handler, 0x10, 0x8e00, 0
idtr:
	.word 4*8-1
	.long idt`, testCode))
	rec := &recTracer{}
	c.SetTracer(rec, TraceOptions{})
	r := c.Run(100)
	if r != StopHaltNoIntr || len(rec.order) != 5 || rec.order[2] != "insn" || rec.order[3] != "event" {
		t.Fatalf("order %v", rec.order)
	}
	e := rec.events[0]
	if e.Kind != EventSoft || e.Vector != 3 || e.ToEIP != rec.insns[3].EIP || e.FromEIP != rec.insns[2].EIP || rec.insns[2].Faulted {
		t.Fatalf("event %+v insns %+v", e, rec.insns)
	}
}

type recTracer struct {
	insns  []InsnRecord
	events []EventRecord
	order  []string
}

func (t *recTracer) Insn(c *CPU, r *InsnRecord) {
	cp := *r
	cp.Writes = append([]MemWrite(nil), r.Writes...)
	t.insns = append(t.insns, cp)
	t.order = append(t.order, "insn")
}

func (t *recTracer) Event(c *CPU, e *EventRecord) {
	t.events = append(t.events, *e)
	t.order = append(t.order, "event")
}

// An external interrupt is an event between two instructions, from the
// instruction it interrupted to its handler.
func TestTraceExternalInterruptEvent(t *testing.T) {
	c, bus := newTestCPU(t, assemble(t, `
	lgdt gdtr
	lidt idtr
	sti
	nop
	nop
	cli
	hlt
handler:
	cli
	hlt
	.align 8
gdt:
	.quad 0, 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdtr:
	.word 4*8-1
	.long gdt
	.align 8
idt:
	.fill 0x20, 8, 0
	.word handler, 0x10, 0x8e00, 0
idtr:
	.word 0x21*8-1
	.long idt`, testCode))
	bus.vectors = []uint8{0x20}
	c.SetIntrPending(true)
	rec := &recTracer{}
	c.SetTracer(rec, TraceOptions{})
	if r := c.Run(100); r != StopHaltNoIntr {
		t.Fatalf("stop %v: %s", r, c.LastFault)
	}
	// lgdt, lidt, sti, nop (the sti shadow), event, cli, hlt.
	want := []string{"insn", "insn", "insn", "insn", "event", "insn", "insn"}
	if len(rec.order) != len(want) {
		t.Fatalf("order %v", rec.order)
	}
	for k := range want {
		if rec.order[k] != want[k] {
			t.Fatalf("order %v", rec.order)
		}
	}
	e := rec.events[0]
	if e.Kind != EventExternal || e.Vector != 0x20 || e.FromEIP != rec.insns[3].EIP+1 || e.ToEIP != rec.insns[4].EIP {
		t.Fatalf("event %+v", e)
	}
}
