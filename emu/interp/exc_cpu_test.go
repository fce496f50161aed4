package interp_test

// Exception tests on interp: each case runs a small body of hand-encoded
// code in a tiny protected-mode system built in RAM by excSystem (GDT,
// IDT, TSS, optional page tables) and checks the exception the CPU
// delivers: vector, error code, the saved CS:EIP (and SS:ESP from ring 3),
// CR2. Every IDT handler is one hlt at excHandlers+vector, so the vector
// is read off EIP when Run stops in it.

import (
	"encoding/binary"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"

	"dfemu/emu/interp"
)

// Physical layout of the exception test system.
const (
	excGDT      = 0x1000
	excIDT      = 0x2000
	excHandlers = 0x3000 // handler of vector v: a hlt at excHandlers+v
	excTSS      = 0x4000
	excPD       = 0x5000
	excPT       = 0x6000
	excESP0     = 0x9000 // ring-0 stack (TSS.ESP0 and the ring-0 bodies)
	excProlog   = 0x10000
	excBody     = 0x11000
	excUserESP  = 0x20000
	excPageNP   = 0x100000 // paged: not present
	excPageRO   = 0x101000 // paged: user, read-only
	excPageSup  = 0x102000 // paged: supervisor, writable
	excRAM      = 2 << 20
)

// Selectors of the exception test GDT.
const (
	selCode0  = 0x08
	selData0  = 0x10
	selCode3  = 0x18 | 3
	selData3  = 0x20 | 3
	selTSS    = 0x28
	selNP     = 0x30 // data, not present
	selSmall  = 0x38 // data, limit 0xfff
	selRO     = 0x40 // data, read-only
	selXOnly  = 0x48 // code, execute-only
	gdtLength = 0x50
)

// descriptor encodes a segment descriptor (SDM vol. 3, 3.4.5).
func descriptor(base, limit uint32, access, flags byte) uint64 {
	return uint64(limit&0xffff) | uint64(base&0xffffff)<<16 | uint64(access)<<40 |
		uint64(limit>>16&0xf)<<48 | uint64(flags&0xf)<<52 | uint64(base>>24)<<56
}

type excCase struct {
	name   string
	body   []byte // at excBody (ring 0) or after the ring-3 data-segment prefix
	ring3  bool
	paging bool
	noWP   bool               // paging without CR0.WP
	setup  func(*testMachine) // changes to the system before the run
	stopUD bool               // Config.StopOnUD

	vec    int    // expected vector; -1: no exception, the body ends in hlt
	err    uint32 // expected error code; only for vectors that push one
	eipOff int    // expected saved EIP, as an offset into the body
	cr2    uint32 // expected CR2 (#PF only)
}

// hasErrorCode lists the vectors that push an error code.
func hasErrorCode(vec int) bool {
	switch vec {
	case interp.ExcDF, interp.ExcTS, interp.ExcNP, interp.ExcSS, interp.ExcGP, interp.ExcPF, interp.ExcAC:
		return true
	}
	return false
}

// user3Prefix loads DS and ES with the ring-3 data selector (an iret to
// ring 3 nulls them): mov ax,0x23; mov ds,ax; mov es,ax.
var user3Prefix = []byte{0x66, 0xb8, selData3, 0x00, 0x8e, 0xd8, 0x8e, 0xc0}

// excSystem builds the system for c in a new machine and enters it at the
// prologue (ring 0, flat): ltr, optional paging, then iret to ring 3 or a
// jmp to the body.
func excSystem(t *testing.T, c excCase) (m *testMachine, body uint32) {
	m = newMachine(excRAM, c.stopUD)
	gdt := []uint64{0,
		descriptor(0, 0xfffff, 0x9a, 0xc), descriptor(0, 0xfffff, 0x92, 0xc),
		descriptor(0, 0xfffff, 0xfa, 0xc), descriptor(0, 0xfffff, 0xf2, 0xc),
		descriptor(excTSS, 0x67, 0x89, 0x0), descriptor(0, 0xfffff, 0x12, 0xc),
		descriptor(0, 0xfff, 0x92, 0x4), descriptor(0, 0xfffff, 0x90, 0xc),
		descriptor(0, 0xfffff, 0x98, 0xc),
	}
	for i, d := range gdt {
		binary.LittleEndian.PutUint64(m.ram[excGDT+8*i:], d)
	}
	for v := range 256 {
		h := uint32(excHandlers + v)
		attr := uint32(0x8e00) // present, DPL 0, 32-bit interrupt gate
		if v == interp.ExcBP || v == interp.ExcOF {
			attr = 0xee00 // DPL 3: int3 and into work from ring 3
		}
		m.put32(excIDT+8*uint32(v), h&0xffff|selCode0<<16)
		m.put32(excIDT+8*uint32(v)+4, h&0xffff0000|attr)
		m.put(h, 0xf4)
	}
	m.put32(excTSS+4, excESP0)
	m.put32(excTSS+8, selData0)
	m.put32(excTSS+0x64, 0x0068<<16) // I/O map base beyond the limit: no bitmap

	// ljmp 0x08:next, then our data selector in DS ES SS: from here on
	// the segment registers come from this GDT, not EnterFlatProtected's.
	p := append([]byte{0xea}, le(excProlog+7, 32)...)
	p = append(p, selCode0, 0x00)
	p = append(p, movAXImm(selData0)...)
	p = append(p, 0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0)         // mov ds/es/ss, ax
	p = append(p, 0x66, 0xb8, selTSS, 0x00, 0x0f, 0x00, 0xd8) // mov ax,0x28; ltr ax
	if c.paging {
		for i := range uint32(512) {
			m.put32(excPT+4*i, i<<12|7) // identity, present, writable, user
		}
		m.put32(excPT+4*(excPageNP>>12), 0)
		m.put32(excPT+4*(excPageRO>>12), excPageRO|5)
		m.put32(excPT+4*(excPageSup>>12), excPageSup|3)
		m.put32(excPD, excPT|7)
		cr0 := uint32(interp.CR0PG | interp.CR0WP)
		if c.noWP {
			cr0 = interp.CR0PG
		}
		p = append(p, 0xb8)
		p = append(p, le(excPD, 32)...)       // mov eax, PD
		p = append(p, 0x0f, 0x22, 0xd8)       // mov cr3, eax
		p = append(p, 0x0f, 0x20, 0xc0, 0x0d) // mov eax, cr0; or eax, imm32
		p = append(p, le(cr0, 32)...)         //
		p = append(p, 0x0f, 0x22, 0xc0)       // mov cr0, eax
	}
	body = excBody
	if c.ring3 {
		p = append(p, 0x6a, selData3, 0x68)       // push ss3; push esp3
		p = append(p, le(excUserESP, 32)...)      //
		p = append(p, 0x6a, 0x02, 0x6a, selCode3) // push eflags; push cs3
		p = append(p, 0x68)                       // push eip
		p = append(p, le(excBody, 32)...)         //
		p = append(p, 0xcf)                       // iretd
		m.put(excBody, user3Prefix...)
		body += uint32(len(user3Prefix))
	} else {
		p = append(p, 0xe9) // jmp body
		p = append(p, le(excBody-(excProlog+uint32(len(p))+4), 32)...)
	}
	m.put(excProlog, p...)
	m.put(body, c.body...)
	m.put(body+uint32(len(c.body)), 0xf4) // hlt: the end of a body that does not fault

	m.cpu.EnterFlatProtected(excProlog)
	m.cpu.GDTR = interp.DescTable{Base: excGDT, Limit: gdtLength - 1}
	m.cpu.IDTR = interp.DescTable{Base: excIDT, Limit: 256*8 - 1}
	m.cpu.R[interp.ESP] = excESP0
	if c.setup != nil {
		c.setup(m)
	}
	return m, body
}

func runExcCase(t *testing.T, c excCase) {
	m, body := excSystem(t, c)
	cpu := m.cpu
	if c.stopUD {
		m.run(t, 1000, interp.StopUnimplemented)
		assert.Equal(t, body+uint32(c.eipOff), cpu.EIP, "EIP must stay at the unimplemented instruction")
		return
	}
	m.run(t, 1000, interp.StopHaltNoIntr)
	if c.vec < 0 {
		require.Equal(t, body+uint32(len(c.body))+1, cpu.EIP,
			"expected no exception; stopped at EIP %#x (last fault %q)", cpu.EIP, cpu.LastFault)
		return
	}
	require.True(t, cpu.EIP > excHandlers && cpu.EIP <= excHandlers+256,
		"expected vector %d, but the CPU halted outside the handlers at EIP %#x (last fault %q)\n%s",
		c.vec, cpu.EIP, cpu.LastFault, cpu.Dump())
	vec := int(cpu.EIP - excHandlers - 1)
	require.Equal(t, c.vec, vec, "vector (last fault %q)", cpu.LastFault)

	n := 3
	if c.ring3 {
		n = 5
	}
	if hasErrorCode(vec) {
		n++
	}
	frame := readWords(t, cpu, cpu.R[interp.ESP], n)
	if hasErrorCode(vec) {
		assert.Equal(t, c.err, frame[0], "error code")
		frame = frame[1:]
	}
	if vec != interp.ExcDF { // #DF's saved CS:EIP are undefined
		assert.Equal(t, body+uint32(c.eipOff), frame[0], "saved EIP (body at %#x)", body)
	}
	wantCS := uint32(selCode0)
	if c.ring3 {
		wantCS = selCode3
		assert.Equal(t, uint32(excESP0-4*(n)), cpu.R[interp.ESP], "ESP after the switch to TSS.ESP0")
		assert.Equal(t, uint32(excUserESP), frame[3], "saved ESP")
		assert.Equal(t, uint32(selData3), frame[4]&0xffff, "saved SS")
	}
	assert.Equal(t, wantCS, frame[1]&0xffff, "saved CS")
	assert.Equal(t, uint32(selCode0), uint32(cpu.Seg[interp.CS].Sel), "handler CS")
	assert.Zero(t, cpu.Flags()&interp.FlagIF, "interrupt gate clears IF")
	if vec == interp.ExcPF {
		assert.Equal(t, c.cr2, cpu.CR2, "CR2")
	}
}

// Encodings used below.
var (
	xorECX     = []byte{0x31, 0xc9} // xor ecx, ecx
	divECX     = []byte{0xf7, 0xf1} // div ecx
	idivECX    = []byte{0xf7, 0xf9} // idiv ecx
	movAXImm   = func(v uint16) []byte { return []byte{0x66, 0xb8, byte(v), byte(v >> 8)} }
	movDSAX    = []byte{0x8e, 0xd8}
	movESAX    = []byte{0x8e, 0xc0}
	movSSAX    = []byte{0x8e, 0xd0}
	movFSAX    = []byte{0x8e, 0xe0}
	movGSAX    = []byte{0x8e, 0xe8}
	loadAbs    = func(a uint32) []byte { return append([]byte{0xa1}, le(a, 32)...) } // mov eax, [a]
	storeAbs   = func(a uint32) []byte { return append([]byte{0xa3}, le(a, 32)...) } // mov [a], eax
	movEAXImm  = func(v uint32) []byte { return append([]byte{0xb8}, le(v, 32)...) }
	movEDXImm  = func(v uint32) []byte { return append([]byte{0xba}, le(v, 32)...) }
	movECXImm  = func(v uint32) []byte { return append([]byte{0xb9}, le(v, 32)...) }
	movESPImm  = func(v uint32) []byte { return append([]byte{0xbc}, le(v, 32)...) }
	movEBPImm  = func(v uint32) []byte { return append([]byte{0xbd}, le(v, 32)...) }
	setOFInto  = []byte{0xb0, 0x7f, 0x04, 0x01} // mov al,0x7f; add al,1 (OF=1)
	fld1       = []byte{0xd9, 0xe8}
	ud2        = []byte{0x0f, 0x0b}
	privileged = map[string][]byte{
		"hlt":         {0xf4},
		"cli":         {0xfa},
		"sti":         {0xfb},
		"mov cr0":     {0x0f, 0x22, 0xc0},
		"mov eax,cr3": {0x0f, 0x20, 0xd8},
		"lgdt":        {0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00},
		"lidt":        {0x0f, 0x01, 0x1d, 0x00, 0x20, 0x00, 0x00},
		"ltr":         {0x0f, 0x00, 0xd8},
		"invlpg":      {0x0f, 0x01, 0x38},
		"out":         {0xe6, 0x80},
		"in":          {0xec},
	}
)

// cat concatenates encodings.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func excCases() []excCase {
	cs := []excCase{
		{name: "DE/div_by_zero", body: cat(xorECX, divECX), vec: interp.ExcDE, eipOff: 2},
		{name: "DE/idiv_overflow", body: cat(movEAXImm(0x80000000), movEDXImm(0xffffffff), movECXImm(0xffffffff), idivECX),
			vec: interp.ExcDE, eipOff: 15},
		{name: "DE/div8_overflow", body: cat(movAXImm(0x1000), []byte{0xb3, 0x02, 0xf6, 0xf3}), vec: interp.ExcDE, eipOff: 6},
		{name: "DE/aam_0", body: []byte{0xd4, 0x00}, vec: interp.ExcDE, eipOff: 0},
		{name: "UD/ud2", body: ud2, vec: interp.ExcUD},
		{name: "UD/x87_fld1", body: fld1, vec: interp.ExcUD},
		{name: "UD/lock_nop", body: []byte{0xf0, 0x90}, vec: interp.ExcUD},
		{name: "UD/StopOnUD_fld1", body: cat(xorECX, fld1), stopUD: true, eipOff: 2},
		{name: "BP/int3", body: []byte{0xcc}, vec: interp.ExcBP, eipOff: 1},
		{name: "OF/into", body: cat(setOFInto, []byte{0xce}), vec: interp.ExcOF, eipOff: 5},
		{name: "OF/into_no_overflow", body: []byte{0x31, 0xc0, 0xce}, vec: -1},
		{name: "GP/ds_beyond_gdt", body: cat(movAXImm(0xbb8), movDSAX), vec: interp.ExcGP, err: 0xbb8, eipOff: 4},
		{name: "GP/ds_ldt_no_ldt", body: cat(movAXImm(0x0c), movDSAX), vec: interp.ExcGP, err: 0x0c, eipOff: 4},
		{name: "NP/es_not_present", body: cat(movAXImm(selNP), movESAX), vec: interp.ExcNP, err: selNP, eipOff: 4},
		{name: "SS/ss_not_present", body: cat(movAXImm(selNP), movSSAX), vec: interp.ExcSS, err: selNP, eipOff: 4},
		{name: "GP/ss_read_only", body: cat(movAXImm(selRO), movSSAX), vec: interp.ExcGP, err: selRO, eipOff: 4},
		{name: "GP/ss_null", body: cat([]byte{0x31, 0xc0}, movSSAX), vec: interp.ExcGP, err: 0, eipOff: 2},
		{name: "GP/ds_exec_only", body: cat(movAXImm(selXOnly), movDSAX), vec: interp.ExcGP, err: selXOnly, eipOff: 4},
		{name: "GP/ds_rpl3_dpl0", body: cat(movAXImm(selData0|3), movDSAX), vec: interp.ExcGP, err: selData0, eipOff: 4},
		{name: "GP/fs_null_use", body: cat([]byte{0x31, 0xc0}, movFSAX, []byte{0x64, 0x8b, 0x00}), vec: interp.ExcGP, eipOff: 4},
		{name: "GP/gs_read_only_write", body: cat(movAXImm(selRO), movGSAX, []byte{0x65, 0x89, 0x00}), vec: interp.ExcGP, eipOff: 6},
		{name: "GP/ds_limit", body: cat(movAXImm(selSmall), movDSAX, loadAbs(0xffe)), vec: interp.ExcGP, eipOff: 6},
		{name: "GP/int_beyond_idt", body: []byte{0xcd, 0xf0}, vec: interp.ExcGP, err: 0xf0<<3 | 2,
			setup: func(m *testMachine) { m.cpu.IDTR.Limit = 0x80*8 - 1 }},
		{name: "NP/int_gate_not_present", body: []byte{0xcd, 0x42}, vec: interp.ExcNP, err: 0x42<<3 | 2,
			setup: func(m *testMachine) { m.ram[excIDT+8*0x42+5] &^= 0x80 }},
		// #SS(0): an EBP-based access beyond a small SS limit, with ESP inside it.
		{name: "SS/ebp_beyond_limit", body: cat(movESPImm(0x800), movAXImm(selSmall), movSSAX, movEBPImm(0x2000), []byte{0x8b, 0x45, 0x00}),
			vec: interp.ExcSS, err: 0, eipOff: 16},
		{name: "DF/de_gate_not_present", body: cat(xorECX, divECX), vec: interp.ExcDF, err: 0,
			setup: func(m *testMachine) { m.ram[excIDT+5] &^= 0x80 }},
		// Paging (CR0.WP=1 unless noWP).
		{name: "PF/ring0_not_present_read", paging: true, body: loadAbs(excPageNP + 0x10), vec: interp.ExcPF, err: 0, cr2: excPageNP + 0x10},
		{name: "PF/ring0_not_present_write", paging: true, body: storeAbs(excPageNP + 0xffc), vec: interp.ExcPF, err: 2, cr2: excPageNP + 0xffc},
		{name: "PF/ring0_write_read_only_WP", paging: true, body: storeAbs(excPageRO + 8), vec: interp.ExcPF, err: 3, cr2: excPageRO + 8},
		{name: "PF/ring0_write_read_only_noWP", paging: true, noWP: true, body: storeAbs(excPageRO + 8), vec: -1},
		{name: "PF/ring3_not_present_read", paging: true, ring3: true, body: loadAbs(excPageNP), vec: interp.ExcPF, err: 4, cr2: excPageNP},
		{name: "PF/ring3_write_read_only", paging: true, ring3: true, noWP: true, body: storeAbs(excPageRO + 4), vec: interp.ExcPF, err: 7, cr2: excPageRO + 4},
		{name: "PF/ring3_read_supervisor", paging: true, ring3: true, body: loadAbs(excPageSup + 0x20), vec: interp.ExcPF, err: 5, cr2: excPageSup + 0x20},
		{name: "PF/ring3_write_supervisor", paging: true, ring3: true, body: storeAbs(excPageSup), vec: interp.ExcPF, err: 7, cr2: excPageSup},
		{name: "PF/ring3_read_user_ro_ok", paging: true, ring3: true, body: cat(loadAbs(excPageRO), []byte{0xcc}), vec: interp.ExcBP, eipOff: 6},
		// Ring 3.
		{name: "ring3/int3", ring3: true, body: []byte{0xcc}, vec: interp.ExcBP, eipOff: 1},
		{name: "ring3/into", ring3: true, body: cat(setOFInto, []byte{0xce}), vec: interp.ExcOF, eipOff: 5},
		{name: "ring3/int_dpl0_gate", ring3: true, body: []byte{0xcd, 0x40}, vec: interp.ExcGP, err: 0x40<<3 | 2},
		{name: "ring3/div_by_zero", ring3: true, body: cat(xorECX, divECX), vec: interp.ExcDE, eipOff: 2},
		{name: "ring3/load_ds_dpl0", ring3: true, body: cat(movAXImm(selData0), movDSAX), vec: interp.ExcGP, err: selData0, eipOff: 4},
	}
	for _, name := range slices.Sorted(maps.Keys(privileged)) {
		cs = append(cs, excCase{name: "ring3/GP_" + name, ring3: true, body: privileged[name], vec: interp.ExcGP, err: 0})
	}
	return cs
}

func TestExcCPU(t *testing.T) {
	for _, c := range excCases() {
		t.Run(c.name, func(t *testing.T) { runExcCase(t, c) })
	}
}

// TestExcTripleFault: with an empty IDT every exception escalates to a
// double fault and then to shutdown.
func TestExcTripleFault(t *testing.T) {
	m, _ := excSystem(t, excCase{body: cat(xorECX, divECX)})
	m.cpu.IDTR.Limit = 0
	m.run(t, 1000, interp.StopShutdown)
}

// TestExcBodies checks that every exception body disassembles (x86asm)
// without error, so a typo in an encoding shows up as itself.
func TestExcBodies(t *testing.T) {
	for _, c := range excCases() {
		for off := 0; off < len(c.body); {
			in, err := x86asm.Decode(c.body[off:], 32)
			require.NoError(t, err, "%s at +%d: % x", c.name, off, c.body)
			off += in.Len
		}
	}
}
