package interp_test

// Table tests of short instruction sequences on interp: conditions
// (setcc/cmovcc/jcc for all 16), stack, call/ret, string instructions
// with rep in both directions, enter/leave, lea address forms, and
// instructions that straddle a page boundary. Expected values are worked
// out from the SDM by hand; each sequence's disassembly is checked with
// x86asm so the bytes are what the comment says.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/arch/x86/x86asm"

	"dfemu/emu/interp"
)

// condition evaluates condition code cc (the low nibble of Jcc/SETcc/
// CMOVcc) on flags f, from the SDM's "Jcc" table.
func condition(cc int, f uint32) bool {
	cf, zf, sf, of, pf := f&fCF != 0, f&fZF != 0, f&fSF != 0, f&fOF != 0, f&fPF != 0
	var r bool
	switch cc >> 1 {
	case 0:
		r = of
	case 1:
		r = cf
	case 2:
		r = zf
	case 3:
		r = cf || zf
	case 4:
		r = sf
	case 5:
		r = pf
	case 6:
		r = sf != of
	case 7:
		r = zf || sf != of
	}
	return r != (cc&1 == 1)
}

// TestTableConditions runs setcc al; cmovcc ebx, ecx; jcc +1; inc edx for
// every condition and every combination of CF ZF SF OF PF.
func TestTableConditions(t *testing.T) {
	var snippets [][]byte
	for cc := range 16 {
		snippets = append(snippets, []byte{
			0x0f, 0x90 | byte(cc), 0xc0, // setcc al
			0x0f, 0x40 | byte(cc), 0xd9, // cmovcc ebx, ecx
			0x70 | byte(cc), 0x01, // jcc +1
			0x42, // inc edx (skipped when taken)
		})
	}
	m, addrs := snippetMachine(t, snippets)
	for cc := range 16 {
		for combo := range 32 {
			var f uint32
			for i, bit := range []uint32{fCF, fZF, fSF, fOF, fPF} {
				if combo>>i&1 != 0 {
					f |= bit
				}
			}
			in := regs{A: 0xaaaaaaaa, B: 0x1111, C: 0x2222, D: 0x10, F: f}
			got := m.runSnippet(t, addrs[cc], in)
			want := in
			taken := condition(cc, f)
			if taken {
				want.A, want.B = 0xaaaaaa01, 0x2222
			} else {
				want.A, want.D = 0xaaaaaa00, 0x11
				want.F = f&^(fZF|fSF|fOF|fPF|fAF) | 0 // inc edx: 0x11 sets PF, clears the rest
				want.F |= fPF
			}
			in2, _ := x86asm.Decode(snippets[cc], 32)
			got.F &= arith | interp.FlagDF
			require.Equal(t, want.words(), got.words(), "%s with flags %s", x86asm.IntelSyntax(in2, 0, nil), flagString(f))
		}
	}
}

// seq is one sequence test: code, registers and memory in, registers and
// memory out (the registers not named keep their input values).
type seq struct {
	name    string
	asm     string // x86asm's Intel syntax of code, "; "-separated
	code    []byte
	in      map[int]uint32
	flags   uint32
	mem     map[uint32]uint32
	want    map[int]uint32
	wantMem map[uint32]uint32
}

const seqStack = 0x8000

var seqs = []seq{
	{name: "push_pop", asm: "push eax; push ebx; pop ecx; pop edx",
		code: []byte{0x50, 0x53, 0x59, 0x5a},
		in:   map[int]uint32{interp.EAX: 0xa, interp.EBX: 0xb},
		want: map[int]uint32{interp.ECX: 0xb, interp.EDX: 0xa}, wantMem: map[uint32]uint32{seqStack - 4: 0xa, seqStack - 8: 0xb}},
	{name: "push_imm_pop_mem", asm: "push 0x12345678; pop dword ptr [0x2000]; push word ptr [0x2000]; pop ax",
		code: []byte{0x68, 0x78, 0x56, 0x34, 0x12, 0x8f, 0x05, 0x00, 0x20, 0x00, 0x00, 0x66, 0xff, 0x35, 0x00, 0x20, 0x00, 0x00, 0x66, 0x58},
		in:   map[int]uint32{interp.EAX: 0xffffffff},
		want: map[int]uint32{interp.EAX: 0xffff5678}, wantMem: map[uint32]uint32{0x2000: 0x12345678}},
	{name: "pushad_popad", asm: "pushad; xor eax, eax; xor edi, edi; popad",
		code:    []byte{0x60, 0x31, 0xc0, 0x31, 0xff, 0x61},
		in:      map[int]uint32{interp.EAX: 1, interp.ECX: 2, interp.EDX: 3, interp.EBX: 4, interp.EBP: 6, interp.ESI: 7, interp.EDI: 8},
		wantMem: map[uint32]uint32{seqStack - 4: 1, seqStack - 8: 2, seqStack - 16: 4, seqStack - 20: seqStack, seqStack - 32: 8}},
	{name: "call_ret", asm: "call .+0x3; inc eax; jmp .+0x2; inc ebx; ret",
		code: []byte{0xe8, 0x03, 0x00, 0x00, 0x00, 0x40, 0xeb, 0x02, 0x43, 0xc3},
		in:   map[int]uint32{interp.EAX: 1, interp.EBX: 1},
		want: map[int]uint32{interp.EAX: 2, interp.EBX: 2}},
	{name: "call_ret_imm", asm: "push eax; call .+0x2; jmp .+0x3; ret 0x4",
		code: []byte{0x50, 0xe8, 0x02, 0x00, 0x00, 0x00, 0xeb, 0x03, 0xc2, 0x04, 0x00},
		want: map[int]uint32{interp.ESP: seqStack}},
	{name: "rep_movsb_forward", asm: "rep movsb byte ptr [edi], byte ptr [esi]",
		code: []byte{0xf3, 0xa4},
		in:   map[int]uint32{interp.ESI: 0x2000, interp.EDI: 0x3000, interp.ECX: 7},
		mem:  map[uint32]uint32{0x2000: 0x44332211, 0x2004: 0x88776655},
		want: map[int]uint32{interp.ESI: 0x2007, interp.EDI: 0x3007, interp.ECX: 0}, wantMem: map[uint32]uint32{0x3000: 0x44332211, 0x3004: 0x00776655}},
	{name: "rep_movsd_backward", asm: "std; rep movsd dword ptr [edi], dword ptr [esi]; cld",
		code: []byte{0xfd, 0xf3, 0xa5, 0xfc},
		in:   map[int]uint32{interp.ESI: 0x2004, interp.EDI: 0x3004, interp.ECX: 2},
		mem:  map[uint32]uint32{0x2000: 0x11111111, 0x2004: 0x22222222},
		want: map[int]uint32{interp.ESI: 0x1ffc, interp.EDI: 0x2ffc, interp.ECX: 0}, wantMem: map[uint32]uint32{0x3000: 0x11111111, 0x3004: 0x22222222}},
	{name: "rep_stosw_backward", asm: "std; rep stosw word ptr [edi]; cld",
		code: []byte{0xfd, 0x66, 0xf3, 0xab, 0xfc},
		in:   map[int]uint32{interp.EAX: 0xbeef, interp.EDI: 0x3002, interp.ECX: 2},
		want: map[int]uint32{interp.EDI: 0x2ffe, interp.ECX: 0}, wantMem: map[uint32]uint32{0x3000: 0xbeefbeef}},
	{name: "rep_zero_count", asm: "rep stosd dword ptr [edi]",
		code: []byte{0xf3, 0xab},
		in:   map[int]uint32{interp.EAX: 0xbeef, interp.EDI: 0x3000, interp.ECX: 0},
		want: map[int]uint32{interp.EDI: 0x3000}, wantMem: map[uint32]uint32{0x3000: 0}},
	{name: "repe_cmpsb", asm: "rep cmpsb byte ptr [esi], byte ptr [edi]",
		code: []byte{0xf3, 0xa6},
		in:   map[int]uint32{interp.ESI: 0x2000, interp.EDI: 0x3000, interp.ECX: 8},
		mem:  map[uint32]uint32{0x2000: 0x44332211, 0x3000: 0x45332211},
		// stops after the 4th byte (0x44 vs 0x45): 0x44-0x45 borrows.
		want: map[int]uint32{interp.ESI: 0x2004, interp.EDI: 0x3004, interp.ECX: 4}},
	{name: "repne_scasb", asm: "repne scasb byte ptr [edi]",
		code: []byte{0xf2, 0xae},
		in:   map[int]uint32{interp.EAX: 0x33, interp.EDI: 0x2000, interp.ECX: 8},
		mem:  map[uint32]uint32{0x2000: 0x44332211},
		want: map[int]uint32{interp.EDI: 0x2003, interp.ECX: 5}},
	{name: "lodsd_stosd", asm: "lodsd dword ptr [esi]; stosd dword ptr [edi]",
		code: []byte{0xad, 0xab},
		in:   map[int]uint32{interp.ESI: 0x2000, interp.EDI: 0x3000},
		mem:  map[uint32]uint32{0x2000: 0xfeedface},
		want: map[int]uint32{interp.EAX: 0xfeedface, interp.ESI: 0x2004, interp.EDI: 0x3004}, wantMem: map[uint32]uint32{0x3000: 0xfeedface}},
	{name: "enter_leave", asm: "enter 0x10, 0x0; mov ecx, esp; mov edx, ebp; leave",
		code:    []byte{0xc8, 0x10, 0x00, 0x00, 0x89, 0xe1, 0x89, 0xea, 0xc9},
		in:      map[int]uint32{interp.EBP: 0x7777},
		want:    map[int]uint32{interp.ECX: seqStack - 4 - 0x10, interp.EDX: seqStack - 4, interp.EBP: 0x7777, interp.ESP: seqStack},
		wantMem: map[uint32]uint32{seqStack - 4: 0x7777}},
	{name: "enter_nested", asm: "enter 0x8, 0x2",
		code:    []byte{0xc8, 0x08, 0x00, 0x02},
		in:      map[int]uint32{interp.EBP: 0x6000},
		mem:     map[uint32]uint32{0x6000 - 4: 0xabcd},
		want:    map[int]uint32{interp.EBP: seqStack - 4, interp.ESP: seqStack - 12 - 8},
		wantMem: map[uint32]uint32{seqStack - 4: 0x6000, seqStack - 8: 0xabcd, seqStack - 12: seqStack - 4}},
	{name: "lea_sib_disp8", asm: "lea eax, ptr [ebx+4*ecx+0x10]",
		code: []byte{0x8d, 0x44, 0x8b, 0x10},
		in:   map[int]uint32{interp.EBX: 0x1000, interp.ECX: 3},
		want: map[int]uint32{interp.EAX: 0x101c}},
	{name: "lea_disp32", asm: "lea eax, ptr [ebx+0x12345678]",
		code: []byte{0x8d, 0x83, 0x78, 0x56, 0x34, 0x12},
		in:   map[int]uint32{interp.EBX: 0xf0000000},
		want: map[int]uint32{interp.EAX: 0x02345678}},
	{name: "lea_index_only", asm: "lea eax, ptr [8*ecx+0x100]",
		code: []byte{0x8d, 0x04, 0xcd, 0x00, 0x01, 0x00, 0x00},
		in:   map[int]uint32{interp.ECX: 0x20},
		want: map[int]uint32{interp.EAX: 0x200}},
	{name: "lea_esp_ebp", asm: "lea eax, ptr [esp+0x8]; lea edx, ptr [ebp-0x4]",
		code: []byte{0x8d, 0x44, 0x24, 0x08, 0x8d, 0x55, 0xfc},
		in:   map[int]uint32{interp.EBP: 0x100},
		want: map[int]uint32{interp.EAX: seqStack + 8, interp.EDX: 0xfc}},
	{name: "lea_addr16", asm: "lea eax, ptr [bx+si*1+0x10]; lea edx, ptr [bp-0x2]; lea ecx, ptr [0x1234]",
		code: []byte{0x67, 0x8d, 0x40, 0x10, 0x67, 0x8d, 0x56, 0xfe, 0x67, 0x8d, 0x0e, 0x34, 0x12},
		in:   map[int]uint32{interp.EBX: 0x1fff0, interp.ESI: 0x20, interp.EBP: 0x10001},
		want: map[int]uint32{interp.EAX: 0x20, interp.EDX: 0xffff, interp.ECX: 0x1234}},
	{name: "lea_operand16", asm: "lea ax, ptr [ebx+ecx]",
		code: []byte{0x66, 0x8d, 0x04, 0x0b},
		in:   map[int]uint32{interp.EAX: 0xdead0000, interp.EBX: 0x12345, interp.ECX: 0x1},
		want: map[int]uint32{interp.EAX: 0xdead2346}},
	{name: "movsx_movzx_mem", asm: "movsx eax, byte ptr [0x2000]; movzx edx, word ptr [0x2000]",
		code: []byte{0x0f, 0xbe, 0x05, 0x00, 0x20, 0x00, 0x00, 0x0f, 0xb7, 0x15, 0x00, 0x20, 0x00, 0x00},
		mem:  map[uint32]uint32{0x2000: 0x8180},
		want: map[int]uint32{interp.EAX: 0xffffff80, interp.EDX: 0x8180}},
	{name: "xchg_mem", asm: "xchg dword ptr [0x2000], eax",
		code: []byte{0x87, 0x05, 0x00, 0x20, 0x00, 0x00},
		in:   map[int]uint32{interp.EAX: 5}, mem: map[uint32]uint32{0x2000: 9},
		want: map[int]uint32{interp.EAX: 9}, wantMem: map[uint32]uint32{0x2000: 5}},
	{name: "lock_cmpxchg_mem", asm: "lock cmpxchg dword ptr [0x2000], ecx",
		code: []byte{0xf0, 0x0f, 0xb1, 0x0d, 0x00, 0x20, 0x00, 0x00},
		in:   map[int]uint32{interp.EAX: 9, interp.ECX: 7}, mem: map[uint32]uint32{0x2000: 9},
		wantMem: map[uint32]uint32{0x2000: 7}},
	{name: "loop", asm: "inc eax; loop .-0x3",
		code: []byte{0x40, 0xe2, 0xfd},
		in:   map[int]uint32{interp.ECX: 5},
		want: map[int]uint32{interp.EAX: 5, interp.ECX: 0}},
}

func TestTableSequences(t *testing.T) {
	for _, s := range seqs {
		t.Run(s.name, func(t *testing.T) {
			var asm []string
			for off := 0; off < len(s.code); {
				in, err := x86asm.Decode(s.code[off:], 32)
				require.NoError(t, err)
				asm = append(asm, x86asm.IntelSyntax(in, 0, nil))
				off += in.Len
			}
			require.Equal(t, s.asm, strings.Join(asm, "; "), "encoding")

			m, addrs := snippetMachine(t, [][]byte{s.code})
			for a, v := range s.mem {
				m.put32(a, v)
			}
			c := m.cpu
			var in [8]uint32
			in[interp.ESP] = seqStack
			for r, v := range s.in {
				in[r] = v
			}
			c.R = in
			c.EIP = addrs[0]
			c.SetFlags(s.flags | 2)
			m.run(t, 1000, interp.StopRequested)
			want := in
			for r, v := range s.want {
				want[r] = v
			}
			assert.Equal(t, want, c.R, "registers")
			assert.Equal(t, addrs[0]+uint32(len(s.code))+uint32(len(stopCode)), c.EIP, "EIP")
			for a, v := range s.wantMem {
				assert.Equal(t, v, m.word(a), "memory at %#x", a)
			}
		})
	}
}

// TestTablePageStraddle runs mov edx, imm32 (5 bytes) placed so that 1..4
// of its bytes lie on the next page; interp must fetch across the page
// boundary.
func TestTablePageStraddle(t *testing.T) {
	for split := 1; split <= 4; split++ {
		m := newMachine(0x20000, false)
		at := uint32(0x10000 - split)
		m.put(at, 0xba, 0x78, 0x56, 0x34, 0x12)
		m.put(at+5, stopCode...)
		m.cpu.EnterFlatProtected(at)
		m.run(t, 10, interp.StopRequested)
		assert.Equal(t, uint32(0x12345678), m.cpu.R[interp.EDX], "mov edx, imm32 with %d byte(s) before the page end", split)
	}
}
