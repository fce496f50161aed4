package guest

import (
	"fmt"
	"sort"
	"strings"
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
	CPUs    int // -smp for `dfemu test` without -smp, and under QEMU
	// SMP lists the -smp values the Go tests boot the suite with on
	// dfemu, one run each (the SMP suites: 1, 2, 4 and 8 CPUs); empty
	// means CPUs only.
	SMP     []int
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

// kernelTests are the in-kernel test groups (kernel/test.c) that run on
// one CPU, each a suite chosen by test=NAME on the kernel command line,
// in the kernel's order.
var kernelTests = []string{"lib", "memmap", "modules", "pagealloc", "pagefault", "exceptions", "cpuid"}

// SMPMatrix is the -smp values each SMP suite runs at on dfemu.
var SMPMatrix = []int{1, 2, 4, 8}

// smpCPUs is an SMP suite's own CPU count (dfemu test without -smp, QEMU).
const smpCPUs = 4

// smpTests are the in-kernel SMP test groups, each a suite booted with
// every -smp of SMPMatrix; "cpus-mptable" is the cpus test with
// acpi=off, so that the kernel finds its CPUs in the MP table.
var smpTests = []struct{ suite, test, extra string }{
	{"cpus", "cpus", ""},
	{"cpus-mptable", "cpus", " acpi=off"},
	{"timer", "timer", ""},
	{"ipi", "ipi", ""},
	{"threads", "threads", ""},
	{"tokens", "tokens", ""},
	{"msgport", "msgport", ""},
	{"ipiq", "ipiq", ""},
	{"migration", "migration", ""},
	{"preempt", "preempt", ""},
}

// Suites returns the guest test suites, in the order they run: the
// default boot, one suite per in-kernel test group, then the SMP suites.
func Suites() []Suite {
	ss := []Suite{DefaultBoot()}
	for _, name := range kernelTests {
		ss = append(ss, kernelSuite(name, 0))
	}
	for _, t := range smpTests {
		s := kernelSuite(t.test, 0)
		s.Name = t.suite
		s.Cmdline = fmt.Sprintf("test=%s%s mem=%d", t.test, t.extra, suiteMem)
		s.CPUs = smpCPUs
		s.SMP = SMPMatrix
		ss = append(ss, s)
	}
	return ss
}

// SweepName is the suite that runs every SMP test group in one boot
// (test=cpus,timer,...): the seed sweep (sweep_test.go) boots it for
// many seeds at several -smp, and `dfemu test -smp N -seed S smp-all`
// replays one of its runs exactly. It is not in Suites (each of its
// groups already is a suite); LookupSuite finds it.
const SweepName = "smp-all"

// sweepTimeout bounds one boot of the sweep suite (nine groups, up to 8
// CPUs, on a host shared with other tests).
const sweepTimeout = 120 * time.Second

// SMPSweep returns the suite SweepName: the SMP test groups that take no
// extra option (cpus-mptable needs acpi=off), in table order, in one
// boot with smpCPUs CPUs.
func SMPSweep() Suite {
	var names []string
	for _, t := range smpTests {
		if t.extra == "" {
			names = append(names, t.test)
		}
	}
	s := kernelSuite(strings.Join(names, ","), 0)
	s.Name = SweepName
	s.CPUs = smpCPUs
	s.Timeout = sweepTimeout
	return s
}

// SMPs returns the -smp values the Go tests boot s with on dfemu.
func (s Suite) SMPs() []int {
	if len(s.SMP) > 0 {
		return s.SMP
	}
	return []int{s.CPUs}
}

// KernelTest returns the in-kernel test group the suite runs (test=NAME
// on its command line), or "".
func (s Suite) KernelTest() string {
	for _, w := range strings.Fields(s.Cmdline) {
		if name, ok := strings.CutPrefix(w, "test="); ok {
			return name
		}
	}
	return ""
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

// SuiteNames returns the names of the suites, in table order, then
// SweepName.
func SuiteNames() []string {
	var names []string
	for _, s := range Suites() {
		names = append(names, s.Name)
	}
	return append(names, SweepName)
}

// LookupSuite returns the suite called name (one of Suites, or
// SweepName).
func LookupSuite(name string) (Suite, bool) {
	if name == SweepName {
		return SMPSweep(), true
	}
	for _, s := range Suites() {
		if s.Name == name {
			return s, true
		}
	}
	return Suite{}, false
}
