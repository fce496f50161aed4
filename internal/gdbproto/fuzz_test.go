package gdbproto

import (
	"bytes"
	"testing"
)

// FuzzReadEvent feeds arbitrary bytes to the decoder: it must never
// panic, never return a payload over MaxPacket, and every good packet
// must survive Frame and decode again unchanged.
//
//	go test -run=XXX -fuzz=FuzzReadEvent -fuzztime=10s ./internal/gdbproto
func FuzzReadEvent(f *testing.F) {
	for _, s := range []string{
		"$qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386#6a",
		"+$g#67", "\x03", "$m100000,4#c5-", "$X1000,2:}\x03*#00",
		"$0* #00", "$}#00", "$$$#00", "$QStartNoAckMode#b0",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := NewConn(&pipe{in: bytes.NewReader(in)})
		for {
			ev, err := c.ReadEvent()
			if err != nil {
				return
			}
			if len(ev.Data) > MaxPacket {
				t.Fatalf("payload of %d bytes", len(ev.Data))
			}
			if ev.Kind != KindPacket || ev.Err != nil {
				continue
			}
			again := NewConn(&pipe{in: bytes.NewReader(Frame(ev.Data))})
			ev2, err := again.ReadEvent()
			if err != nil || ev2.Err != nil || !bytes.Equal(ev2.Data, ev.Data) {
				t.Fatalf("round trip of %q: %q %v %v", ev.Data, ev2.Data, err, ev2.Err)
			}
		}
	})
}
