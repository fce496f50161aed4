package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dfemu/emu"
	"dfemu/guest"
)

// QEMUBinary is the reference machine's command.
const QEMUBinary = "qemu-system-i386"

// QEMUMissing is the message a test skips with when QEMU is absent.
const QEMUMissing = "qemu-system-i386 not installed: apt-get install qemu-system-x86"

// QEMUPath returns the path of qemu-system-i386, or "" when it is not on
// PATH.
func QEMUPath() string {
	p, err := exec.LookPath(QEMUBinary)
	if err != nil {
		return ""
	}
	return p
}

// qemuGrace is added to a suite's timeout for QEMU: its firmware takes a
// moment before the kernel starts.
const qemuGrace = 10 * time.Second

// QEMUArgs returns the qemu-system-i386 arguments that boot a kernel file
// with the modules (files named by their strings' first words, relative
// to QEMU's working directory) as dfemu boots it: the console on stdio
// and nothing else there (no firmware banner: -display none rather than
// -nographic), the isa-debug-exit device, no reboot on a triple fault, no
// network option ROM.
func QEMUArgs(kernelFile, cmdline string, modules []string, memMiB, cpus int) []string {
	args := []string{
		"-kernel", kernelFile,
		"-m", strconv.Itoa(memMiB),
		"-smp", fmt.Sprintf("%d,sockets=%d", cpus, cpus),
		"-display", "none", "-serial", "stdio", "-monitor", "none",
		"-no-reboot", "-nic", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
	}
	if cmdline != "" {
		args = append(args, "-append", cmdline)
	}
	if len(modules) > 0 {
		var esc []string
		for _, m := range modules {
			esc = append(esc, strings.ReplaceAll(m, ",", ",,"))
		}
		args = append(args, "-initrd", strings.Join(esc, ","))
	}
	return args
}

// QEMU boots s under qemu-system-i386 (TCG), in a temporary directory
// holding the kernel and the modules, so each module's string is the same
// as under dfemu.
func QEMU(ctx context.Context, qemu string, s guest.Suite) Run {
	r := Run{Suite: s, Machine: "qemu"}
	dir, err := os.MkdirTemp("", "dfemu-qemu-")
	if err != nil {
		r.Err = fmt.Errorf("suite %s: %w", s.Name, err)
		return r
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, KernelFile), s.Kernel, 0o644); err != nil {
		r.Err = fmt.Errorf("suite %s: %w", s.Name, err)
		return r
	}
	var mods []string
	for _, m := range s.Modules {
		name, _, _ := strings.Cut(m.String, " ")
		if name == "" || strings.ContainsAny(name, "/\\") || name == KernelFile {
			r.Err = fmt.Errorf("suite %s: module string %q: its first word must be a plain file name", s.Name, m.String)
			return r
		}
		if err := os.WriteFile(filepath.Join(dir, name), m.Data, 0o644); err != nil {
			r.Err = fmt.Errorf("suite %s: %w", s.Name, err)
			return r
		}
		mods = append(mods, m.String)
	}
	cpus := s.CPUs
	if cpus == 0 {
		cpus = 1
	}
	timeout := s.Timeout + qemuGrace
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, QEMUArgs(KernelFile, s.Cmdline, mods, s.MemMiB, cpus)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	r.Elapsed = time.Since(start)
	r.Console, r.Stderr = stdout.Bytes(), stderr.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		r.Status, r.Reason = emu.ExitTimeout, fmt.Sprintf("qemu killed after %v", timeout)
	case err == nil:
		r.Status, r.Reason = 0, "qemu exited 0"
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		r.Status = exit.ExitCode()
		r.Reason = fmt.Sprintf("qemu exited %d", r.Status)
		if r.Status&1 == 1 {
			r.Reason += fmt.Sprintf(" (guest debug-exit 0x%02x)", r.Status>>1)
		}
	default:
		r.Err = fmt.Errorf("suite %s: running %s: %w (stderr: %s)", s.Name, qemu, err, strings.TrimSpace(stderr.String()))
	}
	return r
}
