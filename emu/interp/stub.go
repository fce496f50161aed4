package interp

// This file holds placeholders so the package compiles while the CPU is
// written; each is replaced by its owner file (see cpu.go).

type lazyFlags struct{}
type mmuState struct{}
type decodeCache struct{}

// Reset puts the CPU in its power-on state.
func (c *CPU) Reset() {}

// Flags returns EFLAGS with the lazily computed arithmetic flags applied.
func (c *CPU) Flags() uint32 { return c.flags }

// SetFlags sets EFLAGS (all bits, no privilege checks: for loaders and
// debuggers).
func (c *CPU) SetFlags(v uint32) { c.flags = v }

// Run executes up to max instructions and says why it stopped.
func (c *CPU) Run(max uint64) StopReason { return StopUnimplemented }
