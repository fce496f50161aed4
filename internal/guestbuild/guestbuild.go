// Package guestbuild builds the small i386 guests that tests run: C and
// assembly sources compiled with the system `gcc -m32 -c` and linked with
// `ld -m elf_i386` into a temporary directory, as `make` builds the
// kernel. A test whose toolchain cannot build an i386 program is skipped
// with the reason and the Debian packages that provide it, never failed.
//
// It depends on nothing of dfemu, so every package's tests can use it.
package guestbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Packages is what a test's skip message says to install.
const Packages = "Debian: apt-get install gcc gcc-multilib binutils"

// MultibootAddr is where Kernel links a guest: 1 MiB, where QEMU's
// -kernel and dfemu's Multiboot loader put a kernel.
const MultibootAddr = 0x100000

// Source is one file of a build; its suffix (.c, .S) tells gcc the
// language.
type Source struct {
	name   string // the file: a path, or with inline a name in the build directory
	text   string
	inline bool
}

// File is the source file at path (relative to the test's directory).
func File(path string) Source { return Source{name: path} }

// Text is a source held in memory, written to name in the build directory
// (so it stays there with the objects when Spec.Dir is kept).
func Text(name, text string) Source { return Source{name: name, text: text, inline: true} }

// Spec says what Build builds.
type Spec struct {
	Dir     string   // the build directory; a new t.TempDir() when empty
	Out     string   // the ELF's file name in Dir; "guest.elf" when empty
	CFlags  []string // after `gcc -m32 -c`, for every source
	LDFlags []string // after `ld -m elf_i386`: link address, -T script, -e, ...
	Sources []Source // compiled, then linked in this order
}

// Need skips t unless gcc -m32 and ld -m elf_i386 build an i386 program.
// The toolchain is probed once per test binary.
func Need(t testing.TB) {
	t.Helper()
	if reason := probe(); reason != "" {
		t.Skipf("cannot build i386 guests: %s (%s)", reason, Packages)
	}
}

var probeOnce struct {
	sync.Once
	reason string
}

// probe returns why the toolchain cannot build an i386 program, or "".
func probe() string {
	probeOnce.Do(func() {
		for _, tool := range []string{"gcc", "ld"} {
			if _, err := exec.LookPath(tool); err != nil {
				probeOnce.reason = tool + " not found"
				return
			}
		}
		dir, err := os.MkdirTemp("", "guestbuild-probe")
		if err != nil {
			probeOnce.reason = err.Error()
			return
		}
		defer os.RemoveAll(dir)
		src := ".globl _start\n_start:\n\tmovl $1, %eax\n\thlt\n"
		if _, err := build(Spec{Dir: dir, Sources: []Source{Text("probe.S", src)}}); err != nil {
			probeOnce.reason = err.Error()
		}
	})
	return probeOnce.reason
}

// Build compiles and links s and returns the ELF's path. It skips t when
// the toolchain is missing (see Need) and fails t when the build fails,
// with the command and its output.
func Build(t testing.TB, s Spec) string {
	t.Helper()
	Need(t)
	if s.Dir == "" {
		s.Dir = t.TempDir()
	}
	elf, err := build(s)
	if err != nil {
		t.Fatalf("building a guest: %v", err)
	}
	return elf
}

// Kernel builds srcs, each compiled with cflags, into a Multiboot kernel
// linked at MultibootAddr in one writable segment (ld -N), as the
// kernels of QEMU's and dfemu's -kernel are, and returns its path. The
// first source carries the Multiboot header.
func Kernel(t testing.TB, cflags []string, srcs ...Source) string {
	t.Helper()
	return Build(t, Spec{Out: "kernel.elf", CFlags: cflags, Sources: srcs,
		LDFlags: []string{"-N", "--no-warn-rwx-segments", "-Ttext", fmt.Sprintf("%#x", MultibootAddr)}})
}

// Flat returns the flat binary of elf (objcopy -O binary), restricted to
// the named sections when there are any.
func Flat(t testing.TB, elf string, sections ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skipf("cannot build i386 guests: objcopy not found (%s)", Packages)
	}
	bin := strings.TrimSuffix(elf, filepath.Ext(elf)) + ".bin"
	args := []string{"-O", "binary"}
	for _, sec := range sections {
		args = append(args, "-j", sec)
	}
	if err := run("objcopy", append(args, elf, bin)...); err != nil {
		t.Fatalf("building a guest: %v", err)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatalf("building a guest: %v", err)
	}
	return b
}

// build compiles every source of s into s.Dir and links the objects.
func build(s Spec) (string, error) {
	if len(s.Sources) == 0 {
		return "", fmt.Errorf("no sources")
	}
	out := s.Out
	if out == "" {
		out = "guest.elf"
	}
	var objs []string
	for i, src := range s.Sources {
		path := src.name
		if src.inline {
			path = filepath.Join(s.Dir, src.name)
			if err := os.WriteFile(path, []byte(src.text), 0o644); err != nil {
				return "", err
			}
		}
		base := filepath.Base(src.name)
		obj := filepath.Join(s.Dir, fmt.Sprintf("%d-%s.o", i, strings.TrimSuffix(base, filepath.Ext(base))))
		args := append([]string{"-m32", "-c"}, s.CFlags...)
		if err := run("gcc", append(args, "-o", obj, path)...); err != nil {
			return "", err
		}
		objs = append(objs, obj)
	}
	elf := filepath.Join(s.Dir, out)
	args := append([]string{"-m", "elf_i386", "-o", elf}, s.LDFlags...)
	if err := run("ld", append(args, objs...)...); err != nil {
		return "", err
	}
	return elf, nil
}

// run runs a tool and returns an error with the command line and its
// output when it fails.
func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
