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

// checkSweepRun judges one sweep boot: the run as a whole (status, plan)
// and each group's test point, which must be there, in order, and ok.
func checkSweepRun(t *testing.T, groups []string, r harness.Run, n int, seed uint64) {
	t.Helper()
	replay := fmt.Sprintf("replay: dfemu test -v -smp %d -seed %d %s", n, seed, guest.SweepName)
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
	if len(failed) > 0 {
		t.Errorf("-smp %d -seed %d:\n%s\n%s\n--- console:\n%s\n--- report:\n%s",
			n, seed, strings.Join(failed, "\n"), replay, r.Console, r.Report)
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
