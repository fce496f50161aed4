package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// traceFile runs dfemu trace with args and -o, returning the status, the
// trace and stderr.
func traceFile(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "t.txt")
	st, _, errOut := dfemu(t, append([]string{"trace", "-o", out}, args...)...)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return st, string(b), errOut
}

// The line format, the symbols, the DWARF column and the changes column
// on the first instructions of the default guest's boot.
func TestTraceGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"trace_intel.golden", []string{"-max", "40", "-changes"}},
		{"trace_gnu.golden", []string{"-start", "kmain", "-max", "25", "-syntax", "gnu"}},
	} {
		st, got, errOut := traceFile(t, tc.args...)
		require.Equal(t, 0, st, errOut)
		path := filepath.Join("testdata", tc.golden)
		if *update {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run with -update to create it")
		assert.Equal(t, string(want), got, "%s (regenerate with go test -run TraceGolden -update)", tc.golden)
	}
}

var lineRE = regexp.MustCompile(`^ *(\d+) cpu(\d+) r(\d) (?:([0-9a-f]{4}):([0-9a-f]{8}) (\S+)|== (.*))`)

// DWARF lines: every kernel instruction with a symbol has a file:line.
func TestTraceHasDWARFLines(t *testing.T) {
	st, got, errOut := traceFile(t, "-start", "kmain", "-max", "2000")
	require.Equal(t, 0, st, errOut)
	lines := strings.Split(strings.TrimSpace(got), "\n")
	require.Len(t, lines, 2000)
	withSrc := 0
	for _, l := range lines {
		if regexp.MustCompile(`; (kernel|include)/[a-z0-9_/]+\.[chS]:\d+$`).MatchString(l) {
			withSrc++
		}
	}
	assert.Equal(t, len(lines), withSrc, "every line has file:line")
	assert.Contains(t, lines[0], "kmain ")
	assert.Contains(t, lines[0], "; kernel/main.c:")
}

func TestTraceFilters(t *testing.T) {
	t.Run("start stop", func(t *testing.T) {
		st, got, errOut := traceFile(t, "-start", "gdt_init", "-stop", "trap_init")
		require.Equal(t, 0, st, errOut)
		lines := strings.Split(strings.TrimSpace(got), "\n")
		require.Greater(t, len(lines), 10)
		assert.Regexp(t, ` gdt_init +`, lines[0])
		assert.Regexp(t, ` trap_init +`, lines[len(lines)-1], "the -stop instruction is the last")
	})
	t.Run("func", func(t *testing.T) {
		st, got, errOut := traceFile(t, "-m", "16", "-func", "uart_putc", "-max", "500")
		require.Equal(t, 0, st, errOut)
		lines := strings.Split(strings.TrimSpace(got), "\n")
		require.Len(t, lines, 500)
		for _, l := range lines {
			m := lineRE.FindStringSubmatch(l)
			require.NotNil(t, m, l)
			assert.Regexp(t, `^uart_putc(\+0x[0-9a-f]+)?$`, m[6], l)
		}
	})
	t.Run("max and cpus", func(t *testing.T) {
		st, got, _ := traceFile(t, "-max", "7", "-cpus", "0")
		require.Equal(t, 0, st)
		assert.Equal(t, 7, strings.Count(got, "\n"))
		st, got, _ = traceFile(t, "-smp", "1", "-m", "16", "-max", "7", "-cpus", "1")
		require.Equal(t, 0, st)
		assert.Empty(t, got, "no CPU 1 on -smp 1")
		st, got, _ = traceFile(t, "-smp", "2", "-m", "16", "-max", "7", "-cpus", "1")
		require.Equal(t, 0, st)
		lines := strings.Split(strings.TrimSpace(got), "\n")
		require.Len(t, lines, 7)
		for _, l := range lines {
			assert.Regexp(t, `^ *\d+ cpu1 r0 `, l) // the AP, in real mode at the SIPI vector
		}
	})
	t.Run("ring", func(t *testing.T) {
		st, got, _ := traceFile(t, "-m", "16", "-ring", "3", "-max", "10")
		require.Equal(t, 0, st)
		assert.Empty(t, got, "the default guest never enters ring 3")
	})
	t.Run("bad flags", func(t *testing.T) {
		oneLineError(t, "no such symbol", "trace", "-start", "no_such_function")
		oneLineError(t, "-ring 2", "trace", "-ring", "2")
		oneLineError(t, "-cpus", "trace", "-cpus", "a,b")
		oneLineError(t, "-syntax", "trace", "-syntax", "pdp11")
	})
}

func TestTraceSummary(t *testing.T) {
	dir := t.TempDir()
	sum := filepath.Join(dir, "sum.txt")
	st, got, errOut := traceFile(t, "-start", "kmain", "-stop", "cpu_init", "-summary-o", sum, "-top", "3")
	require.Equal(t, 0, st, errOut)
	b, err := os.ReadFile(sum)
	require.NoError(t, err)
	s := string(b)
	n := strings.Count(got, "\n")
	assert.Contains(t, s, fmt.Sprintf("trace summary: %d instructions, 0 events", n))
	assert.Contains(t, s, "instructions per function (top 3 of ")
	assert.Regexp(t, `(?m)^ +\d+ +\d+\.\d\d%  trap_init$`, s, "trap_init fills the IDT: a top function")
	assert.Regexp(t, fmt.Sprintf(`(?m)^ +%d 100\.00%%  cpu0$`, n), s)
	assert.Regexp(t, fmt.Sprintf(`(?m)^ +%d 100\.00%%  ring 0$`, n), s)
	// Counts per function add up to the lines of the trace.
	fn := map[string]int{}
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		m := lineRE.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		name, _, _ := strings.Cut(m[6], "+")
		fn[name]++
	}
	assert.Regexp(t, fmt.Sprintf(`(?m)^ +%d +[\d.]+%%  trap_init$`, fn["trap_init"]), s)
}

// An exception is an event after the instruction that raised it (marked
// "(faults)"), with vector, error code and where it went.
func TestTraceExceptionEvents(t *testing.T) {
	st, got, errOut := traceFile(t, "-append", "test=exceptions", "-start", "test_exceptions")
	require.Equal(t, 0, st, errOut)
	lines := strings.Split(got, "\n")
	found := map[string]bool{}
	for k, l := range lines {
		m := lineRE.FindStringSubmatch(l)
		if m == nil || m[7] == "" {
			continue
		}
		ev := m[7]
		require.Greater(t, k, 0)
		prev := lines[k-1]
		switch {
		case strings.HasPrefix(ev, "#UD(6) "):
			assert.Contains(t, prev, "ud2")
			assert.Contains(t, prev, "(faults)")
			found["ud"] = true
		case strings.HasPrefix(ev, "#GP(13) err=0x"):
			assert.Contains(t, prev, "(faults)")
			found["gp"] = true
		case strings.HasPrefix(ev, "#DE(0) "):
			assert.Contains(t, prev, "div")
			found["de"] = true
		case strings.HasPrefix(ev, "int 0x03 "):
			assert.Contains(t, prev, "int3")
			assert.NotContains(t, prev, "(faults)", "int3 is a trap: the instruction completes")
			found["bp"] = true
		}
		assert.Regexp(t, `from [0-9a-f]{4}:[0-9a-f]{8} \(\S+\) -> [0-9a-f]{4}:[0-9a-f]{8} \(\S+\) r0$`, ev)
	}
	assert.Equal(t, map[string]bool{"ud": true, "gp": true, "de": true, "bp": true}, found)
}

// A page fault's event carries its error code and CR2.
func TestTracePageFaultEvent(t *testing.T) {
	st, got, errOut := traceFile(t, "-trace-port", "-append", "test=pagefault")
	require.Equal(t, 0, st, errOut)
	assert.Regexp(t, `(?m)^ +\d+ cpu0 r0 .*\(faults\) +; \S+:\d+\n +\d+ cpu0 r0 == #PF\(14\) err=0x[0-7] cr2=0x[0-9a-f]{8} from `, got)
}

// Two traces of the same run are identical, changes included. With
// -smp 2 the window starts where the AP enters the kernel, so the one
// stream interleaves both CPUs.
func TestTraceDeterministic(t *testing.T) {
	for _, smp := range []string{"1", "2"} {
		hash := func() [32]byte {
			args := []string{"-smp", smp, "-changes", "-max", "200000", "-seed", "7"}
			if smp != "1" {
				args = append(args, "-start", "mp_ap_entry")
			}
			st, got, errOut := traceFile(t, args...)
			require.Equal(t, 0, st, errOut)
			// -max counts instructions; interrupt and exception lines
			// ("cpuN rR == ...") come on top.
			events := regexp.MustCompile(`(?m)^ *\d+ cpu\d+ r\d == `).FindAllStringIndex(got, -1)
			require.Equal(t, 200000, strings.Count(got, "\n")-len(events))
			if smp != "1" {
				assert.Regexp(t, `(?m)^ *\d+ cpu0 `, got, "both CPUs in the stream")
				assert.Regexp(t, `(?m)^ *\d+ cpu1 `, got, "both CPUs in the stream")
			}
			return sha256.Sum256([]byte(got))
		}
		assert.Equal(t, hash(), hash(), "-smp %s", smp)
	}
}

func TestTraceHelp(t *testing.T) {
	st, out, errOut := dfemu(t, "trace", "-h")
	require.Equal(t, 0, st, errOut)
	for _, f := range []string{"-o", "-syntax", "-changes", "-start", "-stop", "-ring", "-cpus", "-max",
		"-func", "-summary", "-summary-o", "-top", "-trace-port", "-no-lines", "-kernel", "-append", "Examples:"} {
		assert.Contains(t, out, f)
	}
}
