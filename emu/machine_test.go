package emu

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"dfemu/emu/internal/mbimage"
	"dfemu/emu/multiboot"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-assembled guest routines (32-bit code, Intel syntax in comments).
var (
	// mov eax, 0x7F; jmp skip-if-magic: exit 0x7F unless EAX=0x2BADB002.
	checkMagic = []byte{
		0x3D, 0x02, 0xB0, 0xAD, 0x2B, // cmp eax, 0x2BADB002
		0x74, 0x07, //                   je +7
		0xB8, 0x7F, 0, 0, 0, //          mov eax, 0x7F
		0xE7, 0xF4, //                   out 0xF4, eax
	}
	// Print the Multiboot command line (EBX = info, cmdline at +16).
	printCmdline = []byte{
		0x8B, 0x73, 0x10, //       mov esi, [ebx+16]
		0x66, 0xBA, 0xF8, 0x03, // mov dx, 0x3F8
		0xAC,       //             loop: lodsb
		0x84, 0xC0, //             test al, al
		0x74, 0x03, //             jz done
		0xEE,       //             out dx, al
		0xEB, 0xF8, //             jmp loop
	}
	setStack = []byte{0xBC, 0x00, 0x00, 0x09, 0x00} // mov esp, 0x90000
	hltLoop  = []byte{0xF4, 0xEB, 0xFD}             // hlt; jmp hlt
)

// exitWith writes v to the debug-exit port: status (v<<1)|1.
func exitWith(v byte) []byte { return []byte{0xB8, v, 0, 0, 0, 0xE7, 0xF4} }

// putc prints one byte on COM1.
func putc(c byte) []byte { return []byte{0x66, 0xBA, 0xF8, 0x03, 0xB0, c, 0xEE} }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

type run struct {
	res            Result
	stdout, stderr string
}

func boot(t *testing.T, code []byte, tweak func(*Config)) run {
	t.Helper()
	var out, errw bytes.Buffer
	cfg := Config{Kernel: mbimage.Kernel(code), KernelName: "hello.elf", Cmdline: "say hi",
		MemMiB: 16, Stdout: &out, Stderr: &errw, Timeout: 10 * time.Second}
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := New(cfg)
	require.NoError(t, err)
	defer m.Close()
	res := m.Run()
	return run{res, out.String(), errw.String()}
}

func TestBootHello(t *testing.T) {
	r := boot(t, helloCode(), nil)
	assert.Equal(t, "hello.elf say hi\nhi", r.stdout)
	assert.Equal(t, 0x55, r.res.Status, "(0x2A<<1)|1")
	assert.Equal(t, "guest exit 0x2a (status 85)", r.res.Reason)
	assert.Empty(t, r.res.Report)
	assert.Empty(t, r.stderr)
}

func TestBootAoutKernel(t *testing.T) {
	var out bytes.Buffer
	m, err := New(Config{Kernel: mbimage.Aout(cat(checkMagic, putc('A'), exitWith(0)), 0x1000), Stdout: &out})
	require.NoError(t, err)
	defer m.Close()
	r := m.Run()
	assert.Equal(t, 1, r.Status)
	assert.Equal(t, "A", out.String())
}

func TestPowerOff(t *testing.T) {
	code := cat([]byte{
		0x66, 0xBA, 0x04, 0x06, // mov dx, 0x604
		0x66, 0xB8, 0x00, 0x20, // mov ax, 0x2000
		0x66, 0xEF, //             out dx, ax
	}, hltLoop)
	r := boot(t, code, nil)
	assert.Equal(t, ExitPowerOff, r.res.Status)
	assert.Equal(t, "power off", r.res.Reason)
}

func TestUnknownPortReadsOnesAndIsLoggedOnce(t *testing.T) {
	in := []byte{0x66, 0xBA, 0x34, 0x12, 0xEC}                         // mov dx, 0x1234; in al, dx
	code := cat(in, in, []byte{0x0F, 0xB6, 0xC0, 0xE7, 0xF4}, hltLoop) // movzx eax, al; out 0xF4, eax
	r := boot(t, code, nil)
	assert.Equal(t, 0xFF, r.res.Status, "(0xFF<<1|1)&0xFF: the read gave all ones")
	assert.Equal(t, 1, strings.Count(r.stderr, "unknown port 0x1234 read (size 1) at EIP 0x"), r.stderr)
}

func TestDeaths(t *testing.T) {
	cases := []struct {
		name   string
		code   []byte
		tweak  func(*Config)
		status int
		reason string
	}{
		{"triple fault", cat(setStack, []byte{
			0x6A, 0x00, 0x6A, 0x00, // push 0; push 0
			0x0F, 0x01, 0x1C, 0x24, // lidt [esp]: an empty IDT
			0xCC, //                   int3: #GP, #DF, shutdown
		}, hltLoop), nil, ExitTripleFault, "triple fault"},
		{"hlt with IF=0", []byte{0xFA, 0xF4}, nil, ExitHaltNoIntr, "hlt with interrupts disabled"},
		{"hlt with no interrupt source", []byte{0xFB, 0xF4, 0xEB, 0xFD}, nil, ExitHaltNoIntr, "hlt with no interrupt due"},
		{"timeout", []byte{0xEB, 0xFE}, func(c *Config) { c.Timeout = 200 * time.Millisecond }, ExitTimeout, "timeout"},
		{"strict unknown port", cat([]byte{0x66, 0xBA, 0x34, 0x12, 0xEC}, exitWith(0)),
			func(c *Config) { c.Strict = true }, ExitStrictPort, "unknown port 0x1234 read (size 1) at EIP 0x"},
		{"unimplemented instruction", cat([]byte{0xDB, 0xE3}, exitWith(0)), // fninit: no x87
			func(c *Config) { c.StopOnUD = true }, ExitUnimpl, "unimplemented instruction"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := boot(t, c.code, c.tweak)
			assert.Equal(t, c.status, r.res.Status, r.res.Reason)
			assert.Contains(t, r.res.Reason, c.reason)
			assert.Contains(t, r.res.Report, "EIP", "a death carries the registers")
			assert.True(t, strings.HasPrefix(r.stderr, "dfemu: "+r.res.Reason+"\n"), r.stderr)
			assert.Contains(t, r.stderr, r.res.Report)
		})
	}
}

func TestNewErrors(t *testing.T) {
	good := mbimage.Kernel(hltLoop)
	_, err := New(Config{})
	assert.ErrorIs(t, err, ErrNoKernel)
	_, err = New(Config{Kernel: good, MemMiB: 1})
	assert.ErrorContains(t, err, "out of range")
	_, err = New(Config{Kernel: good, MemMiB: 4000})
	assert.ErrorContains(t, err, "out of range")
	_, err = New(Config{Kernel: []byte("not a kernel")})
	var me *multiboot.Error
	assert.ErrorAs(t, err, &me)
	_, err = New(Config{Kernel: good, MemMiB: 2, Modules: []Module{{String: "big", Data: make([]byte, 2<<20)}}})
	assert.ErrorAs(t, err, &me)
}

func TestNewLoadsBootState(t *testing.T) {
	m, err := New(Config{Kernel: mbimage.Kernel(hltLoop), MemMiB: 8,
		Modules: []Module{{String: "m.elf x", Data: []byte("payload")}}})
	require.NoError(t, err)
	defer m.Close()
	c := m.cpus[0].(interpCPU)
	assert.Equal(t, uint32(0x2BADB002), c.R[0])
	assert.Equal(t, uint32(InfoAreaStart), c.R[3])
	assert.Equal(t, uint32(0x10000C), c.EIP)
	assert.Equal(t, "payload", string(m.RAM[m.Boot.Modules[0].Start:m.Boot.Modules[0].End]))
	assert.Equal(t, "uart", m.Ports.Owner(PortCOM1+5))
	assert.Equal(t, "debug-exit", m.Ports.Owner(PortDebugExit))
}
