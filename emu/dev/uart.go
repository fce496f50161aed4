package dev

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// 16550 register offsets from the base port (PC16550D datasheet, table
// II). Offsets 0 and 1 are the divisor latch while LCR.DLAB is set.
const (
	uartData = 0 // read RBR, write THR; DLL when DLAB
	uartIER  = 1 // interrupt enable; DLM when DLAB
	uartIIR  = 2 // read: interrupt identification; write: FCR
	uartLCR  = 3 // line control
	uartMCR  = 4 // modem control
	uartLSR  = 5 // line status
	uartMSR  = 6 // modem status
	uartSCR  = 7 // scratch

	uartPorts = 8
)

// Register bits.
const (
	ierRDA  = 1 << 0 // received data available (and FIFO timeout)
	ierTHRE = 1 << 1 // transmitter holding register empty
	ierRLS  = 1 << 2 // receiver line status
	ierMS   = 1 << 3 // modem status
	ierMask = 0x0F   // the 16550 has no other IER bits

	iirNoInt   = 0x01 // no interrupt pending
	iirMS      = 0x00 // modem status (lowest priority)
	iirTHRE    = 0x02 // THR empty
	iirRDA     = 0x04 // received data at the trigger level
	iirRLS     = 0x06 // receiver line status (highest priority)
	iirTimeout = 0x0C // FIFO data below the trigger level
	iirFIFO    = 0xC0 // FIFOs enabled

	fcrEnable  = 1 << 0
	fcrClearRX = 1 << 1
	fcrClearTX = 1 << 2
	fcrTrigger = 0xC0 // receive trigger level: 1, 4, 8, 14 bytes

	lcrDLAB = 1 << 7

	mcrDTR  = 1 << 0
	mcrRTS  = 1 << 1
	mcrOUT1 = 1 << 2
	mcrOUT2 = 1 << 3 // gates the interrupt line on a PC
	mcrLoop = 1 << 4
	mcrMask = 0x1F

	lsrDR   = 1 << 0 // data ready
	lsrOE   = 1 << 1 // overrun error
	lsrTHRE = 1 << 5 // THR empty
	lsrTEMT = 1 << 6 // transmitter empty

	msrDCTS = 1 << 0
	msrDDSR = 1 << 1
	msrTERI = 1 << 2 // trailing edge of RI
	msrDDCD = 1 << 3
	msrCTS  = 1 << 4
	msrDSR  = 1 << 5
	msrRI   = 1 << 6
	msrDCD  = 1 << 7
)

const (
	rxFIFOSize   = 16   // the 16550's receive FIFO
	hostQueueCap = 4096 // input read from the host, not yet in the FIFO
	resetDivisor = 12   // 9600 baud at 1.8432 MHz, QEMU's reset value
	flushDelay   = 20 * time.Millisecond
)

// UART is a 16550A serial port at 0x3F8-0x3FF (COM1), the machine's console.
// Its output goes to out, its input comes from in.
//
// Registers, as a driver's probe sees them (Linux 8250, SeaBIOS, FreeBSD
// uart(4)):
//
//   - RBR/THR (0): reading pops the receive FIFO (0 when empty); a write
//     is transmitted at once, so THR and the transmitter are always empty
//     (LSR THRE and TEMT always set). DLL while LCR.DLAB.
//   - IER (1): bits 0-3 read back, the rest read 0. DLM while LCR.DLAB.
//     The divisor latch reads back what was written (12 at reset: 9600
//     baud); the baud rate has no other effect.
//   - IIR (2, read): 0x01 when nothing is pending, else the
//     highest-priority enabled source: line status (overrun) 0x06, data
//     at the trigger level 0x04, data below it 0x0C (the character
//     timeout, reported at once since there is no baud clock), THR empty
//     0x02, modem status 0x00. Bits 6-7 are set while FIFOs are enabled.
//     Reading IIR when it reports THR empty clears that source; a THR
//     write clears it and raises it again when the byte has gone, which
//     is at once. Setting IER's THRE bit raises it (THR is empty), as on
//     QEMU and real 16550s (Linux's startup test relies on it).
//   - FCR (2, write): bit 0 enables the FIFOs (changing it empties them);
//     bit 1 empties the receive FIFO; bits 6-7 set the receive trigger.
//     Without FIFOs the receive buffer holds one byte.
//   - LCR (3): read/write; bit 7 is DLAB.
//   - MCR (4): bits 0-4 read back. Loopback (bit 4): transmitted bytes are
//     received instead of output (an overrun when the FIFO is full), host
//     input waits, and MSR's lines follow MCR: DTR→DSR, RTS→CTS, OUT1→RI,
//     OUT2→DCD. Reset value 0x08 (OUT2), as QEMU.
//   - LSR (5): DR when the receive FIFO holds data, OE after an overrun,
//     THRE and TEMT always. Reading it clears OE.
//   - MSR (6): CTS, DSR and DCD set outside loopback; bits 0-3 record
//     changes of the lines (from MCR writes) and are cleared by reading.
//   - SCR (7): read/write.
//
// Interrupts: IRQ reports the interrupt line, which is high when IIR has a
// pending source and MCR.OUT2 is set outside loopback (on a PC, OUT2 gates
// the 16550's INTR onto IRQ4; in loopback OUT2 is disconnected from the
// pin). The notify function set by SetIRQNotify is called, without the
// UART's lock, after any access or input arrival that may have changed it.
//
// Output is buffered and never lost or reordered: it is flushed at each
// newline, 20 ms after a write that left bytes in the buffer (so prompts
// and echoed keys appear), and by Flush and Close. A write error on out is
// kept (Flush and Close return it) and later output is dropped.
//
// Input: a goroutine reads in (when it is not nil) into a host-side queue
// of 4096 bytes, blocking when the queue is full so typed-ahead input is
// not lost. Bytes move from the queue into the 16-byte receive FIFO only
// when the guest reads a UART register, so a driver that resets its FIFOs
// during initialisation (writes only) loses nothing. On the way in, the
// escape sequences of QEMU's -nographic console are handled: Ctrl-A x (or
// X) calls onQuit; Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-A h (or ?) prints
// the list of escapes on the console output; Ctrl-A followed by anything
// else drops both bytes, as QEMU ignores an unknown command. Input timing
// relative to the guest is not deterministic; with in nil or at EOF (once
// InputDone is closed) the UART is.
type UART struct {
	onQuit func()

	mu         sync.Mutex
	ier        uint8
	lcr        uint8
	mcr        uint8
	scr        uint8
	fcr        uint8 // FIFO enable and trigger bits, as last written
	lsrErr     uint8 // OE until LSR is read
	msrDelta   uint8 // MSR bits 0-3 until MSR is read
	divisor    uint16
	thrPending bool     // THR-empty interrupt source
	rx         byteRing // receive FIFO (capacity 1 without FIFOs)
	host       byteRing // input from in, not yet in rx
	space      sync.Cond
	closed     bool
	notify     func()

	inputReader io.Reader     // in, for Close's read deadline
	inputDone   chan struct{} // closed when the input goroutine ends
	inputErr    error         // read error other than EOF, under mu

	out console // buffered output
}

// NewUART returns COM1 writing to out (discarded if nil) and, when in is
// not nil, reading from it on a goroutine that Close stops. onQuit (may be
// nil) is called on that goroutine when the user types Ctrl-A x.
func NewUART(out io.Writer, in io.Reader, onQuit func()) *UART {
	if out == nil {
		out = io.Discard
	}
	u := &UART{
		onQuit:      onQuit,
		inputReader: in,
		mcr:         mcrOUT2,
		divisor:     resetDivisor,
		rx:          newByteRing(rxFIFOSize),
		host:        newByteRing(hostQueueCap),
		inputDone:   make(chan struct{}),
		out:         console{w: bufio.NewWriter(out)},
	}
	u.space.L = &u.mu
	if in == nil {
		close(u.inputDone)
	} else {
		go u.readInput(in)
	}
	return u
}

// Ports returns COM1's eight ports.
func (u *UART) Ports() (base uint16, n int) { return PortCOM1, uartPorts }

// Ranges returns the device's ports for the bus.
func (u *UART) Ranges() []Range { return []Range{{PortCOM1, uartPorts}} }

// SetIRQNotify sets the function called when the interrupt line may have
// changed. It may be called on the input goroutine as well as on a vCPU's.
func (u *UART) SetIRQNotify(f func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.notify = f
}

// IRQ reports whether the UART's interrupt line (IRQ4 on a PC) is high.
func (u *UART) IRQ() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.irqLocked()
}

// In reads UART registers.
func (u *UART) In(port uint16, size int) uint32 {
	u.mu.Lock()
	u.refill()
	before := u.irqLocked()
	v := splitIn(port, size, func(port uint16) (uint8, bool) {
		if port < PortCOM1 || port >= PortCOM1+uartPorts {
			return 0, false
		}
		return u.readReg(port - PortCOM1), true
	})
	notify := u.changed(before)
	u.mu.Unlock()
	if notify != nil {
		notify()
	}
	return v
}

// Out writes UART registers.
func (u *UART) Out(port uint16, size int, v uint32) {
	u.mu.Lock()
	before := u.irqLocked()
	splitOut(port, size, v, func(port uint16, b uint8) {
		if port >= PortCOM1 && port < PortCOM1+uartPorts {
			u.writeReg(port-PortCOM1, b)
		}
	})
	notify := u.changed(before)
	u.mu.Unlock()
	if notify != nil {
		notify()
	}
}

// changed returns the notify function if the line differs from before.
// Called with u.mu held.
func (u *UART) changed(before bool) func() {
	if u.irqLocked() != before {
		return u.notify
	}
	return nil
}

// readReg reads register off (0-7). Called with u.mu held, after refill.
func (u *UART) readReg(off uint16) uint8 {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case uartData:
		if dlab {
			return uint8(u.divisor)
		}
		b, _ := u.rx.pop()
		u.refill()
		return b
	case uartIER:
		if dlab {
			return uint8(u.divisor >> 8)
		}
		return u.ier
	case uartIIR:
		id := u.pendingID()
		if id == iirTHRE {
			u.thrPending = false
		}
		if u.fcr&fcrEnable != 0 {
			id |= iirFIFO
		}
		return id
	case uartLCR:
		return u.lcr
	case uartMCR:
		return u.mcr
	case uartLSR:
		v := uint8(lsrTHRE|lsrTEMT) | u.lsrErr
		if u.rx.len() > 0 {
			v |= lsrDR
		}
		u.lsrErr = 0
		return v
	case uartMSR:
		v := u.lines() | u.msrDelta
		u.msrDelta = 0
		return v
	default: // uartSCR
		return u.scr
	}
}

// writeReg writes register off (0-7). Called with u.mu held.
func (u *UART) writeReg(off uint16, b uint8) {
	dlab := u.lcr&lcrDLAB != 0
	switch off {
	case uartData:
		if dlab {
			u.divisor = u.divisor&0xFF00 | uint16(b)
			return
		}
		u.transmit(b)
	case uartIER:
		if dlab {
			u.divisor = u.divisor&0x00FF | uint16(b)<<8
			return
		}
		u.setIER(b & ierMask)
	case uartIIR:
		u.setFCR(b)
	case uartLCR:
		u.lcr = b
	case uartMCR:
		u.setMCR(b & mcrMask)
	case uartLSR, uartMSR:
		// Factory test registers on a 16550: writes have no effect here.
	default: // uartSCR
		u.scr = b
	}
}

// transmit sends b: to the output, or back to the receiver in loopback.
// The transmitter is instantly empty again, so THRE is raised at once.
func (u *UART) transmit(b uint8) {
	if u.mcr&mcrLoop != 0 {
		u.receiveLoopback(b)
	} else {
		u.out.writeByte(b)
	}
	u.thrPending = true
}

// receiveLoopback puts b in the receive FIFO, or records an overrun: a
// 16550 with FIFOs drops the new byte, a one-byte buffer is overwritten.
func (u *UART) receiveLoopback(b uint8) {
	if u.rx.len() < u.rxCap() {
		u.rx.push(b)
		return
	}
	u.lsrErr |= lsrOE
	if u.fcr&fcrEnable == 0 {
		u.rx.replaceNewest(b)
	}
}

// setIER writes IER. Enabling the THRE interrupt raises it, since THR is
// always empty; disabling it forgets it (as QEMU's serial_ioport_write).
func (u *UART) setIER(v uint8) {
	if (u.ier^v)&ierTHRE != 0 {
		u.thrPending = v&ierTHRE != 0
	}
	u.ier = v
}

// setFCR writes FCR. Other bits are only taken with bit 0 set.
func (u *UART) setFCR(b uint8) {
	if (u.fcr^b)&fcrEnable != 0 {
		u.rx.reset()
	}
	if b&fcrEnable == 0 {
		u.fcr = 0
		return
	}
	if b&fcrClearRX != 0 {
		u.rx.reset()
	}
	// fcrClearTX: the transmit FIFO is always empty.
	u.fcr = b & (fcrEnable | fcrTrigger)
}

// setMCR writes MCR and records which modem lines changed in MSR's delta
// bits (in loopback the lines follow MCR's outputs).
func (u *UART) setMCR(v uint8) {
	old := u.lines()
	u.mcr = v
	now := u.lines()
	diff := old ^ now
	if diff&msrCTS != 0 {
		u.msrDelta |= msrDCTS
	}
	if diff&msrDSR != 0 {
		u.msrDelta |= msrDDSR
	}
	if old&msrRI != 0 && now&msrRI == 0 {
		u.msrDelta |= msrTERI
	}
	if diff&msrDCD != 0 {
		u.msrDelta |= msrDDCD
	}
}

// lines returns MSR's line bits (4-7).
func (u *UART) lines() uint8 {
	if u.mcr&mcrLoop == 0 {
		return msrCTS | msrDSR | msrDCD
	}
	var v uint8
	if u.mcr&mcrDTR != 0 {
		v |= msrDSR
	}
	if u.mcr&mcrRTS != 0 {
		v |= msrCTS
	}
	if u.mcr&mcrOUT1 != 0 {
		v |= msrRI
	}
	if u.mcr&mcrOUT2 != 0 {
		v |= msrDCD
	}
	return v
}

// rxCap is the receive buffer's size: 16 with FIFOs, else 1.
func (u *UART) rxCap() int {
	if u.fcr&fcrEnable != 0 {
		return rxFIFOSize
	}
	return 1
}

// trigger is the receive FIFO level that raises the data interrupt.
func (u *UART) trigger() int {
	if u.fcr&fcrEnable == 0 {
		return 1
	}
	return [4]int{1, 4, 8, 14}[u.fcr>>6]
}

// rxAvail is how many bytes the receive FIFO holds once refilled: what
// the interrupt logic sees, without moving bytes (see refill).
func (u *UART) rxAvail() int {
	n := u.rx.len()
	if u.mcr&mcrLoop == 0 {
		n += min(u.host.len(), u.rxCap()-n)
	}
	return n
}

// refill moves host input into the receive FIFO. Called with u.mu held,
// only on guest reads: see the type's comment.
func (u *UART) refill() {
	if u.mcr&mcrLoop != 0 || u.host.len() == 0 {
		return
	}
	for u.rx.len() < u.rxCap() {
		b, ok := u.host.pop()
		if !ok {
			break
		}
		u.rx.push(b)
	}
	u.space.Broadcast()
}

// pendingID returns the IIR identification of the highest-priority
// enabled pending source, or iirNoInt.
func (u *UART) pendingID() uint8 {
	if u.ier&ierRLS != 0 && u.lsrErr != 0 {
		return iirRLS
	}
	if u.ier&ierRDA != 0 {
		if n := u.rxAvail(); n >= u.trigger() {
			return iirRDA
		} else if n > 0 {
			return iirTimeout
		}
	}
	if u.ier&ierTHRE != 0 && u.thrPending {
		return iirTHRE
	}
	if u.ier&ierMS != 0 && u.msrDelta != 0 {
		return iirMS
	}
	return iirNoInt
}

// irqLocked is IRQ with u.mu held.
func (u *UART) irqLocked() bool {
	return u.pendingID() != iirNoInt && u.mcr&mcrOUT2 != 0 && u.mcr&mcrLoop == 0
}
