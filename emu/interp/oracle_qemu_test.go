package interp_test

// The QEMU oracle: the ALU case table plus system-level sequences
// (testdata/oracle_mb.S: exceptions through an IDT, int n/iret, segment
// loads, paging) built into one Multiboot kernel, run under
// qemu-system-i386 -kernel and under interp (PT_LOAD segments at their
// physical addresses, flat protected mode, EAX=0x2BADB002), each printing
// its results in hex on COM1. The two transcripts must agree.

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"dfemu/emu/interp"
	"dfemu/internal/guestbuild"
	"dfemu/internal/qemurun"
)

const qemuBinary = "qemu-system-i386"

// kernelResult is a parsed transcript of the oracle kernel.
type kernelResult struct {
	alu      []uint32
	sysNames []string
	sys      []uint32
	ended    bool
}

func parseKernelOutput(out []byte) (kernelResult, error) {
	var r kernelResult
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "== ") {
			f := strings.Fields(line)
			section = f[1]
			switch section {
			case "end":
				r.ended = true
			case "fatal":
				return r, fmt.Errorf("kernel took an unexpected exception: %s", line)
			}
			continue
		}
		switch section {
		case "alu":
			v, err := strconv.ParseUint(line, 16, 32)
			if err != nil {
				return r, fmt.Errorf("alu line %q: %v", line, err)
			}
			r.alu = append(r.alu, uint32(v))
		case "sys":
			name, hex, ok := strings.Cut(line, " ")
			v, err := strconv.ParseUint(hex, 16, 32)
			if !ok || err != nil {
				return r, fmt.Errorf("sys line %q", line)
			}
			r.sysNames = append(r.sysNames, name)
			r.sys = append(r.sys, uint32(v))
		}
	}
	if !r.ended {
		return r, errors.New("transcript has no '== end' line")
	}
	return r, nil
}

// buildOracleKernel links the Multiboot oracle kernel for cases.
func buildOracleKernel(t *testing.T, cases []aluCase) string {
	t.Helper()
	// ORACLE_KEEP_DIR keeps the kernel and its sources for objdump.
	return guestbuild.Build(t, guestbuild.Spec{Dir: os.Getenv("ORACLE_KEEP_DIR"), Out: "oracle.elf",
		LDFlags: []string{"-Ttext=" + oracleLinkAddr, "-z", "noexecstack"},
		Sources: []guestbuild.Source{guestbuild.Text("oracle_mb.S", readTestdata(t, "oracle_mb.S")), guestbuild.Text("cases.S", emitCases(cases))}})
}

// runKernelInterp boots the oracle kernel on interp as a Multiboot loader
// would and returns its COM1 transcript.
func runKernelInterp(t *testing.T, kernel string) ([]byte, time.Duration, uint64) {
	t.Helper()
	f, err := elf.Open(kernel)
	require.NoError(t, err)
	defer f.Close()
	m := newMachine(16<<20, false)
	m.loadELF(t, f)
	m.cpu.EnterFlatProtected(uint32(f.Entry))
	m.cpu.R[interp.EAX] = 0x2badb002
	m.cpu.R[interp.EBX] = 0x9000 // boot info: the kernel does not read it
	start := time.Now()
	m.run(t, 200_000_000, interp.StopRequested)
	return m.bus.com1.Bytes(), time.Since(start), m.cpu.Insns
}

// runKernelQEMU runs the kernel under qemu-system-i386 and returns its
// serial output. The kernel exits through isa-debug-exit with 0, which
// QEMU turns into exit status 1.
func runKernelQEMU(t *testing.T, kernel string) []byte {
	t.Helper()
	r, err := qemurun.Run(context.Background(), qemuBinary, "", qemurun.Timeout, "-kernel", kernel,
		"-nographic", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-m", "32")
	if err != nil || r.Status != 1 {
		t.Fatalf("%s: %v, exit status %d (want 1 from isa-debug-exit)\nstderr: %s\nstdout tail: %q",
			qemuBinary, err, r.Status, r.Stderr, tail(r.Stdout, 400))
	}
	return r.Stdout
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// sysExpect is what the SDM says the system sequences of oracle_mb.S
// produce (PG_LIN = 0x40000000); QEMU is checked against it too.
var sysExpect = map[string]uint32{
	"int40.eax": 0x1001, "int40.if_inside": 0, "int40.if_pushed": 0x200, "int40.eip_off": 0,
	"int41.eax": 0x1002, "int41.if_inside": 0x200, "after_cli.if": 0,
	"int3.vec": interp.ExcBP, "int3.eip_off": 1,
	"into.vec": interp.ExcOF, "into.eip_off": 1,
	"div0.vec": interp.ExcDE, "div0.eip_off": 0,
	"idiv_overflow.vec": interp.ExcDE, "idiv_overflow.eip_off": 0,
	"ud2.vec": interp.ExcUD, "ud2.eip_off": 0,
	"int_np_gate.vec": interp.ExcNP, "int_np_gate.err": 0x42<<3 | 2, "int_np_gate.eip_off": 0,
	"int_beyond_idt.vec": interp.ExcGP, "int_beyond_idt.err": 0xf0<<3 | 2, "int_beyond_idt.eip_off": 0,
	"ds_beyond_gdt.vec": interp.ExcGP, "ds_beyond_gdt.err": 0xbb8,
	"es_not_present.vec": interp.ExcNP, "es_not_present.err": 0x18,
	"ds_exec_only.vec": interp.ExcGP, "ds_exec_only.err": 0x20,
	"ss_read_only.vec": interp.ExcGP, "ss_read_only.err": 0x28,
	"ss_null.vec": interp.ExcGP, "ss_null.err": 0,
	"ds_rpl3.vec": interp.ExcGP, "ds_rpl3.err": 0x10,
	"ds_after": 0x10,
	"df.vec":   interp.ExcDF, "df.err": 0,
	"pg.read": 0x11223344, "pg.write_phys": 0xcafef00d, "pg.read_ro": 0xcafef00d, "pg.big_page": 0x11223344,
	"pf_np_read.vec": interp.ExcPF, "pf_np_read.err": 0, "pf_np_read.cr2": 0x40002010, "pf_np_read.eip_off": 0,
	"pf_np_write.vec": interp.ExcPF, "pf_np_write.err": 2, "pf_np_write.cr2": 0x40003ffc,
	"pf_wp_write.vec": interp.ExcPF, "pf_wp_write.err": 3, "pf_wp_write.cr2": 0x40001008,
	"pg.nowp_write": 0x5a5a5a5a, "pg.after_invlpg": 0x55667788, "pg.after_cr3": 0x11223344,
	"pg.off_read": 0xcafef00d,
}

// checkSys compares a transcript's system words with sysExpect.
func checkSys(t *testing.T, who string, r kernelResult) {
	t.Helper()
	var mm mismatches
	seen := map[string]bool{}
	for i, name := range r.sysNames {
		seen[name] = true
		if want, ok := sysExpect[name]; ok && r.sys[i] != want {
			mm.addf("%s = %#x, want %#x", name, r.sys[i], want)
		}
	}
	for name := range sysExpect {
		if !seen[name] {
			mm.addf("%s missing from the transcript", name)
		}
	}
	mm.report(t, who+" system sequences vs SDM", len(r.sysNames))
}

func TestOracleQEMU(t *testing.T) {
	if _, err := exec.LookPath(qemuBinary); err != nil {
		t.Skipf("%s not found: install the Debian package qemu-system-x86 to run the QEMU oracle", qemuBinary)
	}
	cases := genALUCases(oracleSeed)
	kernel := buildOracleKernel(t, cases)

	start := time.Now()
	qemu, err := parseKernelOutput(runKernelQEMU(t, kernel))
	require.NoError(t, err, "QEMU transcript")
	t.Logf("QEMU: %d cases + %d system words in %v", len(cases), len(qemu.sys), time.Since(start))
	require.Len(t, qemu.alu, len(cases)*wordsPerCase)

	t.Run("qemu_vs_sdm", func(t *testing.T) {
		compareModel(t, "model vs QEMU", cases, qemu.alu)
		checkSys(t, "QEMU", qemu)
	})
	t.Run("interp", func(t *testing.T) {
		out, took, insns := runKernelInterp(t, kernel)
		t.Logf("interp: %d instructions in %v", insns, took)
		got, err := parseKernelOutput(out)
		require.NoError(t, err, "interp transcript (tail %q)", tail(out, 300))
		require.Len(t, got.alu, len(qemu.alu))
		compareRuns(t, "interp vs QEMU", cases, got.alu, qemu.alu)
		var mm mismatches
		require.Equal(t, qemu.sysNames, got.sysNames)
		for i, name := range qemu.sysNames {
			if got.sys[i] != qemu.sys[i] {
				mm.addf("%s: interp %#x, QEMU %#x", name, got.sys[i], qemu.sys[i])
			}
		}
		mm.report(t, "interp vs QEMU system sequences", len(qemu.sys))
	})
}
