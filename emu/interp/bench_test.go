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

// benchCalls is call/ret/push/pop heavy, like compiled C: recursive fib.
const benchCalls = `
2:	push $24
	call fib
	add $4, %esp
	jmp 2b
fib:	push %ebp
	mov %esp, %ebp
	push %ebx
	mov 8(%ebp), %eax
	cmp $1, %eax
	jbe 1f
	lea -1(%eax), %edx
	push %edx
	call fib
	mov %eax, %ebx
	mov 8(%ebp), %eax
	sub $2, %eax
	mov %eax, (%esp)
	call fib
	add $4, %esp
	add %ebx, %eax
1:	pop %ebx
	pop %ebp
	ret`

// BenchmarkCalls reports guest MIPS on benchCalls.
func BenchmarkCalls(b *testing.B) {
	c, _ := newTestCPU(b, assemble(b, benchCalls, testCode))
	c.Run(1000)
	b.ReportAllocs()
	b.ResetTimer()
	start := c.Insns
	for n := 0; n < b.N; n++ {
		if r := c.Run(1 << 20); r != StopBudget {
			b.Fatalf("stopped: %v %s", r, c.LastFault)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(c.Insns-start)/b.Elapsed().Seconds()/1e6, "MIPS")
}
