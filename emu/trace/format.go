package trace

import (
	"strconv"

	"dfemu/emu/interp"

	"golang.org/x/arch/x86/x86asm"
)

// The trace line. An instruction:
//
//	seq cpuN rR CS:EIP[@linear] symbol+off  bytes  instruction  ; file:line  {changes}
//
//	     1 cpu0 r0 0010:00100140 _start                  fa                   cli                               ; kernel/entry.S:41
//
// An event (exception, interrupt, int n):
//
//	seq cpuN rR == #PF(14) err=0x2 cr2=0x00000000 from CS:EIP symbol -> CS:EIP symbol rR
//
// The linear address is printed only when CS's base is not 0. Changes
// (with Options.Changes) list each register whose value changed as
// name=new, then each memory write as [linear]:size=value.

// cacheKey identifies decoded text: the same bytes at the same address in
// the same symbol space and mode print the same.
type cacheKey struct {
	lin   uint32
	space uint32
	eip   uint32 // x86asm renders relative targets from EIP
	mode  uint8
}

// lineInfo is the static part of an instruction's line, decoded once.
type lineInfo struct {
	bytes [15]byte
	n     int
	text  []byte // "symbol+off  bytes  instruction"
	src   []byte // "; file:line" or empty
	fn    string // the function, for the summary ("?" if unknown)
}

// line returns the static text of r, from the cache when its bytes
// have not changed.
func (t *Tracer) line(r *interp.InsnRecord) *lineInfo {
	k := cacheKey{lin: r.Lin, space: t.syms.SpaceKey(r.CR3), eip: r.EIP, mode: uint8(r.Mode)}
	if li, ok := t.cache[k]; ok && li.n == r.Len && li.bytes == r.Bytes {
		return li
	}
	li := t.decode(r)
	t.cache[k] = li
	return li
}

// decode renders an instruction's static text.
func (t *Tracer) decode(r *interp.InsnRecord) *lineInfo {
	li := &lineInfo{bytes: r.Bytes, n: r.Len, fn: "?"}
	var b []byte
	sym := ""
	if s, ok := t.syms.Lookup(r.CR3, r.Lin); ok {
		li.fn = s.Name
		sym = symOff(s, r.Lin)
	}
	b = appendPad(b, sym, 24)
	b = append(b, ' ')
	hexStart := len(b)
	for k := 0; k < r.Len; k++ {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, hexDigits[r.Bytes[k]>>4], hexDigits[r.Bytes[k]&15])
	}
	b = appendPad(b, "", 20-(len(b)-hexStart))
	b = append(b, ' ')
	b = append(b, t.disasm(r)...)
	li.text = b
	if !t.opt.NoLines {
		if f, l, ok := t.syms.Line(r.CR3, r.Lin); ok {
			li.src = append(append([]byte("; "), f...), ':')
			li.src = strconv.AppendInt(li.src, int64(l), 10)
		}
	}
	return li
}

// disasm decodes r's bytes with x86asm in the chosen syntax, branch
// targets shown as symbols.
func (t *Tracer) disasm(r *interp.InsnRecord) string {
	xi, err := x86asm.Decode(r.Bytes[:r.Len], r.Mode)
	if err != nil {
		return "(bad)"
	}
	base := r.Lin - r.EIP // CS base: targets are offsets in CS
	lookup := func(a uint64) (string, uint64) {
		if s, ok := t.syms.Lookup(r.CR3, uint32(a)+base); ok && s.Contains(uint32(a)+base) {
			return s.Name, uint64(s.Addr - base)
		}
		return "", 0
	}
	if t.opt.Syntax == GNU {
		return x86asm.GNUSyntax(xi, uint64(r.EIP), lookup)
	}
	return x86asm.IntelSyntax(xi, uint64(r.EIP), lookup)
}

// symOff is "name" or "name+0x1c".
func symOff(s *Symbol, lin uint32) string {
	if lin == s.Addr {
		return s.Name
	}
	return s.Name + "+0x" + strconv.FormatUint(uint64(lin-s.Addr), 16)
}

const hexDigits = "0123456789abcdef"

// appendPad appends s padded with spaces to width w (at least one space
// follows a string that fills it).
func appendPad(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for n := len(s); n < w; n++ {
		b = append(b, ' ')
	}
	return b
}

func appendHex(b []byte, v uint64, digits int) []byte {
	for k := digits - 1; k >= 0; k-- {
		b = append(b, hexDigits[v>>(4*uint(k))&15])
	}
	return b
}

// appendHead appends "     seq cpuN rR".
func (t *Tracer) appendHead(b []byte, cpu, cpl int) []byte {
	var num [20]byte
	d := strconv.AppendUint(num[:0], t.seq, 10)
	for k := len(d); k < 8; k++ {
		b = append(b, ' ')
	}
	b = append(b, d...)
	b = append(b, " cpu"...)
	b = strconv.AppendInt(b, int64(cpu), 10)
	b = append(b, " r"...)
	b = strconv.AppendInt(b, int64(cpl), 10)
	return append(b, ' ')
}

// appendAddr appends CS:EIP, and @linear when they differ.
func appendAddr(b []byte, cs uint16, eip, lin uint32) []byte {
	b = appendHex(b, uint64(cs), 4)
	b = append(b, ':')
	b = appendHex(b, uint64(eip), 8)
	if lin != eip {
		b = append(b, '@')
		b = appendHex(b, uint64(lin), 8)
	}
	return b
}

// printInsn writes an instruction's line.
func (t *Tracer) printInsn(r *interp.InsnRecord, li *lineInfo) {
	b := t.appendHead(t.buf[:0], r.CPU, r.CPL)
	b = appendAddr(b, r.CS, r.EIP, r.Lin)
	b = append(b, ' ')
	b = append(b, li.text...)
	if r.Faulted {
		b = append(b, "  (faults)"...)
	}
	if len(li.src) > 0 || t.opt.Changes {
		b = appendPadTo(b, 104)
		b = append(b, li.src...)
	}
	if t.opt.Changes {
		b = appendPadTo(b, 132)
		b = appendChanges(b, r)
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	b = append(b, '\n')
	t.buf = b
	t.write(b)
}

// appendPadTo pads the current line (b holds one line) to column w, or
// adds two spaces if it is already past it.
func appendPadTo(b []byte, w int) []byte {
	if len(b) >= w {
		return append(b, "  "...)
	}
	for len(b) < w {
		b = append(b, ' ')
	}
	return b
}

var regNames = [8]string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}
var segNames = [6]string{"es", "cs", "ss", "ds", "fs", "gs"}

// appendChanges appends "{eax=00000001 efl=00000046 [0010ffec]:4=00100023}".
func appendChanges(b []byte, r *interp.InsnRecord) []byte {
	b = append(b, '{')
	n0 := len(b)
	sep := func() {
		if len(b) > n0 {
			b = append(b, ' ')
		}
	}
	for k := range r.Before.R {
		if r.Before.R[k] != r.After.R[k] {
			sep()
			b = append(b, regNames[k]...)
			b = append(b, '=')
			b = appendHex(b, uint64(r.After.R[k]), 8)
		}
	}
	if r.Before.Flags != r.After.Flags {
		sep()
		b = append(b, "efl="...)
		b = appendHex(b, uint64(r.After.Flags), 8)
	}
	for k := range r.Before.Sel {
		if r.Before.Sel[k] != r.After.Sel[k] {
			sep()
			b = append(b, segNames[k]...)
			b = append(b, '=')
			b = appendHex(b, uint64(r.After.Sel[k]), 4)
		}
	}
	for _, w := range r.Writes {
		sep()
		b = append(b, '[')
		b = appendHex(b, uint64(w.Lin), 8)
		b = append(b, "]:"...)
		b = append(b, '0'+w.Size)
		b = append(b, '=')
		b = appendHex(b, uint64(w.Val), 2*int(w.Size))
	}
	if r.MoreWrites > 0 {
		sep()
		b = append(b, '+')
		b = strconv.AppendInt(b, int64(r.MoreWrites), 10)
		b = append(b, " writes"...)
	}
	return append(b, '}')
}

// printEvent writes an event's line.
func (t *Tracer) printEvent(c *interp.CPU, e *interp.EventRecord) {
	b := t.appendHead(t.buf[:0], e.CPU, e.FromCPL)
	b = append(b, "== "...)
	switch e.Kind {
	case interp.EventSoft:
		b = append(b, "int 0x"...)
		b = appendHex(b, uint64(e.Vector), 2)
	case interp.EventExternal:
		b = append(b, "irq vector 0x"...)
		b = appendHex(b, uint64(e.Vector), 2)
	case interp.EventTripleFault:
		b = append(b, "triple fault: "...)
		b = append(b, interp.ExcName(e.Vector)...)
		b = append(b, " while delivering #DF"...)
	default:
		b = append(b, interp.ExcName(e.Vector)...)
		b = append(b, '(')
		b = strconv.AppendInt(b, int64(e.Vector), 10)
		b = append(b, ')')
	}
	if e.HasErr {
		b = append(b, " err=0x"...)
		b = strconv.AppendUint(b, uint64(e.Err), 16)
	}
	if e.Kind == interp.EventException && e.Vector == 14 {
		b = append(b, " cr2=0x"...)
		b = appendHex(b, uint64(e.CR2), 8)
	}
	b = append(b, " from "...)
	b = appendAddr(b, e.FromCS, e.FromEIP, e.FromLin)
	b = t.appendSym(b, e.CR3, e.FromLin)
	if e.Kind != interp.EventTripleFault {
		b = append(b, " -> "...)
		b = appendAddr(b, e.ToCS, e.ToEIP, e.ToLin)
		b = t.appendSym(b, e.CR3, e.ToLin)
		b = append(b, " r"...)
		b = strconv.AppendInt(b, int64(e.ToCPL), 10)
	}
	b = append(b, '\n')
	t.buf = b
	t.write(b)
}

// appendSym appends " (symbol+off)" when lin has a symbol.
func (t *Tracer) appendSym(b []byte, cr3, lin uint32) []byte {
	if s, ok := t.syms.Lookup(cr3, lin); ok {
		b = append(b, " ("...)
		b = append(b, symOff(s, lin)...)
		b = append(b, ')')
	}
	return b
}
