package emu

import (
	"errors"
	"fmt"
	"strings"

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
}

// backend makes vCPU id over the machine's RAM and bus.
type backend func(id int, ram []byte, bus interp.Bus, stopOnUD bool) vcpu

// interpCPU adapts the interp CPU to vcpu.
type interpCPU struct{ *interp.CPU }

func newInterpCPU(id int, ram []byte, bus interp.Bus, stopOnUD bool) vcpu {
	return interpCPU{interp.New(interp.Config{ID: id, RAM: ram, Bus: bus, StopOnUD: stopOnUD})}
}

func (c interpCPU) PC() uint32 { return c.CPU.EIP }

// flatEntry is interp's Multiboot entry state setter.
type flatEntry interface {
	EnterFlatProtected(eip uint32)
}

func (c interpCPU) EnterMultiboot(entry, eax, ebx uint32) error {
	f, ok := any(c.CPU).(flatEntry)
	if !ok {
		return errors.New("internal: the CPU cannot enter protected mode (no EnterFlatProtected)")
	}
	f.EnterFlatProtected(entry)
	c.R[interp.EAX] = eax
	c.R[interp.EBX] = ebx
	return nil
}

// dumper is a CPU that formats its own register report.
type dumper interface {
	Dump() string
}

// Dump is the CPU's own register report when it has one, else the
// architectural registers it exports.
func (c interpCPU) Dump() string {
	if d, ok := any(c.CPU).(dumper); ok {
		s := d.Dump()
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s
	}
	return dumpRegs(c.CPU)
}

func dumpRegs(c *interp.CPU) string {
	var b strings.Builder
	r := &c.R
	fmt.Fprintf(&b, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r[interp.EAX], r[interp.EBX], r[interp.ECX], r[interp.EDX])
	fmt.Fprintf(&b, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r[interp.ESI], r[interp.EDI], r[interp.EBP], r[interp.ESP])
	fmt.Fprintf(&b, "EIP=%08x EFL=%08x CPL=%d\n", c.EIP, c.Flags(), c.CPL())
	for i, name := range []string{"ES", "CS", "SS", "DS", "FS", "GS"} {
		s := c.Seg[i]
		fmt.Fprintf(&b, "%s =%04x %08x %08x %04x\n", name, s.Sel, s.Base, s.Limit, s.Attr)
	}
	fmt.Fprintf(&b, "GDT=%08x %04x IDT=%08x %04x\n", c.GDTR.Base, c.GDTR.Limit, c.IDTR.Base, c.IDTR.Limit)
	fmt.Fprintf(&b, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c.CR0, c.CR2, c.CR3, c.CR4)
	if c.LastFault != "" {
		fmt.Fprintf(&b, "last exception: %s\n", c.LastFault)
	}
	return b.String()
}
