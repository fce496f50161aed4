package emu

import (
	"dfemu/emu/dev"
	"dfemu/emu/firmware"
)

// Interrupt wiring: the LAPICs (one per vCPU, each seen by its own vCPU
// at LAPICBase), the IOAPIC on the MMIO bus, the PIT's channel 0 on ISA
// IRQ0 (IOAPIC input 2, per the MADT's override), the UART on IRQ4. The
// 8259 PICs are only there to be masked: they deliver nothing.

// addInterruptControllers builds the LAPICs, IOAPIC, PIT and PIC.
func (m *Machine) addInterruptControllers() error {
	cpus := make([]dev.APICCPU, len(m.cpus))
	for i, c := range m.cpus {
		cpus[i] = c
	}
	m.apic = dev.NewAPICBus(cpus, m.Now)
	m.ioapic = dev.NewIOAPIC(m.apic, IOAPICID)
	if err := m.MMIO.Register("ioapic", IOAPICBase, 0x1000, m.ioapic); err != nil {
		return err
	}
	m.pit = dev.NewPIT(m.Now)
	m.pit.IRQ0 = func() { m.isaEdge(PITIRQ) }
	m.pic = dev.NewPIC()
	return nil
}

// isaEdge raises and lowers ISA IRQ irq (an edge-triggered pulse).
func (m *Machine) isaEdge(irq int) {
	gsi := firmware.ISAToGSI(irq)
	m.ioapic.SetLine(gsi, true)
	m.ioapic.SetLine(gsi, false)
}

// tick runs the timers up to the clock and samples the UART's line.
func (m *Machine) tick() {
	now := m.sched.clock
	for _, l := range m.apic.LAPICs {
		l.Tick(now)
	}
	m.pit.Tick(now)
	if irq := m.uart.IRQ(); irq != m.sched.uartIRQ {
		m.sched.uartIRQ = irq
		m.ioapic.SetLine(firmware.ISAToGSI(UARTIRQ), irq)
	}
}

// nextEvent is the earliest time a timer can interrupt a vCPU.
func (m *Machine) nextEvent() (uint64, bool) {
	var next uint64
	ok := false
	for _, l := range m.apic.LAPICs {
		if t, due := l.NextEvent(); due && (!ok || t < next) {
			next, ok = t, true
		}
	}
	if m.ioapic.CanInterrupt(firmware.ISAToGSI(PITIRQ)) {
		if t, due := m.pit.NextEvent(); due && (!ok || t < next) {
			next, ok = t, true
		}
	}
	if ok && next < m.sched.clock {
		next = m.sched.clock
	}
	return next, ok
}

// cpuBus is one vCPU's view of everything but RAM: its own LAPIC at
// LAPICBase, then the MMIO and port buses.
type cpuBus struct {
	m  *Machine
	id int
}

func (b *cpuBus) ReadPhys(addr uint32, size int) uint32 {
	if addr&^0xFFF == LAPICBase {
		return b.m.apic.LAPICs[b.id].Read(addr, size)
	}
	return b.m.MMIO.Read(addr, size)
}

func (b *cpuBus) WritePhys(addr uint32, size int, v uint32) {
	if addr&^0xFFF == LAPICBase {
		b.m.apic.LAPICs[b.id].Write(addr, size, v)
		return
	}
	b.m.MMIO.Write(addr, size, v)
}

func (b *cpuBus) In(port uint16, size int) uint32     { return b.m.Ports.In(port, size) }
func (b *cpuBus) Out(port uint16, size int, v uint32) { b.m.Ports.Out(port, size, v) }

// AckInterrupt is the vCPU taking its LAPIC's highest pending vector.
func (b *cpuBus) AckInterrupt() uint8 { return b.m.apic.LAPICs[b.id].Ack() }

// ISA interrupt lines of the devices.
const (
	UARTIRQ = 4
	PITIRQ  = 0
)
