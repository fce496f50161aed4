package interp

// Multiprocessor support: the states a vCPU of an SMP machine can be in
// besides running (wait-for-SIPI after INIT), the start-up IPI, NMI, and
// a TSC that reads the machine's clock. The LAPIC itself is a device of
// the machine (emu/dev): it calls these at the instruction boundaries
// the machine's scheduler gives it.

// WaitingForSIPI reports whether the CPU is held in wait-for-SIPI (an AP
// after power-on or INIT): it executes nothing until StartupIPI.
func (c *CPU) WaitingForSIPI() bool { return c.waitSIPI }

// EnterWaitForSIPI is the effect of INIT (SDM vol. 3, 10.4.7.3 and
// 9.1.1): the CPU resets to its power-on register state and waits for a
// start-up IPI. The retired-instruction count and the TSC are kept (an
// INIT does not reset the time-stamp counter, SDM vol. 3, 17.17).
func (c *CPU) EnterWaitForSIPI() {
	c.Reset()
	c.waitSIPI = true
}

// StartupIPI starts a CPU waiting for SIPI in real mode at CS=vector<<8,
// IP=0 (CS base vector<<12), SDM vol. 3, 10.4.4.1 and 10.6.1. A CPU not
// waiting for SIPI ignores it (the second SIPI of INIT-SIPI-SIPI); the
// result says whether it started.
func (c *CPU) StartupIPI(vector uint8) bool {
	if !c.waitSIPI {
		return false
	}
	c.waitSIPI = false
	cs := c.Seg[CS]
	cs.Sel, cs.Base = uint16(vector)<<8, uint32(vector)<<12
	c.Seg[CS] = cs
	c.EIP = 0
	c.halted = false
	c.sync()
	return true
}

// NMI makes a non-maskable interrupt pending: it is taken at the next
// instruction boundary whatever IF says, wakes a halted CPU, and further
// NMIs are blocked until the handler's iret (SDM vol. 3, 6.7.1).
func (c *CPU) NMI() {
	c.nmiPending = true
	c.intrPending = true
}

// SetClock makes the TSC read clock + (instructions retired since this
// call) + whatever offset the guest wrote to IA32_TIME_STAMP_COUNTER. The
// machine calls it before each quantum with its global virtual clock,
// so every CPU's TSC reads the same clock.
func (c *CPU) SetClock(clock uint64) { c.tscClock = clock - c.Insns }

// State names what the CPU is doing, for reports: "running", "halted"
// or "wait-for-SIPI".
func (c *CPU) State() string {
	switch {
	case c.waitSIPI:
		return "wait-for-SIPI"
	case c.halted:
		return "halted"
	}
	return "running"
}

// SIPI, and either not halted or halted with an interrupt that wakes it
// (an NMI, or an external interrupt with IF=1). The machine's scheduler
// gives host time only to runnable vCPUs.
func (c *CPU) Runnable() bool {
	switch {
	case c.waitSIPI:
		return false
	case !c.halted:
		return true
	}
	return c.nmiPending && !c.nmiBlocked || c.irqPending && c.flags&FlagIF != 0
}
