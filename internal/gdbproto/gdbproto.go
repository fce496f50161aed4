// Package gdbproto is the framing layer of the GDB remote serial protocol
// (gdb manual, "Remote Protocol", "Overview"): packets, checksums, acks,
// escaping, run-length encoding and the out-of-band interrupt byte. It
// knows nothing of what the packets mean; emu/gdbstub does.
//
// On the wire a packet is
//
//	$ payload # c1 c2
//
// where c1c2 is the modulo-256 sum of the payload bytes as sent, in hex.
// Inside the payload, '}' escapes the next byte (which is xor 0x20), and
// 'x*n' repeats x (n-29) more times (run-length encoding). The receiver
// answers '+' (good) or '-' (resend) until QStartNoAckMode turns acks
// off. A lone 0x03 byte outside a packet is an interrupt (Ctrl-C).
//
// A hostile peer cannot make the decoder use unbounded memory: a packet
// whose raw or decoded payload exceeds MaxPacket is consumed and reported
// as ErrTooLong, and the stream goes on.
package gdbproto

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
)

// MaxPacket is the largest payload accepted, raw or decoded; the stub
// advertises it as PacketSize in qSupported.
const MaxPacket = 16 << 10

// Interrupt is the out-of-band Ctrl-C byte.
const Interrupt = 0x03

// Errors of one packet; the stream goes on after them.
var (
	ErrChecksum = errors.New("gdbproto: bad checksum")
	ErrTooLong  = fmt.Errorf("gdbproto: packet longer than %d bytes", MaxPacket)
	ErrEncoding = errors.New("gdbproto: bad run-length encoding or escape")
)

// Kind says what an Event is.
type Kind int

const (
	KindPacket    Kind = iota // a packet (Data), or a bad one (Err)
	KindInterrupt             // 0x03 outside a packet
	KindAck                   // '+'
	KindNak                   // '-': resend the last packet
)

// Event is one thing read from the peer.
type Event struct {
	Kind Kind
	Data []byte // the decoded payload of a good packet
	Err  error  // for a bad packet: ErrChecksum, ErrTooLong, ErrEncoding
}

// Conn frames packets over a byte stream. ReadEvent is called from one
// goroutine; Send may be called from another (writes are serialised).
type Conn struct {
	r *bufio.Reader

	wmu   sync.Mutex
	w     io.Writer
	noAck bool
	last  []byte // the last packet sent, framed, for a '-'
}

// NewConn returns a Conn in ack mode.
func NewConn(rw io.ReadWriter) *Conn {
	return &Conn{r: bufio.NewReaderSize(rw, 4096), w: rw}
}

// SetNoAck turns acknowledgements off (after answering QStartNoAckMode
// with OK, as the protocol says).
func (c *Conn) SetNoAck() {
	c.wmu.Lock()
	c.noAck = true
	c.wmu.Unlock()
}

// NoAck reports whether acknowledgements are off.
func (c *Conn) NoAck() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.noAck
}

// ReadEvent reads the next event. Bytes outside a packet other than '$',
// '+', '-' and 0x03 are skipped. A good packet is acknowledged with '+'
// and a bad one with '-' (in ack mode). The error is the stream's
// (io.EOF, a closed connection); a bad packet is an Event with Err.
func (c *Conn) ReadEvent() (Event, error) {
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return Event{}, err
		}
		switch b {
		case '+':
			return Event{Kind: KindAck}, nil
		case '-':
			return Event{Kind: KindNak}, nil
		case Interrupt:
			return Event{Kind: KindInterrupt}, nil
		case '$':
			return c.readPacket()
		}
	}
}

// readPacket reads the rest of a packet after '$'.
func (c *Conn) readPacket() (Event, error) {
	raw := make([]byte, 0, 64)
	var sum uint8
	tooLong := false
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return Event{}, err
		}
		if b == '#' {
			break
		}
		if b == '$' {
			// A new packet start inside a packet: the peer gave up on
			// this one (gdb does after a timeout). Start over.
			raw, sum, tooLong = raw[:0], 0, false
			continue
		}
		sum += b
		if len(raw) >= MaxPacket {
			tooLong = true
			continue
		}
		raw = append(raw, b)
	}
	var hx [2]byte
	for k := range hx {
		b, err := c.r.ReadByte()
		if err != nil {
			return Event{}, err
		}
		hx[k] = b
	}
	want, ok := parseHexByte(hx[0], hx[1])
	noAck := c.NoAck()
	switch {
	case !ok || want != sum:
		if !noAck {
			return Event{Kind: KindPacket, Err: ErrChecksum}, c.write([]byte{'-'})
		}
		return Event{Kind: KindPacket, Err: ErrChecksum}, nil
	}
	var ackErr error
	if !noAck {
		ackErr = c.write([]byte{'+'})
	}
	if tooLong {
		return Event{Kind: KindPacket, Err: ErrTooLong}, ackErr
	}
	data, err := Decode(raw)
	if err != nil {
		return Event{Kind: KindPacket, Err: err}, ackErr
	}
	return Event{Kind: KindPacket, Data: data}, ackErr
}

// Decode undoes escaping and run-length encoding of a raw payload. The
// result is at most MaxPacket bytes (ErrTooLong otherwise).
func Decode(raw []byte) ([]byte, error) {
	out := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); k++ {
		b := raw[k]
		switch b {
		case '}':
			k++
			if k == len(raw) {
				return nil, ErrEncoding
			}
			out = append(out, raw[k]^0x20)
		case '*':
			k++
			if k == len(raw) || len(out) == 0 || raw[k] < 29 {
				return nil, ErrEncoding
			}
			n := int(raw[k]) - 29
			if len(out)+n > MaxPacket {
				return nil, ErrTooLong
			}
			prev := out[len(out)-1]
			for ; n > 0; n-- {
				out = append(out, prev)
			}
		default:
			out = append(out, b)
		}
		if len(out) > MaxPacket {
			return nil, ErrTooLong
		}
	}
	return out, nil
}

// Frame returns payload as a packet: escaped ('$', '#', '}', '*') and
// checksummed. No run-length encoding is applied.
func Frame(payload []byte) []byte {
	out := make([]byte, 0, len(payload)+4)
	out = append(out, '$')
	var sum uint8
	for _, b := range payload {
		switch b {
		case '$', '#', '}', '*':
			out = append(out, '}')
			sum += '}'
			b ^= 0x20
		}
		out = append(out, b)
		sum += b
	}
	return append(out, '#', hexDigits[sum>>4], hexDigits[sum&15])
}

// Send writes payload as one packet. It does not wait for the ack: a
// '-' arrives as a KindNak event and the caller calls Resend.
func (c *Conn) Send(payload []byte) error {
	f := Frame(payload)
	c.wmu.Lock()
	c.last = f
	c.wmu.Unlock()
	return c.write(f)
}

// SendString is Send of a string payload.
func (c *Conn) SendString(s string) error { return c.Send([]byte(s)) }

// Resend writes the last packet again (after a '-').
func (c *Conn) Resend() error {
	c.wmu.Lock()
	f := c.last
	c.wmu.Unlock()
	if f == nil {
		return nil
	}
	return c.write(f)
}

func (c *Conn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.w.Write(b)
	return err
}

const hexDigits = "0123456789abcdef"

func parseHexByte(hi, lo byte) (uint8, bool) {
	h, ok1 := hexVal(hi)
	l, ok2 := hexVal(lo)
	return h<<4 | l, ok1 && ok2
}

func hexVal(b byte) (uint8, bool) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', true
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10, true
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}
