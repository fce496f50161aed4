package trace_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dfemu/emu"
	"dfemu/emu/interp"
	"dfemu/emu/trace"
	"dfemu/guest"
	"dfemu/internal/qemurun"

	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"
)

// QEMU's instruction log as an oracle: the same kernel under
// qemu-system-i386 -d exec,cpu,nochain -singlestep (QEMU 7.2's spelling;
// newer QEMUs say -accel tcg,one-insn-per-tb=on) logs the registers before
// every instruction. From the kernel's entry through mb_init,
// pagealloc_init and vm_init (paging on) to the call of smp_init (the
// timer and the other CPUs: not deterministic), dfemu's EIP sequence must match
// QEMU's line for line, and so must every register whose value both
// machines define the same way. Both machines get the same kernel path
// (so the same command line) and the same -m (so the same memory map
// and boot information layout).
//
// The differences that cannot be avoided are handled one by one:
//
//   - Entry state: Multiboot defines EAX and the flat segments; the info
//     address (EBX), the other registers, EFLAGS' undefined bits and the
//     selector values are each loader's own. Registers that differ at the
//     entry are "unsynchronised".
//   - cpuid and rdtsc: their destination registers become unsynchronised
//     for that instruction (QEMU's qemu32 CPU is not dfemu's Pentium).
//   - An unsynchronised value propagates: an instruction that reads one
//     (a register operand, a memory operand whose bytes were written from
//     one, the stack for pop/ret, a string instruction's source) unsynchronises
//     what it changes (from dfemu's before/after registers and memory
//     writes).
//   - A register resynchronises the first time both machines agree on it;
//     from then on any difference fails the test.
//   - rep string instructions: QEMU logs each iteration (the bss clear in
//     entry.S alone is ~800,000), dfemu each restart (every 4096
//     iterations). QEMU's -dfilter leaves out the address of every rep
//     instruction dfemu ran, so a rep instruction is checked by its
//     effect: the state before the instruction after it (ECX, EDI, ESI,
//     EFLAGS), which both machines log.
//
//   - Calls whose work differs by design are checked by their effect:
//     the strlen of the boot loader's name ("qemu", "dfemu") and
//     smp_config_init (it searches each machine's own firmware tables).
//     The call's entry state and the state after its return are compared;
//     in between neither log is; after it, what the caller may not keep
//     (EAX, ECX, EDX, EFLAGS) and the memory dfemu's callee wrote are
//     unsynchronised, and the callee-saved registers must agree.
//
// Everything else — every EIP, and every synchronised register, EFLAGS
// and selector — must be equal.

// qemuMemMiB is -m on both machines: small, so that QEMU's firmware and
// the kernel have little memory to walk.
const qemuMemMiB = 6

// waypoints is where the compared stretch ends: the instruction after
// the kernel has passed each address in turn. One state is one step of
// the walk (a state logged twice in a row by QEMU, see below, counts
// once).
type waypoints struct {
	addrs []uint32
	next  int
	last  state
}

// pass records the state of the next instruction and reports whether
// it is the end of the stretch.
func (w *waypoints) pass(s state) bool {
	if s == w.last {
		return false
	}
	w.last = s
	if w.next < len(w.addrs) && s.eip == w.addrs[w.next] {
		w.next++
	}
	return w.next == len(w.addrs)
}

// state is one machine's registers before an instruction.
type state struct {
	eip   uint32
	r     [8]uint32
	flags uint32
	sel   [6]uint16
}

// dfemuStep is an instruction dfemu ran, with what it changed.
type dfemuStep struct {
	state
	bytes  []byte
	after  state
	writes []interp.MemWrite
	more   bool // writes beyond interp.MaxTracedWrites were not kept
}

// collector records dfemu's instructions until the end of the stretch.
type collector struct {
	steps []dfemuStep
	stop  waypoints
	done  bool
	m     *emu.Machine
}

func regState(s interp.RegState) state {
	return state{eip: s.EIP, r: s.R, flags: s.Flags, sel: s.Sel}
}

func (c *collector) Insn(cpu *interp.CPU, r *interp.InsnRecord) {
	if c.done {
		return
	}
	c.steps = append(c.steps, dfemuStep{state: regState(r.Before), bytes: append([]byte(nil), r.Bytes[:r.Len]...),
		after: regState(r.After), writes: append([]interp.MemWrite(nil), r.Writes...), more: r.MoreWrites > 0})
	if c.stop.pass(regState(r.Before)) {
		c.done = true
		c.m.SetTracing(false)
	}
}

func (c *collector) Event(cpu *interp.CPU, e *interp.EventRecord) {}

// dfilter is QEMU's -dfilter value: [start, end) without the addresses
// in skip.
func dfilter(start, end uint32, skip []uint32) string {
	slices.Sort(skip)
	var ranges []string
	for _, a := range skip {
		if a < start || a >= end {
			continue
		}
		if a > start {
			ranges = append(ranges, fmt.Sprintf("0x%x..0x%x", start, a-1))
		}
		start = a + 1
	}
	if start < end {
		ranges = append(ranges, fmt.Sprintf("0x%x..0x%x", start, end-1))
	}
	return strings.Join(ranges, ",")
}

// qemuLog runs QEMU on kernel with -m mib, logging the instructions
// whose addresses filter (a -dfilter value) selects, and returns the
// states it logged until the end of the stretch (inclusive). The log
// comes through a pipe (-D /dev/fd/3); QEMU is killed as soon as the
// stretch is complete, or at the deadline, which ends the pipe: a QEMU
// that stops logging cannot hang the test.
func qemuLog(t *testing.T, kernel string, mib int, filter string, stop waypoints) []state {
	qemu := qemurun.Path()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command(qemu, "-kernel", kernel, "-m", strconv.Itoa(mib), "-display", "none",
		"-serial", "null", "-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-d", "exec,cpu,nochain", "-singlestep", "-dfilter", filter, "-D", "/dev/fd/3")
	cmd.ExtraFiles = []*os.File{w}
	var qerr bytes.Buffer
	cmd.Stderr = &qerr
	err = cmd.Start()
	w.Close()
	require.NoError(t, err)
	var timedOut atomic.Bool
	timer := time.AfterFunc(qemurun.Timeout, func() { timedOut.Store(true); _ = cmd.Process.Kill() })
	defer func() { timer.Stop(); _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	var out []state
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var cur *state
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "Trace "):
			out = append(out, state{})
			cur = &out[len(out)-1]
		case cur == nil:
		case strings.HasPrefix(l, "EAX="):
			fields(l, map[string]*uint32{"EAX": &cur.r[0], "EBX": &cur.r[3], "ECX": &cur.r[1], "EDX": &cur.r[2]})
		case strings.HasPrefix(l, "ESI="):
			fields(l, map[string]*uint32{"ESI": &cur.r[6], "EDI": &cur.r[7], "EBP": &cur.r[5], "ESP": &cur.r[4]})
		case strings.HasPrefix(l, "EIP="):
			fields(l, map[string]*uint32{"EIP": &cur.eip, "EFL": &cur.flags})
		case len(l) > 8 && l[2] == ' ' && l[3] == '=':
			for k, name := range segNames {
				if strings.EqualFold(l[:2], name) {
					v, _ := strconv.ParseUint(l[4:8], 16, 16)
					cur.sel[k] = uint16(v)
				}
			}
		case strings.HasPrefix(l, "EFER="): // a state's last line
			if stop.pass(*cur) {
				return out
			}
		}
	}
	if timedOut.Load() {
		t.Fatalf("QEMU's log did not reach the end of the stretch in %v (%d states): %s", qemurun.Timeout, len(out), qerr.String())
	}
	t.Fatalf("QEMU's log ended before the end of the stretch (%d states, %v): %s", len(out), sc.Err(), qerr.String())
	return nil
}

// fields parses "EAX=00000001 EBX=..." into the named places.
func fields(l string, into map[string]*uint32) {
	for _, f := range strings.Fields(l) {
		k, v, ok := strings.Cut(f, "=")
		if p, want := into[k]; ok && want {
			n, _ := strconv.ParseUint(v, 16, 32)
			*p = uint32(n)
		}
	}
}

var regNames = [8]string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
var segNames = [6]string{"es", "cs", "ss", "ds", "fs", "gs"}

// taint is what is unsynchronised: registers, EFLAGS, selectors, bytes
// of memory.
type taint struct {
	r     [8]bool
	flags bool
	sel   [6]bool
	mem   map[uint32]bool
}

// memTainted reports whether any of the n bytes from a is unsynchronised.
func (tn *taint) memTainted(a, n uint32) bool {
	if n > uint32(len(tn.mem)) {
		for b := range tn.mem {
			if b-a < n {
				return true
			}
		}
		return false
	}
	for k := uint32(0); k < n; k++ {
		if tn.mem[a+k] {
			return true
		}
	}
	return false
}

// setMem marks the n bytes from a unsynchronised (on) or synchronised.
func (tn *taint) setMem(a, n uint32, on bool) {
	switch {
	case on:
		for k := uint32(0); k < n; k++ {
			tn.mem[a+k] = true
		}
	case n > uint32(len(tn.mem)):
		for b := range tn.mem {
			if b-a < n {
				delete(tn.mem, b)
			}
		}
	default:
		for k := uint32(0); k < n; k++ {
			delete(tn.mem, a+k)
		}
	}
}

// stringOp returns a string instruction's element size, or 0 for any
// other instruction.
func stringOp(op x86asm.Op) uint32 {
	switch op {
	case x86asm.MOVSB, x86asm.CMPSB, x86asm.LODSB, x86asm.STOSB, x86asm.SCASB:
		return 1
	case x86asm.MOVSW, x86asm.CMPSW, x86asm.LODSW, x86asm.STOSW, x86asm.SCASW:
		return 2
	case x86asm.MOVSD, x86asm.CMPSD, x86asm.LODSD, x86asm.STOSD, x86asm.SCASD:
		return 4
	}
	return 0
}

// stringSpan is the memory a string instruction's step covered through
// index register k (ESI or EDI): its iterations' elements, downwards
// when EFLAGS.DF is set.
func stringSpan(s *dfemuStep, xi x86asm.Inst, k int) (addr, n uint32) {
	size := stringOp(xi.Op)
	iters := uint32(1)
	if hasRep(s.bytes) {
		iters = s.r[1] - s.after.r[1]
	}
	n = iters * size
	if s.flags&(1<<10) != 0 {
		return s.r[k] - n + size, n
	}
	return s.r[k], n
}

// reads reports whether instruction s reads an unsynchronised value.
func (tn *taint) reads(s *dfemuStep, xi x86asm.Inst) bool {
	for _, a := range xi.Args {
		switch a := a.(type) {
		case x86asm.Reg:
			if k, ok := gpr(a); ok && tn.r[k] {
				return true
			}
		case x86asm.Mem:
			ea := uint32(a.Disp)
			if k, ok := gpr(a.Base); ok {
				if tn.r[k] {
					return true
				}
				ea += s.r[k]
			}
			if k, ok := gpr(a.Index); ok {
				if tn.r[k] {
					return true
				}
				ea += s.r[k] * uint32(a.Scale)
			}
			if tn.memTainted(ea, 4) {
				return true
			}
		}
	}
	if stringOp(xi.Op) != 0 {
		if tn.flags || (hasRep(s.bytes) && tn.r[1]) {
			return true // the direction and the count
		}
		switch xi.Op {
		case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.LODSB, x86asm.LODSW, x86asm.LODSD,
			x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD:
			if a, n := stringSpan(s, xi, 6); tn.r[6] || tn.memTainted(a, n) {
				return true
			}
		}
		switch xi.Op {
		case x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD, x86asm.SCASB, x86asm.SCASW, x86asm.SCASD:
			if a, n := stringSpan(s, xi, 7); tn.r[7] || tn.memTainted(a, n) {
				return true
			}
		}
		return tn.r[7] || tn.r[0]
	}
	switch xi.Op {
	case x86asm.POP, x86asm.RET, x86asm.LEAVE, x86asm.POPA, x86asm.POPAD, x86asm.POPF, x86asm.POPFD, x86asm.IRETD:
		return tn.r[4] || tn.memTainted(s.r[4], 32) || (xi.Op == x86asm.LEAVE && (tn.r[5] || tn.memTainted(s.r[5], 4)))
	case x86asm.PUSH, x86asm.CALL, x86asm.PUSHA, x86asm.PUSHAD:
		return tn.r[4]
	case x86asm.PUSHF, x86asm.PUSHFD, x86asm.ADC, x86asm.SBB, x86asm.LAHF, x86asm.RCL, x86asm.RCR:
		return tn.flags
	}
	return false
}

func gpr(r x86asm.Reg) (int, bool) {
	switch {
	case r >= x86asm.EAX && r <= x86asm.EDI:
		return int(r - x86asm.EAX), true
	case r >= x86asm.AX && r <= x86asm.DI:
		return int(r - x86asm.AX), true
	case r >= x86asm.AL && r <= x86asm.BL:
		return int(r - x86asm.AL), true
	case r >= x86asm.AH && r <= x86asm.BH:
		return int(r - x86asm.AH), true
	}
	return 0, false
}

// apply records what instruction s changed as unsynchronised (src) or
// synchronised (!src). Its memory writes are dfemu's record of them, or
// when that was cut short (rep stos, pusha), what the instruction
// defines it writes; a write that is neither is an error.
func (tn *taint) apply(s *dfemuStep, xi x86asm.Inst, src bool) error {
	for k := range s.r {
		if s.r[k] != s.after.r[k] {
			tn.r[k] = src
		}
	}
	if s.flags != s.after.flags {
		tn.flags = src
	}
	for k := range s.sel {
		if s.sel[k] != s.after.sel[k] {
			tn.sel[k] = src
		}
	}
	for _, w := range s.writes {
		tn.setMem(w.Lin, uint32(w.Size), src)
	}
	if !s.more {
		return nil
	}
	switch xi.Op {
	case x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD:
		a, n := stringSpan(s, xi, 7)
		tn.setMem(a, n, src)
	case x86asm.PUSHA, x86asm.PUSHAD:
		tn.setMem(s.after.r[4], s.r[4]-s.after.r[4], src)
	default:
		return fmt.Errorf("%v at %08x wrote more than dfemu's trace keeps", xi, s.eip)
	}
	return nil
}

// compare checks dfemu's state against QEMU's where synchronised, and
// resynchronises what agrees.
func (tn *taint) compare(d, q state) string {
	var diffs []string
	for k := range d.r {
		switch {
		case d.r[k] == q.r[k]:
			tn.r[k] = false
		case !tn.r[k]:
			diffs = append(diffs, fmt.Sprintf("%s dfemu=%08x qemu=%08x", regNames[k], d.r[k], q.r[k]))
		}
	}
	switch {
	case d.flags == q.flags:
		tn.flags = false
	case !tn.flags:
		diffs = append(diffs, fmt.Sprintf("eflags dfemu=%08x qemu=%08x", d.flags, q.flags))
	}
	for k := range d.sel {
		switch {
		case d.sel[k] == q.sel[k]:
			tn.sel[k] = false
		case !tn.sel[k]:
			diffs = append(diffs, fmt.Sprintf("%s dfemu=%04x qemu=%04x", segNames[k], d.sel[k], q.sel[k]))
		}
	}
	return strings.Join(diffs, ", ")
}

func TestTraceMatchesQEMU(t *testing.T) {
	if qemurun.Path() == "" {
		t.Skip(qemurun.Missing + ": no oracle")
	}
	syms, err := trace.LoadELF("kernel.elf", bytes.NewReader(guest.Kernel))
	require.NoError(t, err)
	addr := func(name string) uint32 {
		s, ok := syms.Find(name)
		require.True(t, ok, name)
		return s.Addr
	}
	entry, textEnd := addr("_start"), addr("kernel_text_end")
	stop := waypoints{addrs: []uint32{addr("vm_init"), addr("smp_init")}}
	byEffect := []*waypoints{
		// mb_init's second strlen, of the loader's name (the first is
		// the command line's).
		{addrs: []uint32{addr("mb_init"), addr("strlen"), addr("strlen")}},
		{addrs: []uint32{addr("smp_config_init")}},
	}

	kernel := filepath.Join(t.TempDir(), "kernel.elf")
	require.NoError(t, os.WriteFile(kernel, guest.Kernel, 0o644))
	col := &collector{stop: stop}
	m, err := emu.New(emu.Config{Kernel: guest.Kernel, KernelName: kernel, MemMiB: qemuMemMiB, SMP: 1,
		Timeout: qemurun.Timeout, Tracer: col, TraceOptions: interp.TraceOptions{Changes: true}, Stdout: io.Discard})
	require.NoError(t, err)
	col.m = m
	m.Run()
	m.Close()
	d := col.steps
	require.True(t, col.done, "dfemu never reached the end of the stretch (%d instructions)", len(d))
	require.Equal(t, entry, d[0].eip)

	var repAddrs []uint32 // QEMU does not log these: checked by their effect
	for _, s := range d {
		if repString(s.bytes) && !slices.Contains(repAddrs, s.eip) {
			repAddrs = append(repAddrs, s.eip)
		}
	}
	q := qemuLog(t, kernel, qemuMemMiB, dfilter(emu.HighMemStart, textEnd, repAddrs), stop)
	require.Equal(t, entry, q[0].eip, "QEMU's first logged instruction is the kernel's entry")

	tn := &taint{mem: map[uint32]bool{}}
	tn.compare(d[0].state, q[0]) // the entry: what differs is each loader's own
	for k := range tn.r {
		tn.r[k] = d[0].r[k] != q[0].r[k]
	}
	tn.flags = d[0].flags != q[0].flags
	for k := range tn.sel {
		tn.sel[k] = d[0].sel[k] != q[0].sel[k]
	}
	di, qi, compared, reps, calls, restarts := 0, 0, 0, 0, 0, 0
	for di < len(d) && qi < len(q) {
		s := &d[di]
		xi, err := x86asm.Decode(s.bytes, 32)
		require.NoError(t, err, "dfemu step %d at %08x", di, s.eip)
		if repString(s.bytes) {
			// Not in QEMU's log: every restart's effect on what is
			// synchronised, then on to the next instruction.
			for ; di < len(d) && d[di].eip == s.eip; di++ {
				require.NoError(t, tn.apply(&d[di], xi, tn.reads(&d[di], xi)))
			}
			reps++
			continue
		}
		if s.eip != q[qi].eip {
			for k := max(qi-4, 0); k < min(qi+3, len(q)); k++ {
				t.Logf("qemu %d: %08x %08x", k, q[k].eip, q[k].r)
			}
			for k := max(di-4, 0); k < min(di+3, len(d)); k++ {
				t.Logf("dfemu %d: %08x %08x", k, d[k].eip, d[k].r)
			}
		}
		require.Equal(t, s.eip, q[qi].eip, "EIP differs at dfemu step %d / QEMU step %d (%v)", di, qi, xi)
		if diff := tn.compare(s.state, q[qi]); diff != "" {
			t.Fatalf("before %08x %v (dfemu step %d, QEMU step %d): %s", s.eip, xi, di, qi, diff)
		}
		compared++
		if call := slices.IndexFunc(byEffect, func(w *waypoints) bool { return w.pass(s.state) }); call >= 0 {
			byEffect = slices.Delete(byEffect, call, call+1)
			di, qi = skipCall(t, tn, d, di, q, qi)
			calls++
			continue
		}
		require.NoError(t, tn.apply(s, xi, tn.reads(s, xi)))
		switch xi.Op {
		case x86asm.CPUID:
			tn.r[0], tn.r[1], tn.r[2], tn.r[3] = true, true, true, true
		case x86asm.RDTSC:
			tn.r[0], tn.r[2] = true, true
		}
		// QEMU logs an instruction twice, with the same state, when it
		// restarts its translation block (e.g. after retranslating): a
		// repeat that changed nothing, which dfemu did not repeat, is
		// not an instruction.
		for qi+1 < len(q) && q[qi+1] == q[qi] && (di+1 >= len(d) || d[di+1].eip != s.eip) {
			qi++
			restarts++
		}
		di++
		qi++
	}
	require.Equal(t, len(d), di, "dfemu has steps QEMU has not")
	require.Equal(t, len(q), qi, "QEMU has steps dfemu has not")
	t.Logf("%d instructions compared from _start to smp_init, %d rep instructions and %d calls by their effect "+
		"(%d dfemu steps, %d QEMU states, %d restarted blocks)", compared, reps, calls, len(d), len(q), restarts)
	require.Greater(t, compared, 1000)
	require.Positive(t, reps, "the bss clear in entry.S is a rep stos")
	require.Empty(t, byEffect, "calls to check by their effect that the stretch never made")
}

// skipCall passes over the call whose first instruction is d[di] and
// q[qi] (already compared): both continue at the caller's next
// instruction, the state after the return, and what the callee may
// change is unsynchronised.
func skipCall(t *testing.T, tn *taint, d []dfemuStep, di int, q []state, qi int) (int, int) {
	t.Helper()
	require.Positive(t, di)
	caller := d[di-1]
	xi, err := x86asm.Decode(caller.bytes, 32)
	require.NoError(t, err)
	require.Equal(t, x86asm.CALL, xi.Op, "%08x: a call checked by its effect is entered by a call", d[di].eip)
	ret := caller.eip + uint32(len(caller.bytes))
	dsp, qsp := d[di].r[4]+4, q[qi].r[4]+4
	for ; di < len(d) && (d[di].eip != ret || d[di].r[4] != dsp); di++ {
		s := &d[di]
		xi, err := x86asm.Decode(s.bytes, 32)
		require.NoError(t, err, "dfemu step %d at %08x", di, s.eip)
		saved := *tn
		require.NoError(t, tn.apply(s, xi, true))
		tn.r, tn.flags, tn.sel = saved.r, saved.flags, saved.sel // only the memory; registers below
	}
	for ; qi < len(q) && (q[qi].eip != ret || q[qi].r[4] != qsp); qi++ {
	}
	require.Less(t, di, len(d), "dfemu did not return to %08x", ret)
	require.Less(t, qi, len(q), "QEMU did not return to %08x", ret)
	tn.r[0], tn.r[1], tn.r[2], tn.flags = true, true, true, true
	return di, qi
}

// repString reports whether an instruction is a rep string instruction.
func repString(b []byte) bool {
	xi, err := x86asm.Decode(b, 32)
	return err == nil && hasRep(b) && stringOp(xi.Op) != 0
}

// hasRep reports whether an instruction's prefixes include rep/repne.
func hasRep(b []byte) bool {
	for _, c := range b {
		switch c {
		case 0xF3, 0xF2:
			return true
		case 0x66, 0x67, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0xF0:
			continue
		}
		return false
	}
	return false
}
