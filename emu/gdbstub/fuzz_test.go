package gdbstub

import (
	"io"
	"testing"

	"dfemu/emu/interp"
	"dfemu/internal/gdbproto"
)

// rw is a connection that reads nothing and discards writes.
type rw struct{}

func (rw) Read([]byte) (int, error)    { return 0, io.EOF }
func (rw) Write(b []byte) (int, error) { return len(b), nil }

// FuzzHandle gives arbitrary packets to the packet handler of a stopped
// two-vCPU machine: a hostile client gets replies, never a panic.
//
//	go test -run=XXX -fuzz=FuzzHandle -fuzztime=10s ./emu/gdbstub
func FuzzHandle(f *testing.F) {
	for _, s := range []string{
		"g", "G00", "p8", "P8=00100000", "Pa=ff000000", "m0,10", "mffffffff,ffff", "M0,2:zz",
		"X0,2:ab", "Z0,100000,1", "z2,0,4", "Z4,fffffffe,1000", "Hg2", "Hc-1", "T3", "c100000",
		"s", "vCont;s:2;c", "vCont;x", "qXfer:features:read:target.xml:fff,ffffffff",
		"qThreadExtraInfo,2", "qfThreadInfo", "?", "D", "k", "qSupported:swbreak+",
	} {
		f.Add([]byte(s))
	}
	ram := make([]byte, 1<<20)
	code := interp.NewCodeCache(len(ram))
	cpus := []*interp.CPU{
		interp.New(interp.Config{ID: 0, RAM: ram, Code: code}),
		interp.New(interp.Config{ID: 1, RAM: ram, Code: code}),
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		s := &session{pc: gdbproto.NewConn(rw{}), hooks: map[hook]bool{}, cThread: -1}
		for k := 0; k < 2; k++ { // twice: the second sees the first's state
			reply, _ := s.handle(cpus, p)
			if len(reply) > gdbproto.MaxPacket {
				t.Fatalf("reply of %d bytes to %q", len(reply), p)
			}
		}
		s.disarm(cpus)
	})
}
