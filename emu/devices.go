package emu

import (
	"fmt"
	"time"

	"dfemu/emu/dev"
	"dfemu/emu/interp"
)

// addDevices builds the PC's port devices and puts them on the bus, one
// commented line each, as a PC decodes them.
func (m *Machine) addDevices() error {
	if err := m.addInterruptControllers(); err != nil {
		return fmt.Errorf("building the machine: %w", err)
	}
	m.uart = dev.NewUART(m.cfg.Stdout, m.cfg.Stdin, m.userQuit) // COM1 0x3F8: the console
	cmos := dev.NewCMOS(time.Now)                               // RTC and NVRAM 0x70-0x71, with the host's time
	cmos.SetMemory(uint64(len(m.RAM)))
	cmos.SetCPUs(m.cfg.SMP)
	m.traceCtl = dev.NewTraceCtl(m.guestTracing)
	devices := []struct {
		name string
		d    dev.Device
	}{
		{"uart", m.uart},
		{"debug-exit", dev.NewDebugExit(m.guestExit)}, // isa-debug-exit 0xF4: status (V<<1)|1
		{"acpi-pm1a", dev.NewACPIPM(m.powerOff)},      // PM1a control 0x604: 0x2000 powers off
		{"cmos", cmos},                                // 0x70-0x71
		{"pci-absent", dev.NewPCIAbsent()},            // 0xCF8-0xCFF: no PCI bus, reads all ones
		{"post", dev.NewPOST()},                       // 0x80: POST codes, accepted and dropped
		{"i8042-absent", dev.NewI8042Absent()},        // 0x60, 0x64: no keyboard controller
		{"pit", m.pit},                                // 8254 0x40-0x43, system control B 0x61
		{"pic", m.pic},                                // 8259 pair 0x20-0x21, 0xA0-0xA1: masked, never delivers
		{"trace-ctl", m.traceCtl},                     // 0xE9A: the guest switches dfemu trace on/off
	}
	for _, d := range devices {
		for _, r := range d.d.Ranges() {
			if err := m.Ports.Register(d.name, r.Base, r.N, d.d); err != nil {
				return fmt.Errorf("building the machine: %w", err)
			}
		}
	}
	return nil
}

// guestExit is the debug-exit device's callback (on the vCPU loop).
func (m *Machine) guestExit(v uint32) {
	status := dev.ExitStatus(v)
	m.finish(Result{Status: status, Reason: fmt.Sprintf("guest exit 0x%02x (status %d)", v, status)}, true)
}

// powerOff is the ACPI PM1a callback (on the vCPU loop).
func (m *Machine) powerOff() {
	m.finish(Result{Status: ExitPowerOff, Reason: "power off"}, true)
}

// userQuit is the console's Ctrl-A X (on the console input goroutine).
func (m *Machine) userQuit() {
	m.finish(Result{Status: ExitUserQuit, Reason: "terminated by Ctrl-A X on the console"}, false)
}

// SetTracing switches tracing on or off for every vCPU (dfemu trace ends
// its window with it). Called between Runs or on the vCPU loop.
func (m *Machine) SetTracing(on bool) {
	m.traceCtl.Set(on)
	var t interp.Tracer
	if on {
		t = m.cfg.Tracer // nil when not started by dfemu trace: nothing happens
	}
	for _, c := range m.cpus {
		c.SetTracer(t, m.cfg.TraceOptions)
	}
}

// guestTracing is the trace port's callback (on the vCPU loop): the guest
// switches tracing only in -trace-port mode (Config.TraceOff) and only
// with a tracer; otherwise its writes change nothing.
func (m *Machine) guestTracing(on bool) bool {
	if m.cfg.Tracer == nil || !m.cfg.TraceOff {
		return false
	}
	m.SetTracing(on)
	return true
}
