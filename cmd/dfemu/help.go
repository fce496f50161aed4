package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"dfemu/emu"
)

// exitStatuses is the table printed by every help text: what each exit
// status of dfemu means.
var exitStatuses = []struct {
	status int
	what   string
}{
	{emu.ExitPowerOff, "the guest powered the machine off (ACPI PM1a, outw(0x604, 0x2000))"},
	{emu.ExitUsage, "bad usage or bad kernel/module image: nothing ran"},
	{emu.ExitTripleFault, "triple fault: the CPU shut down"},
	{emu.ExitUnimpl, "unimplemented instruction (with -stop-on-ud)"},
	{emu.ExitTimeout, "-timeout expired"},
	{emu.ExitHaltNoIntr, "hlt with nothing to wake the guest: every vCPU halted with interrupts disabled or no interrupt due"},
	{emu.ExitStrictPort, "access to an unknown I/O port or unassigned physical address (with -strict)"},
	{emu.ExitInternal, "internal error: a dfemu bug"},
	{emu.ExitUserQuit, "Ctrl-A X typed on the console"},
	{emu.ExitDebuggerKill, "killed by the debugger (gdb's kill, with -gdb)"},
}

func exitStatusText() string {
	var b strings.Builder
	b.WriteString("Exit statuses:\n")
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, e := range exitStatuses {
		fmt.Fprintf(tw, "  %d\t%s\n", e.status, e.what)
	}
	fmt.Fprintf(tw, "  odd\tthe guest wrote V to isa-debug-exit (port 0x%x): status (V<<1)|1, as QEMU\n", emu.PortDebugExit)
	tw.Flush()
	b.WriteString("A death (4 to 14) is reported on stderr with every vCPU's registers; 16 and 18 with one line.\n")
	return b.String()
}

func usage() string {
	var b strings.Builder
	b.WriteString(`dfemu: a full-system emulator of a small i386 PC (Multiboot kernels,
16550 console on stdio, QEMU's isa-debug-exit), with its own i386 CPU.

Usage:
`)
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  dfemu %s %s\t%s\n", c.name, c.args, c.summary)
	}
	tw.Flush()
	b.WriteString(`
Run "dfemu <command> -h" for a command's flags. Examples:
  dfemu boot                                  boot the embedded default guest
  dfemu boot -kernel build/kernel.elf -initrd "a.elf x=1,b.elf" -append "test=all" -timeout 10s
  dfemu test -list                            list the guest test suites
  dfemu test memmap modules                   run two of them
  dfemu trace -start kmain -max 100           the first 100 instructions of kmain

`)
	b.WriteString(exitStatusText())
	return b.String()
}

// newFlagSet returns a flag set for a subcommand whose -h prints the
// summary, the flags and the exit statuses to stdout, and whose errors
// go to stderr.
func newFlagSet(name, args, about string, stdout, stderr io.Writer) (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("dfemu "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	helped := new(bool)
	fs.Usage = func() {
		if !*helped {
			fmt.Fprintf(stderr, "Run \"dfemu %s -h\" for its flags.\n", name)
			return
		}
		fmt.Fprintf(stdout, "Usage: dfemu %s %s\n\n%s\n\nFlags:\n", name, args, about)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		fmt.Fprintf(stdout, "\n%s", exitStatusText())
	}
	return fs, helped
}

// parseFlags parses args; it returns (status, false) when the command
// must stop: 0 after -h, ExitUsage after a bad flag.
func parseFlags(fs *flag.FlagSet, helped *bool, args []string) (int, bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			*helped = true
		}
	}
	err := fs.Parse(args)
	switch {
	case err == flag.ErrHelp:
		return 0, false
	case err != nil:
		return emu.ExitUsage, false // the flag package printed the error and usage
	}
	return 0, true
}
