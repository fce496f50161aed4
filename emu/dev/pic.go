package dev

// The two cascaded 8259A PICs (ports 0x20-0x21 master, 0xA0-0xA1
// slave), enough for a kernel to initialise and mask them: ICW1-ICW4,
// OCW1 (the mask), OCW2 (EOI commands, accepted) and OCW3 (IRR/ISR read
// select). dfemu's interrupts go through the IOAPIC: the PICs never
// deliver anything, masked or not (the LAPIC's LINT0 ExtINT path is not
// modelled), so IRR and ISR always read 0. A kernel that relies on the
// PIC for interrupts gets none; docs/machine.md says so.

// PIC ports.
const (
	PortPIC1 = 0x20
	PortPIC2 = 0xA0
)

type pic8259 struct {
	imr    uint8
	vector uint8 // ICW2: vector base
	icw3   uint8
	icw4   uint8
	step   int // 0: operational; 2, 3, 4: expecting that ICW
	needs4 bool
	single bool // ICW1 SNGL: no ICW3
}

// PIC is the pair of 8259As.
type PIC struct{ chips [2]pic8259 }

// NewPIC returns both PICs in their reset state, all lines masked.
func NewPIC() *PIC {
	p := &PIC{}
	p.chips[0].imr, p.chips[1].imr = 0xFF, 0xFF
	return p
}

// Ranges: 0x20-0x21 and 0xA0-0xA1.
func (p *PIC) Ranges() []Range { return []Range{{PortPIC1, 2}, {PortPIC2, 2}} }

func (p *PIC) chip(port uint16) *pic8259 {
	if port&0xF0 == PortPIC2 {
		return &p.chips[1]
	}
	return &p.chips[0]
}

// Masks returns the master's and the slave's interrupt mask registers.
func (p *PIC) Masks() (uint8, uint8) { return p.chips[0].imr, p.chips[1].imr }

// VectorBases returns the vector bases ICW2 programmed.
func (p *PIC) VectorBases() (uint8, uint8) { return p.chips[0].vector, p.chips[1].vector }

// In reads the IMR from the data port; the command port reads IRR or
// ISR (OCW3), always 0 here.
func (p *PIC) In(port uint16, size int) uint32 {
	return splitIn(port, size, func(port uint16) (uint8, bool) {
		c := p.chip(port)
		if port&1 == 1 {
			return c.imr, true
		}
		return 0, true
	})
}

// Out writes an ICW or an OCW.
func (p *PIC) Out(port uint16, size int, v uint32) {
	splitOut(port, size, v, func(port uint16, b uint8) {
		c := p.chip(port)
		if port&1 == 0 {
			if b&0x10 != 0 { // ICW1: start initialisation
				*c = pic8259{step: 2, needs4: b&1 != 0, single: b&2 != 0}
			}
			return // OCW2 (EOI, rotate) and OCW3: nothing to do
		}
		switch c.step {
		case 2:
			c.vector, c.step = b&0xF8, 3
			if c.single {
				c.step = 0
				if c.needs4 {
					c.step = 4
				}
			}
		case 3:
			c.icw3 = b
			c.step = 0
			if c.needs4 {
				c.step = 4
			}
		case 4:
			c.icw4, c.step = b, 0
		default:
			c.imr = b // OCW1
		}
	})
}
