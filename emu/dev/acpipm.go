package dev

import (
	"sync"
)

// PM1a control register bits (ACPI 6.5 §4.8.3.2.1, "PM1 Control Registers").
const (
	pm1SCIEN    = 1 << 0             // SCI_EN: ACPI mode (stored only)
	pm1SlpTyp   = 7 << 10            // SLP_TYP: sleep type, bits 10-12
	pm1SlpEn    = 1 << 13            // SLP_EN: write-only, enters SLP_TYP
	pm1SlpTypS5 = 0 << 10            // S5 (soft off) on QEMU's PIIX4: _S5 = {0, 0}
	pm1Writable = 0xFFFF &^ pm1SlpEn // what a read returns of a write
)

// ACPIPM is the PM1a control register of QEMU's PIIX4 power management
// function, at 0x604-0x605 (16 bits). It exists so a guest can power the
// machine off the way it does under QEMU: outw(0x604, 0x2000), that is
// SLP_EN with SLP_TYP 0, the S5 type of QEMU's DSDT.
//
// A write that sets SLP_EN with SLP_TYP = S5 calls onPowerOff. Any other
// write (a sleep type we do not implement, SCI_EN) is stored and has no
// effect. Reads return the stored value without SLP_EN, which is
// write-only and reads as 0. Byte accesses to 0x604 and 0x605 reach the
// low and high byte; a write that touches the high byte is checked for
// SLP_EN. The rest of the PM block (PM1 event registers at 0x600, the PM
// timer at 0x608) is not here: those ports are unhandled.
type ACPIPM struct {
	onPowerOff func()

	mu  sync.Mutex
	cnt uint16 // PM1a_CNT as last written, SLP_EN cleared
}

// NewACPIPM returns the PM1a control register; onPowerOff (may be nil) is
// called, on the writing vCPU's goroutine, for each S5 request.
func NewACPIPM(onPowerOff func()) *ACPIPM {
	return &ACPIPM{onPowerOff: onPowerOff}
}

// Ports returns the register's two ports.
func (p *ACPIPM) Ports() (base uint16, n int) { return PortACPIPM1a, 2 }

// Ranges returns the device's ports for the bus.
func (p *ACPIPM) Ranges() []Range { return []Range{{PortACPIPM1a, 2}} }

// In returns the stored control value (SLP_EN reads as 0).
func (p *ACPIPM) In(port uint16, size int) uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return splitIn(port, size, func(port uint16) (uint8, bool) {
		switch port {
		case PortACPIPM1a:
			return uint8(p.cnt), true
		case PortACPIPM1a + 1:
			return uint8(p.cnt >> 8), true
		}
		return 0, false
	})
}

// Out stores the written bytes and powers off on SLP_EN with S5.
func (p *ACPIPM) Out(port uint16, size int, v uint32) {
	p.mu.Lock()
	cnt := p.cnt
	high := false
	splitOut(port, size, v, func(port uint16, b uint8) {
		switch port {
		case PortACPIPM1a:
			cnt = cnt&0xFF00 | uint16(b)
		case PortACPIPM1a + 1:
			cnt = cnt&0x00FF | uint16(b)<<8
			high = true
		}
	})
	off := high && cnt&pm1SlpEn != 0 && cnt&pm1SlpTyp == pm1SlpTypS5
	p.cnt = cnt & pm1Writable
	p.mu.Unlock()
	if off && p.onPowerOff != nil {
		p.onPowerOff()
	}
}
