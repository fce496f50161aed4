package dev

import "sync/atomic"

// TraceCtl is dfemu's trace control port (0x0E9A, a Bochs-like debug
// port): the guest switches instruction tracing on and off itself, so a
// test can trace just the part it cares about.
//
//	write 1   tracing on (from the next instruction)
//	write 0   tracing off (after this instruction)
//	other     ignored
//	read      1 while tracing is on, 0 otherwise (0 also when dfemu was
//	          not started by "dfemu trace": the port is always there)
//
// Any access size works; the value is taken at that size. The machine
// decides what tracing means (callback onWrite, on the vCPU loop) and may
// refuse a write (dfemu trace without -trace-port traces the whole run
// whatever the guest writes): the state then does not change.
type TraceCtl struct {
	onWrite func(on bool) bool
	on      atomic.Bool
}

// NewTraceCtl returns the trace control device; onWrite (may be nil) is
// called on each guest write of 0 or 1, inside the writing vCPU's Out,
// and says whether the machine switched tracing.
func NewTraceCtl(onWrite func(on bool) bool) *TraceCtl { return &TraceCtl{onWrite: onWrite} }

// Ranges returns the device's single port.
func (d *TraceCtl) Ranges() []Range { return []Range{{PortTraceCtl, 1}} }

// In says whether tracing is on.
func (d *TraceCtl) In(port uint16, size int) uint32 {
	if d.on.Load() {
		return 1
	}
	return 0
}

// Out switches tracing on (1) or off (0).
func (d *TraceCtl) Out(port uint16, size int, v uint32) {
	if !validSize(size) {
		return
	}
	v &= onesMask(size)
	if v > 1 || d.onWrite == nil {
		return
	}
	if d.onWrite(v == 1) {
		d.on.Store(v == 1)
	}
}

// Set records the tracing state the machine chose itself (the initial
// state, the end of a trace window): what reads return.
func (d *TraceCtl) Set(on bool) { d.on.Store(on) }

// On reports whether tracing is on.
func (d *TraceCtl) On() bool { return d.on.Load() }
