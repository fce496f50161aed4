package emu

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dfemu/emu/internal/mbimage"
	"dfemu/emu/interp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCPU is a scripted vCPU: each Run calls step, which may use the bus
// as the guest would, and returns its stop reason. It tests the
// machine's loop and reports without the interpreter.
type fakeCPU struct {
	bus        interp.Bus
	step       func(f *fakeCPU) interp.StopReason
	eip        uint32
	stopAsked  bool
	entry, ebx uint32
	m          *Machine
	detail     string
	halted     bool
	waitSIPI   bool
	retired    uint64
}

func (f *fakeCPU) Run(max uint64) interp.StopReason {
	why := f.step(f)
	f.halted = why == interp.StopHalt || why == interp.StopHaltNoIntr
	f.retired += max
	return why
}
func (f *fakeCPU) SetIntrPending(bool)   {}
func (f *fakeCPU) EnterWaitForSIPI()     { f.waitSIPI = true }
func (f *fakeCPU) StartupIPI(uint8) bool { return false }
func (f *fakeCPU) NMI()                  {}
func (f *fakeCPU) Runnable() bool        { return !f.halted && !f.waitSIPI }
func (f *fakeCPU) SetClock(uint64)       {}
func (f *fakeCPU) Retired() uint64       { return f.retired }
func (f *fakeCPU) State() string {
	if f.halted {
		return "halted"
	}
	return "running"
}
func (f *fakeCPU) RequestStop() { f.stopAsked = true }
func (f *fakeCPU) PC() uint32   { return f.eip }
func (f *fakeCPU) Dump() string { return "EIP=fake registers\n" }
func (f *fakeCPU) EnterMultiboot(entry, eax, ebx uint32) error {
	f.entry, f.eip, f.ebx = entry, entry, ebx
	return nil
}

func bootFake(t *testing.T, step func(f *fakeCPU) interp.StopReason, tweak func(*Config)) (run, *fakeCPU, *Machine) {
	t.Helper()
	var out, errw bytes.Buffer
	cfg := Config{Kernel: mbimage.Kernel(hltLoop), MemMiB: 4, Stdout: &out, Stderr: &errw, SMP: 1}
	if tweak != nil {
		tweak(&cfg)
	}
	var cpu *fakeCPU
	m, err := newMachine(cfg, func(id int, ram []byte, bus interp.Bus, stopOnUD bool) vcpu {
		cpu = &fakeCPU{bus: bus, step: step}
		return cpu
	})
	require.NoError(t, err)
	defer m.Close()
	cpu.m = m
	res := m.Run()
	return run{res, out.String(), errw.String()}, cpu, m
}

func TestFakeBootState(t *testing.T) {
	_, cpu, _ := bootFake(t, func(f *fakeCPU) interp.StopReason { return interp.StopHalt }, nil)
	assert.Equal(t, uint32(0x10000C), cpu.entry)
	assert.Equal(t, uint32(InfoStructAddr), cpu.ebx)
}

func TestFakeGuestExitAndConsole(t *testing.T) {
	r, cpu, _ := bootFake(t, func(f *fakeCPU) interp.StopReason {
		for _, c := range []byte("ok\n") {
			f.bus.Out(PortCOM1, 1, uint32(c))
		}
		f.bus.Out(PortDebugExit, 4, 3)
		return interp.StopRequested
	}, nil)
	assert.True(t, cpu.stopAsked, "the device stops the running vCPU")
	assert.Equal(t, 7, r.res.Status)
	assert.Equal(t, "guest exit 0x03 (status 7)", r.res.Reason)
	assert.Equal(t, "ok\n", r.stdout)
	assert.Empty(t, r.stderr)
}

func TestFakePowerOff(t *testing.T) {
	r, _, _ := bootFake(t, func(f *fakeCPU) interp.StopReason {
		f.bus.Out(PortACPIPM1a, 2, 0x2000)
		return interp.StopRequested
	}, nil)
	assert.Equal(t, ExitPowerOff, r.res.Status)
}

func TestFakeDeaths(t *testing.T) {
	ret := func(why interp.StopReason) func(*fakeCPU) interp.StopReason {
		return func(*fakeCPU) interp.StopReason { return why }
	}
	cases := []struct {
		name   string
		step   func(*fakeCPU) interp.StopReason
		tweak  func(*Config)
		status int
		reason string
	}{
		{"triple fault", ret(interp.StopShutdown), nil, ExitTripleFault, "triple fault at EIP 0x0010000c"},
		{"unimplemented", ret(interp.StopUnimplemented), nil, ExitUnimpl, "unimplemented instruction at EIP 0x0010000c"},
		{"hlt IF=0", ret(interp.StopHaltNoIntr), nil, ExitHaltNoIntr, "hlt with interrupts disabled"},
		{"hlt IF=1", ret(interp.StopHalt), nil, ExitHaltNoIntr, "hlt with no interrupt due"},
		{"timeout", ret(interp.StopBudget), func(c *Config) { c.Timeout = 30 * time.Millisecond }, ExitTimeout, "timeout: the guest ran for 30ms"},
		{"unknown stop reason", ret(interp.StopReason(99)), nil, ExitInternal, "internal error: vcpu stopped"},
		{"cpu internal error", func(f *fakeCPU) interp.StopReason {
			f.detail = "internal error (dfemu bug): oops\ngoroutine 1 [running]:"
			return interp.StopInternalError
		}, nil, ExitInternal, "internal error in the CPU at EIP 0x0010000c: internal error (dfemu bug): oops"},
		{"panic", func(*fakeCPU) interp.StopReason { panic("boom") }, nil, ExitInternal, "internal error: boom"},
		{"strict port", func(f *fakeCPU) interp.StopReason {
			f.eip = 0x100020
			if v := f.bus.In(0x1234, 2); v != 0xFFFF {
				panic("unknown port did not read all ones")
			}
			return interp.StopRequested
		}, func(c *Config) { c.Strict = true }, ExitStrictPort, "unknown port 0x1234 read (size 2) at EIP 0x00100020"},
		{"strict mmio", func(f *fakeCPU) interp.StopReason {
			f.bus.WritePhys(0xF0000000, 4, 1)
			return interp.StopRequested
		}, func(c *Config) { c.Strict = true }, ExitStrictPort, "unassigned physical address 0xf0000000 write"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _, _ := bootFake(t, c.step, c.tweak)
			assert.Equal(t, c.status, r.res.Status, r.res.Reason)
			assert.Contains(t, r.res.Reason, c.reason)
			assert.Regexp(t, `^vcpu 0 \((running|halted)\):\nEIP=fake registers\n`, r.res.Report)
			assert.True(t, strings.HasPrefix(r.stderr, "dfemu: "+r.res.Reason+"\nvcpu 0 ("), r.stderr)
		})
	}
}

func TestFakeUnknownPortLoggedOnce(t *testing.T) {
	n := 0
	r, _, _ := bootFake(t, func(f *fakeCPU) interp.StopReason {
		f.eip = 0x100040
		f.bus.In(0x2F0, 1)
		f.bus.Out(0x2F0, 1, 5)
		if n++; n < 3 {
			return interp.StopBudget
		}
		f.bus.Out(PortDebugExit, 1, 0)
		return interp.StopRequested
	}, nil)
	assert.Equal(t, 1, r.res.Status)
	assert.Equal(t, "dfemu: unknown port 0x02f0 read (size 1) at EIP 0x00100040\n", r.stderr)
}

func TestFakeUserQuitFromAnotherGoroutine(t *testing.T) {
	started := false
	r, _, _ := bootFake(t, func(f *fakeCPU) interp.StopReason {
		if !started {
			started = true
			go f.m.userQuit()
		}
		time.Sleep(time.Millisecond)
		return interp.StopBudget
	}, nil)
	assert.Equal(t, ExitUserQuit, r.res.Status)
	assert.Equal(t, "dfemu: terminated by Ctrl-A X on the console\n", r.stderr)
}

func (f *fakeCPU) Detail() string { return f.detail }

func (f *fakeCPU) SetTracer(t interp.Tracer, opts interp.TraceOptions) {}
