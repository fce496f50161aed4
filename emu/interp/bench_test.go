package interp

import (
	"testing"
)

// benchLoop is a CPU-bound integer loop: add, cmp, jnz, mov reg/mem.
const benchLoop = `
	mov $0x2000, %esi
	xor %eax, %eax
	xor %ebx, %ebx
1:	mov (%esi), %edx
	add %edx, %eax
	add $3, %ebx
	mov %eax, 4(%esi)
	cmp $0x7fffffff, %ebx
	jne 1b
	hlt`

// BenchmarkLoop reports guest MIPS on benchLoop:
//
//	go test -run '^$' -bench Loop -benchmem ./emu/interp/
func BenchmarkLoop(b *testing.B) {
	c, _ := newTestCPU(b, assemble(b, benchLoop, testCode))
	c.Run(1000) // warm the decode cache and TLB
	const chunk = 1 << 20
	b.ReportAllocs()
	b.ResetTimer()
	start := c.Insns
	for n := 0; n < b.N; n++ {
		if r := c.Run(chunk); r != StopBudget {
			b.Fatalf("stopped: %v %s", r, c.LastFault)
		}
	}
	b.StopTimer()
	insns := float64(c.Insns - start)
	b.ReportMetric(insns/b.Elapsed().Seconds()/1e6, "MIPS")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/insns, "ns/insn")
}
