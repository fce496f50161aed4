package qemurun

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sh stands in for QEMU: Run does not care what it runs.

func TestRunStatusAndStreams(t *testing.T) {
	r, err := Run(context.Background(), "sh", t.TempDir(), time.Minute, "-c", "echo console; echo warning >&2; exit 85")
	require.NoError(t, err)
	assert.Equal(t, 85, r.Status)
	assert.Equal(t, "console\n", string(r.Stdout), "stderr kept out of the console")
	assert.Equal(t, "warning\n", r.Stderr)
}

func TestRunTimeoutSaysSo(t *testing.T) {
	_, err := Run(context.Background(), "sh", "", 200*time.Millisecond, "-c", "echo booting; exec sleep 10")
	require.ErrorIs(t, err, ErrTimeout)
	assert.Contains(t, err.Error(), "killed after 200ms")
	assert.Contains(t, err.Error(), "booting", "what it printed so far")
}

func TestRunCannotStart(t *testing.T) {
	_, err := Run(context.Background(), "/nonexistent/qemu-system-i386", "", time.Minute)
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrTimeout)
}
