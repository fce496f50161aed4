// Command dfemu is a full-system emulator of a small i386 PC.
//
//	dfemu boot [flags]          boot a Multiboot kernel (default: the embedded guest)
//	dfemu test [flags] [suite…] run the embedded guest test suites
//	dfemu trace [flags]         boot and trace every instruction (see trace.go)
//	dfemu bench [flags]         measure the interpreter on a CPU-bound guest loop
//	dfemu help                  explain the commands, flags and exit statuses
//
// Every subcommand parses its own flags with the standard flag package;
// run is main with its arguments and stdio injected, so tests drive the
// command without building it.
package main

import (
	"fmt"
	"io"
	"os"

	"dfemu/emu"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// command is one subcommand: its name, a one-line summary, and its body,
// which returns the process exit status.
type command struct {
	name, args, summary string
	run                 func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"boot", "[flags]", "boot a Multiboot kernel (default: the embedded guest) with the console on stdio", runBoot},
		{"test", "[flags] [suite…]", "boot the embedded guest test suites and report their TAP results", runTest},
		{"trace", "[boot flags] [trace flags]", "boot like boot and print every executed instruction (symbols, file:line, events)", runTrace},
		{"bench", "[flags]", "measure guest MIPS on a CPU-bound loop (and QEMU TCG's, if installed)", runBench},
		{"help", "[command]", "explain the commands, their flags and the exit statuses", runHelp},
	}
}

// run is the whole command: it returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return emu.ExitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "dfemu: unknown command %q (commands: boot, test, trace, bench, help; see dfemu help)\n", args[0])
	return emu.ExitUsage
}

func runHelp(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage())
		return 0
	}
	if len(args) == 1 {
		for _, c := range commands() {
			if c.name == args[0] && c.name != "help" {
				return c.run([]string{"-h"}, nil, stdout, stderr)
			}
		}
	}
	fmt.Fprintf(stderr, "dfemu help: unknown command %q\n", args[0])
	return emu.ExitUsage
}
