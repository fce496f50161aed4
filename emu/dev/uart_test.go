package dev

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Absolute COM1 register ports.
const (
	pData = PortCOM1 + uartData
	pIER  = PortCOM1 + uartIER
	pIIR  = PortCOM1 + uartIIR
	pFCR  = PortCOM1 + uartIIR
	pLCR  = PortCOM1 + uartLCR
	pMCR  = PortCOM1 + uartMCR
	pLSR  = PortCOM1 + uartLSR
	pMSR  = PortCOM1 + uartMSR
	pSCR  = PortCOM1 + uartSCR
)

// syncBuffer is an io.Writer safe to read while the UART's flush timer
// writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestUART returns a UART with no input, writing to a syncBuffer.
func newTestUART(t *testing.T) (*UART, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	u := NewUART(out, nil, nil)
	t.Cleanup(func() { _ = u.Close() })
	return u, out
}

// newInputUART returns a UART reading in, after its input goroutine has
// read all of it (so the test is deterministic).
func newInputUART(t *testing.T, in string, onQuit func()) (*UART, *syncBuffer) {
	t.Helper()
	out := &syncBuffer{}
	u := NewUART(out, strings.NewReader(in), onQuit)
	t.Cleanup(func() { _ = u.Close() })
	waitInput(t, u)
	return u, out
}

func waitInput(t *testing.T, u *UART) {
	t.Helper()
	select {
	case <-u.InputDone():
	case <-time.After(5 * time.Second):
		t.Fatal("UART input goroutine did not reach EOF")
	}
}

func inb(d PortDevice, port uint16) uint8     { return uint8(d.In(port, 1)) }
func outb(d PortDevice, port uint16, v uint8) { d.Out(port, 1, uint32(v)) }

// drain reads RBR while LSR says data is ready.
func drain(u *UART) string {
	var s []byte
	for i := 0; i < 100000 && inb(u, pLSR)&lsrDR != 0; i++ {
		s = append(s, inb(u, pData))
	}
	return string(s)
}

func TestUARTResetValues(t *testing.T) {
	u, _ := newTestUART(t)
	for _, tc := range []struct {
		name string
		port uint16
		want uint8
	}{
		{"IER", pIER, 0x00},
		{"IIR: no interrupt, no FIFO", pIIR, iirNoInt},
		{"LCR", pLCR, 0x00},
		{"MCR: OUT2 as QEMU", pMCR, mcrOUT2},
		{"LSR: THRE|TEMT", pLSR, 0x60},
		{"MSR: CTS|DSR|DCD", pMSR, 0xB0},
		{"SCR", pSCR, 0x00},
		{"RBR empty", pData, 0x00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, inb(u, tc.port))
		})
	}
	outb(u, pLCR, lcrDLAB)
	assert.Equal(t, uint8(12), inb(u, pData), "DLL at reset: 9600 baud")
	assert.Equal(t, uint8(0), inb(u, pIER), "DLM at reset")
}

func TestUARTDivisorLatch(t *testing.T) {
	for _, div := range []uint16{1, 3, 12, 0x0180, 0xFFFF} {
		u, out := newTestUART(t)
		outb(u, pIER, 0x05)
		outb(u, pLCR, lcrDLAB|0x03)
		outb(u, pData, uint8(div))
		outb(u, pIER, uint8(div>>8))
		assert.Equal(t, uint8(div), inb(u, pData), "DLL %#x", div)
		assert.Equal(t, uint8(div>>8), inb(u, pIER), "DLM %#x", div)
		assert.Equal(t, uint8(lcrDLAB|0x03), inb(u, pLCR))
		outb(u, pLCR, 0x03)
		assert.Equal(t, uint8(0x05), inb(u, pIER), "IER untouched by DLM writes")
		require.NoError(t, u.Flush())
		assert.Empty(t, out.String(), "divisor writes are not output")
		outb(u, pLCR, lcrDLAB)
		assert.Equal(t, div, uint16(inb(u, pData))|uint16(inb(u, pIER))<<8)
	}
	// A 16-bit access spans DLL and DLM.
	u, _ := newTestUART(t)
	outb(u, pLCR, lcrDLAB)
	u.Out(pData, 2, 0x0201)
	assert.Equal(t, uint32(0x0201), u.In(pData, 2))
}

func TestUARTScratchAndIER(t *testing.T) {
	u, _ := newTestUART(t)
	for _, v := range []uint8{0x00, 0x55, 0xAA, 0xFF, 0x5A} {
		outb(u, pSCR, v)
		assert.Equal(t, v, inb(u, pSCR))
		outb(u, pIER, v)
		assert.Equal(t, v&ierMask, inb(u, pIER), "IER keeps bits 0-3")
		outb(u, pMCR, v)
		assert.Equal(t, v&mcrMask, inb(u, pMCR), "MCR keeps bits 0-4")
		outb(u, pLCR, v&^lcrDLAB)
		assert.Equal(t, v&^lcrDLAB, inb(u, pLCR))
	}
}

func TestUARTLSR(t *testing.T) {
	u, _ := newInputUART(t, "ab", nil)
	assert.Equal(t, uint8(lsrTHRE|lsrTEMT|lsrDR), inb(u, pLSR))
	assert.Equal(t, "ab", drain(u))
	assert.Equal(t, uint8(lsrTHRE|lsrTEMT), inb(u, pLSR))

	// Overrun: set by a loopback byte with the one-byte buffer full,
	// reported once.
	outb(u, pMCR, mcrLoop)
	outb(u, pData, 'x')
	outb(u, pData, 'y')
	assert.Equal(t, uint8(lsrTHRE|lsrTEMT|lsrDR|lsrOE), inb(u, pLSR))
	assert.Equal(t, uint8(lsrTHRE|lsrTEMT|lsrDR), inb(u, pLSR), "reading LSR clears OE")
	assert.Equal(t, uint8('y'), inb(u, pData), "without FIFOs the newer byte overwrites")
}

func TestUARTFIFOEnableBits(t *testing.T) {
	for _, tc := range []struct {
		name string
		fcr  []uint8
		want uint8 // IIR
	}{
		{"reset", nil, 0x01},
		{"enable", []uint8{fcrEnable}, 0xC1},
		{"enable with trigger and clears", []uint8{0xC7}, 0xC1},
		{"enable then disable", []uint8{fcrEnable, 0}, 0x01},
		{"64-byte bit (16750) is not reflected", []uint8{fcrEnable | 0x20}, 0xC1},
		{"trigger bits without enable are ignored", []uint8{0xC0}, 0x01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := newTestUART(t)
			for _, v := range tc.fcr {
				outb(u, pFCR, v)
			}
			assert.Equal(t, tc.want, inb(u, pIIR))
		})
	}
}

func TestUARTIIRPriorities(t *testing.T) {
	type step struct {
		port  uint16
		write bool
		v     uint8 // value written, or IIR expected
	}
	w := func(port uint16, v uint8) step { return step{port, true, v} }
	r := func(port uint16) step { return step{port, false, 0} }
	iir := func(v uint8) step { return step{pIIR, false, v} }
	for _, tc := range []struct {
		name  string
		input string
		steps []step
	}{
		{"nothing enabled, data waiting", "a", []step{iir(0x01)}},
		{"THRE raised by enabling, cleared by reading IIR", "", []step{
			w(pIER, ierTHRE), iir(0x02), iir(0x01),
		}},
		{"THRE raised again by a THR write", "", []step{
			w(pIER, ierTHRE), iir(0x02), iir(0x01), w(pData, 'z'), iir(0x02), iir(0x01),
		}},
		{"THRE re-raised by toggling IER (Linux startup test)", "", []step{
			w(pIER, ierTHRE), iir(0x02), w(pIER, 0), iir(0x01), w(pIER, ierTHRE), iir(0x02),
		}},
		{"RX data outranks THRE", "a", []step{
			w(pIER, ierRDA|ierTHRE), iir(0x04), r(pData), iir(0x02), iir(0x01),
		}},
		{"line status outranks RX data", "", []step{
			w(pMCR, mcrLoop), w(pData, 1), w(pData, 2),
			w(pIER, ierRDA|ierRLS), iir(0x06), r(pLSR), iir(0x04), r(pData), iir(0x01),
		}},
		{"modem status is lowest, cleared by reading MSR", "", []step{
			w(pIER, ierMS|ierTHRE), iir(0x02), w(pMCR, mcrLoop|mcrRTS), iir(0x00),
			r(pMSR), iir(0x01),
		}},
		{"FIFO: below trigger is a timeout, at trigger is data", "abcd", []step{
			w(pFCR, 0x41), w(pIER, ierRDA), iir(0xC4), r(pData), iir(0xCC),
			r(pData), r(pData), iir(0xCC), r(pData), iir(0xC1),
		}},
		{"FIFO trigger 14 with 4 bytes", "abcd", []step{
			w(pFCR, 0xC1), w(pIER, ierRDA), iir(0xCC),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := newInputUART(t, tc.input, nil)
			for i, s := range tc.steps {
				switch {
				case s.write:
					outb(u, s.port, s.v)
				case s.port == pIIR:
					require.Equal(t, s.v, inb(u, pIIR), "step %d: IIR", i)
				default:
					inb(u, s.port)
				}
			}
		})
	}
}

func TestUARTLoopbackMSR(t *testing.T) {
	for _, tc := range []struct {
		mcr  uint8
		want uint8 // MSR bits 4-7
	}{
		{mcrLoop, 0x00},
		{mcrLoop | mcrDTR, msrDSR},
		{mcrLoop | mcrRTS, msrCTS},
		{mcrLoop | mcrOUT1, msrRI},
		{mcrLoop | mcrOUT2, msrDCD},
		{mcrLoop | mcrOUT2 | mcrRTS, 0x90}, // Linux's autoconfig loopback test
		{mcrLoop | 0x0F, 0xF0},
		{0x0F, 0xB0}, // not in loopback: fixed CTS, DSR, DCD
		{0x00, 0xB0},
	} {
		u, _ := newTestUART(t)
		outb(u, pMCR, tc.mcr)
		assert.Equal(t, tc.want, inb(u, pMSR)&0xF0, "MCR %#02x", tc.mcr)
	}

	// Delta bits record changes of the looped-back lines.
	u, _ := newTestUART(t)
	outb(u, pMCR, mcrLoop|mcrOUT2|mcrRTS) // DSR falls
	assert.Equal(t, uint8(0x90|msrDDSR), inb(u, pMSR))
	assert.Equal(t, uint8(0x90), inb(u, pMSR), "reading MSR clears deltas")
	outb(u, pMCR, mcrLoop|0x0F) // DSR and RI rise
	assert.Equal(t, uint8(0xF0|msrDDSR), inb(u, pMSR))
	outb(u, pMCR, mcrLoop|mcrDTR|mcrRTS|mcrOUT2) // RI falls: trailing edge
	assert.Equal(t, uint8(0xB0|msrTERI), inb(u, pMSR))
	outb(u, pMCR, mcrLoop) // CTS, DSR, DCD fall
	assert.Equal(t, uint8(msrDCTS|msrDDSR|msrDDCD), inb(u, pMSR))
}

func TestUARTLoopbackData(t *testing.T) {
	u, out := newInputUART(t, "host", nil)
	outb(u, pMCR, mcrLoop)
	for _, b := range []byte("loop") {
		outb(u, pData, b)
		assert.Equal(t, string(b), drain(u), "looped back, host input held")
	}
	outb(u, pMCR, 0)
	assert.Equal(t, "host", drain(u), "host input resumes after loopback")
	require.NoError(t, u.Flush())
	assert.Empty(t, out.String(), "loopback bytes never reach the output")
}

func TestUARTRXFIFOOrderAndOverrun(t *testing.T) {
	u, _ := newTestUART(t)
	outb(u, pFCR, 0x07)
	outb(u, pMCR, mcrLoop)
	for i := 0; i < rxFIFOSize; i++ {
		outb(u, pData, uint8('A'+i))
		require.Zero(t, inb(u, pLSR)&lsrOE, "byte %d fits", i)
	}
	outb(u, pData, '!')
	assert.Equal(t, uint8(lsrOE), inb(u, pLSR)&lsrOE, "17th byte overruns")
	assert.Equal(t, "ABCDEFGHIJKLMNOP", drain(u), "FIFO keeps its 16 bytes, drops the 17th")

	// FCR bit 1 empties the receive FIFO.
	outb(u, pData, 'x')
	outb(u, pFCR, fcrEnable|fcrClearRX)
	assert.Empty(t, drain(u))
}

func TestUARTInputFromReader(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 400) // 6400 bytes > host queue
	for _, tc := range []struct {
		name, in, want string
		quits          int
		fifo           bool
	}{
		{"plain", "hello\r", "hello\r", 0, false},
		{"with FIFO", "hello, world", "hello, world", 0, true},
		{"Ctrl-A x quits and is not passed", "ab\x01xcd", "abcd", 1, false},
		{"Ctrl-A X quits too", "\x01X", "", 1, false},
		{"Ctrl-A Ctrl-A is one Ctrl-A", "a\x01\x01b", "a\x01b", 0, false},
		{"Ctrl-A Ctrl-A then x is data", "\x01\x01x", "\x01x", 0, false},
		{"unknown command dropped", "a\x01qb", "ab", 0, false},
		{"Ctrl-A at EOF dropped", "a\x01", "a", 0, false},
		{"Ctrl-C is data", "\x03", "\x03", 0, false},
		{"more than the host queue, in order", long, long, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var quits atomic.Int32
			out := &syncBuffer{}
			u := NewUART(out, strings.NewReader(tc.in), func() { quits.Add(1) })
			defer u.Close()
			if tc.fifo {
				outb(u, pFCR, 0xC7)
			}
			got := ""
			deadline := time.Now().Add(5 * time.Second)
			for len(got) < len(tc.want) && time.Now().Before(deadline) {
				got += drain(u)
			}
			waitInput(t, u)
			got += drain(u)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, int32(tc.quits), quits.Load())
			assert.NoError(t, u.InputErr())
		})
	}
}

func TestUARTEscapeHelp(t *testing.T) {
	u, out := newInputUART(t, "\x01h", nil)
	assert.Contains(t, out.String(), "C-a x    exit emulator")
	assert.Empty(t, drain(u))
}

func TestUARTOutputOrdering(t *testing.T) {
	var want bytes.Buffer
	out := &syncBuffer{}
	u := NewUART(out, nil, nil)
	for i := 0; i < 20000; i++ {
		b := byte('a' + i%26)
		if i%97 == 0 {
			b = '\n'
		}
		want.WriteByte(b)
		outb(u, pData, b)
	}
	require.NoError(t, u.Flush())
	assert.Equal(t, want.String(), out.String())
	require.NoError(t, u.Close())
}

func TestUARTOutputFlushing(t *testing.T) {
	u, out := newTestUART(t)
	for _, b := range []byte("line\n") {
		outb(u, pData, b)
	}
	assert.Equal(t, "line\n", out.String(), "newline flushes at once")
	for _, b := range []byte("login: ") {
		outb(u, pData, b)
	}
	assert.Eventually(t, func() bool { return out.String() == "line\nlogin: " },
		2*time.Second, 5*time.Millisecond, "a prompt appears without a newline")
	require.NoError(t, u.Close())
	outb(u, pData, '$')
	assert.Equal(t, "line\nlogin: $", out.String(), "after Close, output is unbuffered")
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

func TestUARTOutputError(t *testing.T) {
	u := NewUART(failWriter{}, nil, nil)
	for _, b := range []byte("x\ny\n") {
		outb(u, pData, b)
	}
	err := u.Flush()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disk full")
	assert.Error(t, u.Close())
}

func TestUARTIRQLine(t *testing.T) {
	var notes atomic.Int32
	u, _ := newTestUART(t)
	u.SetIRQNotify(func() { notes.Add(1) })
	assert.False(t, u.IRQ())
	outb(u, pIER, ierTHRE)
	assert.True(t, u.IRQ(), "THRE pending, enabled, OUT2 set")
	assert.Equal(t, int32(1), notes.Load())
	outb(u, pMCR, 0)
	assert.False(t, u.IRQ(), "OUT2 clear gates the line")
	outb(u, pMCR, mcrOUT2|mcrLoop)
	assert.False(t, u.IRQ(), "loopback disconnects OUT2")
	outb(u, pMCR, mcrOUT2)
	assert.True(t, u.IRQ())
	inb(u, pIIR)
	assert.False(t, u.IRQ(), "reading IIR cleared THRE")
	assert.Equal(t, int32(4), notes.Load(), "one notification per change: on, off, on, off")
	outb(u, pSCR, 1)
	assert.Equal(t, int32(4), notes.Load(), "no notification without a change")
}

func TestUARTIRQOnInput(t *testing.T) {
	r, w := io.Pipe()
	u := NewUART(nil, r, nil)
	defer u.Close()
	noted := make(chan struct{}, 16)
	u.SetIRQNotify(func() { noted <- struct{}{} })
	outb(u, pIER, ierRDA)
	assert.False(t, u.IRQ())
	go func() { _, _ = w.Write([]byte("k")) }()
	select {
	case <-noted:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification on input")
	}
	assert.True(t, u.IRQ(), "input raises the line")
	assert.Equal(t, uint8(0x04), inb(u, pIIR))
	assert.Equal(t, uint8('k'), inb(u, pData))
	assert.False(t, u.IRQ())
	require.NoError(t, w.Close())
	waitInput(t, u)
}

func TestUARTFIFOResetBeforeReadKeepsInput(t *testing.T) {
	// A driver initialising with writes only loses no typed-ahead input.
	u, _ := newInputUART(t, "typed ahead", nil)
	outb(u, pIER, 0)
	outb(u, pFCR, 0xC7)
	outb(u, pLCR, 0x03)
	outb(u, pMCR, 0x0B)
	assert.Equal(t, "typed ahead", drain(u))
}

func TestUARTCloseStopsInput(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	u := NewUART(nil, r, nil)
	require.NoError(t, u.Close())
	waitInput(t, u)
	assert.NoError(t, u.InputErr())
}

func TestUARTCloseUnblocksFullQueue(t *testing.T) {
	u := NewUART(nil, strings.NewReader(strings.Repeat("x", hostQueueCap*2)), nil)
	time.Sleep(10 * time.Millisecond) // let the goroutine fill the queue
	require.NoError(t, u.Close())
	waitInput(t, u)
}

// TestUARTLinuxProbe replays the register accesses of Linux's 8250
// autoconfig and startup tests and checks they find a working 16550A.
func TestUARTLinuxProbe(t *testing.T) {
	u, out := newTestUART(t)
	// IER test.
	scratch := inb(u, pIER)
	outb(u, pIER, 0)
	scratch2 := inb(u, pIER) & 0x0F
	outb(u, pIER, 0x0F)
	scratch3 := inb(u, pIER) & 0x0F
	outb(u, pIER, scratch)
	require.Equal(t, uint8(0), scratch2)
	require.Equal(t, uint8(0x0F), scratch3)
	// Loopback test.
	saveMCR := inb(u, pMCR)
	outb(u, pMCR, mcrLoop|0x0A)
	require.Equal(t, uint8(0x90), inb(u, pMSR)&0xF0)
	outb(u, pMCR, saveMCR)
	// FIFO type: IIR bits 6-7 = 3 means a 16550A.
	outb(u, pFCR, fcrEnable)
	require.Equal(t, uint8(3), inb(u, pIIR)>>6)
	// Not an ST16C650 (EFR under LCR 0x80 or 0xBF reads non-zero).
	outb(u, pLCR, 0x80)
	require.NotZero(t, inb(u, pIIR))
	outb(u, pLCR, 0xBF)
	require.NotZero(t, inb(u, pIIR))
	// Not a 16750: the 64-byte FIFO bit does not show in IIR bit 5.
	outb(u, pLCR, 0x80)
	outb(u, pFCR, fcrEnable|0x20)
	status1 := inb(u, pIIR) >> 5
	outb(u, pFCR, fcrEnable)
	outb(u, pLCR, 0)
	outb(u, pFCR, fcrEnable|0x20)
	status2 := inb(u, pIIR) >> 5
	require.False(t, status1 == 6 && status2 == 7)
	outb(u, pFCR, fcrEnable)
	// Startup: LSR not 0xFF, THRE re-asserted.
	require.NotEqual(t, uint8(0xFF), inb(u, pLSR))
	outb(u, pIER, ierTHRE)
	iir1 := inb(u, pIIR)
	outb(u, pIER, 0)
	outb(u, pIER, ierTHRE)
	iir := inb(u, pIIR)
	outb(u, pIER, 0)
	require.Zero(t, iir1&iirNoInt)
	require.Zero(t, iir&iirNoInt, "THRE must re-assert")
	require.NoError(t, u.Flush())
	assert.Empty(t, out.String(), "the probe prints nothing")
}

func TestUARTRanges(t *testing.T) {
	u, _ := newTestUART(t)
	base, n := u.Ports()
	assert.Equal(t, uint16(0x3F8), base)
	assert.Equal(t, 8, n)
	assert.Equal(t, []Range{{0x3F8, 8}}, u.Ranges())
	// An access spilling past 0x3FF reads ones for the foreign bytes.
	assert.Equal(t, uint32(0xFFFF0000)|uint32(inb(u, pSCR))<<8|uint32(inb(u, pMSR)), u.In(pMSR, 4))
}
