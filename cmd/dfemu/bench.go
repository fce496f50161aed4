package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"dfemu/emu"
	"dfemu/guest/bench"
	"dfemu/internal/harness"
)

const benchAbout = `Boot the CPU-bound benchmark guest (guest/bench/loop.S: a loop of 4 integer
instructions) on dfemu's interpreter and print its speed in MIPS (million
guest instructions a second). When qemu-system-i386 is on PATH, time the
same image under QEMU TCG and print both and their ratio.

Each machine boots the image twice, with the loop run N times and 0 times;
the loop's speed is 4*N instructions over the difference, so firmware and
start-up time count for neither. Times are the median of -runs boots.

-smp N gives both machines N CPUs; the loop runs on the boot CPU while the
others wait for a SIPI, so dfemu's figure at -smp 4 against -smp 1 is the
cost of its scheduler looking after the idle vCPUs.`

func runBench(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs, helped := newFlagSet("bench", "[-n N] [-runs R] [-smp N]", benchAbout, stdout, stderr)
	n := fs.Uint("n", 50_000_000, "loop iterations `N` (4 instructions each)")
	runs := fs.Int("runs", 3, "boots `R` of each kind; the median counts")
	smp := fs.Int("smp", emu.DefaultSMP, "`N` CPUs on both machines (the loop runs on the first)")
	if st, ok := parseFlags(fs, helped, args); !ok {
		return st
	}
	if fs.NArg() > 0 || *n == 0 || *n > 1<<32-1 || *runs < 1 || *smp < 1 || *smp > emu.MaxSMP {
		fmt.Fprintf(stderr, "dfemu bench: want -n between 1 and 4294967295, -runs at least 1, -smp 1 to %d, and no arguments\n", emu.MaxSMP)
		return emu.ExitUsage
	}
	cpus := *smp
	iters := uint32(*n)
	insns := float64(bench.LoopInsns) * float64(iters)
	fmt.Fprintf(stdout, "guest loop: %d iterations x %d instructions = %.0f instructions, -smp %d\n", iters, bench.LoopInsns, insns, cpus)

	loop, boot, err := timeLoop(func(n uint32) (time.Duration, error) { return dfemuLoop(n, cpus) }, iters, *runs)
	if err != nil {
		fmt.Fprintf(stderr, "dfemu bench: dfemu: %v\n", err)
		return 1
	}
	dfemuMIPS := insns / loop.Seconds() / 1e6
	fmt.Fprintf(stdout, "dfemu interp: loop %8.3f s, boot %6.3f s: %8.1f MIPS\n", loop.Seconds(), boot.Seconds(), dfemuMIPS)

	qemu := harness.QEMUPath()
	if qemu == "" {
		fmt.Fprintf(stdout, "qemu: %s (no comparison)\n", harness.QEMUMissing)
		return 0
	}
	loop, boot, err = timeLoop(func(n uint32) (time.Duration, error) { return qemuLoop(qemu, n, cpus) }, iters, *runs)
	if err != nil {
		fmt.Fprintf(stderr, "dfemu bench: qemu: %v\n", err)
		return 1
	}
	qemuMIPS := insns / loop.Seconds() / 1e6
	fmt.Fprintf(stdout, "qemu TCG:     loop %8.3f s, boot %6.3f s: %8.1f MIPS\n", loop.Seconds(), boot.Seconds(), qemuMIPS)
	fmt.Fprintf(stdout, "qemu TCG / dfemu interp: %.1fx\n", qemuMIPS/dfemuMIPS)
	return 0
}

// timeLoop boots the loop guest with n and with 0 iterations, runs times
// each, and returns the median time of the loop alone and of the boot.
func timeLoop(boot func(n uint32) (time.Duration, error), n uint32, runs int) (loop, empty time.Duration, err error) {
	var full, base []time.Duration
	for range runs {
		d, err := boot(0)
		if err != nil {
			return 0, 0, err
		}
		base = append(base, d)
		if d, err = boot(n); err != nil {
			return 0, 0, err
		}
		full = append(full, d)
	}
	f, b := median(full), median(base)
	if f <= b {
		return 0, 0, fmt.Errorf("the loop of %d iterations took no measurable time (%v vs %v empty): raise -n", n, f, b)
	}
	return f - b, b, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// dfemuLoop boots the loop guest on dfemu with cpus CPUs and returns the
// wall time of the whole run (machine creation included).
func dfemuLoop(n uint32, cpus int) (time.Duration, error) {
	start := time.Now()
	if _, err := bootLoop(n, cpus); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// bootLoop boots the loop guest on dfemu with cpus CPUs (the APs wait
// for SIPI: the scheduler's cost is measured too); it fails unless the
// guest powered off.
func bootLoop(n uint32, cpus int) (emu.Result, error) {
	var console, reports bytes.Buffer
	m, err := emu.New(emu.Config{
		Kernel:     bench.Loop,
		KernelName: "loop.elf",
		Cmdline:    bench.Cmdline(n),
		MemMiB:     256,
		SMP:        cpus,
		Stdout:     &console,
		Stderr:     &reports,
	})
	if err != nil {
		return emu.Result{}, err
	}
	defer m.Close()
	res := m.Run()
	if res.Status != emu.ExitPowerOff {
		return res, fmt.Errorf("loop guest (n=%d): exit status %d (%s), want 0\n%s%s", n, res.Status, res.Reason, res.Report, reports.String())
	}
	return res, nil
}

// qemuLoop boots the loop guest under QEMU TCG with cpus CPUs and
// returns its wall time.
func qemuLoop(qemu string, n uint32, cpus int) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "dfemu-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	kernel := filepath.Join(dir, "loop.elf")
	if err := os.WriteFile(kernel, bench.Loop, 0o644); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, harness.QEMUArgs(kernel, bench.Cmdline(n), nil, 256, cpus)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("loop guest (n=%d): %w: %s", n, err, out.String())
	}
	return time.Since(start), nil
}
