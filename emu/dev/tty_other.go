//go:build !linux

package dev

import "golang.org/x/term"

// makeRawKeepOutput falls back to x/term's raw mode, which also turns
// output post-processing off: a guest's "\n" does not return the cursor.
func makeRawKeepOutput(fd int) error {
	_, err := term.MakeRaw(fd)
	return err
}
