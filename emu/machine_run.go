package emu

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"dfemu/emu/dev"
	"dfemu/emu/interp"
	"dfemu/emu/multiboot"
)

// Machine is one booted PC: RAM, the port and MMIO buses with their
// devices, the loaded Multiboot kernel, and the vCPUs.
//
// Vocabulary:
//
//	quantum   instructions a vCPU runs before the scheduler looks at the
//	          clock and the other vCPUs
//	death     every way a run ends other than the guest's own exit or
//	          power-off: triple fault, dead hlt, timeout, strict unknown
//	          port, unimplemented instruction, internal error
//
// Context: New and Run are called from one goroutine. Devices call back
// into the machine from Run's goroutine (Out on the vCPU loop), except
// the console's Ctrl-A X, which arrives from the console input goroutine
// and is picked up between quanta.
type Machine struct {
	cfg   Config
	RAM   []byte
	Ports *PortBus
	MMIO  *MMIOBus
	Boot  *multiboot.Loaded // where the kernel, modules and boot info went

	cpus []vcpu
	cur  vcpu // the vCPU running now (for EIP in notices)

	uart   *dev.UART
	apic   *dev.APICBus // the LAPICs, one per vCPU, and the IOAPIC
	ioapic *dev.IOAPIC
	pit    *dev.PIT
	pic    *dev.PIC
	sched  scheduler // sched.go

	traceCtl *dev.TraceCtl // PortTraceCtl: tracing on/off

	mu   sync.Mutex
	stop *Result // the first reason to stop; later ones are ignored
}

// Errors New returns for a bad configuration (the CLI maps every New
// error to ExitUsage).
var ErrNoKernel = errors.New("no kernel image")

// New builds the machine and loads the kernel; nothing runs yet. A bad
// image is a *multiboot.Error.
func New(cfg Config) (*Machine, error) { return newMachine(cfg, nil) }

// newMachine is New with the CPU backend as a parameter (nil: interp).
func newMachine(cfg Config, newCPU backend) (*Machine, error) {
	if cfg.MemMiB == 0 {
		cfg.MemMiB = DefaultMemMiB
	}
	if cfg.SMP == 0 {
		cfg.SMP = DefaultSMP
	}
	if cfg.SMP < 1 || cfg.SMP > MaxSMP {
		return nil, fmt.Errorf("-smp %d: the number of CPUs must be 1 to %d", cfg.SMP, MaxSMP)
	}
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if len(cfg.Kernel) == 0 {
		return nil, ErrNoKernel
	}
	ram, err := newRAM(cfg.MemMiB)
	if err != nil {
		return nil, err
	}
	m := &Machine{cfg: cfg, RAM: ram, Ports: NewPortBus(), MMIO: NewMMIOBus(uint64(len(ram)))}
	m.Ports.Unknown = m.unknownAccess
	m.MMIO.Unknown = m.unknownAccess
	if newCPU == nil {
		newCPU = newInterpBackend(ram)
	}
	for i := 0; i < cfg.SMP; i++ {
		m.cpus = append(m.cpus, newCPU(i, ram, &cpuBus{m: m, id: i}, cfg.StopOnUD))
	}
	m.sched = newScheduler(cfg.Seed, len(m.cpus))
	if err := m.addDevices(); err != nil {
		return nil, err
	}
	if err := m.load(); err != nil {
		m.Close()
		return nil, err
	}
	if err := m.writeFirmwareTables(); err != nil {
		m.Close()
		return nil, err
	}
	if cfg.Tracer != nil && !cfg.TraceOff {
		m.SetTracing(true) // dfemu trace: from the first instruction unless -trace-port
	}
	// Multiboot (spec 3.2): the boot CPU enters the kernel in flat 32-bit
	// protected mode with EAX=magic, EBX=info. The APs wait for
	// INIT-SIPI-SIPI, as on a PC after the BIOS has counted them.
	if err := m.cpus[0].EnterMultiboot(m.Boot.Entry, multiboot.BootloaderMagic, m.Boot.InfoAddr); err != nil {
		m.Close()
		return nil, err
	}
	for _, c := range m.cpus[1:] {
		c.EnterWaitForSIPI()
	}
	return m, nil
}

// load runs the Multiboot loader and copies its result into RAM.
func (m *Machine) load() error {
	mods := make([]multiboot.Module, len(m.cfg.Modules))
	for i, mod := range m.cfg.Modules {
		mods[i] = multiboot.Module{String: mod.String, Data: mod.Data}
	}
	l, err := multiboot.Load(multiboot.Input{
		Kernel:     m.cfg.Kernel,
		KernelName: m.cfg.KernelName,
		Cmdline:    m.cfg.Cmdline,
		Modules:    mods,
		RAMSize:    uint64(len(m.RAM)),
	})
	if err != nil {
		return err
	}
	if err := l.Apply(m.RAM); err != nil {
		return err
	}
	m.Boot = l
	return nil
}

// Close stops the console's input goroutine and flushes its output; the
// error is the console output's first write error.
func (m *Machine) Close() error {
	if m.uart != nil {
		return m.uart.Close()
	}
	return nil
}

// finish records why the machine stops; the first reason wins. onCPU
// says the caller runs on the vCPU loop (a device's Out), so the running
// vCPU can be stopped after the current instruction.
func (m *Machine) finish(r Result, onCPU bool) {
	m.mu.Lock()
	if m.stop == nil {
		m.stop = &r
	}
	m.mu.Unlock()
	if onCPU && m.cur != nil {
		m.cur.RequestStop()
	}
}

func (m *Machine) stopped() *Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stop
}

// unknownAccess reports an access to an unassigned port or physical
// address: once per port (or page) as a notice, or as a death with
// Config.Strict.
func (m *Machine) unknownAccess(desc string, first bool) {
	where := desc
	if m.cur != nil {
		where = fmt.Sprintf("%s at EIP 0x%08x", desc, m.cur.PC())
	}
	if m.cfg.Strict {
		m.finish(m.death(ExitStrictPort, where), true)
		return
	}
	if first {
		fmt.Fprintf(m.cfg.Stderr, "dfemu: %s\n", where)
	}
}

// death is a Result for a dead guest, with every vCPU's registers.
func (m *Machine) death(status int, reason string) Result {
	var b strings.Builder
	for i, c := range m.cpus {
		fmt.Fprintf(&b, "vcpu %d (%s):\n%s", i, c.State(), c.Dump())
	}
	return Result{Status: status, Reason: reason, Report: b.String()}
}

// cpuStopped turns a vCPU's stop reason into a death, or says the
// machine goes on.
func (m *Machine) cpuStopped(c vcpu, why interp.StopReason) (Result, bool) {
	switch why {
	case interp.StopBudget, interp.StopRequested, interp.StopHalt, interp.StopHaltNoIntr:
		return Result{}, false
	case interp.StopShutdown:
		return m.death(ExitTripleFault, fmt.Sprintf("triple fault at EIP 0x%08x", c.PC())), true
	case interp.StopUnimplemented:
		if d := c.Detail(); d != "" {
			return m.death(ExitUnimpl, d), true
		}
		return m.death(ExitUnimpl, fmt.Sprintf("unimplemented instruction at EIP 0x%08x", c.PC())), true
	case interp.StopInternalError:
		d, _, _ := strings.Cut(c.Detail(), "\n") // the reason is one line; the stack is in Dump
		return m.death(ExitInternal, fmt.Sprintf("internal error in the CPU at EIP 0x%08x: %s", c.PC(), d)), true
	}
	return m.death(ExitInternal, fmt.Sprintf("internal error: vcpu stopped: %v at EIP 0x%08x", why, c.PC())), true
}

// report prints a death on Stderr.
func (m *Machine) report(r Result) {
	switch {
	case r.Status == ExitUserQuit || r.Status == ExitDebuggerKill:
		fmt.Fprintf(m.cfg.Stderr, "dfemu: %s\n", r.Reason)
	case r.Report != "":
		fmt.Fprintf(m.cfg.Stderr, "dfemu: %s\n%s", r.Reason, r.Report)
	}
}
