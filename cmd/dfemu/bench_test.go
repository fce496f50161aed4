package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/emu"
	"dfemu/guest/bench"
)

// benchIters is the loop count per boot in BenchmarkGuestLoop: 20 million
// instructions, a fraction of a second at the speed we aim for.
const benchIters = 5_000_000

// BenchmarkGuestLoop reports the interpreter's speed on the CPU-bound
// guest loop in MIPS (loop instructions retired a second, boot included).
func BenchmarkGuestLoop(b *testing.B) {
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := bootLoop(benchIters, emu.DefaultSMP); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	insns := float64(bench.LoopInsns) * benchIters * float64(b.N)
	b.ReportMetric(insns/elapsed.Seconds()/1e6, "MIPS")
}

// TestBenchLoopRuns boots the benchmark guest with a short loop: it must
// power off (status 0), under dfemu as under QEMU.
func TestBenchLoopRuns(t *testing.T) {
	for _, n := range []uint32{0, 1000} {
		res, err := bootLoop(n, emu.DefaultSMP)
		require.NoError(t, err, "n=%d", n)
		assert.Equal(t, 0, res.Status)
	}
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2*time.Second, median([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}))
	assert.Equal(t, time.Second, median([]time.Duration{time.Second}))
}
