package main

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"

	"dfemu/emu"
	"dfemu/guest"
)

// Tests with the real gdb in batch mode against the embedded default
// guest, booted by "dfemu boot -gdb tcp:127.0.0.1:0 -S" in this process.
// gdb is on every CI machine (.ci/run installs it); they skip only where
// it is missing.

// lockedBuffer is dfemu's stderr, read while dfemu writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// gdbRun is one boot under gdb.
type gdbRun struct {
	gdb            string // gdb's stdout and stderr
	status         int    // dfemu's exit status
	stdout, stderr string // dfemu's
}

var listening = regexp.MustCompile(`gdb: listening on (127\.0\.0\.1:\d+)`)

// kernelELF writes the embedded kernel (the booted image) for gdb's
// symbols.
func kernelELF(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "kernel.elf")
	require.NoError(t, os.WriteFile(p, guest.Kernel, 0o644))
	return p
}

// underGDB boots the default guest stopped (-S) with extra boot args, and
// runs gdb with cmds on it; both have a hard time limit. gdb runs in batch
// mode (-ex), unless a command is "!sleep DURATION": then the commands are
// typed on gdb's stdin with those pauses, so that gdb's event loop runs
// between them (needed for "continue &" and "interrupt").
func underGDB(t *testing.T, bootArgs []string, cmds ...string) gdbRun {
	t.Helper()
	gdbPath, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed (CI installs it in .ci/run)")
	}
	elfPath := kernelELF(t)
	var stdout bytes.Buffer
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	// 16 MiB keeps the boot short (the page allocator's set-up is
	// proportional to RAM); one vCPU unless bootArgs say otherwise (a
	// later -m or -smp in bootArgs wins).
	args := append([]string{"boot", "-m", "16", "-smp", "1", "-gdb", "tcp:127.0.0.1:0", "-S"}, bootArgs...)
	go func() { done <- run(args, strings.NewReader(""), &stdout, stderr) }()

	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
		require.True(t, time.Now().Before(deadline), "dfemu did not listen: %s", stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	gargs := []string{"-nx", "-q", "-ex", "set architecture i386", "-ex", "set confirm off",
		"-ex", "target remote " + addr}
	interactive := false
	for _, c := range cmds {
		interactive = interactive || strings.HasPrefix(c, "!sleep ")
	}
	var typed *io.PipeWriter
	if interactive {
		cmds = append(cmds, "quit")
	} else {
		gargs = append(gargs, "-batch")
		for _, c := range cmds {
			gargs = append(gargs, "-ex", c)
		}
	}
	cmd := exec.CommandContext(ctx, gdbPath, append(gargs, elfPath)...)
	cmd.Dir = "../.." // the repository root: DWARF's file names are relative to it
	if interactive {
		var in *io.PipeReader
		in, typed = io.Pipe()
		cmd.Stdin = in
		go func() {
			defer typed.Close()
			for _, c := range cmds {
				if d, ok := strings.CutPrefix(c, "!sleep "); ok {
					pause, err := time.ParseDuration(d)
					if err != nil {
						panic(err) // a bad test table
					}
					time.Sleep(pause)
					continue
				}
				if _, err := io.WriteString(typed, c+"\n"); err != nil {
					return
				}
			}
		}()
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "gdb: %s", out)
	select {
	case st := <-done:
		return gdbRun{gdb: string(out), status: st, stdout: stdout.String(), stderr: stderr.String()}
	case <-time.After(60 * time.Second):
		t.Fatalf("dfemu did not finish after gdb quit; gdb said:\n%s\ndfemu stderr:\n%s", out, stderr.String())
	}
	return gdbRun{}
}

// symbol is a kernel symbol's address.
func symbol(t *testing.T, name string) uint64 {
	f, err := elf.NewFile(bytes.NewReader(guest.Kernel))
	require.NoError(t, err)
	syms, err := f.Symbols()
	require.NoError(t, err)
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("no symbol %s in the kernel", name)
	return 0
}

// instAddrs decodes n instructions from addr in the kernel image with
// x86asm (not gdb's disassembler) and returns their addresses.
func instAddrs(t *testing.T, addr uint64, n int) []uint64 {
	f, err := elf.NewFile(bytes.NewReader(guest.Kernel))
	require.NoError(t, err)
	text := f.Section(".text")
	require.NotNil(t, text)
	data, err := text.Data()
	require.NoError(t, err)
	var out []uint64
	for off := addr - text.Addr; len(out) < n; {
		out = append(out, text.Addr+off)
		inst, err := x86asm.Decode(data[off:], 32)
		require.NoError(t, err)
		off += uint64(inst.Len)
	}
	return out
}

func TestGDBBreakBacktraceStepThreadsDetach(t *testing.T) {
	r := underGDB(t, []string{"-timeout", "30s"},
		"break pagealloc_init", "continue", "bt", "p/x $pc",
		"stepi", "p/x $pc", "stepi", "p/x $pc",
		"info threads", "thread 1", "detach")
	t.Log(r.gdb)
	assert.Regexp(t, `Breakpoint 1, pagealloc_init \(\) at kernel/pagealloc\.c:\d+`, r.gdb)
	assert.Regexp(t, `(?m)^#1 +0x[0-9a-f]+ in kmain \(`, r.gdb, "bt shows the caller")
	assert.Regexp(t, `(?m)^#2 +0x[0-9a-f]+ in _start \(\) at kernel/entry\.S`, r.gdb)
	want := instAddrs(t, symbol(t, "pagealloc_init"), 3)
	for k, a := range want {
		assert.Contains(t, r.gdb, fmt.Sprintf("$%d = 0x%x\n", k+1, a), "pc after %d stepi", k)
	}
	// The same three instructions as dfemu trace sees them.
	st, trace, errOut := traceFile(t, "-smp", "1", "-m", "16", "-start", "pagealloc_init", "-max", "3")
	require.Equal(t, 0, st, errOut)
	lines := strings.Split(strings.TrimSpace(trace), "\n")
	require.Len(t, lines, 3)
	for k, l := range lines {
		assert.Contains(t, l, fmt.Sprintf(":%08x ", want[k]), "trace line %d agrees with stepi", k)
	}
	assert.Regexp(t, `(?m)^\* 1 +Thread 1 \(vCPU 0, CPL 0\) `, r.gdb)
	assert.Contains(t, r.gdb, "[Switching to thread 1 (Thread 1)]")
	assert.Contains(t, r.gdb, "[Inferior 1 (Remote target) detached]")
	assert.Equal(t, emu.ExitPowerOff, r.status, "the guest ends by itself after detach; stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, "boot complete")
}

// One GDB thread per vCPU: the AP hits a breakpoint in its own bring-up
// code, gdb reports it as thread 2, and switching threads switches the
// registers gdb sees.
func TestGDBThreadPerVCPU(t *testing.T) {
	r := underGDB(t, []string{"-smp", "2", "-timeout", "30s"},
		"break mp_ap_entry", "continue", "info threads", "p/x $pc",
		"thread 1", "p/x $pc", "thread 2", "p/x $pc", "delete", "detach")
	t.Log(r.gdb)
	ap := symbol(t, "mp_ap_entry")
	assert.Regexp(t, `Thread 2 hit Breakpoint 1, mp_ap_entry`, r.gdb)
	assert.Regexp(t, `(?m)^  1 +Thread 1 \(vCPU 0, CPL 0\) `, r.gdb)
	assert.Regexp(t, `(?m)^\* 2 +Thread 2 \(vCPU 1, CPL 0\) `, r.gdb)
	assert.Contains(t, r.gdb, "[Switching to thread 1 (Thread 1)]")
	assert.Contains(t, r.gdb, "[Switching to thread 2 (Thread 2)]")
	pcs := regexp.MustCompile(`(?m)^\$(\d+) = (0x[0-9a-f]+)$`).FindAllStringSubmatch(r.gdb, -1)
	require.Len(t, pcs, 3, "three p/x $pc")
	assert.Equal(t, fmt.Sprintf("0x%x", ap), pcs[0][2], "thread 2 stopped at the breakpoint")
	assert.NotEqual(t, pcs[0][2], pcs[1][2], "thread 1 (the BSP) is elsewhere")
	assert.Equal(t, pcs[0][2], pcs[2][2], "back on thread 2")
	assert.Equal(t, emu.ExitPowerOff, r.status, "stderr: %s", r.stderr)
}

var consolePages = regexp.MustCompile(`pages: (\d+) free of (\d+)`)

func TestGDBWatchVariableAndPrint(t *testing.T) {
	r := underGDB(t, []string{"-timeout", "30s"},
		"watch nfree", "continue", "print nmanaged", "delete",
		"break pagealloc_nfree", "continue", "print ($cr0 & 0x80000001) == 0x80000001",
		"print $cr3 == (unsigned)pgdir", "print/x $cs", "delete", "continue")
	t.Log(r.gdb)
	require.Equal(t, emu.ExitPowerOff, r.status, "stderr: %s", r.stderr)
	m := consolePages.FindStringSubmatch(r.stdout)
	require.NotNil(t, m, "console: %s", r.stdout)
	managed := m[2]
	assert.Contains(t, r.gdb, "Hardware watchpoint 1: nfree")
	assert.Regexp(t, `Old value = 0\s+New value = `+managed+`\s+pagealloc_init \(\) at kernel/pagealloc\.c:\d+`, r.gdb,
		"stops right after the store that sets nfree")
	assert.Contains(t, r.gdb, "$1 = "+managed+"\n", "print nmanaged agrees with the console")
	assert.Contains(t, r.gdb, "$2 = 1\n", "paging and protection on by pagealloc_nfree")
	assert.Contains(t, r.gdb, "$3 = 1\n", "CR3 is the kernel's page directory")
	assert.Contains(t, r.gdb, "$4 = 0x8\n", "the kernel code selector")
	assert.Contains(t, r.gdb, "[Inferior 1 (Remote target) exited normally]")
	n, _ := strconv.Atoi(m[1])
	assert.Positive(t, n)
}

func TestGDBKill(t *testing.T) {
	r := underGDB(t, []string{"-timeout", "30s"}, "break kmain", "continue", "kill")
	t.Log(r.gdb)
	assert.Contains(t, r.gdb, "Breakpoint 1, kmain")
	assert.Equal(t, emu.ExitDebuggerKill, r.status)
	assert.Contains(t, r.stderr, "killed by the debugger")
	assert.NotContains(t, r.stdout, "boot complete")
}

// TestGDBTimeoutWaitsWhileStopped: -timeout counts only running time.
// With -m 8 the boot runs in ~20 ms (well under a second with -race);
// gdb holds it stopped longer than the timeout first.
func TestGDBTimeoutWaitsWhileStopped(t *testing.T) {
	r := underGDB(t, []string{"-m", "8", "-timeout", "1s"}, "shell sleep 1.5", "continue")
	t.Log(r.gdb)
	assert.Equal(t, emu.ExitPowerOff, r.status, "stderr: %s", r.stderr)
	assert.Contains(t, r.gdb, "[Inferior 1 (Remote target) exited normally]")
}

func TestBootGDBFlagErrors(t *testing.T) {
	oneLineError(t, "-S waits for gdb", "boot", "-S")
	oneLineError(t, "only tcp:", "boot", "-gdb", "unix:/tmp/x")
	oneLineError(t, "no port", "boot", "-gdb", "tcp:localhost:")
}

// TestGDBInterrupt: gdb's interrupt (Ctrl-C on the wire) stops a running
// guest. gdb itself parks the CPU in a "jmp ." it writes to free memory,
// which also exercises memory and register writes.
func TestGDBInterrupt(t *testing.T) {
	r := underGDB(t, []string{"-timeout", "30s"},
		"set {unsigned short}0x7000 = 0xfeeb", "x/2xb 0x7000", "set $pc = 0x7000",
		"continue &", "!sleep 300ms", "interrupt", "!sleep 300ms",
		"p/x $pc", "x/i $pc", "kill")
	t.Log(r.gdb)
	assert.Contains(t, r.gdb, "0x7000:\t0xeb\t0xfe")
	assert.Contains(t, r.gdb, "Program received signal SIGINT, Interrupt.")
	assert.Contains(t, r.gdb, "$1 = 0x7000\n")
	assert.Regexp(t, `=> 0x7000:\s+jmp\s+0x7000`, r.gdb)
	assert.Equal(t, emu.ExitDebuggerKill, r.status)
}
