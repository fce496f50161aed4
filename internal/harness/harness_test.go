package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/guest"
)

func TestQEMUArgs(t *testing.T) {
	args := QEMUArgs("kernel.elf", "test=modules mem=256", []string{"mod0.bin crc32=0x1", "b.elf a,b"}, 256, 1)
	assert.Equal(t, []string{
		"-kernel", "kernel.elf", "-m", "256", "-smp", "1,sockets=1",
		"-display", "none", "-serial", "stdio", "-monitor", "none",
		"-no-reboot", "-nic", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-append", "test=modules mem=256",
		"-initrd", "mod0.bin crc32=0x1,b.elf a,,b",
	}, args)
}

func TestQEMUArgsSMPIsOneCoreSockets(t *testing.T) {
	args := QEMUArgs("kernel.elf", "", nil, 64, 4)
	assert.Equal(t, []string{"-smp", "4,sockets=4"}, args[4:6])
}

func TestWantLineSuiteIsOneTestPoint(t *testing.T) {
	s := guest.Suite{Name: "boot", WantLine: "boot complete"}
	ok := Run{Suite: s, Console: []byte("hello\r\nboot complete\r\n")}
	rep := ok.TAP()
	require.Len(t, rep.Results, 1)
	assert.True(t, rep.Results[0].OK)
	assert.Equal(t, `console says "boot complete"`, rep.Results[0].Description)
	assert.Empty(t, ok.Problems())

	bad := Run{Suite: s, Console: []byte("boot complete not\n"), Status: 4, Reason: "triple fault", Machine: "dfemu"}
	rep = bad.TAP()
	require.Len(t, rep.Results, 1)
	assert.False(t, rep.Results[0].OK)
	assert.Equal(t, []string{"dfemu exit status 4 (triple fault), want 0"}, bad.Problems())
}

func TestProblemsOfATAPSuite(t *testing.T) {
	s := guest.Suite{Name: "memmap", ExpectStatus: 0}
	assert.Equal(t, []string{"no TAP output"}, Run{Suite: s}.Problems())
	assert.Empty(t, Run{Suite: s, Console: []byte("TAP version 13\n1..1\nnot ok 1 - x\n")}.Problems(),
		"a failed test point is not a problem of the run as a whole")
	assert.Equal(t, []string{"qemu exit status 8 (qemu killed after 40s), want 0", "planned 2 test points, ran 1"},
		Run{Suite: s, Machine: "qemu", Status: 8, Reason: "qemu killed after 40s", Console: []byte("1..2\nok 1\n")}.Problems())
}
