package guest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/emu"
	"dfemu/internal/qemurun"
)

// QEMU is the reference machine: the embedded guest must pass its own
// tests there, and fail with the documented exit statuses when it should.

// runQEMU boots the embedded kernel under QEMU with the given command line
// and modules, as the README's QEMU line does (-nographic), and returns
// its console output (CRs removed) and exit status.
func runQEMU(t *testing.T, cmdline string, mods []emu.Module, memMiB string) (string, int) {
	t.Helper()
	qemu := qemurun.Path()
	if qemu == "" {
		t.Skip(qemurun.Missing)
	}
	dir := t.TempDir()
	kernel := filepath.Join(dir, "kernel.elf")
	require.NoError(t, os.WriteFile(kernel, Kernel, 0o644))

	args := []string{"-kernel", kernel, "-nographic", "-no-reboot", "-m", memMiB,
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4"}
	if cmdline != "" {
		args = append(args, "-append", cmdline)
	}
	var initrd []string
	for _, m := range mods {
		name, rest, _ := strings.Cut(m.String, " ")
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, m.Data, 0o644))
		initrd = append(initrd, strings.TrimSpace(path+" "+rest))
	}
	if len(initrd) > 0 {
		args = append(args, "-initrd", strings.Join(initrd, ","))
	}

	r, err := qemurun.Run(context.Background(), qemu, dir, qemurun.Timeout, args...)
	require.NoError(t, err)
	return strings.ReplaceAll(string(r.Stdout), "\r", ""), r.Status
}

var tapLine = regexp.MustCompile(`(?m)^(ok|not ok) (\d+) - ([a-z0-9]+):.*$`)

// checkTAP requires a TAP stream whose plan matches its results, turns
// each result into a subtest, and returns the tests' names in order.
func checkTAP(t *testing.T, out string, wantOK bool) []string {
	t.Helper()
	require.Contains(t, out, "\nTAP version 13\n", out)
	plan := regexp.MustCompile(`(?m)^1\.\.(\d+)$`).FindStringSubmatch(out)
	require.NotNil(t, plan, "no TAP plan in:\n%s", out)
	results := tapLine.FindAllStringSubmatch(out, -1)
	assert.Equal(t, plan[1], strconv.Itoa(len(results)), "plan vs results in:\n%s", out)
	var names []string
	for _, r := range results {
		names = append(names, r[3])
		t.Run(r[3], func(t *testing.T) {
			assert.Equal(t, wantOK, r[1] == "ok", "%s", r[0])
		})
	}
	return names
}

func TestQEMUTestAll(t *testing.T) {
	out, status := runQEMU(t, TestCmdline+" mem=256", Modules(), "256")
	assert.Equal(t, 0, status, "exit status; output:\n%s", out)
	assert.Equal(t, Tests, checkTAP(t, out, true))
	assert.Contains(t, out, "# module 0: size=20000 crc32=")
	assert.NotContains(t, out, "not ok")
}

func TestQEMUNormalBoot(t *testing.T) {
	out, status := runQEMU(t, BootCmdline, Modules(), "128")
	assert.Equal(t, 0, status, "exit status; output:\n%s", out)
	assert.Contains(t, out, "memory map (mem_lower=")
	assert.Contains(t, out, "boot complete\n")
}

func TestQEMUFailureExits(t *testing.T) {
	for name, want := range FailureTests {
		t.Run(name, func(t *testing.T) {
			out, status := runQEMU(t, "test="+name, nil, "64")
			assert.Equal(t, want, status, "exit status; output:\n%s", out)
			assert.Contains(t, out, "not ok 1 - "+name+":", out)
		})
	}
	t.Run("unexpected-exception-report", func(t *testing.T) {
		out, _ := runQEMU(t, "test=crash", nil, "64")
		for _, s := range []string{"unexpected exception 14 (#PF page fault), error code 0x00000000",
			"cr2=00000000", "eax=", "esp=", "eflags=", "backtrace:", "Bail out!"} {
			assert.Contains(t, out, s)
		}
	})
}

// A module whose bytes do not match the CRC in its string fails the
// modules test, and the run exits with ABI_EXIT_TESTS_FAILED.
func TestQEMUCorruptModule(t *testing.T) {
	m := ModuleWithCRC("mod0.bin", mod0)
	bad := append([]byte(nil), m.Data...)
	bad[len(bad)/2] ^= 1
	m.Data = bad
	out, status := runQEMU(t, "test=modules", []emu.Module{m}, "64")
	assert.Equal(t, FailureTests["fail"], status, out)
	assert.Contains(t, out, "not ok 1 - modules:")
	assert.Regexp(t, `# FAIL kernel/tests/modules.c:\d+: module 0: crc32 0x[0-9a-f]{8}, its string says`, out)
}
