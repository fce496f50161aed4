package guest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"dfemu/guest"
	"dfemu/internal/harness"
	"dfemu/internal/tap"
)

// TestSuitesUnderQEMU boots every suite under qemu-system-i386 (TCG), the
// reference machine: each must pass there too, with the same test points
// (names and ok/not ok) and the same exit status as on dfemu.
func TestSuitesUnderQEMU(t *testing.T) {
	qemu := needQEMU(t)
	for _, s := range guest.Suites() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			q := harness.QEMU(context.Background(), qemu, s)
			checkRun(t, q)
			if len(s.SMP) > 0 {
				for _, r := range q.TAP().Results {
					assert.NotEqual(t, tap.Skip, r.Directive, "QEMU has APICs: %s must not skip", r.Line)
				}
			}
			t.Run("dfemu agrees", func(t *testing.T) {
				sameAsQEMU(t, q, dfemuRun(t, s, 0))
			})
		})
	}
}

// TestFailurePathsUnderQEMU: the kernel's deliberate failures stop QEMU
// with the same status and test points as dfemu.
func TestFailurePathsUnderQEMU(t *testing.T) {
	qemu := needQEMU(t)
	for _, s := range guest.FailureSuites() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			q := harness.QEMU(context.Background(), qemu, s)
			assert.NoError(t, q.Err)
			assert.Equal(t, s.ExpectStatus, q.Status, "%s\n%s", q.Reason, q.Console)
			sameAsQEMU(t, q, harness.Dfemu(s, harness.Options{}))
		})
	}
}

func needQEMU(t *testing.T) string {
	qemu := harness.QEMUPath()
	if qemu == "" {
		t.Skip(harness.QEMUMissing)
	}
	return qemu
}

// sameAsQEMU requires dfemu's run d to end as QEMU's run q did.
func sameAsQEMU(t *testing.T, q, d harness.Run) {
	t.Helper()
	assert.NoError(t, d.Err)
	assert.Equal(t, q.Status, d.Status, "exit status: qemu %q, dfemu %q\n%s", q.Reason, d.Reason, d.Report)
	assert.Equal(t, points(q.TAP()), points(d.TAP()), "test points: qemu (expected) vs dfemu (actual)")
}

// points is what must agree between machines: each test point's
// description and verdict.
func points(rep *tap.Report) []string {
	var ps []string
	for _, r := range rep.Results {
		verdict := "ok"
		if !r.OK {
			verdict = "not ok"
		}
		ps = append(ps, verdict+" - "+r.Description)
	}
	return ps
}
