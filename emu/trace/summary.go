package trace

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"dfemu/emu/interp"
)

// Summary counts what a trace printed: instructions per function, per
// CPU and per ring, and events by kind and vector. People would rather
// read this table than ten million lines.
type Summary struct {
	Insns    uint64
	Events   uint64
	PerFn    map[string]uint64
	PerCPU   map[int]uint64
	PerRing  [4]uint64
	PerEvent map[string]uint64 // "#PF(14)", "int 0x80", "irq 0x20"
}

func newSummary() Summary {
	return Summary{PerFn: map[string]uint64{}, PerCPU: map[int]uint64{}, PerEvent: map[string]uint64{}}
}

func (s *Summary) insn(r *interp.InsnRecord, fn string) {
	s.Insns++
	s.PerFn[fn]++
	s.PerCPU[r.CPU]++
	s.PerRing[r.CPL&3]++
}

func (s *Summary) event(e *interp.EventRecord) {
	s.Events++
	s.PerEvent[eventName(e)]++
}

// eventName is an event's key in the summary.
func eventName(e *interp.EventRecord) string {
	switch e.Kind {
	case interp.EventSoft:
		return fmt.Sprintf("int 0x%02x", e.Vector)
	case interp.EventExternal:
		return fmt.Sprintf("irq 0x%02x", e.Vector)
	case interp.EventTripleFault:
		return "triple fault"
	}
	return fmt.Sprintf("%s(%d)", interp.ExcName(e.Vector), e.Vector)
}

type count struct {
	name string
	n    uint64
}

// sorted returns m's entries, most first (ties by name).
func sorted(m map[string]uint64) []count {
	cs := make([]count, 0, len(m))
	for k, v := range m {
		cs = append(cs, count{k, v})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].n != cs[j].n {
			return cs[i].n > cs[j].n
		}
		return cs[i].name < cs[j].name
	})
	return cs
}

func pct(n, of uint64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// Write prints the summary with the top functions (all if top <= 0).
func (s *Summary) Write(w io.Writer, top int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "trace summary: %d instructions, %d events\n", s.Insns, s.Events)
	fns := sorted(s.PerFn)
	shown := fns
	if top > 0 && len(shown) > top {
		shown = shown[:top]
	}
	fmt.Fprintf(&b, "\ninstructions per function (top %d of %d):\n", len(shown), len(fns))
	fmt.Fprintf(&b, "%12s %7s  %s\n", "count", "%", "function")
	for _, c := range shown {
		fmt.Fprintf(&b, "%12d %6.2f%%  %s\n", c.n, pct(c.n, s.Insns), c.name)
	}
	if rest := len(fns) - len(shown); rest > 0 {
		var n uint64
		for _, c := range fns[len(shown):] {
			n += c.n
		}
		fmt.Fprintf(&b, "%12d %6.2f%%  (%d other functions)\n", n, pct(n, s.Insns), rest)
	}
	cpus := make([]int, 0, len(s.PerCPU))
	for k := range s.PerCPU {
		cpus = append(cpus, k)
	}
	sort.Ints(cpus)
	b.WriteString("\nper CPU:\n")
	for _, k := range cpus {
		fmt.Fprintf(&b, "%12d %6.2f%%  cpu%d\n", s.PerCPU[k], pct(s.PerCPU[k], s.Insns), k)
	}
	b.WriteString("\nper ring:\n")
	for r, n := range s.PerRing {
		if n != 0 {
			fmt.Fprintf(&b, "%12d %6.2f%%  ring %d\n", n, pct(n, s.Insns), r)
		}
	}
	fmt.Fprintf(&b, "\nevents: %d\n", s.Events)
	for _, c := range sorted(s.PerEvent) {
		fmt.Fprintf(&b, "%12d  %s\n", c.n, c.name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
