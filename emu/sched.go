package emu

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"dfemu/emu/interp"
)

// The deterministic SMP scheduler (DESIGN.md section 2).
//
// Every vCPU runs on Run's one host thread. Each step the scheduler
// draws, from a PRNG seeded with Config.Seed, which runnable vCPU runs
// next and for how many instructions (a quantum, uniform in 1..
// maxQuantum), and runs it; nothing else decides the interleaving, so
// the same seed gives the same run, byte for byte.
//
// Guest time is a global virtual clock in nanoseconds: every instruction
// any vCPU executes advances it by 1 ns (so n running vCPUs each see
// 1/n of a 1 GHz machine; guest code must measure time, as real kernels
// do). The TSC of every vCPU reads that clock (rdtsc in the middle of a
// quantum adds the instructions executed so far in it), and the LAPIC
// timers and the PIT count in it. A quantum is cut short so that it ends
// exactly when the next timer event is due: timers interrupt on the
// nanosecond. A halted vCPU (or one waiting for SIPI) gets no quantum
// until an interrupt wakes it; when every vCPU is halted, the clock
// jumps to the next timer event that can interrupt; if none can, the
// machine is dead (ExitHaltNoIntr).
//
// Devices driven from the outside (the console's input, Ctrl-A X, the
// -timeout wall clock) are looked at between quanta; they are the only
// sources of nondeterminism, and only input typed on the console changes
// what the guest sees.

// maxQuantum bounds a quantum: small enough that two vCPUs interleave
// at fine grain (races show), large enough that scheduling costs little
// beside the instructions (a step is a few hundred host ns).
const maxQuantum = 4000

// wallCheckEvery is how many steps pass between looks at the wall clock
// (-timeout).
const wallCheckEvery = 1024

type scheduler struct {
	rng      *rand.Rand
	clock    uint64 // ns: instructions executed by all vCPUs
	curStart uint64 // the running vCPU's Retired() when its quantum began
	lastStop []interp.StopReason
	runnable []int
	uartIRQ  bool
}

func newScheduler(seed uint64, n int) scheduler {
	return scheduler{
		rng:      rand.New(rand.NewPCG(seed, 0x646665_6d75)), // "dfemu"
		lastStop: make([]interp.StopReason, n),
		runnable: make([]int, 0, n),
	}
}

// Now is the machine's clock, exact within the running quantum.
func (m *Machine) Now() uint64 {
	if m.cur != nil {
		return m.sched.clock + (m.cur.Retired() - m.sched.curStart)
	}
	return m.sched.clock
}

// Run runs the guest until it exits, powers off or dies, and says how.
// A death is also reported on Config.Stderr: "dfemu: <reason>" and every
// vCPU's state and registers.
func (m *Machine) Run() (r Result) {
	defer func() {
		if p := recover(); p != nil {
			m.cur = nil
			r = m.death(ExitInternal, fmt.Sprintf("internal error: %v", p))
			r.Report += "\n" + string(debug.Stack())
		}
		if err := m.uart.Flush(); err != nil {
			fmt.Fprintf(m.cfg.Stderr, "dfemu: %v\n", err)
		}
		m.report(r)
		if m.cfg.Debugger != nil {
			m.cfg.Debugger.Exited(r)
		}
	}()
	s := &m.sched
	start := time.Now()
	if m.cfg.Debugger != nil && m.cfg.DebugWait {
		if r, done := m.debugStop(DebugStop{Start: true}, &start); done {
			return r
		}
	}
	for step := 1; ; step++ {
		m.tick()
		s.runnable = s.runnable[:0]
		for i, c := range m.cpus {
			if c.Runnable() {
				s.runnable = append(s.runnable, i)
			}
		}
		next, timed := m.nextEvent()
		if len(s.runnable) == 0 {
			if !timed {
				return m.allHalted()
			}
			s.clock = next
			continue
		}
		i := s.runnable[s.rng.IntN(len(s.runnable))]
		q := 1 + s.rng.Uint64N(maxQuantum)
		if timed && next-s.clock < q {
			q = max(next-s.clock, 1)
		}
		c := m.cpus[i]
		c.SetClock(s.clock)
		m.cur, s.curStart = c, c.Retired()
		why := c.Run(q)
		s.clock += c.Retired() - s.curStart
		m.cur = nil
		if st := m.stopped(); st != nil {
			return *st
		}
		if why == interp.StopDebug && m.cfg.Debugger != nil {
			if r, done := m.debugStop(DebugStop{CPU: i, Event: debugEvent(c)}, &start); done {
				return r
			}
			continue
		}
		if res, dead := m.cpuStopped(c, why); dead {
			return res
		}
		s.lastStop[i] = why
		if m.cfg.Debugger != nil && m.cfg.Debugger.Attention() {
			if r, done := m.debugStop(DebugStop{CPU: i}, &start); done {
				return r
			}
		}
		if step%wallCheckEvery == 0 && m.cfg.Timeout > 0 && time.Since(start) > m.cfg.Timeout {
			return m.death(ExitTimeout, fmt.Sprintf("timeout: the guest ran for %v", m.cfg.Timeout))
		}
	}
}

// allHalted is the death of a machine whose every vCPU is halted (or
// waits for SIPI) with no timer that could wake one.
func (m *Machine) allHalted() Result {
	for i, c := range m.cpus {
		if m.sched.lastStop[i] == interp.StopHaltNoIntr && c.State() == "halted" {
			return m.death(ExitHaltNoIntr, fmt.Sprintf("hlt with interrupts disabled at EIP 0x%08x (vcpu %d)", c.PC(), i))
		}
	}
	return m.death(ExitHaltNoIntr, fmt.Sprintf("hlt with no interrupt due at EIP 0x%08x: every vCPU is halted or waits for SIPI", m.cpus[0].PC()))
}

// Instructions returns each vCPU's count of executed instructions.
func (m *Machine) Instructions() []uint64 {
	out := make([]uint64, len(m.cpus))
	for i, c := range m.cpus {
		out[i] = c.Retired()
	}
	return out
}
