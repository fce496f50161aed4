package trace_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dfemu/emu"
	"dfemu/emu/interp"
	"dfemu/emu/trace"
	"dfemu/guest"

	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"
)

// QEMU's instruction log as an oracle: the same kernel under
// qemu-system-i386 -d exec,cpu,nochain -singlestep (QEMU 7.2's spelling;
// newer QEMUs say -accel tcg,one-insn-per-tb=on) logs the registers before
// every instruction. From the kernel's entry to the call of mb_init (the
// first code that reads the loaders' different boot information),
// dfemu's EIP sequence must match QEMU's line for line, and so must every
// register whose value both machines define the same way.
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
//     one, the stack for pop/ret) unsynchronises what it changes (from
//     dfemu's before/after registers and memory writes).
//   - A register resynchronises the first time both machines agree on it;
//     from then on any difference fails the test.
//   - rep string instructions: QEMU logs each iteration, dfemu each
//     restart (every 4096 iterations): a run of the same EIP at a rep
//     instruction is compared once, at its first iteration.
//
// Everything else — every EIP, and every synchronised register, EFLAGS
// and selector — must be equal.

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
}

// collector records dfemu's instructions until stop.
type collector struct {
	steps []dfemuStep
	stop  uint32
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
		after: regState(r.After), writes: append([]interp.MemWrite(nil), r.Writes...)})
	if r.MoreWrites > 0 {
		c.steps[len(c.steps)-1].writes = nil // unknown writes: the taint rule below can't use them
	}
	if r.Lin == c.stop {
		c.done = true
		c.m.SetTracing(false)
	}
}

func (c *collector) Event(cpu *interp.CPU, e *interp.EventRecord) {}

// qemuLog runs QEMU on kernel and returns the states it logged from the
// entry until stop (inclusive), reading the log through a FIFO.
func qemuLog(t *testing.T, kernel string, textStart, textEnd, stop uint32) []state {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "qemu.log")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cmd := exec.Command("qemu-system-i386", "-kernel", kernel, "-m", "256", "-display", "none",
		"-serial", "null", "-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-d", "exec,cpu,nochain", "-singlestep", "-dfilter", fmt.Sprintf("0x%x..0x%x", textStart, textEnd),
		"-D", fifo)
	var qerr bytes.Buffer
	cmd.Stderr = &qerr
	require.NoError(t, cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	f, err := os.Open(fifo)
	require.NoError(t, err)
	defer f.Close()
	var out []state
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	var cur *state
	deadline := time.Now().Add(60 * time.Second)
	for sc.Scan() {
		if time.Now().After(deadline) {
			t.Fatalf("QEMU's log did not reach 0x%x in 60s", stop)
		}
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
		case strings.HasPrefix(l, "EFER="):
			if cur.eip == stop {
				return out
			}
		}
	}
	t.Fatalf("QEMU's log ended before 0x%x (%v): %s", stop, sc.Err(), qerr.String())
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

// reads reports whether instruction s reads an unsynchronised value.
func (tn *taint) reads(s *dfemuStep, xi x86asm.Inst) bool {
	memTainted := func(a, n uint32) bool {
		for k := uint32(0); k < n; k++ {
			if tn.mem[a+k] {
				return true
			}
		}
		return false
	}
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
			if memTainted(ea, 4) {
				return true
			}
		}
	}
	switch xi.Op {
	case x86asm.POP, x86asm.RET, x86asm.LEAVE, x86asm.POPA, x86asm.POPAD, x86asm.POPF, x86asm.POPFD, x86asm.IRETD:
		return tn.r[4] || memTainted(s.r[4], 32) || (xi.Op == x86asm.LEAVE && (tn.r[5] || memTainted(s.r[5], 4)))
	case x86asm.PUSH, x86asm.CALL, x86asm.PUSHA, x86asm.PUSHAD:
		return tn.r[4]
	case x86asm.PUSHF, x86asm.PUSHFD, x86asm.ADC, x86asm.SBB, x86asm.LAHF, x86asm.RCL, x86asm.RCR:
		return tn.flags
	case x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.LODSB, x86asm.LODSW, x86asm.LODSD,
		x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD:
		return tn.r[6] || tn.r[1] || memTainted(s.r[6], max(s.r[1], 1)*4)
	case x86asm.STOSB, x86asm.STOSW, x86asm.STOSD:
		return tn.r[0] || tn.r[1] || tn.r[7]
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
// synchronised (!src).
func (tn *taint) apply(s *dfemuStep, src bool) {
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
		for k := uint32(0); k < uint32(w.Size); k++ {
			if src {
				tn.mem[w.Lin+k] = true
			} else {
				delete(tn.mem, w.Lin+k)
			}
		}
	}
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
	if _, err := exec.LookPath("qemu-system-i386"); err != nil {
		t.Skip("qemu-system-i386 not installed (apt-get install qemu-system-x86): no oracle")
	}
	syms, err := trace.LoadELF("kernel.elf", bytes.NewReader(guest.Kernel))
	require.NoError(t, err)
	entrySym, ok := syms.Find("_start")
	require.True(t, ok)
	stopSym, ok := syms.Find("mb_init")
	require.True(t, ok)
	entry, stop := entrySym.Addr, stopSym.Addr
	textEnd, ok := syms.Find("kernel_text_end")
	require.True(t, ok)

	kernel := filepath.Join(t.TempDir(), "kernel.elf")
	require.NoError(t, os.WriteFile(kernel, guest.Kernel, 0o644))
	q := qemuLog(t, kernel, emu.HighMemStart, textEnd.Addr, stop)

	col := &collector{stop: stop}
	m, err := emu.New(emu.Config{Kernel: guest.Kernel, KernelName: "kernel.elf", MemMiB: 256,
		Tracer: col, TraceOptions: interp.TraceOptions{Changes: true}, Stdout: io.Discard})
	require.NoError(t, err)
	col.m = m
	m.Run()
	m.Close()
	d := col.steps
	require.True(t, col.done, "dfemu never reached mb_init")
	require.Equal(t, entry, d[0].eip)
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
	di, qi, compared, restarts := 0, 0, 0, 0
	for di < len(d) && qi < len(q) {
		s := &d[di]
		xi, err := x86asm.Decode(s.bytes, 32)
		require.NoError(t, err, "dfemu step %d at %08x", di, s.eip)
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
		tn.apply(s, tn.reads(s, xi))
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
		for qi+1 < len(q) && q[qi+1] == q[qi] && !hasRep(s.bytes) && (di+1 >= len(d) || d[di+1].eip != s.eip) {
			qi++
			restarts++
		}
		di++
		qi++
		if hasRep(s.bytes) {
			for di < len(d) && d[di].eip == s.eip {
				tn.apply(&d[di], tn.reads(&d[di], xi))
				di++
			}
			for qi < len(q) && q[qi].eip == s.eip {
				qi++
			}
		}
	}
	require.Equal(t, len(d), di, "dfemu has steps QEMU has not")
	require.Equal(t, len(q), qi, "QEMU has steps dfemu has not")
	t.Logf("%d instructions compared from _start to mb_init (QEMU logged %d with rep iterations and %d restarted blocks)", compared, len(q), restarts)
	require.Greater(t, compared, 1000)
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
