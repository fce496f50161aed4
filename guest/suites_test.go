package guest_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/guest"
	"dfemu/internal/harness"
	"dfemu/internal/tap"
)

// TestSuites boots every guest suite on dfemu and turns each TAP line the
// guest printed into a subtest named by its description. An SMP suite
// runs once for each -smp of its matrix (subtests smp=N).
func TestSuites(t *testing.T) {
	for _, s := range guest.Suites() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			if len(s.SMP) == 0 {
				checkRun(t, harness.Dfemu(s, harness.Options{}))
				return
			}
			for _, n := range s.SMPs() {
				t.Run(fmt.Sprintf("smp=%d", n), func(t *testing.T) {
					checkRun(t, dfemuRun(t, s, n))
				})
			}
		})
	}
}

// dfemuRun boots s on dfemu with -smp n (0: the suite's own count). Until
// the machine has more than one CPU (the smpemu branch) it refuses -smp >
// 1 with "only one CPU"; such a run is skipped, saying so, rather than
// failed: the suites then run at -smp 1, and under QEMU at their own count.
func dfemuRun(t *testing.T, s guest.Suite, n int) harness.Run {
	t.Helper()
	r := harness.Dfemu(s, harness.Options{SMP: n})
	if r.Err != nil && strings.Contains(r.Err.Error(), "only one CPU") {
		t.Skipf("dfemu: %v", r.Err)
	}
	return r
}

// checkRun makes a subtest of each test point and fails the test when the
// run as a whole went wrong (unexpected status, no TAP, plan mismatch),
// printing what the machine said.
func checkRun(t *testing.T, r harness.Run) *tap.Report {
	t.Helper()
	rep := r.TAP()
	for i, res := range rep.Results {
		t.Run(subtestName(i, res), func(t *testing.T) {
			switch {
			case res.Directive == tap.Skip:
				t.Skip(res.Reason)
			case res.Failed():
				t.Errorf("%s: %s\n%s", r.Machine, res.Line, strings.Join(res.Diagnostics, "\n"))
			}
		})
	}
	if ps := r.Problems(); len(ps) > 0 {
		t.Errorf("%s: %s\n--- console:\n%s\n--- report:\n%s\n--- stderr:\n%s",
			r.Machine, strings.Join(ps, "\n"), r.Console, r.Report, r.Stderr)
	}
	return rep
}

// subtestName names a test point's subtest by the guest's description.
func subtestName(i int, res tap.Result) string {
	if res.Description == "" {
		return fmt.Sprintf("test_%d", i+1)
	}
	return res.Description
}

// TestSuiteIsDeterministic boots the first suite twice: the same seed
// must give the same console output, byte for byte.
func TestSuiteIsDeterministic(t *testing.T) {
	suites := guest.Suites()
	require.NotEmpty(t, suites)
	a := harness.Dfemu(suites[0], harness.Options{Seed: 7})
	b := harness.Dfemu(suites[0], harness.Options{Seed: 7})
	require.NoError(t, a.Err)
	assert.Equal(t, a.Status, b.Status)
	assert.Equal(t, string(a.Console), string(b.Console))
}

func TestSuiteTable(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range guest.Suites() {
		assert.False(t, seen[s.Name], "duplicate suite %s", s.Name)
		seen[s.Name] = true
		assert.NotEmpty(t, s.Kernel, s.Name)
		assert.Positive(t, s.Timeout, s.Name)
		if s.WantLine == "" {
			assert.Contains(t, s.Cmdline, fmt.Sprintf("mem=%d", s.MemMiB), s.Name)
		}
		for _, m := range s.Modules {
			name, _, _ := strings.Cut(m.String, " ")
			assert.NotContains(t, name, "/", "%s: module names are plain file names (QEMU gives the path)", s.Name)
		}
	}
	s, ok := guest.LookupSuite("modules")
	require.True(t, ok)
	require.NotEmpty(t, s.Modules)
	assert.Regexp(t, `^\S+ crc32=0x[0-9a-f]{8}$`, s.Modules[0].String)
}

func TestFailurePaths(t *testing.T) {
	for _, s := range guest.FailureSuites() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			r := harness.Dfemu(s, harness.Options{})
			require.NoError(t, r.Err)
			assert.Equal(t, s.ExpectStatus, r.Status, "%s\n%s", r.Reason, r.Console)
			_, failed := r.TAP().Counts()
			if s.Name == "fail" {
				assert.Positive(t, failed, "test=fail reports a failed test point:\n%s", r.Console)
			}
		})
	}
}

// TestSuiteTableCoversKernelTests: every in-kernel test group in
// kernel/test.c's table is a suite (visible tests) or a failure suite
// (hidden ones), so a new kernel test cannot be left out of `dfemu test`.
func TestSuiteTableCoversKernelTests(t *testing.T) {
	src, err := os.ReadFile("../kernel/test.c")
	require.NoError(t, err)
	entry := regexp.MustCompile(`(?m)^\s*\{ "(\w+)", "[^"]*", \w+, (true|false) \},$`)
	matches := entry.FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, matches, "no test table found in kernel/test.c")
	var visible, hidden []string
	for _, m := range matches {
		if m[2] == "true" {
			hidden = append(hidden, m[1])
		} else {
			visible = append(visible, m[1])
		}
	}
	var suites, failures []string
	for _, s := range guest.Suites()[1:] { // after the default boot
		if name := s.KernelTest(); len(suites) == 0 || suites[len(suites)-1] != name {
			suites = append(suites, name)
		}
	}
	for _, s := range guest.FailureSuites() {
		failures = append(failures, s.Name)
	}
	assert.Equal(t, visible, suites, "kernel/test.c's visible tests vs guest.Suites' test= options")
	assert.Equal(t, visible, guest.Tests, "kernel/test.c's visible tests vs guest.Tests (test=all)")
	assert.ElementsMatch(t, hidden, failures, "kernel/test.c's hidden tests vs guest.FailureSuites")
}
