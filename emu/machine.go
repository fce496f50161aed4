// Package emu is the dfemu machine: guest RAM, the I/O port bus and its
// devices, the Multiboot loader, and the CPU backends that run it.
package emu

import (
	"io"
	"time"

	"dfemu/emu/interp"
)

// Module is one Multiboot module (-initrd): its data and its string.
type Module struct {
	String string // the module's command line, as QEMU gives it ("path args")
	Data   []byte
}

// Config describes a machine to boot.
type Config struct {
	Kernel []byte // Multiboot ELF (or a.out kludge) kernel image
	// KernelName is the -kernel path. As under QEMU, the guest's
	// Multiboot command line is KernelName + " " + Cmdline.
	KernelName string
	Modules    []Module // -initrd
	Cmdline    string   // -append
	MemMiB     int      // -m, default 256
	SMP        int      // -smp, 1..MaxSMP, default DefaultSMP
	Seed       uint64   // -seed: interleaving of vCPUs (deterministic SMP)
	Timeout    time.Duration
	Strict     bool // an access to an unknown port is fatal
	StopOnUD   bool // stop and report on an unimplemented instruction

	// Tracer, when set, receives every instruction and interrupt of
	// every vCPU (dfemu trace; see emu/interp/trace.go), from the first
	// instruction unless TraceOff.
	Tracer       interp.Tracer
	TraceOptions interp.TraceOptions
	// TraceOff starts with tracing off: the guest switches it on and off
	// through PortTraceCtl.
	TraceOff bool

	// Debugger, if set, is a remote debugger (dfemu boot -gdb) that can
	// stop the machine (debugger.go); DebugWait (-S) stops it before the
	// first instruction until the debugger resumes it.
	Debugger  Debugger
	DebugWait bool

	Stdout io.Writer // the serial console
	Stdin  io.Reader // serial console input; nil: none
	Stderr io.Writer // reports and notices
}

// CPU counts (-smp).
const (
	DefaultSMP = 4
	MaxSMP     = 64
)

// Exit statuses of dfemu. The guest's own debug-exit status is (V<<1)|1
// (always odd, as QEMU's isa-debug-exit), so dfemu's own are even.
const (
	ExitPowerOff     = 0  // the guest powered the machine off (ACPI PM1a, port 0x604)
	ExitUsage        = 2  // bad command line or bad image: nothing ran
	ExitTripleFault  = 4  // the CPU shut down
	ExitUnimpl       = 6  // unimplemented instruction (with -stop-on-ud)
	ExitTimeout      = 8  // -timeout expired
	ExitHaltNoIntr   = 10 // hlt with interrupts disabled: the guest is dead
	ExitStrictPort   = 12 // unknown port with -strict
	ExitInternal     = 14 // a dfemu bug
	ExitUserQuit     = 16 // Ctrl-A X on the console
	ExitDebuggerKill = 18 // the debugger killed the guest (gdb "kill", packet k)
)

// Result is how a machine run ended.
type Result struct {
	Status int    // the process exit status dfemu should use
	Reason string // one line: "guest exit 0x00 (status 1)", "triple fault", ...
	Report string // registers of every vCPU, for deaths; empty otherwise
}
