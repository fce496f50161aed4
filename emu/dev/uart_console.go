package dev

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// The UART's host side: the buffered console output and the input
// goroutine with QEMU's Ctrl-A escapes.

// ctrlA is the escape character of QEMU's -nographic console (-echr 0x01).
const ctrlA = 0x01

// escapeHelp is printed on Ctrl-A h, as QEMU's mux_print_help.
const escapeHelp = "\n" +
	"C-a h    print this help\n" +
	"C-a x    exit emulator\n" +
	"C-a C-a  sends C-a\n"

// console is the UART's buffered output. Lock order: UART.mu, then
// console.mu (transmit writes with the UART's lock held).
type console struct {
	mu     sync.Mutex
	w      *bufio.Writer
	err    error       // first write error; output is dropped after it
	timer  *time.Timer // flushes a partial line after flushDelay
	armed  bool        // timer is pending
	closed bool        // after Close, every byte is written at once
}

// writeByte buffers b, flushing on newline and arming the delayed flush
// otherwise.
func (c *console) writeByte(b byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if err := c.w.WriteByte(b); err != nil {
		c.err = err
		return
	}
	if b == '\n' || c.closed {
		c.flushLocked()
		return
	}
	if !c.armed {
		c.armed = true
		if c.timer == nil {
			c.timer = time.AfterFunc(flushDelay, c.timerFlush)
		} else {
			c.timer.Reset(flushDelay)
		}
	}
}

// writeString writes s and flushes it (host messages such as the help).
func (c *console) writeString(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	if _, err := c.w.WriteString(s); err != nil {
		c.err = err
		return
	}
	c.flushLocked()
}

func (c *console) timerFlush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
	c.flushLocked()
}

// flushLocked writes the buffer out. Called with c.mu held.
func (c *console) flushLocked() {
	if c.armed {
		c.timer.Stop()
		c.armed = false
	}
	if c.err == nil {
		if err := c.w.Flush(); err != nil {
			c.err = err
		}
	}
}

func (c *console) flush(closing bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = c.closed || closing
	c.flushLocked()
	if c.err != nil {
		return fmt.Errorf("uart: console output: %w", c.err)
	}
	return nil
}

// Flush writes any buffered output. It returns the first error the output
// writer gave, now or earlier.
func (u *UART) Flush() error { return u.out.flush(false) }

// Close stops the input goroutine and flushes the output; later output is
// written unbuffered. A Read already blocked on in is interrupted when in
// has SetReadDeadline (a pipe, a non-blocking terminal: the deadline is
// left set to the past); otherwise the goroutine ends when that Read
// returns, and drops what it read. Close returns Flush's error.
func (u *UART) Close() error {
	u.mu.Lock()
	u.closed = true
	u.space.Broadcast()
	u.mu.Unlock()
	if d, ok := u.inputReader.(interface{ SetReadDeadline(time.Time) error }); ok {
		// ErrNoDeadline (a blocking file) is expected: see above.
		_ = d.SetReadDeadline(time.Unix(1, 0))
	}
	return u.out.flush(true)
}

// InputDone is closed when the input goroutine has ended: at EOF, on a
// read error, or after Close. It is closed from the start when in is nil.
func (u *UART) InputDone() <-chan struct{} { return u.inputDone }

// InputErr returns the error that ended input, other than EOF and the
// deadline Close sets, or nil.
func (u *UART) InputErr() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.inputErr
}

// readInput is the input goroutine: it reads in until EOF, an error or
// Close, handles the escapes and queues the rest for the guest.
func (u *UART) readInput(in io.Reader) {
	defer close(u.inputDone)
	buf := make([]byte, 512)
	esc := false // the previous byte was Ctrl-A
	for {
		n, err := in.Read(buf)
		if n > 0 && !u.receive(&esc, buf[:n]) {
			return
		}
		if err != nil {
			u.mu.Lock()
			if !errors.Is(err, io.EOF) && !(u.closed && errors.Is(err, os.ErrDeadlineExceeded)) {
				u.inputErr = fmt.Errorf("uart: reading console input: %w", err)
			}
			u.mu.Unlock()
			return
		}
	}
}

// receive handles one chunk of host input. It reports false once the UART
// is closed.
func (u *UART) receive(esc *bool, data []byte) bool {
	guest := make([]byte, 0, len(data))
	for _, b := range data {
		if !*esc {
			if b == ctrlA {
				*esc = true
			} else {
				guest = append(guest, b)
			}
			continue
		}
		*esc = false
		switch b {
		case ctrlA:
			guest = append(guest, ctrlA)
		case 'x', 'X':
			if !u.enqueue(guest) {
				return false
			}
			guest = guest[:0]
			if u.onQuit != nil {
				u.onQuit()
			}
		case 'h', '?':
			if !u.enqueue(guest) {
				return false
			}
			guest = guest[:0]
			u.out.writeString(escapeHelp)
		default:
			// An unknown command: dropped with its Ctrl-A, as QEMU does.
		}
	}
	return u.enqueue(guest)
}

// enqueue appends p to the host queue, waiting while it is full, and
// notifies the interrupt line. It reports false if the UART was closed.
func (u *UART) enqueue(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	u.mu.Lock()
	for len(p) > 0 {
		for u.host.full() && !u.closed {
			u.space.Wait()
		}
		if u.closed {
			u.mu.Unlock()
			return false
		}
		p = p[u.host.pushSome(p):]
	}
	notify := u.notify
	u.mu.Unlock()
	if notify != nil {
		notify()
	}
	return true
}
