// Package bench holds the CPU-bound benchmark guest (loop.S), built by
// bench.mk and committed so `dfemu bench` needs only Go.
package bench

import (
	_ "embed"
	"strconv"
)

// Loop is the benchmark kernel image (a Multiboot ELF). Its command line
// ends with the iteration count; see loop.S.
//
//go:embed loop.elf
var Loop []byte

// LoopInsns is the number of instructions one loop iteration retires
// (LOOP_INSNS in loop.S).
const LoopInsns = 4

// Cmdline returns the command line that makes Loop run n iterations.
func Cmdline(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
