package emu

import (
	"dfemu/emu/dev"
	"dfemu/emu/interp"
)

// vcpu is what the machine needs of a CPU backend: interp now, kvm in a
// later issue. Memory and devices are the machine's; only this is
// swapped.
type vcpu interface {
	// Run executes up to max instructions and says why it stopped.
	Run(max uint64) interp.StopReason
	// RequestStop makes Run return after the current instruction; called
	// on the vCPU loop (from a device's Out).
	RequestStop()
	// EnterMultiboot puts the vCPU at entry in flat 32-bit protected mode,
	// paging off, IF=0, with EAX and EBX set.
	EnterMultiboot(entry, eax, ebx uint32) error
	// PC is the current EIP, for notices.
	PC() uint32
	// Dump is the register report of a death.
	Dump() string
	// Detail says what stopped it (the unimplemented instruction, the
	// last exception, an internal error), "" if nothing.
	Detail() string

	// The LAPIC's view: interrupt line, INIT, STARTUP, NMI, RequestStop.
	dev.APICCPU
	// Runnable: not in wait-for-SIPI, and not halted unless an
	// interrupt wakes it.
	Runnable() bool
	// SetClock gives the vCPU the machine's clock before a quantum (its
	// TSC reads it).
	SetClock(ns uint64)
	// Retired is the count of instructions executed.
	Retired() uint64
	// State is "running", "halted" or "wait-for-SIPI".
	State() string
	// SetTracer starts (t != nil) or stops instruction tracing; called
	// between Runs or on the vCPU loop.
	SetTracer(t interp.Tracer, opts interp.TraceOptions)
}

// backend makes vCPU id over the machine's RAM and bus.
type backend func(id int, ram []byte, bus interp.Bus, stopOnUD bool) vcpu

// interpCPU adapts the interp CPU to vcpu.
type interpCPU struct{ *interp.CPU }

// newInterpBackend returns a backend whose vCPUs share one decoded-code
// cache (a write by one vCPU invalidates code another decoded).
func newInterpBackend(ram []byte) backend {
	code := interp.NewCodeCache(len(ram))
	return func(id int, ram []byte, bus interp.Bus, stopOnUD bool) vcpu {
		return interpCPU{interp.New(interp.Config{ID: id, RAM: ram, Bus: bus, StopOnUD: stopOnUD, Code: code, HasAPIC: true})}
	}
}

func (c interpCPU) PC() uint32 { return c.CPU.EIP }

// Detail is the CPU's description of its last exception, unimplemented
// instruction or internal error.
func (c interpCPU) Detail() string { return c.CPU.LastFault }

func (c interpCPU) EnterMultiboot(entry, eax, ebx uint32) error {
	c.EnterFlatProtected(entry)
	c.R[interp.EAX] = eax
	c.R[interp.EBX] = ebx
	return nil
}

func (c interpCPU) Retired() uint64 { return c.CPU.Insns }
