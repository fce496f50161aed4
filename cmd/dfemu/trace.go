package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"dfemu/emu"
	"dfemu/emu/interp"
	"dfemu/emu/trace"
)

const traceAbout = `Boot like "dfemu boot" (same flags) and print every instruction the CPUs
execute, one line each, with the interrupts and exceptions as events:

  seq cpuN rR CS:EIP  symbol+off  bytes  instruction  ; file:line  {changes}
       1 cpu0 r0 0010:00100140 _start   fa   cli   ; kernel/entry.S:41
     812 cpu0 r0 == #PF(14) err=0x2 cr2=0x00400000 from 0010:00101234 (kmain+0x14) -> 0008:00102000 (trap_pf) r0

Symbols come from the kernel's ELF symbols (and those of Multiboot modules
that are ELF files), file:line from its DWARF line table. The trace goes to
stdout (the guest's console then goes to stderr) or to -o FILE (the console
stays on stdout). The exit status is the guest's, as for dfemu boot.

Examples:
  dfemu trace -o /tmp/t.txt -summary                  the whole boot, and a table
  dfemu trace -start kmain -stop vm_init -changes      a window, with changes
  dfemu trace -func trap -o trap.txt                  only inside one function
  dfemu trace -ring 3 -cpus 0,2 -max 100000           user mode on two CPUs
  dfemu trace -trace-port -append test=all            only where the guest asks
                                                      (trace_on()/trace_off())`

// traceFlags are the flags of "dfemu trace" besides the boot flags.
type traceFlags struct {
	out, syntax, start, stop, cpus, fn, summaryOut string
	ring, top                                      int
	max                                            uint64
	changes, summary, tracePort, noLines           bool
}

func (f *traceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.out, "o", "", "write the trace to `FILE` (e.g. -o trace.txt); default stdout, the console then on stderr")
	fs.StringVar(&f.syntax, "syntax", "intel", "instruction `SYNTAX`: intel (mov eax, 1) or gnu/att (mov $0x1,%eax)")
	fs.BoolVar(&f.changes, "changes", false, "print what each instruction changed: registers, EFLAGS, segment registers,\nmemory writes ({eax=00000001 [0010ffec]:4=00100023}); slower")
	fs.StringVar(&f.start, "start", "", "start tracing when EIP reaches `SYM|ADDR` (e.g. -start kmain, -start 0x100140)")
	fs.StringVar(&f.stop, "stop", "", "stop tracing after the instruction at `SYM|ADDR` (e.g. -stop power_off);\nthe guest runs on at full speed")
	fs.IntVar(&f.ring, "ring", -1, "only instructions in `RING` 0 or 3 (e.g. -ring 3); -1: both")
	fs.StringVar(&f.cpus, "cpus", "", "only the CPUs in `LIST` (e.g. -cpus 0,2); default all")
	fs.Uint64Var(&f.max, "max", 0, "stop tracing after `N` instructions printed (e.g. -max 100000); 0: no limit")
	fs.StringVar(&f.fn, "func", "", "only instructions inside function `NAME` (its ELF symbol's range; e.g. -func trap)")
	fs.BoolVar(&f.summary, "summary", false, "print a summary on stderr at the end: instructions per function (top -top),\nper CPU, per ring, and the events")
	fs.StringVar(&f.summaryOut, "summary-o", "", "write the summary to `FILE` instead of stderr (implies -summary)")
	fs.IntVar(&f.top, "top", 20, "`N` functions in the summary; 0: all")
	fs.BoolVar(&f.tracePort, "trace-port", false, "start with tracing off: the guest switches it on and off by writing 1 and 0\nto port 0xE9A (trace_on()/trace_off() in kernel/include/trace.h)")
	fs.BoolVar(&f.noLines, "no-lines", false, "leave out the file:line column")
}

// options turns the flags into trace options, resolving symbols.
func (f *traceFlags) options(syms *trace.Symbolizer) (trace.Options, error) {
	opt := trace.Options{Changes: f.changes, NoLines: f.noLines, Max: f.max, Ring: f.ring}
	switch strings.ToLower(f.syntax) {
	case "intel":
	case "gnu", "att", "at&t":
		opt.Syntax = trace.GNU
	default:
		return opt, fmt.Errorf("-syntax %s: intel or gnu", f.syntax)
	}
	if f.ring != -1 && f.ring != 0 && f.ring != 3 {
		return opt, fmt.Errorf("-ring %d: 0, 3 or -1 (both)", f.ring)
	}
	var err error
	if f.start != "" {
		if opt.Start, err = resolveAddr(syms, f.start); err != nil {
			return opt, fmt.Errorf("-start: %w", err)
		}
		opt.HasStart = true
	}
	if f.stop != "" {
		if opt.Stop, err = resolveAddr(syms, f.stop); err != nil {
			return opt, fmt.Errorf("-stop: %w", err)
		}
		opt.HasStop = true
	}
	if f.cpus != "" {
		opt.CPUs = map[int]bool{}
		for _, s := range strings.Split(f.cpus, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 0 {
				return opt, fmt.Errorf("-cpus %s: a comma-separated list of CPU numbers", f.cpus)
			}
			opt.CPUs[n] = true
		}
	}
	if f.fn != "" {
		s, ok := syms.Find(f.fn)
		if !ok {
			return opt, fmt.Errorf("-func %s: no such symbol in the kernel or modules", f.fn)
		}
		if s.Size == 0 {
			return opt, fmt.Errorf("-func %s: the symbol has no size (an assembly label?): use -start/-stop", f.fn)
		}
		opt.Func, opt.OnlyFunc = s, true
	}
	return opt, nil
}

// resolveAddr reads a symbol name or a number (0x hex or decimal).
func resolveAddr(syms *trace.Symbolizer, s string) (uint32, error) {
	if v, err := strconv.ParseUint(s, 0, 32); err == nil {
		return uint32(v), nil
	}
	if sym, ok := syms.Find(s); ok {
		return sym.Addr, nil
	}
	return 0, fmt.Errorf("%s: not an address and no such symbol in the kernel or modules", s)
}

// guestSymbols loads the kernel's symbols and those of the modules that
// are ELF files (a module that is not ELF has none: no error).
func guestSymbols(cfg emu.Config) (*trace.Symbolizer, error) {
	syms := &trace.Symbolizer{}
	k, err := trace.LoadELF(cfg.KernelName, bytes.NewReader(cfg.Kernel))
	if err != nil {
		return nil, fmt.Errorf("kernel symbols: %w", err)
	}
	syms.AddGlobal(k)
	for _, m := range cfg.Modules {
		if !bytes.HasPrefix(m.Data, []byte("\x7fELF")) {
			continue
		}
		name, _, _ := strings.Cut(m.String, " ")
		t, err := trace.LoadELF(name, bytes.NewReader(m.Data))
		if err != nil {
			return nil, fmt.Errorf("module symbols: %w", err)
		}
		syms.AddGlobal(t)
	}
	return syms, nil
}

func runTrace(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var bf bootFlags
	var tf traceFlags
	fs, helped := newFlagSet("trace", "[boot flags] [trace flags]", traceAbout, stdout, stderr)
	bf.register(fs)
	tf.register(fs)
	if st, ok := parseFlags(fs, helped, args); !ok {
		return st
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "dfemu trace: %v\n", err)
		return emu.ExitUsage
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if err := bf.check(); err != nil {
		return fail(err)
	}
	cfg, err := bf.config()
	if err != nil {
		return fail(err)
	}
	syms, err := guestSymbols(cfg)
	if err != nil {
		return fail(err)
	}
	opt, err := tf.options(syms)
	if err != nil {
		return fail(err)
	}
	out, console := stdout, stdout
	if tf.out == "" {
		console = stderr
	} else {
		file, err := os.Create(tf.out)
		if err != nil {
			return fail(err)
		}
		defer file.Close()
		out = file
	}
	tr := trace.New(out, syms, opt)
	cfg.Tracer, cfg.TraceOptions, cfg.TraceOff = tr, interp.TraceOptions{Changes: tf.changes}, tf.tracePort
	cfg.Stdout, cfg.Stderr = console, stderr
	if stdin != nil {
		cfg.Stdin = stdin
	}
	m, err := emu.New(cfg)
	if err != nil {
		return fail(errors.New(oneLine(err.Error())))
	}
	defer m.Close()
	tr.OnDone(func() { m.SetTracing(false) })
	start := time.Now()
	res := m.Run()
	elapsed := time.Since(start)
	if err := tr.Close(); err != nil {
		fmt.Fprintf(stderr, "dfemu trace: writing the trace: %v\n", err)
		return emu.ExitInternal
	}
	fmt.Fprintf(stderr, "dfemu trace: %d records seen, %d instructions printed in %.2fs (%.0f records/s); %s\n",
		tr.Seq(), tr.Printed(), elapsed.Seconds(), float64(tr.Seq())/elapsed.Seconds(), res.Reason)
	if tf.summary || tf.summaryOut != "" {
		if err := writeSummary(tr, tf, stderr); err != nil {
			fmt.Fprintf(stderr, "dfemu trace: writing the summary: %v\n", err)
			return emu.ExitInternal
		}
	}
	return res.Status
}

// writeSummary prints the summary to -summary-o or stderr.
func writeSummary(tr *trace.Tracer, tf traceFlags, stderr io.Writer) error {
	if tf.summaryOut == "" {
		return tr.Summary().Write(stderr, tf.top)
	}
	f, err := os.Create(tf.summaryOut)
	if err != nil {
		return err
	}
	if err := tr.Summary().Write(f, tf.top); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
