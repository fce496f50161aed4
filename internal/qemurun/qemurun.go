// Package qemurun runs qemu-system-i386, the reference machine, for the
// tests and tools that compare dfemu with it. It depends on nothing of
// dfemu, so every package's tests can use it.
//
// What makes a QEMU run robust when every package's tests run at once on
// a couple of loaded cores: a generous deadline that, when it expires,
// fails with a message saying so (not a bare "signal: killed"); stdin
// from /dev/null and stdout apart from stderr (a QEMU warning never
// lands in the console text); a bounded wait for the pipes after QEMU
// exits; and nothing shared between runs (each caller gives its own
// temporary directory).
package qemurun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Binary is the reference machine's command.
const Binary = "qemu-system-i386"

// Missing is the message a test skips with when QEMU is absent.
const Missing = "qemu-system-i386 not installed: apt-get install qemu-system-x86"

// Timeout bounds one QEMU boot in a test. A boot takes well under a
// second on an idle machine; with every package's tests running at once
// on two loaded cores it has been seen to take tens of seconds.
const Timeout = 3 * time.Minute

// Path returns the path of qemu-system-i386, or "" when it is not on PATH.
func Path() string {
	p, err := exec.LookPath(Binary)
	if err != nil {
		return ""
	}
	return p
}

// Result is how one QEMU run ended.
type Result struct {
	Stdout  []byte // the serial console (with -serial stdio or -nographic)
	Stderr  string
	Status  int // QEMU's exit status: (V<<1)|1 for a debug-exit write of V
	Elapsed time.Duration
}

// ErrTimeout is wrapped by Run's error when QEMU outlived its deadline.
var ErrTimeout = errors.New("qemu-system-i386 did not finish in time")

// Run runs qemu (a path from Path) with args in dir ("" for the current
// directory) and waits at most timeout. An exit status, zero or not, is
// a Result; the error is for QEMU that could not start, died of a
// signal, or outlived timeout (wrapping ErrTimeout, with what it printed
// so far in the message).
func Run(ctx context.Context, qemu, dir string, timeout time.Duration, args ...string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu, args...)
	cmd.Dir = dir
	cmd.Stdin = nil // /dev/null: -nographic's monitor reads EOF
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second // a child holding the pipes open cannot hang us
	start := time.Now()
	err := cmd.Run()
	r := Result{Stdout: stdout.Bytes(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return r, fmt.Errorf("%w: killed after %v (the host may be overloaded, or the guest hung): %s %s\nconsole so far:\n%s\nstderr: %s",
			ErrTimeout, timeout, qemu, strings.Join(args, " "), r.Stdout, r.Stderr)
	case err == nil:
		return r, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		r.Status = exit.ExitCode()
		return r, nil
	case errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() >= 0:
		r.Status = cmd.ProcessState.ExitCode() // QEMU exited; a straggler held the pipes
		return r, nil
	default:
		return r, fmt.Errorf("running %s %s: %w (stderr: %s)", qemu, strings.Join(args, " "), err, strings.TrimSpace(r.Stderr))
	}
}
