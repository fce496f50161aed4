package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/emu"
	"dfemu/guest"
	"dfemu/internal/harness"
)

// dfemu runs the command with args and returns its status, stdout and
// stderr.
func dfemu(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	st := run(args, strings.NewReader(""), &stdout, &stderr)
	return st, stdout.String(), stderr.String()
}

// oneLineError asserts a usage/image error: status 2, nothing on stdout,
// one line on stderr containing want.
func oneLineError(t *testing.T, want string, args ...string) {
	t.Helper()
	st, out, errOut := dfemu(t, args...)
	assert.Equal(t, emu.ExitUsage, st, "status; stderr: %s", errOut)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	assert.Contains(t, errOut, want)
}

func TestHelpText(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		st, out, _ := dfemu(t, args...)
		assert.Equal(t, 0, st, args)
		for _, want := range []string{"dfemu boot", "dfemu test", "dfemu bench", "Exit statuses:", "(V<<1)|1"} {
			assert.Contains(t, out, want, args)
		}
	}
}

func TestBootHelpExplainsEveryFlagAndStatus(t *testing.T) {
	for _, args := range [][]string{{"boot", "-h"}, {"help", "boot"}} {
		st, out, errOut := dfemu(t, args...)
		require.Equal(t, 0, st, errOut)
		for _, flag := range []string{"-kernel", "-initrd", "-append", "-m", "-smp", "-seed", "-timeout",
			"-strict", "-stop-on-ud", "-accel", "-nographic", "-no-reboot", "-device", "Ctrl-A X",
			"-gdb", "-S"} {
			assert.Contains(t, out, flag, args)
		}
		for _, e := range exitStatuses {
			assert.Regexp(t, `(?m)^  `+strconv.Itoa(e.status)+` +`+strings.Fields(e.what)[0], out)
		}
	}
}

func TestTestAndBenchHelp(t *testing.T) {
	st, out, _ := dfemu(t, "test", "-h")
	assert.Equal(t, 0, st)
	for _, want := range []string{"-list", "-smp", "-seed", "-v", "N passed, N failed"} {
		assert.Contains(t, out, want)
	}
	st, out, _ = dfemu(t, "bench", "-h")
	assert.Equal(t, 0, st)
	assert.Contains(t, out, "MIPS")
}

func TestUsageErrors(t *testing.T) {
	st, _, errOut := dfemu(t)
	assert.Equal(t, emu.ExitUsage, st)
	assert.Contains(t, errOut, "Usage:")

	oneLineError(t, `unknown command "frobnicate"`, "frobnicate")
	st, out, errOut := dfemu(t, "boot", "-frobnicate")
	assert.Equal(t, emu.ExitUsage, st)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "flag provided but not defined: -frobnicate")
	assert.Contains(t, errOut, `dfemu boot -h`)

	oneLineError(t, "-smp 65: the number of CPUs must be 1 to 64", "boot", "-smp", "65")
	oneLineError(t, "-smp 0: the number of CPUs must be 1 to 64", "boot", "-smp", "0")
	oneLineError(t, "kvm backend is not implemented yet", "boot", "-accel", "kvm")
	oneLineError(t, "unknown accelerator", "boot", "-accel", "tcg")
	oneLineError(t, "unexpected argument", "boot", "kernel.elf")
	oneLineError(t, "-device virtio-net", "boot", "-device", "virtio-net")
	oneLineError(t, "-m 0", "boot", "-m", "0")
}

func TestBootMissingKernelFile(t *testing.T) {
	oneLineError(t, "no such file", "boot", "-kernel", filepath.Join(t.TempDir(), "nope.elf"))
}

func TestBootMissingModuleFile(t *testing.T) {
	oneLineError(t, "-initrd", "boot", "-initrd", filepath.Join(t.TempDir(), "nope.elf")+" arg=1")
	oneLineError(t, "no module named", "boot", "-initrd", ",")
}

func TestBootBadImages(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"text":  []byte("#!/bin/sh\necho this is not a kernel\n"),
		"empty": nil,
		"elf64": append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 200)...),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(path, data, 0o644))
			oneLineError(t, "dfemu boot: ", "boot", "-kernel", path)
		})
	}
}

func TestTestList(t *testing.T) {
	st, out, errOut := dfemu(t, "test", "-list")
	require.Equal(t, 0, st, errOut)
	assert.Equal(t, strings.Join(guest.SuiteNames(), "\n")+"\n", out)
	assert.Contains(t, out, "memmap\n")
}

func TestTestUnknownSuite(t *testing.T) {
	st, out, errOut := dfemu(t, "test", "nosuchsuite")
	assert.Equal(t, emu.ExitUsage, st)
	assert.Empty(t, out)
	assert.Contains(t, errOut, `unknown suite "nosuchsuite"`)
	for _, name := range guest.SuiteNames() {
		assert.Contains(t, errOut, name)
	}
}

func TestLoadInitrdKeepsWholeString(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.bin"), filepath.Join(dir, "b.bin")
	require.NoError(t, os.WriteFile(a, []byte("data a"), 0o644))
	require.NoError(t, os.WriteFile(b, []byte("data b"), 0o644))
	mods, err := loadInitrd(a + " crc32=0x1234 list=1,,2," + b)
	require.NoError(t, err)
	require.Len(t, mods, 2)
	assert.Equal(t, a+" crc32=0x1234 list=1,2", mods[0].String)
	assert.Equal(t, []byte("data a"), mods[0].Data)
	assert.Equal(t, b, mods[1].String)
	assert.Equal(t, []byte("data b"), mods[1].Data)
}

func TestDebugExitDeviceSpellings(t *testing.T) {
	assert.True(t, isDebugExitDevice("isa-debug-exit,iobase=0xf4,iosize=4"))
	assert.True(t, isDebugExitDevice("isa-debug-exit,iosize=0x04,iobase=0xf4"))
	assert.True(t, isDebugExitDevice("isa-debug-exit"))
	assert.False(t, isDebugExitDevice("isa-debug-exit,iobase=0x501"))
	assert.False(t, isDebugExitDevice("e1000"))
}

// TestBootEmbeddedGuest is `go run ./cmd/dfemu boot`: the embedded guest
// boots, says so and powers off.
func TestBootEmbeddedGuest(t *testing.T) {
	st, out, errOut := dfemu(t, "boot", "-timeout", "60s")
	require.Equal(t, emu.ExitPowerOff, st, "stderr:\n%s\nconsole:\n%s", errOut, out)
	assert.Contains(t, out, "boot complete")
}

// TestTestCommand runs two suites: their TAP lines, prefixed, and the
// count line.
func TestTestCommand(t *testing.T) {
	st, out, errOut := dfemu(t, "test", "memmap", "cpuid")
	require.Equal(t, 0, st, "stderr:\n%s\nstdout:\n%s", errOut, out)
	assert.Regexp(t, `(?m)^memmap: ok 1 - `, out)
	assert.Regexp(t, `(?m)^cpuid: ok 1 - `, out)
	assert.True(t, strings.HasSuffix(out, "2 passed, 0 failed\n"), out)
}

// TestBootGuestFailureStatus: a guest test failure is the guest's odd
// exit status, passed through.
func TestBootGuestFailureStatus(t *testing.T) {
	dir := t.TempDir()
	kernel := filepath.Join(dir, "kernel.elf")
	require.NoError(t, os.WriteFile(kernel, guest.Kernel, 0o644))
	st, out, errOut := dfemu(t, "boot", "-kernel", kernel, "-append", "test=fail", "-timeout", "60s")
	assert.Equal(t, 3, st, "stderr:\n%s\nconsole:\n%s", errOut, out) // ABI_EXIT_TESTS_FAILED
	assert.Contains(t, out, "not ok 1 - fail")
}

func TestReportSuite(t *testing.T) {
	s := guest.Suite{Name: "memmap"}
	var b bytes.Buffer
	p, f := reportSuite(&b, harness.Run{Suite: s, Machine: "dfemu",
		Console: []byte("hello\r\nTAP version 13\r\n1..2\r\nok 1 - a\r\nnot ok 2 - b\r\n")}, false)
	assert.Equal(t, 1, p)
	assert.Equal(t, 1, f)
	assert.Equal(t, "memmap: ok 1 - a\nmemmap: not ok 2 - b\n", b.String())

	b.Reset()
	p, f = reportSuite(&b, harness.Run{Suite: s, Machine: "dfemu", Status: emu.ExitTripleFault,
		Reason: "triple fault at EIP 0x00100000", Report: "EAX=0\n",
		Console: []byte("TAP version 13\n1..2\nok 1 - a\n")}, true)
	assert.Equal(t, 1, p)
	assert.Equal(t, 1, f, "a crashed suite counts as a failure")
	assert.Equal(t, "memmap| TAP version 13\nmemmap| 1..2\nmemmap| ok 1 - a\n"+
		"memmap: ok 1 - a\n"+
		"memmap: FAILED: dfemu exit status 4 (triple fault at EIP 0x00100000), want 0; planned 2 test points, ran 1\n"+
		"memmap:   EAX=0\n", b.String())
}
