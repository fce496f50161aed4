package guest

import (
	"fmt"
	"sort"
	"time"

	"dfemu/emu"
)

// Suite is one boot of a guest test image: the guest prints TAP on the
// console and stops the machine; the console and the exit status are the
// only source of truth. Go tests (suites_test.go, qemu_test.go) and
// `dfemu test` run this table (internal/harness boots a suite).
type Suite struct {
	Name    string
	Kernel  []byte
	Modules []emu.Module // each module's file name is its string's first word
	Cmdline string
	MemMiB  int
	CPUs    int
	Timeout time.Duration // the machine's -timeout: status 8 on expiry
	// ExpectStatus is the machine's exit status when all is well: 0, the
	// guest powered off.
	ExpectStatus int
	// WantLine is for a suite that prints no TAP (the default boot): a
	// line its console must contain. The harness turns it into a
	// one-point TAP report, "console says ...".
	WantLine string
}

// suiteMem is the RAM every suite boots with; the command line says it
// too ("mem=256") so the memory map test can check the loader's map.
const suiteMem = 256

// suiteTimeout bounds one suite's run; a suite takes well under a second.
const suiteTimeout = 30 * time.Second

// kernelTests are the in-kernel test groups (kernel/test.c), each a suite
// chosen by test=NAME on the kernel command line, in the kernel's order.
var kernelTests = Tests

// Suites returns the guest test suites, in the order they run: the
// default boot, then one suite per in-kernel test group.
func Suites() []Suite {
	ss := []Suite{DefaultBoot()}
	for _, name := range kernelTests {
		ss = append(ss, kernelSuite(name, 0))
	}
	return ss
}

// DefaultBoot is what `dfemu boot` runs without -kernel: the embedded
// kernel with its modules and no test, which reports what it found and
// powers off.
func DefaultBoot() Suite {
	return Suite{
		Name:     "boot",
		Kernel:   Kernel,
		Modules:  Modules(),
		Cmdline:  BootCmdline,
		MemMiB:   suiteMem,
		CPUs:     1,
		Timeout:  suiteTimeout,
		WantLine: "boot complete",
	}
}

// kernelSuite boots the embedded kernel with test=name, the modules
// (each with its CRC-32 in its string, which the modules test checks) and
// mem=256.
func kernelSuite(name string, status int) Suite {
	return Suite{
		Name:         name,
		Kernel:       Kernel,
		Modules:      Modules(),
		Cmdline:      fmt.Sprintf("test=%s mem=%d", name, suiteMem),
		MemMiB:       suiteMem,
		CPUs:         1,
		Timeout:      suiteTimeout,
		ExpectStatus: status,
	}
}

// FailureSuites boot the kernel's hidden tests, which fail on purpose
// (FailureTests): each must stop the machine with its failure status.
// They test the failure paths of the kernel, the machine and the
// harness; they are not part of Suites.
func FailureSuites() []Suite {
	var names []string
	for name := range FailureTests {
		names = append(names, name)
	}
	sort.Strings(names)
	var ss []Suite
	for _, name := range names {
		ss = append(ss, kernelSuite(name, FailureTests[name]))
	}
	return ss
}

// SuiteNames returns the names of the suites, in table order.
func SuiteNames() []string {
	var names []string
	for _, s := range Suites() {
		names = append(names, s.Name)
	}
	return names
}

// LookupSuite returns the suite called name.
func LookupSuite(name string) (Suite, bool) {
	for _, s := range Suites() {
		if s.Name == name {
			return s, true
		}
	}
	return Suite{}, false
}
