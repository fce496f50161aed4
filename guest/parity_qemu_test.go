package guest_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/emu"
	"dfemu/guest"
	"dfemu/internal/qemurun"
)

// TestDefaultBootSameAsQEMU is issue 2's promise: the same kernel image,
// modules, -m and -smp give the same console text on dfemu and under
//
//	qemu-system-i386 -kernel K -initrd I -m N -nographic -device isa-debug-exit,iobase=0xf4,iosize=4
//
// byte for byte from the kernel's banner on (before it, QEMU's firmware
// prints its own banners). The default boot prints the memory map, where
// the boot information and the modules are, and the page counts: the
// whole Multiboot layout. Both machines get the same paths (absolute, in
// a fresh temporary directory) and the same -initrd text, which dfemu
// parses as `dfemu boot` does.
func TestDefaultBootSameAsQEMU(t *testing.T) {
	qemu := needQEMU(t)
	for _, c := range []struct{ mib, smp int }{{32, 1}, {256, 2}, {1024, 4}} {
		mib := c.mib
		t.Run(fmt.Sprintf("m%d-smp%d", mib, c.smp), func(t *testing.T) {
			t.Parallel()
			kernel, initrd := writeDefaultGuest(t)
			// One-core sockets, as dfemu's CPUs (QEMU's firmware lists
			// only a socket's first core in its MP table).
			args := []string{"-kernel", kernel, "-initrd", initrd, "-m", strconv.Itoa(mib),
				"-smp", fmt.Sprintf("%d,sockets=%d", c.smp, c.smp),
				"-nographic", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"}
			q, err := qemurun.Run(context.Background(), qemu, "", qemurun.Timeout, args...)
			require.NoError(t, err)
			require.Equal(t, 0, q.Status, "QEMU's exit status (0: the guest powered off)\nconsole:\n%s\nstderr: %s", q.Stdout, q.Stderr)

			d := bootDfemu(t, kernel, initrd, mib, c.smp)
			assert.Equal(t, string(fromBanner(t, "qemu", q.Stdout)), string(fromBanner(t, "dfemu", d)),
				"console text from the banner on: qemu (expected) vs dfemu (actual)")
		})
	}
}

// writeDefaultGuest writes the embedded kernel and modules into a fresh
// temporary directory and returns the kernel's path and an -initrd value
// naming the modules with their strings' arguments (crc32=...).
func writeDefaultGuest(t *testing.T) (kernel, initrd string) {
	dir := t.TempDir()
	kernel = filepath.Join(dir, "kernel.elf")
	require.NoError(t, os.WriteFile(kernel, guest.Kernel, 0o644))
	var mods []string
	for _, m := range guest.Modules() {
		name, args, _ := strings.Cut(m.String, " ")
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, m.Data, 0o644))
		mods = append(mods, strings.ReplaceAll(path+" "+args, ",", ",,"))
	}
	return kernel, strings.Join(mods, ",")
}

// bootDfemu boots as `dfemu boot -kernel kernel -initrd initrd -m mib
// -smp smp` does and returns the console; the guest must power off.
func bootDfemu(t *testing.T, kernel, initrd string, mib, smp int) []byte {
	k, err := os.ReadFile(kernel)
	require.NoError(t, err)
	var mods []emu.Module
	for _, e := range emu.ParseInitrd(initrd) {
		data, err := os.ReadFile(e.Path)
		require.NoError(t, err)
		mods = append(mods, emu.Module{String: e.String, Data: data})
	}
	var console, report bytes.Buffer
	m, err := emu.New(emu.Config{Kernel: k, KernelName: kernel, Modules: mods, MemMiB: mib, SMP: smp,
		Timeout: qemurun.Timeout, Stdout: &console, Stderr: &report})
	require.NoError(t, err)
	defer m.Close()
	res := m.Run()
	require.Equal(t, 0, res.Status, "dfemu: %s\n%s\nconsole:\n%s", res.Reason, report.String(), console.String())
	return console.Bytes()
}

// fromBanner returns the console from the kernel's banner line on.
func fromBanner(t *testing.T, machine string, console []byte) []byte {
	t.Helper()
	banner := []byte("\n" + guest.BootBanner + "\r\n")
	i := bytes.Index(console, banner)
	require.GreaterOrEqual(t, i, 0, "%s: no banner line %q in the console:\n%s", machine, guest.BootBanner, console)
	return console[i+1:]
}
