// Package harness boots the guest test suites (guest.Suites) on dfemu or
// under qemu-system-i386 and judges them from what the guest printed and
// how the machine stopped: the console and the exit status are the only
// source of truth.
package harness

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"dfemu/emu"
	"dfemu/guest"
	"dfemu/internal/tap"
)

// Run is one boot of a suite.
type Run struct {
	Suite   guest.Suite
	Machine string // "dfemu" or "qemu"
	Console []byte // everything the guest wrote to the serial console
	Status  int    // the emulator's exit status
	Reason  string // one line: why the machine stopped
	Report  string // the machine's report of a death (registers), if any
	Stderr  string // everything the machine wrote to stderr
	Elapsed time.Duration
	Err     error // the machine could not be started at all
}

// KernelFile is the kernel's name on both machines (QEMU is given the
// kernel as a file of that name in its working directory), so the guest's
// command line, "KernelFile Cmdline", is the same on both.
const KernelFile = "kernel.elf"

// Options change how a suite boots.
type Options struct {
	Seed uint64 // -seed
	SMP  int    // -smp; 0: the suite's own CPU count
}

// Dfemu boots s on dfemu's own machine.
func Dfemu(s guest.Suite, opt Options) Run {
	r := Run{Suite: s, Machine: "dfemu"}
	var console, reports bytes.Buffer
	cfg := emu.Config{
		Kernel:     s.Kernel,
		KernelName: KernelFile,
		Cmdline:    s.Cmdline,
		MemMiB:     s.MemMiB,
		SMP:        s.CPUs,
		Seed:       opt.Seed,
		Timeout:    s.Timeout,
		Stdout:     &console,
		Stderr:     &reports,
	}
	if opt.SMP > 0 {
		cfg.SMP = opt.SMP
	}
	cfg.Modules = s.Modules
	start := time.Now()
	m, err := emu.New(cfg)
	if err != nil {
		r.Err = fmt.Errorf("suite %s: %w", s.Name, err)
		return r
	}
	defer m.Close()
	res := m.Run()
	r.Elapsed = time.Since(start)
	r.Console = console.Bytes()
	r.Status, r.Reason, r.Report = res.Status, res.Reason, res.Report
	r.Stderr = reports.String()
	return r
}

// TAP parses the console. For a suite with a WantLine (no TAP of its
// own) it is a one-point report: whether the console has that line.
func (r Run) TAP() *tap.Report {
	if want := r.Suite.WantLine; want != "" {
		verdict := "not ok"
		if hasLine(string(r.Console), want) {
			verdict = "ok"
		}
		return tap.ParseString(fmt.Sprintf("1..1\n%s 1 - console says %q\n", verdict, want))
	}
	return tap.ParseString(string(r.Console))
}

// hasLine reports whether text has a line that is want (ignoring a
// trailing carriage return).
func hasLine(text, want string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimRight(line, "\r") == want {
			return true
		}
	}
	return false
}

// Problems lists why the run failed as a whole (beyond failed test
// points): it could not start, the machine stopped with an unexpected
// status, or the TAP stream is malformed (none, no plan, plan mismatch,
// bail out).
func (r Run) Problems() []string {
	if r.Err != nil {
		return []string{r.Err.Error()}
	}
	var ps []string
	if r.Status != r.Suite.ExpectStatus {
		why := r.Reason
		if why == "" {
			why = "no reason given"
		}
		ps = append(ps, fmt.Sprintf("%s exit status %d (%s), want %d", r.Machine, r.Status, why, r.Suite.ExpectStatus))
	}
	return append(ps, r.TAP().Problems()...)
}
