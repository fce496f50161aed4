package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// debugProg: a loop that stores to 0x3000 and reads 0x3010, then a
// string store over 0x3020, then hlt. Labels are found by offset.
const debugProg = `
	mov $3, %ecx
1:	mov %ecx, 0x3000
	mov 0x3010, %eax
	dec %ecx
	jnz 1b
	mov $0x3020, %edi
	mov $4, %ecx
	cld
	rep stosl
	hlt`

// Offsets of debugProg's instructions (bytes): mov $3,%ecx is 5, the
// store 6 (89 0d imm32), the load 5 (a1 imm32).
const (
	dbgStore = testCode + 5
	dbgLoad  = testCode + 11
	dbgDec   = testCode + 16
)

func TestBreakpointStopsBeforeExecuting(t *testing.T) {
	c, _ := newTestCPU(t, assemble(t, debugProg, testCode))
	c.SetBreakpoint(dbgLoad, true)
	for iter := 0; iter < 3; iter++ {
		require.Equal(t, StopDebug, c.Run(1000), "iteration %d", iter)
		assert.Equal(t, uint32(dbgLoad), c.EIP)
		assert.Equal(t, DebugEvent{Kind: DebugBreakpoint, Addr: dbgLoad}, c.LastDebugEvent())
		assert.Equal(t, uint32(3-iter), c.mem32(0x3000), "the store before it ran")
		c.SkipBreakpointOnce()
	}
	c.SetBreakpoint(dbgLoad, false)
	assert.Nil(t, c.dbg, "nothing armed: back to the unchecked loop")
	assert.Equal(t, StopHaltNoIntr, c.Run(1000))
}

func TestBreakpointNotSkippedWithoutResume(t *testing.T) {
	c, _ := newTestCPU(t, assemble(t, debugProg, testCode))
	c.SetBreakpoint(dbgLoad, true)
	require.Equal(t, StopDebug, c.Run(1000))
	insns := c.Insns
	require.Equal(t, StopDebug, c.Run(1000), "without SkipBreakpointOnce the CPU stays put")
	assert.Equal(t, insns, c.Insns)
}

func TestSingleStep(t *testing.T) {
	c, _ := newTestCPU(t, assemble(t, debugProg, testCode))
	c.SetSingleStep(true)
	want := []uint32{dbgStore, dbgLoad, dbgDec}
	for _, eip := range want {
		require.Equal(t, StopDebug, c.Run(1000))
		assert.Equal(t, eip, c.EIP)
		assert.Equal(t, DebugStep, c.LastDebugEvent().Kind)
	}
	c.SetSingleStep(false)
	assert.Equal(t, StopHaltNoIntr, c.Run(1000))
}

func TestSingleStepIntoException(t *testing.T) {
	// ud2 with an IDT whose #UD gate points at 0x1800: one step lands
	// on the handler's first instruction, not past it.
	c, _ := newTestCPU(t, assemble(t, "ud2\nhlt", testCode))
	c.IDTR = DescTable{Base: 0x5000, Limit: 0x7FF}
	gate := uint32(0x1800)&0xFFFF | 0x10<<16
	hi := uint32(0x1800)&0xFFFF0000 | 0x8E00
	put32 := func(a, v uint32) {
		c.ram[a], c.ram[a+1], c.ram[a+2], c.ram[a+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	c.GDTR = DescTable{Base: 0x6000, Limit: 0x1F}
	put32(0x6010, 0x0000FFFF) // flat code, selector 0x10
	put32(0x6014, 0x00CF9A00)
	put32(0x5000+6*8, gate)
	put32(0x5000+6*8+4, hi)
	c.ram[0x1800] = 0xF4 // hlt
	c.SetSingleStep(true)
	require.Equal(t, StopDebug, c.Run(1000), c.LastFault)
	assert.Equal(t, uint32(0x1800), c.EIP)
}

func TestWatchpoints(t *testing.T) {
	cases := []struct {
		name     string
		kind     WatchKind
		addr     uint32
		len      uint32
		stopEIP  uint32 // EIP after the access (the next instruction)
		wantAddr uint32
	}{
		{"write", WatchWrite, 0x3000, 4, dbgLoad, 0x3000},
		{"write inside", WatchWrite, 0x3002, 1, dbgLoad, 0x3002},
		{"read", WatchRead, 0x3010, 4, dbgDec, 0x3010},
		{"read ignores writes", WatchRead, 0x3000, 4, 0, 0},
		{"access on read", WatchAccess, 0x3010, 2, dbgDec, 0x3010},
		{"access on write", WatchAccess, 0x3000, 4, dbgLoad, 0x3000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestCPU(t, assemble(t, debugProg, testCode))
			c.Run(1) // warm the TLB: arming must flush it
			require.True(t, c.SetWatchpoint(tc.kind, tc.addr, tc.len, true))
			r := c.Run(1000)
			if tc.stopEIP == 0 {
				assert.Equal(t, StopHaltNoIntr, r)
				return
			}
			require.Equal(t, StopDebug, r)
			assert.Equal(t, tc.stopEIP, c.EIP)
			assert.Equal(t, DebugEvent{Kind: DebugWatch, Addr: tc.wantAddr, Watch: tc.kind}, c.LastDebugEvent())
			require.True(t, c.SetWatchpoint(tc.kind, tc.addr, tc.len, false))
			assert.False(t, c.SetWatchpoint(tc.kind, tc.addr, tc.len, false), "already gone")
			assert.Equal(t, StopHaltNoIntr, c.Run(1000))
		})
	}
}

func TestWatchpointSeesRepStos(t *testing.T) {
	c, _ := newTestCPU(t, assemble(t, debugProg, testCode))
	// The fast string path must not bypass the watchpoint on the
	// second element; the stop comes once that store is done.
	c.SetWatchpoint(WatchWrite, 0x3024, 4, true)
	require.Equal(t, StopDebug, c.Run(1000))
	assert.Equal(t, uint32(0x3024), c.LastDebugEvent().Addr)
	assert.LessOrEqual(t, c.R[ECX], uint32(2), "at least two elements stored")
}

func TestReadLinearShowsOriginalBytesUnderBreakpoint(t *testing.T) {
	prog := assemble(t, debugProg, testCode)
	c, _ := newTestCPU(t, prog)
	c.SetBreakpoint(testCode, true)
	buf := make([]byte, len(prog))
	require.NoError(t, c.ReadLinear(testCode, buf))
	assert.Equal(t, prog, buf)
}

// BenchmarkLoopBreakpointArmed is BenchmarkLoop with a breakpoint armed
// that never hits: the cost of the checked loop.
//
//	go test -run '^$' -bench LoopBreakpointArmed ./emu/interp/
func BenchmarkLoopBreakpointArmed(b *testing.B) {
	c, _ := newTestCPU(b, assemble(b, benchLoop, testCode))
	c.SetBreakpoint(0xFFFF0000, true)
	c.Run(1000)
	const chunk = 1 << 20
	b.ResetTimer()
	start := c.Insns
	for n := 0; n < b.N; n++ {
		if r := c.Run(chunk); r != StopBudget {
			b.Fatalf("stopped: %v %s", r, c.LastFault)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.Insns-start)/b.Elapsed().Seconds()/1e6, "MIPS")
}
