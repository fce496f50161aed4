// Package guest holds the default guest that dfemu boots when it is given
// no kernel: the kernel and its test modules, built from kernel/ by `make`
// and committed under bin/ (`make embed`; `make check-embed` fails when the
// committed copy is stale), so that `go run ./cmd/dfemu boot` needs only Go.
package guest

import (
	_ "embed"
	"fmt"
	"hash/crc32"

	"dfemu/emu"
)

// Kernel is the guest kernel, a Multiboot v1 ELF (build/kernel.elf).
//
//go:embed bin/kernel.elf
var Kernel []byte

//go:embed bin/mod0.bin
var mod0 []byte

//go:embed bin/mod1.bin
var mod1 []byte

// Command lines the kernel understands (kernel/main.c, kernel/test.c).
const (
	// BootCmdline is a normal boot: banner, memory map, modules, power off.
	BootCmdline = ""
	// BootBanner is the normal boot's first line (after a blank one,
	// kernel/main.c): from it on, the console is the same under QEMU.
	BootBanner = "dfemu kernel"
	// TestCmdline runs every in-kernel test (TAP on the console); append
	// " mem=N" to also check the memory map against -m N.
	TestCmdline = "test=all"
)

// Tests lists the in-kernel tests that TestCmdline runs, in their order
// (the table in kernel/test.c; a Go test keeps the two in step). Each can
// also be run alone with "test=name".
var Tests = []string{"lib", "memmap", "modules", "pagealloc", "pagefault", "exceptions", "cpuid", "cpus", "timer", "ipi",
	"threads", "tokens", "msgport", "ipiq", "migration", "preempt"}

// Hidden in-kernel tests that end the run on purpose, each with the exit
// status dfemu and QEMU give it (include/dfemu/abi.h: (V<<1)|1).
var FailureTests = map[string]int{
	"fail":  3, // ABI_EXIT_TESTS_FAILED: a check fails
	"panic": 5, // ABI_EXIT_KERNEL_PANIC
	"crash": 7, // ABI_EXIT_UNEXPECTED_EXCEPTION: NULL dereference, #PF reported
}

// Modules returns the default guest's modules, in -initrd order. Each
// module's string is "name crc32=0x%08x" with the CRC-32 (IEEE) of its
// data: the kernel's modules test recomputes it and compares.
func Modules() []emu.Module {
	return []emu.Module{
		ModuleWithCRC("mod0.bin", mod0),
		ModuleWithCRC("mod1.bin", mod1),
	}
}

// ModuleWithCRC makes a module whose string carries the CRC-32 the
// kernel's modules test expects: "name crc32=0x1234abcd".
func ModuleWithCRC(name string, data []byte) emu.Module {
	return emu.Module{
		String: fmt.Sprintf("%s crc32=0x%08x", name, crc32.ChecksumIEEE(data)),
		Data:   data,
	}
}
