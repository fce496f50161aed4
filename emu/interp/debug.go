package interp

import (
	"fmt"
	"strings"
)

// Debugger and report access: linear memory without faults, and a
// register dump.

// ReadLinear reads guest memory at a linear address through the current
// page tables, without raising faults or setting accessed bits. Only RAM
// can be read; an unmapped page or non-RAM address is an error.
func (c *CPU) ReadLinear(lin uint32, buf []byte) error {
	for k := range buf {
		a := lin + uint32(k)
		p, ok := c.probe(a, false)
		if !ok {
			return fmt.Errorf("read linear %#x: page not mapped", a)
		}
		if uint64(p) >= uint64(len(c.ram)) {
			return fmt.Errorf("read linear %#x: physical %#x is not RAM", a, p)
		}
		buf[k] = c.ram[p]
	}
	return nil
}

// WriteLinear writes guest memory at a linear address like ReadLinear
// reads it, invalidating decoded code it overwrites.
func (c *CPU) WriteLinear(lin uint32, buf []byte) error {
	for k := range buf {
		a := lin + uint32(k)
		p, ok := c.probe(a, true)
		if !ok {
			return fmt.Errorf("write linear %#x: page not mapped", a)
		}
		if uint64(p) >= uint64(len(c.ram)) {
			return fmt.Errorf("write linear %#x: physical %#x is not RAM", a, p)
		}
		c.physWrite(p, 1, uint32(buf[k]))
	}
	return nil
}

var flagNames = []struct {
	bit  uint32
	name string
}{
	{FlagCF, "CF"}, {FlagPF, "PF"}, {FlagAF, "AF"}, {FlagZF, "ZF"}, {FlagSF, "SF"},
	{FlagTF, "TF"}, {FlagIF, "IF"}, {FlagDF, "DF"}, {FlagOF, "OF"}, {FlagNT, "NT"},
	{FlagRF, "RF"}, {FlagVM, "VM"}, {FlagAC, "AC"}, {FlagID, "ID"},
}

// Dump is a multi-line register report.
func (c *CPU) Dump() string {
	var b strings.Builder
	r := &c.R
	fmt.Fprintf(&b, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r[EAX], r[EBX], r[ECX], r[EDX])
	fmt.Fprintf(&b, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r[ESI], r[EDI], r[EBP], r[ESP])
	f := c.Flags()
	var names []string
	for _, fl := range flagNames {
		if f&fl.bit != 0 {
			names = append(names, fl.name)
		}
	}
	fmt.Fprintf(&b, "EIP=%08x EFLAGS=%08x [%s] IOPL=%d CPL=%d\n", c.EIP, f, strings.Join(names, " "), f>>12&3, c.cpl)
	for s, name := range []string{"ES", "CS", "SS", "DS", "FS", "GS"} {
		sg := c.Seg[s]
		fmt.Fprintf(&b, "%s =%04x base=%08x limit=%08x attr=%04x%s\n", name, sg.Sel, sg.Base, sg.Limit, sg.Attr, validStr(sg.Valid))
	}
	fmt.Fprintf(&b, "LDTR=%04x base=%08x limit=%08x  TR=%04x base=%08x limit=%08x\n",
		c.LDTR.Sel, c.LDTR.Base, c.LDTR.Limit, c.TR.Sel, c.TR.Base, c.TR.Limit)
	fmt.Fprintf(&b, "GDTR=%08x/%04x IDTR=%08x/%04x\n", c.GDTR.Base, c.GDTR.Limit, c.IDTR.Base, c.IDTR.Limit)
	fmt.Fprintf(&b, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c.CR0, c.CR2, c.CR3, c.CR4)
	fmt.Fprintf(&b, "Insns=%d state=%s", c.Insns, c.State())
	if c.LastFault != "" {
		fmt.Fprintf(&b, "\nlast fault: %s", c.LastFault)
	}
	b.WriteString("\n")
	return b.String()
}

func validStr(v bool) string {
	if v {
		return ""
	}
	return " (null)"
}
