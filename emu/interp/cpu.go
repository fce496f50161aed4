// Package interp is dfemu's own i386 CPU: the deterministic interpreter
// backend ("interp"). It models a Pentium-class integer CPU: real mode,
// protected mode with segmentation, rings 0 and 3, paging with 4 KiB and
// 4 MiB pages, interrupts and exceptions with their architectural error
// codes. Anything it does not implement raises #UD in the guest.
//
// Vocabulary:
//
//	physical   a guest-physical address; RAM is Config.RAM[0:len), the
//	           rest goes to the Bus (MMIO, unassigned reads all ones)
//	linear     segment base + offset, before paging
//	inst       one decoded instruction in compact form, cached per
//	           physical page (decode.go)
//
// Faults: an instruction that faults calls c.raise, which panics with a
// *fault; Run recovers it at the instruction boundary and delivers the
// exception. Every instruction therefore commits its architectural state
// only after its last possible fault (EIP is advanced last), so a faulting
// instruction restarts cleanly.
//
// File ownership (one concept per file):
//
//	cpu.go         state, Config, Bus, Run loop contract (this file)
//	decode*.go     x86asm -> inst, the per-physical-page decode cache
//	exec*.go       instruction semantics for the general-purpose set
//	flags.go       lazy arithmetic flags
//	mmu.go         segment checks, paging, TLB, memory access, code-page
//	               write detection
//	seg.go         descriptor tables, segment register loads, far
//	               transfers
//	intr.go        exception/interrupt delivery, gates, TSS stack switch,
//	               iret, triple fault
//	debughooks.go  breakpoints, watchpoints, single step (debuggers)
//	system.go      control registers, system instructions, I/O, cpuid,
//	               rdtsc, hlt
//	trace.go       the traced run loop and the Tracer interface
package interp

// Register numbers follow the x86 encoding (and x86asm's order).
const (
	EAX = iota
	ECX
	EDX
	EBX
	ESP
	EBP
	ESI
	EDI
)

// Segment register numbers follow the x86 encoding.
const (
	ES = iota
	CS
	SS
	DS
	FS
	GS
)

// EFLAGS bits (Intel SDM vol. 1, 3.4.3).
const (
	FlagCF   = 1 << 0
	FlagPF   = 1 << 2
	FlagAF   = 1 << 4
	FlagZF   = 1 << 6
	FlagSF   = 1 << 7
	FlagTF   = 1 << 8
	FlagIF   = 1 << 9
	FlagDF   = 1 << 10
	FlagOF   = 1 << 11
	FlagIOPL = 3 << 12
	FlagNT   = 1 << 14
	FlagRF   = 1 << 16
	FlagVM   = 1 << 17
	FlagAC   = 1 << 18
	FlagID   = 1 << 21

	// ArithFlags are the flags computed lazily by ALU instructions.
	ArithFlags = FlagCF | FlagPF | FlagAF | FlagZF | FlagSF | FlagOF
)

// CR0 and CR4 bits (SDM vol. 3, 2.5).
const (
	CR0PE = 1 << 0
	CR0MP = 1 << 1
	CR0EM = 1 << 2
	CR0TS = 1 << 3
	CR0ET = 1 << 4
	CR0NE = 1 << 5
	CR0WP = 1 << 16
	CR0AM = 1 << 18
	CR0NW = 1 << 29
	CR0CD = 1 << 30
	CR0PG = 1 << 31

	CR4PSE = 1 << 4
	CR4PGE = 1 << 7
)

// Exception vectors (SDM vol. 3, 6.3.1).
const (
	ExcDE  = 0 // divide error
	ExcDB  = 1 // debug
	ExcNMI = 2
	ExcBP  = 3  // int3
	ExcOF  = 4  // into
	ExcBR  = 5  // bound
	ExcUD  = 6  // invalid opcode
	ExcNM  = 7  // device not available
	ExcDF  = 8  // double fault
	ExcTS  = 10 // invalid TSS
	ExcNP  = 11 // segment not present
	ExcSS  = 12 // stack fault
	ExcGP  = 13 // general protection
	ExcPF  = 14 // page fault
	ExcMF  = 16
	ExcAC  = 17
)

// Bus is everything outside the CPU: physical memory beyond RAM, and I/O
// ports. The machine implements it; RAM itself is accessed directly.
type Bus interface {
	// ReadPhys reads size (1, 2 or 4) bytes at a physical address that is
	// not RAM (MMIO or unassigned: all ones).
	ReadPhys(addr uint32, size int) uint32
	// WritePhys writes at a physical address that is not RAM.
	WritePhys(addr uint32, size int, v uint32)
	// In reads size bytes from an I/O port.
	In(port uint16, size int) uint32
	// Out writes size bytes to an I/O port. A device that wants the
	// machine to stop (debug exit, power off) calls CPU.RequestStop.
	Out(port uint16, size int, v uint32)
	// AckInterrupt is called when the CPU accepts an external interrupt
	// (IF=1, an interrupt pending): it returns the vector.
	AckInterrupt() uint8
}

// Config describes one CPU.
type Config struct {
	ID  int    // APIC ID, for cpuid
	RAM []byte // guest-physical RAM starting at address 0
	Bus Bus
	// StopOnUD makes Run return StopUnimplemented instead of raising #UD
	// when the guest executes an instruction interp does not implement.
	StopOnUD bool
	// HasAPIC makes cpuid report a local APIC (and enables the
	// IA32_APIC_BASE MSR). The LAPIC itself is a device of the machine.
	HasAPIC bool
	// Code is the decoded-code cache shared by all vCPUs of a machine
	// (NewCodeCache(len(RAM))); nil gives this CPU a private one, which
	// is only correct with a single CPU.
	Code *CodeCache
}

// StopReason says why Run returned.
type StopReason int

const (
	StopBudget        StopReason = iota // executed the requested count
	StopHalt                            // hlt with IF=1: waiting for an interrupt
	StopHaltNoIntr                      // hlt with IF=0: no interrupt can ever wake it
	StopShutdown                        // triple fault (shutdown)
	StopUnimplemented                   // unimplemented instruction and Config.StopOnUD
	StopRequested                       // a device called RequestStop
	StopInternalError                   // a dfemu bug (Go panic) inside the CPU: see LastFault
	StopWaitSIPI                        // held in wait-for-SIPI: runs nothing until StartupIPI
	StopDebug                           // a breakpoint, watchpoint or single step: see LastDebugEvent
)

func (r StopReason) String() string {
	switch r {
	case StopBudget:
		return "budget"
	case StopHalt:
		return "halt"
	case StopHaltNoIntr:
		return "hlt with interrupts disabled"
	case StopShutdown:
		return "triple fault"
	case StopUnimplemented:
		return "unimplemented instruction"
	case StopRequested:
		return "stop requested"
	case StopInternalError:
		return "internal error"
	case StopWaitSIPI:
		return "wait for SIPI"
	case StopDebug:
		return "debug stop"
	}
	return "unknown"
}

// Segment is a segment register: the visible selector and the hidden
// descriptor cache loaded with it.
type Segment struct {
	Sel   uint16
	Base  uint32
	Limit uint32 // byte-granular effective limit (G bit applied)
	// Attr holds descriptor bits 40..55 of the descriptor as loaded:
	// type(4) S(1) DPL(2) P(1) | limit19:16(4, ignored) AVL L D/B G.
	Attr  uint16
	Valid bool // false for a null selector loaded in protected mode
}

// Descriptor attribute bits within Segment.Attr.
const (
	AttrAccessed = 1 << 0
	AttrRW       = 1 << 1 // readable code / writable data
	AttrDC       = 1 << 2 // conforming code / expand-down data
	AttrCode     = 1 << 3
	AttrS        = 1 << 4 // code/data (not system)
	AttrDPLShift = 5
	AttrP        = 1 << 7
	AttrDB       = 1 << 14 // default operand size 32 / big stack
	AttrG        = 1 << 15
)

// DescTable is GDTR or IDTR.
type DescTable struct {
	Base  uint32
	Limit uint16
}

// CPU is one i386 vCPU. The exported fields are its architectural state,
// readable and settable by the machine (loader, debugger) between Runs.
type CPU struct {
	R   [8]uint32 // general registers, indexed EAX..EDI
	EIP uint32

	Seg  [6]Segment // ES CS SS DS FS GS
	LDTR Segment
	TR   Segment
	GDTR DescTable
	IDTR DescTable

	CR0, CR2, CR3, CR4 uint32
	DR                 [8]uint32

	// Insns counts retired instructions; guest time (TSC) derives from it.
	Insns uint64

	// flags holds every EFLAGS bit except the arithmetic ones while a
	// lazy computation is pending (flags.go); use Flags/SetFlags.
	flags uint32
	lazy  lazyFlags

	cfg     Config
	ram     []byte
	bus     Bus
	halted  bool
	stopReq bool
	// intrPending is set by the machine when an external interrupt is
	// pending (SetIntrPending); Run checks it at instruction boundaries
	// when IF=1.
	intrPending bool
	irqPending  bool // the machine's external interrupt line (SetIntrPending)
	nmiPending  bool // an NMI waits (smp.go)
	nmiBlocked  bool // in an NMI handler: NMIs wait for iret
	waitSIPI    bool // held in wait-for-SIPI (smp.go)
	// intrShadow suppresses interrupts for one instruction after sti and
	// mov/pop ss.
	intrShadow bool

	mmu    mmuState    // mmu.go
	icache decodeCache // decode.go

	// Derived state, recomputed when CS/SS/CR0 change (setSeg, sync).
	cpl     int
	stack32 bool // SS.B: 32-bit stack pointer
	code16  bool // CS.D clear: 16-bit code, EIP wraps at 64 KiB
	// curPage is the decoded page of the linear code page curLin: the
	// run loop's fast instruction lookup. nil when unknown.
	curLin  uint32
	curPage *codePage
	// shadowAt is the instruction count at which interrupts are still
	// inhibited (after sti, mov ss, pop ss).
	shadowAt uint64
	stopWhy  StopReason
	flt      fault // the fault being raised (no allocation per fault)
	// dbg holds armed breakpoints, watchpoints and single step
	// (debughooks.go); nil when none, so the run loop checks nothing.
	dbg *debugState

	tscOffset uint64 // written by the guest (wrmsr IA32_TIME_STAMP_COUNTER)
	tscClock  uint64 // the machine's clock minus Insns (SetClock)
	apicBase  uint32

	// trace is the tracer's state (trace.go); nil when not tracing.
	trace *traceState

	// LastFault describes the last exception delivered, for reports.
	LastFault string
}

// New returns a CPU in its power-on state (real mode, CS:IP=F000:FFF0).
func New(cfg Config) *CPU {
	c := &CPU{cfg: cfg, ram: cfg.RAM, bus: cfg.Bus}
	code := cfg.Code
	if code == nil {
		code = NewCodeCache(len(cfg.RAM))
	}
	code.cpus = append(code.cpus, c)
	c.icache.CodeCache = code
	c.Reset()
	return c
}

// RequestStop makes Run return StopRequested after the current
// instruction. Devices call it from Bus.Out.
func (c *CPU) RequestStop() {
	c.stopReq = true
	c.stopWhy = StopRequested
}

// SetIntrPending tells the CPU whether an external interrupt is pending.
func (c *CPU) SetIntrPending(p bool) {
	c.irqPending = p
	c.intrPending = p || c.nmiPending
}

// Halted reports whether the CPU is waiting in hlt.
func (c *CPU) Halted() bool { return c.halted }

// CPL is the current privilege level (CS.RPL in protected mode).
func (c *CPU) CPL() int { return c.cpl }

// fault is the panic value raised by c.raise and recovered by Run.
type fault struct {
	vector uint8
	err    uint32
	hasErr bool
	unimpl bool // #UD for something interp does not implement
}
