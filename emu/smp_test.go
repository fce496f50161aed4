package emu

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"dfemu/internal/guestbuild"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type smpRun struct {
	res   Result
	out   string
	insns []uint64
}

func bootSMP(t *testing.T, kernel []byte, cpus int, seed uint64) smpRun {
	t.Helper()
	var out, errw bytes.Buffer
	m, err := New(Config{Kernel: kernel, KernelName: "smprace.elf", MemMiB: 16, SMP: cpus, Seed: seed,
		Stdout: &out, Stderr: &errw, Timeout: 20 * time.Second})
	require.NoError(t, err)
	defer m.Close()
	r := m.Run()
	return smpRun{r, out.String(), m.Instructions()}
}

// TestSMPStartsAPsDeterministically: every AP starts through
// INIT-SIPI-SIPI and a real-mode trampoline and reports in; the same
// seed gives the same console output and the same per-vCPU instruction
// counts; different seeds give different interleavings.
func TestSMPStartsAPsDeterministically(t *testing.T) {
	kernel, err := os.ReadFile(guestbuild.Kernel(t, nil, guestbuild.File("testdata/smprace.S")))
	require.NoError(t, err)
	for _, cpus := range []int{1, 2, 4, 8} {
		a := bootSMP(t, kernel, cpus, 7)
		require.Equal(t, 1, a.res.Status, "%s\n%s\n%s", a.res.Reason, a.out, a.res.Report)
		digits, _, _ := strings.Cut(a.out, "\n")
		for id := 0; id < cpus; id++ {
			assert.Equal(t, 64, strings.Count(digits, string(rune('0'+id))), "cpu %d reports 64 times with -smp %d: %q", id, cpus, digits)
		}
		assert.Len(t, digits, 64*cpus)
		b := bootSMP(t, kernel, cpus, 7)
		assert.Equal(t, a.out, b.out, "-smp %d: same seed, same console", cpus)
		assert.Equal(t, a.insns, b.insns, "-smp %d: same seed, same instruction counts", cpus)
		if cpus == 1 {
			continue
		}
		outs := map[string]bool{a.out: true}
		for seed := uint64(100); seed < 110; seed++ {
			outs[bootSMP(t, kernel, cpus, seed).out] = true
		}
		assert.Greater(t, len(outs), 2, "-smp %d: 11 seeds give different interleavings", cpus)
	}
}

// TestSMPRacyCounterVariesWithSeed: the unlocked counter loses updates
// differently from one seed to another (a race made reproducible).
func TestSMPRacyCounterVariesWithSeed(t *testing.T) {
	kernel, err := os.ReadFile(guestbuild.Kernel(t, nil, guestbuild.File("testdata/smprace.S")))
	require.NoError(t, err)
	counts := map[string]bool{}
	for seed := uint64(1); seed <= 12; seed++ {
		r := bootSMP(t, kernel, 4, seed)
		require.Equal(t, 1, r.res.Status, r.res.Reason)
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		counts[lines[len(lines)-1]] = true
	}
	assert.Greater(t, len(counts), 1, "the lost updates depend on the seed: %v", counts)
}

// TestSMPDeathReportsEveryVCPU: a death names every vCPU and its state.
func TestSMPDeathReportsEveryVCPU(t *testing.T) {
	r := boot(t, []byte{0xFA, 0xF4}, func(c *Config) { c.SMP = 3 })
	assert.Equal(t, ExitHaltNoIntr, r.res.Status)
	assert.Contains(t, r.res.Report, "vcpu 0 (halted):")
	assert.Contains(t, r.res.Report, "vcpu 1 (wait-for-SIPI):")
	assert.Contains(t, r.res.Report, "vcpu 2 (wait-for-SIPI):")
	assert.Contains(t, r.res.Reason, "hlt with interrupts disabled")
}

func TestSMPRange(t *testing.T) {
	for _, n := range []int{-1, 65} {
		_, err := New(Config{Kernel: []byte{1}, SMP: n})
		assert.ErrorContains(t, err, "the number of CPUs must be 1 to 64")
	}
}
