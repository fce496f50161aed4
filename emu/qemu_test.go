package emu

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dfemu/emu/internal/mbimage"
	"dfemu/internal/qemurun"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helloCode prints the Multiboot command line, a newline and "hi", then
// exits with 0x2A: the same image boots on dfemu (TestBootHello) and
// under QEMU (TestQEMUBootsHello), with the same console text.
func helloCode() []byte {
	return cat(checkMagic, printCmdline, putc('\n'), putc('h'), putc('i'), exitWith(0x2A), hltLoop)
}

// qemuImages are kernels whose loading we check against QEMU: the
// command line QEMU builds, the a.out kludge, a virtual ELF entry point.
func qemuImages() []struct {
	name, append, want string
	kernel             []byte
} {
	hi := helloCode()
	hdr := mbimage.Header(3)
	virt := mbimage.ELF(0xC010000C, mbimage.Segment{Vaddr: 0xC0100000, Paddr: 0x100000, Data: append(hdr, hi...)})
	return []struct {
		name, append, want string
		kernel             []byte
	}{
		{"elf", "say hi", "hello.elf say hi\nhi", mbimage.Kernel(hi)},
		{"no append", "", "hello.elf \nhi", mbimage.Kernel(hi)},
		{"a.out kludge", "x", "hello.elf x\nhi", mbimage.Aout(hi, 0x1000)},
		{"virtual entry", "v", "hello.elf v\nhi", virt},
	}
}

// TestQEMUBootsHello boots the hand-made kernels under qemu-system-i386,
// the reference machine: the console text (QEMU's Multiboot command
// line is "kernelpath append") and the exit status must be what dfemu
// gives (TestBootLikeQEMU).
func TestQEMUBootsHello(t *testing.T) {
	qemu := qemurun.Path()
	if qemu == "" {
		t.Skip(qemurun.Missing)
	}
	for _, img := range qemuImages() {
		t.Run(img.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.elf"), img.kernel, 0o644))
			args := []string{"-kernel", "hello.elf", "-m", "16",
				"-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
				"-device", "isa-debug-exit,iobase=0xf4,iosize=4"}
			if img.append != "" {
				args = append(args, "-append", img.append)
			}
			r, err := qemurun.Run(context.Background(), qemu, dir, qemurun.Timeout, args...)
			require.NoError(t, err)
			assert.Equal(t, 0x55, r.Status, "console:\n%s\nstderr: %s", r.Stdout, r.Stderr)
			assert.Equal(t, img.want, string(r.Stdout), "stderr: %s", r.Stderr)
		})
	}
}

// TestBootLikeQEMU boots the same kernels on dfemu.
func TestBootLikeQEMU(t *testing.T) {
	for _, img := range qemuImages() {
		t.Run(img.name, func(t *testing.T) {
			var out bytes.Buffer
			m, err := New(Config{Kernel: img.kernel, KernelName: "hello.elf", Cmdline: img.append,
				MemMiB: 16, Stdout: &out, Timeout: 10 * time.Second})
			require.NoError(t, err)
			defer m.Close()
			r := m.Run()
			assert.Equal(t, 0x55, r.Status, r.Reason)
			assert.Equal(t, img.want, out.String())
		})
	}
}
