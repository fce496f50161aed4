package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"dfemu/emu"
	"dfemu/emu/dev"
	"dfemu/emu/gdbstub"

	"golang.org/x/term"
)

const bootAbout = `Boot a Multiboot v1 kernel as "qemu-system-i386 -kernel" does. The serial
console (COM1, a 16550) is stdout; stdin feeds it. When stdin is a terminal
it is put in raw mode for the run: type Ctrl-A X to quit (exit status 16),
as in QEMU. Without -kernel, dfemu boots its embedded default guest.

Accepted for QEMU compatibility and otherwise ignored: -nographic,
-no-reboot (dfemu never reboots: a triple fault ends the run), and
-device isa-debug-exit,iobase=0xf4,iosize=4 (always present).`

// bootFlags are the flags of "dfemu boot", named as QEMU names them.
type bootFlags struct {
	kernel, initrd, appendArgs, accel string
	mem, smp                          int
	seed                              uint64
	timeout                           time.Duration
	strict, stopOnUD                  bool
	nographic, noReboot               bool
	devices                           stringList
	gdb                               string
	gdbDefault, gdbWait               bool // -s, -S
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (f *bootFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kernel, "kernel", "", "Multiboot kernel `FILE` (ELF or a.out kludge); default: the embedded guest")
	fs.StringVar(&f.initrd, "initrd", "", "Multiboot modules, QEMU syntax: `\"a.elf args,b.elf\"` (\",,\" is a comma);\neach module's string is its whole text")
	fs.StringVar(&f.appendArgs, "append", "", "kernel command line `TEXT`")
	fs.IntVar(&f.mem, "m", 256, "guest RAM in `MiB`")
	fs.IntVar(&f.smp, "smp", emu.DefaultSMP, fmt.Sprintf("number of CPUs (`N`, 1 to %d)", emu.MaxSMP))
	fs.Uint64Var(&f.seed, "seed", 0, "`S` chooses the interleaving of vCPUs (deterministic SMP)")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop the guest after `DURATION` (e.g. 10s) with status 8; 0: never")
	fs.BoolVar(&f.strict, "strict", false, "an access to an unknown I/O port or unassigned physical address is fatal (status 12) instead of logged once")
	fs.BoolVar(&f.stopOnUD, "stop-on-ud", false, "stop and report an unimplemented instruction (status 6) instead of raising #UD in the guest")
	fs.StringVar(&f.accel, "accel", "interp", "CPU backend `NAME`: interp (kvm is a later issue)")
	fs.BoolVar(&f.nographic, "nographic", false, "accepted for QEMU compatibility: the console is always stdio")
	fs.BoolVar(&f.noReboot, "no-reboot", false, "accepted for QEMU compatibility: dfemu never reboots")
	fs.StringVar(&f.gdb, "gdb", "", "serve the GDB remote protocol at `DEV`: tcp::PORT (on 127.0.0.1 only) or\ntcp:HOST:PORT (tcp:0.0.0.0:PORT for every interface); port 0 picks one,\nprinted on stderr. -timeout does not count while gdb holds the guest stopped")
	fs.BoolVar(&f.gdbDefault, "s", false, "shorthand for -gdb tcp::1234")
	fs.BoolVar(&f.gdbWait, "S", false, "with -gdb or -s: wait for gdb before the first instruction")
	fs.Var(&f.devices, "device", "accepted for QEMU compatibility: only `isa-debug-exit,iobase=0xf4,iosize=4`, always present")
}

// check validates what the machine would not: the values only the
// command knows about.
func (f *bootFlags) check() error {
	switch f.accel {
	case "interp":
	case "kvm", "auto":
		return fmt.Errorf("-accel %s: the kvm backend is not implemented yet (a later issue); use -accel interp", f.accel)
	default:
		return fmt.Errorf("-accel %s: unknown accelerator (only interp)", f.accel)
	}
	if f.smp < 1 || f.smp > emu.MaxSMP {
		return fmt.Errorf("-smp %d: the number of CPUs must be 1 to %d", f.smp, emu.MaxSMP)
	}
	if f.mem <= 0 {
		return fmt.Errorf("-m %d: guest RAM must be at least 1 MiB", f.mem)
	}
	if f.timeout < 0 {
		return fmt.Errorf("-timeout %v: must not be negative", f.timeout)
	}
	if f.gdbDefault && f.gdb == "" {
		f.gdb = "tcp::1234"
	}
	if f.gdbWait && f.gdb == "" {
		return fmt.Errorf("-S waits for gdb: it needs -gdb DEV or -s")
	}
	if f.gdb != "" {
		if _, err := gdbstub.ParseAddr(f.gdb); err != nil {
			return err
		}
	}
	for _, d := range f.devices {
		if !isDebugExitDevice(d) {
			return fmt.Errorf("-device %s: only isa-debug-exit,iobase=0xf4,iosize=4 is supported (always present)", d)
		}
	}
	return nil
}

// isDebugExitDevice accepts QEMU's isa-debug-exit at dfemu's port, in
// any option order.
func isDebugExitDevice(d string) bool {
	parts := strings.Split(d, ",")
	if parts[0] != "isa-debug-exit" {
		return false
	}
	for _, p := range parts[1:] {
		switch p {
		case "iobase=0xf4", "iobase=0xF4", "iobase=244", "iosize=4", "iosize=0x4", "iosize=0x04":
		default:
			return false
		}
	}
	return true
}

// config turns the flags into a machine configuration, reading the
// kernel and module files.
func (f *bootFlags) config() (emu.Config, error) {
	cfg := emu.Config{
		Cmdline:  f.appendArgs,
		MemMiB:   f.mem,
		SMP:      f.smp,
		Seed:     f.seed,
		Timeout:  f.timeout,
		Strict:   f.strict,
		StopOnUD: f.stopOnUD,
	}
	if f.kernel == "" {
		cfg.KernelName = defaultKernelName
		cfg.Kernel, cfg.Modules = defaultGuest()
	} else {
		cfg.KernelName = f.kernel
		k, err := os.ReadFile(f.kernel)
		if err != nil {
			return cfg, fmt.Errorf("-kernel: %w", err)
		}
		cfg.Kernel = k
	}
	if f.initrd != "" {
		mods, err := loadInitrd(f.initrd)
		if err != nil {
			return cfg, err
		}
		cfg.Modules = mods
	}
	return cfg, nil
}

func runBoot(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f bootFlags
	fs, helped := newFlagSet("boot", "[flags]", bootAbout, stdout, stderr)
	f.register(fs)
	if st, ok := parseFlags(fs, helped, args); !ok {
		return st
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dfemu boot: unexpected argument %q (the kernel is given with -kernel)\n", fs.Arg(0))
		return emu.ExitUsage
	}
	if err := f.check(); err != nil {
		fmt.Fprintf(stderr, "dfemu boot: %v\n", err)
		return emu.ExitUsage
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintf(stderr, "dfemu boot: %v\n", err)
		return emu.ExitUsage
	}
	cfg.Stdout, cfg.Stderr = stdout, stderr
	if stdin != nil {
		cfg.Stdin = stdin
	}
	if f.gdb != "" {
		srv, err := gdbstub.Listen(f.gdb, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "dfemu boot: %v\n", err)
			return emu.ExitUsage
		}
		defer srv.Close()
		cfg.Debugger, cfg.DebugWait = srv, f.gdbWait
	}
	m, err := emu.New(cfg)
	if err != nil {
		// New checks the kernel and modules: a bad image.
		fmt.Fprintf(stderr, "dfemu boot: %s\n", oneLine(err.Error()))
		return emu.ExitUsage
	}
	defer m.Close()
	restore := rawTerminal(stdin, stderr)
	defer restore()
	return m.Run().Status
}

// rawTerminal puts stdin in raw mode when it is a terminal, so every key
// (Ctrl-C included) goes to the guest and Ctrl-A X quits. It returns the
// function that restores the terminal; a signal that ends dfemu restores
// it too.
func rawTerminal(stdin io.Reader, stderr io.Writer) (restore func()) {
	f, ok := stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return func() {}
	}
	undo, err := dev.MakeRaw(f)
	if err != nil {
		fmt.Fprintf(stderr, "dfemu: stdin stays in cooked mode: %v\n", err)
		return func() {}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			undo()
			fmt.Fprintf(stderr, "\r\ndfemu: %v\n", s)
			os.Exit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
		undo()
	}
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// oneLine keeps the first line of a message: bad images are one-line
// errors.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
