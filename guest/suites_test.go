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
// guest printed into a subtest named by its description.
func TestSuites(t *testing.T) {
	for _, s := range guest.Suites() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			checkRun(t, harness.Dfemu(s, harness.Options{}))
		})
	}
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
		suites = append(suites, s.Name)
	}
	for _, s := range guest.FailureSuites() {
		failures = append(failures, s.Name)
	}
	assert.Equal(t, visible, suites, "kernel/test.c's visible tests vs guest.Suites")
	assert.ElementsMatch(t, hidden, failures, "kernel/test.c's hidden tests vs guest.FailureSuites")
}
