package interp

import (
	"debug/elf"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/internal/guestbuild"
)

// A freestanding C program compiled by gcc -m32 -O2 the way the guest
// kernel is, run on interp; it writes its results to 0x3000 and halts.
const gccProg = `
typedef unsigned int u32;
typedef unsigned long long u64;
struct big { int a[9]; char c; };
static volatile u32 *const out = (u32 *)0x3000;

static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int classify(int x) {
	switch (x) {
	case 0: return 10; case 1: return 20; case 2: return 33; case 3: return 47;
	case 4: return 51; case 5: return 66; case 6: return 70; default: return -1;
	}
}

__attribute__((noinline)) static void copy(struct big *d, const struct big *s) { *d = *s; }

__attribute__((noinline)) static u32 hash(const char *s) {
	u32 h = 2166136261u;
	while (*s) { h ^= (unsigned char)*s++; h *= 16777619u; }
	return h;
}

void _start(void) {
	struct big a, b;
	int i;
	for (i = 0; i < 9; i++) a.a[i] = i * i - 7;
	a.c = 'x';
	copy(&b, &a);
	out[0] = fib(20);
	out[1] = classify(3) + classify(9) + classify(6);
	out[2] = b.a[8] + b.c;
	out[3] = hash("dragonfly");
	u32 x = 0x12345678;
	out[4] = (x >> 7) | (x << 25);
	out[5] = (u32)((int)-1000 / 7) ^ (u32)((int)-1000 % 7);
	out[6] = 13 + __builtin_ctz(x) * 100 + __builtin_clz(x) * 10000;
	u64 m = (u64)x * 0x9abcdef1u;
	out[7] = (u32)(m >> 32);
	out[8] = (u32)m;
	signed char sc = -5; short ss = -300;
	out[9] = (u32)(sc * ss) + (x > 5 ? 1 : 0);
	__asm__ volatile("hlt");
}
`

func TestGccProgram(t *testing.T) {
	guestbuild.Need(t)
	for _, opt := range []string{"-O0", "-O2", "-Os", "-O3"} {
		t.Run(opt, func(t *testing.T) { runGccProgram(t, opt) })
	}
}

func runGccProgram(t *testing.T, opt string) {
	elfPath := guestbuild.Build(t, guestbuild.Spec{
		CFlags: []string{opt, "-fno-omit-frame-pointer", "-ffreestanding", "-mgeneral-regs-only", "-fno-pic",
			"-fno-stack-protector", "-nostdlib"},
		LDFlags: []string{"-static", "-Ttext=0x1000", "--build-id=none"},
		Sources: []guestbuild.Source{guestbuild.Text("p.c", gccProg)}})
	f, err := elf.Open(elfPath)
	require.NoError(t, err)
	defer f.Close()
	c, _ := newTestCPU(t, nil)
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			_, err := p.ReadAt(c.ram[p.Paddr:p.Paddr+p.Filesz], 0)
			require.NoError(t, err)
		}
	}
	c.EIP = uint32(f.Entry)
	c.cfg.StopOnUD = true
	require.Equal(t, StopHaltNoIntr, c.Run(10_000_000), "%s\n%s", c.LastFault, c.Dump())

	hash := uint32(2166136261)
	for _, ch := range []byte("dragonfly") {
		hash ^= uint32(ch)
		hash *= 16777619
	}
	x := uint32(0x12345678)
	m := uint64(x) * 0x9abcdef1
	want := []uint32{
		6765,
		47 - 1 + 70,
		8*8 - 7 + 'x',
		hash,
		x>>7 | x<<25,
		uint32(0xFFFFFF72) ^ uint32(0xFFFFFFFA), // -142 ^ -6
		13 + 3*100 + 3*10000,
		uint32(m >> 32),
		uint32(m),
		1500 + 1,
	}
	for k, w := range want {
		assert.Equal(t, w, c.mem32(0x3000+uint32(4*k)), "out[%d]", k)
	}
}
