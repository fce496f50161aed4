package emu

import (
	"fmt"
	"time"

	"dfemu/emu/interp"
)

// The machine's side of a remote debugger (emu/gdbstub): an all-stop
// model. The debugger stops the whole machine; while it is stopped no
// vCPU runs, guest time does not advance and -timeout does not count.
//
// The machine hands control to the debugger (Debugger.Stopped, on the
// machine's goroutine) when
//
//	-S                   before the first instruction (DebugStop.Start)
//	a vCPU stops         a breakpoint, watchpoint or single step
//	Attention() is true  between quanta: a new connection or Ctrl-C
//
// and the debugger says how to go on: continue, step one vCPU (the others
// stay stopped), detach (continue with nothing armed) or kill.

// Debugger is a remote debugger attached to the machine.
type Debugger interface {
	// Attention reports, between quanta, that the debugger wants the
	// machine stopped. Called on the machine's goroutine; it must be
	// cheap and safe against the debugger's own goroutines.
	Attention() bool
	// Stopped serves the debugger while the machine is stopped and
	// returns how to resume. cpus are every vCPU, index = vCPU number;
	// the debugger may read and change their state and arm their debug
	// hooks until it returns.
	Stopped(cpus []*interp.CPU, st DebugStop) DebugAction
	// Exited tells the debugger that the run ended (the guest exited
	// or died) with r.
	Exited(r Result)
}

// DebugStop says why the machine stopped for the debugger.
type DebugStop struct {
	CPU   int               // the vCPU that stopped, or 0
	Event interp.DebugEvent // DebugNone: the debugger asked (attach, Ctrl-C, -S)
	Start bool              // -S: before the first instruction
}

// DebugActionKind is how the machine resumes after a debugger stop.
type DebugActionKind int

const (
	DebugContinue DebugActionKind = iota // run every vCPU
	DebugStep                            // run one instruction on DebugAction.CPU only
	DebugDetach                          // run on; the debugger disarmed its hooks
	DebugKill                            // end the run with ExitDebuggerKill
)

// DebugAction is the debugger's answer to a stop.
type DebugAction struct {
	Kind DebugActionKind
	CPU  int // DebugStep: which vCPU
}

// interpCPUs returns the vCPUs as interp CPUs (the debugger's view), or
// an error if a backend is not interp.
func (m *Machine) interpCPUs() ([]*interp.CPU, error) {
	var out []*interp.CPU
	for i, c := range m.cpus {
		ic, ok := c.(interpCPU)
		if !ok {
			return nil, fmt.Errorf("vcpu %d: the debugger needs the interp backend", i)
		}
		out = append(out, ic.CPU)
	}
	return out, nil
}

// debugEvent is why a vCPU returned StopDebug.
func debugEvent(c vcpu) interp.DebugEvent {
	if ic, ok := c.(interpCPU); ok {
		return ic.LastDebugEvent()
	}
	return interp.DebugEvent{}
}

// debugStop hands the stopped machine to the debugger until it resumes
// it; a step is run here, and its stop handed back at once. done means
// the run ends with r (killed, or the guest ended during a step). The
// time spent stopped is added to *start so that -timeout ignores it.
func (m *Machine) debugStop(st DebugStop, start *time.Time) (r Result, done bool) {
	t0 := time.Now()
	defer func() { *start = start.Add(time.Since(t0)) }()
	cpus, err := m.interpCPUs()
	if err != nil {
		return m.death(ExitInternal, err.Error()), true
	}
	for {
		act := m.cfg.Debugger.Stopped(cpus, st)
		switch act.Kind {
		case DebugKill:
			return Result{Status: ExitDebuggerKill, Reason: "killed by the debugger"}, true
		case DebugContinue, DebugDetach:
			for _, c := range cpus {
				c.SkipBreakpointOnce()
			}
			return Result{}, false
		}
		if act.CPU < 0 || act.CPU >= len(cpus) {
			return m.death(ExitInternal, fmt.Sprintf("internal error: debugger stepped vcpu %d of %d", act.CPU, len(cpus))), true
		}
		c := cpus[act.CPU]
		c.SetSingleStep(true)
		c.SkipBreakpointOnce()
		vc := m.cpus[act.CPU]
		vc.SetClock(m.sched.clock) // a step is guest time too (sched.go)
		m.cur, m.sched.curStart = vc, vc.Retired()
		why := c.Run(1)
		m.sched.clock += vc.Retired() - m.sched.curStart
		m.cur = nil
		ev := c.LastDebugEvent()
		c.SetSingleStep(false)
		if s := m.stopped(); s != nil {
			return *s, true
		}
		if why != interp.StopDebug {
			if res, dead := m.cpuStopped(m.cpus[act.CPU], why); dead {
				return res, true
			}
		}
		if why != interp.StopDebug || ev.Kind == interp.DebugNone {
			// hlt, or a budget of one spent: still one step.
			ev = interp.DebugEvent{Kind: interp.DebugStep}
		}
		st = DebugStop{CPU: act.CPU, Event: ev}
	}
}
