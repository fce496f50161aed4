package main

import (
	"dfemu/emu"
	"dfemu/guest"
)

// defaultKernelName is the embedded kernel's name in the guest's command
// line ("kernel.elf ARGS", as QEMU makes it from -kernel).
const defaultKernelName = "kernel.elf"

// defaultGuest is what "dfemu boot" runs without -kernel: the embedded
// kernel and its modules (the "boot" suite).
func defaultGuest() ([]byte, []emu.Module) {
	s := guest.DefaultBoot()
	return s.Kernel, s.Modules
}
