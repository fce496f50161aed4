package guest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/guest"
	"dfemu/internal/harness"
	"dfemu/internal/tap"
)

// sweepSMP is the -smp values of the seed sweep.
var sweepSMP = []int{2, 4, 8}

// sweepSeeds is how many seeds the sweep tries per -smp: seeds 1..N. CI
// (make test) runs them all; -short runs sweepShortSeeds.
const (
	sweepSeeds      = 24
	sweepShortSeeds = 3
)

// TestSMPSeedSweep boots every SMP test group (the suite guest.SweepName,
// all groups in one boot) at each -smp of sweepSMP for seeds 1..24: each
// seed is a different interleaving of the vCPUs, so a race in the kernel
// or a timing assumption in a test shows up as a failing seed, which
// then replays exactly. Subtests smp=N/seed=S run in parallel; a failure
// names each failing test point and the command that replays the run.
func TestSMPSeedSweep(t *testing.T) {
	s := guest.SMPSweep()
	groups := strings.Split(s.KernelTest(), ",")
	seeds := sweepSeeds
	if testing.Short() {
		seeds = sweepShortSeeds
	}
	for _, n := range sweepSMP {
		for seed := uint64(1); seed <= uint64(seeds); seed++ {
			t.Run(fmt.Sprintf("smp=%d/seed=%d", n, seed), func(t *testing.T) {
				t.Parallel()
				checkSweepRun(t, groups, harness.Dfemu(s, harness.Options{SMP: n, Seed: seed}), n, seed)
			})
		}
	}
}

// checkSweepRun fails the test when one sweep boot went wrong, printing
// why, the command that replays it, and what the machine said.
func checkSweepRun(t *testing.T, groups []string, r harness.Run, n int, seed uint64) {
	t.Helper()
	if failed := sweepFailures(groups, r); len(failed) > 0 {
		t.Errorf("-smp %d -seed %d:\n%s\nreplay: dfemu test -v -smp %d -seed %d %s\n--- console:\n%s\n--- report:\n%s",
			n, seed, strings.Join(failed, "\n"), n, seed, guest.SweepName, r.Console, r.Report)
	}
}

// sweepFailures judges one sweep boot: the run as a whole (status, plan)
// and each group's test point, which must be there, in order, and ok.
func sweepFailures(groups []string, r harness.Run) []string {
	rep := r.TAP()
	var failed []string
	for i, g := range groups {
		if i >= len(rep.Results) {
			failed = append(failed, fmt.Sprintf("%s: no test point", g))
			continue
		}
		res := rep.Results[i]
		switch {
		case !strings.HasPrefix(res.Description, g+":"):
			failed = append(failed, fmt.Sprintf("%s: test point %d is %q", g, i+1, res.Line))
		case res.Failed() || res.Directive == tap.Skip:
			failed = append(failed, fmt.Sprintf("%s: %s\n%s", g, res.Line, strings.Join(res.Diagnostics, "\n")))
		}
	}
	if ps := r.Problems(); len(ps) > 0 {
		failed = append(failed, strings.Join(ps, "\n"))
	}
	return failed
}

// TestSweepFailures: the sweep's judge accepts only every group ok, in
// order, with a clean exit.
func TestSweepFailures(t *testing.T) {
	groups := []string{"cpus", "timer"}
	for _, tc := range []struct {
		name    string
		console string
		status  int
		want    []string // substrings, one per failure
	}{
		{"all ok", "1..2\nok 1 - cpus: a\nok 2 - timer: b\n", 0, nil},
		{"one not ok", "1..2\nok 1 - cpus: a\nnot ok 2 - timer: b\n# why\n", 0, []string{"timer: not ok 2"}},
		{"skipped", "1..2\nok 1 - cpus: a # SKIP no APIC\nok 2 - timer: b\n", 0, []string{"cpus: ok 1"}},
		{"out of order", "1..2\nok 1 - timer: b\nok 2 - cpus: a\n", 0, []string{"cpus: test point 1", "timer: test point 2"}},
		{"crashed", "1..2\nok 1 - cpus: a\n", 4, []string{"timer: no test point", "exit status 4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := harness.Run{Suite: guest.SMPSweep(), Machine: "dfemu", Console: []byte(tc.console), Status: tc.status}
			got := sweepFailures(groups, r)
			require.Len(t, got, len(tc.want), "%q", got)
			for i, w := range tc.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

// TestSMPSweepSuite: the sweep suite runs every SMP group that needs no
// extra option, and `dfemu test` finds it by name.
func TestSMPSweepSuite(t *testing.T) {
	s, ok := guest.LookupSuite(guest.SweepName)
	require.True(t, ok)
	assert.Equal(t, guest.SMPSweep(), s)
	var want []string
	for _, x := range guest.Suites() {
		if len(x.SMP) > 0 && x.Cmdline == fmt.Sprintf("test=%s mem=%d", x.Name, x.MemMiB) {
			want = append(want, x.Name)
		}
	}
	assert.Equal(t, strings.Join(want, ","), s.KernelTest())
	assert.Contains(t, want, "tokens")
	assert.Contains(t, guest.SuiteNames(), guest.SweepName)
}
