package main

import (
	"fmt"
	"io"
	"strings"

	"dfemu/emu"
	"dfemu/guest"
	"dfemu/internal/harness"
)

const testAbout = `Boot the embedded guest test suites (all, or those named) one after the
other and print each TAP result line as the guest reported it, prefixed
with the suite's name, then a last line "N passed, N failed" counting the
test points. A suite that stops with an unexpected exit status (a crash, a
timeout), prints no TAP, or does not match its plan fails, with a line
saying why (it counts as one failure if none of its test points failed). The exit status is 0 only when nothing
failed, 1 when something did, 2 for bad usage.

The suite smp-all (not run by default) boots every SMP test group in one
machine: the unit of the seed sweep (guest/sweep_test.go), whose failures
replay with "dfemu test -v -smp N -seed S smp-all".`

func runTest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, helped := newFlagSet("test", "[-smp N] [-seed S] [-list] [-v] [suite…]", testAbout, stdout, stderr)
	smp := fs.Int("smp", 0, "boot every suite with `N` CPUs (0: each suite's own count)")
	seed := fs.Uint64("seed", 0, "`S` chooses the interleaving of vCPUs (deterministic SMP)")
	list := fs.Bool("list", false, "print the suites' names, one a line, and exit")
	verbose := fs.Bool("v", false, "print each suite's whole console output, not only its TAP results")
	if st, ok := parseFlags(fs, helped, args); !ok {
		return st
	}
	if *list {
		for _, name := range guest.SuiteNames() {
			fmt.Fprintln(stdout, name)
		}
		return 0
	}
	if *smp < 0 || *smp > emu.MaxSMP {
		fmt.Fprintf(stderr, "dfemu test: -smp %d: the number of CPUs must be 1 to %d\n", *smp, emu.MaxSMP)
		return emu.ExitUsage
	}
	suites, err := selectSuites(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "dfemu test: %v\n", err)
		return emu.ExitUsage
	}
	var passed, failed int
	for _, s := range suites {
		p, f := reportSuite(stdout, harness.Dfemu(s, harness.Options{Seed: *seed, SMP: *smp}), *verbose)
		passed += p
		failed += f
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// selectSuites returns the suites named, in the order given, or all.
func selectSuites(names []string) ([]guest.Suite, error) {
	if len(names) == 0 {
		return guest.Suites(), nil
	}
	var ss []guest.Suite
	for _, n := range names {
		s, ok := guest.LookupSuite(n)
		if !ok {
			return nil, fmt.Errorf("unknown suite %q (suites: %s)", n, strings.Join(guest.SuiteNames(), ", "))
		}
		ss = append(ss, s)
	}
	return ss, nil
}

// reportSuite prints one suite's results and returns its counts: its test
// points, and a run that went wrong as a whole (crash, timeout, plan not
// met) counts as one more failure unless a test point already failed.
func reportSuite(w io.Writer, r harness.Run, verbose bool) (passed, failed int) {
	name := r.Suite.Name
	if verbose {
		for _, line := range strings.Split(strings.TrimRight(string(r.Console), "\r\n"), "\n") {
			fmt.Fprintf(w, "%s| %s\n", name, strings.TrimRight(line, "\r"))
		}
	}
	rep := r.TAP()
	for _, res := range rep.Results {
		fmt.Fprintf(w, "%s: %s\n", name, strings.TrimRight(res.Line, "\r"))
	}
	passed, failed = rep.Counts()
	if ps := r.Problems(); len(ps) > 0 {
		if failed == 0 {
			failed = 1
		}
		fmt.Fprintf(w, "%s: FAILED: %s\n", name, strings.Join(ps, "; "))
		if r.Report != "" {
			for _, line := range strings.Split(strings.TrimRight(r.Report, "\n"), "\n") {
				fmt.Fprintf(w, "%s:   %s\n", name, line)
			}
		}
	}
	return passed, failed
}
