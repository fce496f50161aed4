package dev

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/term"
)

// MakeRaw puts the terminal f (normally os.Stdin) in the raw mode of QEMU's
// -nographic console, so that every key reaches the guest's UART: Ctrl-C
// arrives as 0x03 instead of a SIGINT, Ctrl-A x quits through the UART's
// escape handling, and there is no line editing or local echo (the guest
// echoes). Output post-processing stays on, as QEMU keeps OPOST, so a
// guest's "\n" still starts a new line on the screen.
//
// When f is not a terminal (a pipe, a file, CI), MakeRaw changes nothing
// and returns a restore that does nothing. restore puts back the mode f
// had; it is safe to call more than once and from a deferred call. The
// caller should restore before printing its own diagnostics.
func MakeRaw(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return func() {}, nil
	}
	old, err := term.GetState(fd)
	if err != nil {
		return func() {}, fmt.Errorf("console: reading terminal mode of %s: %w", f.Name(), err)
	}
	if err := makeRawKeepOutput(fd); err != nil {
		return func() {}, fmt.Errorf("console: raw mode on %s: %w", f.Name(), err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// Nothing useful can be done if the terminal is gone.
			_ = term.Restore(fd, old)
		})
	}, nil
}
