package gdbproto

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipe is the peer's side: what it sends is in, what we write is out.
type pipe struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (p *pipe) Read(b []byte) (int, error)  { return p.in.Read(b) }
func (p *pipe) Write(b []byte) (int, error) { return p.out.Write(b) }

func newPipe(s string) (*Conn, *pipe) {
	p := &pipe{in: bytes.NewReader([]byte(s))}
	return NewConn(p), p
}

func TestFrame(t *testing.T) {
	cases := []struct{ payload, wire string }{
		{"", "$#00"},
		{"OK", "$OK#9a"},
		{"qSupported", "$qSupported#37"},
		// '$' '#' '}' '*' are escaped: '}' then the byte xor 0x20; the
		// checksum covers the escaped bytes.
		{"a$b", "$a}\x04b#44"},
		{"#}*", "$}\x03}]}\x0a#e1"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.wire, string(Frame([]byte(tc.payload))), "payload %q", tc.payload)
	}
}

func TestReadEvents(t *testing.T) {
	c, p := newPipe("junk+$OK#9a-\x03$qSupported#37")
	want := []Event{
		{Kind: KindAck},
		{Kind: KindPacket, Data: []byte("OK")},
		{Kind: KindNak},
		{Kind: KindInterrupt},
		{Kind: KindPacket, Data: []byte("qSupported")},
	}
	for _, w := range want {
		ev, err := c.ReadEvent()
		require.NoError(t, err)
		assert.Equal(t, w, ev)
	}
	_, err := c.ReadEvent()
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "++", p.out.String(), "each good packet acknowledged")
}

func TestBadChecksumIsNaked(t *testing.T) {
	c, p := newPipe("$OK#00$OK#zz$OK#9a")
	for _, want := range []error{ErrChecksum, ErrChecksum, nil} {
		ev, err := c.ReadEvent()
		require.NoError(t, err)
		assert.Equal(t, want, ev.Err)
	}
	assert.Equal(t, "--+", p.out.String())
}

func TestNoAckMode(t *testing.T) {
	c, p := newPipe("$OK#9a$OK#00")
	c.SetNoAck()
	ev, err := c.ReadEvent()
	require.NoError(t, err)
	assert.Equal(t, "OK", string(ev.Data))
	ev, err = c.ReadEvent()
	require.NoError(t, err)
	assert.ErrorIs(t, ev.Err, ErrChecksum)
	assert.Empty(t, p.out.String(), "no acks in no-ack mode")
}

func TestDecode(t *testing.T) {
	cases := []struct {
		raw, want string
		err       error
	}{
		{"abc", "abc", nil},
		{"}\x03}\x04}]}\x0a", "#$}*", nil},
		{"0* ", "0000", nil},      // ' ' = 32: three more
		{"x*#y", "xxxxxxxy", nil}, // '#' = 35: six more (never sent raw, but decodable)
		{"}", "", ErrEncoding},
		{"*a", "", ErrEncoding},
		{"a*", "", ErrEncoding},
		{"a*\x01", "", ErrEncoding},
	}
	for _, tc := range cases {
		got, err := Decode([]byte(tc.raw))
		if tc.err != nil {
			assert.ErrorIs(t, err, tc.err, "raw %q", tc.raw)
			continue
		}
		require.NoError(t, err, "raw %q", tc.raw)
		assert.Equal(t, tc.want, string(got), "raw %q", tc.raw)
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	var all []byte
	for b := 0; b < 256; b++ {
		all = append(all, byte(b))
	}
	payload := append([]byte("X1000,100:"), all...)
	c, _ := newPipe(string(Frame(payload)))
	ev, err := c.ReadEvent()
	require.NoError(t, err)
	require.NoError(t, ev.Err)
	assert.Equal(t, payload, ev.Data)
}

func TestTooLongPacketIsConsumed(t *testing.T) {
	long := strings.Repeat("m", MaxPacket+100)
	var sum uint8
	for _, b := range []byte(long) {
		sum += b
	}
	wire := "$" + long + "#" + string(hexDigits[sum>>4]) + string(hexDigits[sum&15]) + "$OK#9a"
	c, _ := newPipe(wire)
	ev, err := c.ReadEvent()
	require.NoError(t, err)
	assert.ErrorIs(t, ev.Err, ErrTooLong)
	ev, err = c.ReadEvent()
	require.NoError(t, err)
	assert.Equal(t, "OK", string(ev.Data), "the stream goes on")

	// Run-length bombs are bounded by the decoded size too.
	bomb := strings.Repeat("a*~", MaxPacket/90+10)
	_, err = Decode([]byte(bomb))
	assert.ErrorIs(t, err, ErrTooLong)
}

func TestRestartInsidePacket(t *testing.T) {
	c, _ := newPipe("$garbage$OK#9a")
	ev, err := c.ReadEvent()
	require.NoError(t, err)
	assert.Equal(t, "OK", string(ev.Data))
}

func TestResend(t *testing.T) {
	c, p := newPipe("")
	require.NoError(t, c.Resend(), "nothing sent yet: nothing to resend")
	require.NoError(t, c.SendString("OK"))
	require.NoError(t, c.Resend())
	assert.Equal(t, "$OK#9a$OK#9a", p.out.String())
}

func TestHex(t *testing.T) {
	v, err := ParseUint([]byte("c0FFee"))
	require.NoError(t, err)
	assert.Equal(t, uint32(0xc0ffee), v)
	for _, bad := range []string{"", "123456789", "12g"} {
		_, err := ParseUint([]byte(bad))
		assert.ErrorIs(t, err, ErrHex, bad)
	}
	b, err := DecodeHex([]byte("00ff10"))
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0xff, 0x10}, b)
	_, err = DecodeHex([]byte("0"))
	assert.ErrorIs(t, err, ErrHex)
	_, err = DecodeHex([]byte("0x"))
	assert.ErrorIs(t, err, ErrHex)
	assert.Equal(t, "78563412", string(AppendHex32LE(nil, 0x12345678)))
}
