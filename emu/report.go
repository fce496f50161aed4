package emu

import (
	"fmt"
	"strings"

	"dfemu/emu/interp"
)

// dumper is a CPU backend that formats its own register report.
type dumper interface {
	Dump() string
}

// dumpCPU is a vCPU's register report: the backend's own when it has
// one, else the architectural registers every backend exports.
func dumpCPU(c *interp.CPU) string {
	if d, ok := any(c).(dumper); ok {
		s := d.Dump()
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return s
	}
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
