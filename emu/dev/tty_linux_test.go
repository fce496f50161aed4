package dev

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPTY returns the master and slave ends of a new pseudo-terminal, or
// skips when the host has none.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here (%v): MakeRaw's terminal path is untested", err)
	}
	t.Cleanup(func() { m.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0), "unlockpt")
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err, "ptsname")
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return m, s
}

func TestMakeRawTerminal(t *testing.T) {
	_, s := openPTY(t)
	fd := int(s.Fd())
	before, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	require.NoError(t, err)
	require.NotZero(t, before.Lflag&unix.ICANON, "a new pty starts cooked")

	restore, err := MakeRaw(s)
	require.NoError(t, err)
	raw, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	require.NoError(t, err)
	assert.Zero(t, raw.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG|unix.IEXTEN), "no line editing, echo or signals")
	assert.Zero(t, raw.Iflag&(unix.ICRNL|unix.IXON), "CR and Ctrl-S/Ctrl-Q reach the guest")
	assert.NotZero(t, raw.Oflag&unix.OPOST, "output processing kept, as QEMU")
	assert.Equal(t, uint32(unix.CS8), raw.Cflag&unix.CSIZE)
	assert.Equal(t, uint8(1), raw.Cc[unix.VMIN])

	restore()
	restore() // twice is harmless
	after, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	require.NoError(t, err)
	assert.Equal(t, before.Lflag, after.Lflag)
	assert.Equal(t, before.Iflag, after.Iflag)
}

func TestMakeRawNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	restore, err := MakeRaw(r)
	require.NoError(t, err)
	restore()
}
