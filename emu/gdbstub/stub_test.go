package gdbstub

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dfemu/emu"
	"dfemu/emu/internal/mbimage"
	"dfemu/internal/gdbproto"
)

// Protocol-level tests: a raw client against a machine running a tiny
// guest that loops forever, counting in EAX and storing it at 0x2000.
// The real gdb is tested in cmd/dfemu (gdb_test.go).

const (
	loopEntry = mbimage.LoadAddr + 12 // after the 12-byte Multiboot header
	loopStore = loopEntry + 1         // mov %eax, 0x2000
	loopJmp   = loopEntry + 6         // jmp loopEntry
	counter   = 0x2000
)

var loopCode = []byte{
	0x40,                         // inc %eax
	0xA3, 0x00, 0x20, 0x00, 0x00, // mov %eax, 0x2000
	0xEB, 0xF8, // jmp loopEntry
}

// stub is a machine under a Server, and a client connected to it.
type stub struct {
	srv    *Server
	result chan emu.Result
	conn   net.Conn
	pc     *gdbproto.Conn
	log    *bytes.Buffer
}

// startStub boots the loop guest with -S and connects a client.
func startStub(t *testing.T, timeout time.Duration) *stub {
	t.Helper()
	log := &bytes.Buffer{}
	srv, err := Listen("tcp:127.0.0.1:0", log)
	require.NoError(t, err)
	m, err := emu.New(emu.Config{Kernel: mbimage.Kernel(loopCode), MemMiB: 4, SMP: 1, Timeout: timeout,
		Debugger: srv, DebugWait: true})
	require.NoError(t, err)
	s := &stub{srv: srv, result: make(chan emu.Result, 1), log: log}
	go func() { s.result <- m.Run() }()
	s.conn, err = net.Dial("tcp", srv.Addr().String())
	require.NoError(t, err)
	s.pc = gdbproto.NewConn(s.conn)
	t.Cleanup(func() {
		s.conn.Close()
		srv.Close()
		m.Close()
	})
	return s
}

// ask sends a packet and returns the reply (acks skipped).
func (s *stub) ask(t *testing.T, p string) string {
	t.Helper()
	require.NoError(t, s.pc.SendString(p))
	return s.reply(t)
}

func (s *stub) reply(t *testing.T) string {
	t.Helper()
	require.NoError(t, s.conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	for {
		ev, err := s.pc.ReadEvent()
		require.NoError(t, err, "waiting for a reply")
		if ev.Kind == gdbproto.KindPacket {
			require.NoError(t, ev.Err)
			return string(ev.Data)
		}
	}
}

// end waits for the machine's result.
func (s *stub) end(t *testing.T) emu.Result {
	t.Helper()
	select {
	case r := <-s.result:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the machine did not stop")
	}
	return emu.Result{}
}

// reg reads register n of the current thread as a number.
func (s *stub) reg(t *testing.T, n int) uint32 {
	t.Helper()
	b, err := gdbproto.DecodeHex([]byte(s.ask(t, fmt.Sprintf("p%x", n))))
	require.NoError(t, err)
	require.Len(t, b, 4)
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func TestStubStartsStoppedAtEntry(t *testing.T) {
	s := startStub(t, 300*time.Millisecond)
	assert.Contains(t, s.ask(t, "qSupported:swbreak+;hwbreak+"), "qXfer:features:read+")
	assert.Equal(t, "T05thread:01;", s.ask(t, "?"))
	assert.Equal(t, "OK", s.ask(t, "QStartNoAckMode"))
	s.pc.SetNoAck()
	assert.Equal(t, "1", s.ask(t, "qAttached"))
	assert.Equal(t, "m1", s.ask(t, "qfThreadInfo"))
	assert.Equal(t, "l", s.ask(t, "qsThreadInfo"))
	assert.Equal(t, "", s.ask(t, "vMustReplyEmpty"))
	assert.Equal(t, "", s.ask(t, "qNoSuchThing"))
	assert.Equal(t, uint32(loopEntry), s.reg(t, regEIP))
	assert.Equal(t, uint32(0x2BADB002), s.reg(t, 0), "EAX holds the Multiboot magic")
	g := s.ask(t, "g")
	assert.Len(t, g, 2*(numRegs*4+8*6), "16 GPR/segment + 8 x87 control + 4 CR of 4 bytes, 8 of 10")
	xml := s.ask(t, "qXfer:features:read:target.xml:0,ffff")
	require.True(t, strings.HasPrefix(xml, "l<?xml"), xml)
	assert.Equal(t, "m<?xm", s.ask(t, "qXfer:features:read:target.xml:0,4"))
	assert.Equal(t, "E00", s.ask(t, "qXfer:features:read:other.xml:0,4"))
	assert.Equal(t, "OK", s.ask(t, "D"))
	assert.Equal(t, emu.ExitTimeout, s.end(t).Status, "the guest runs on after detach, to the timeout")
}

func TestStubMemoryAndRegisters(t *testing.T) {
	s := startStub(t, 0)
	want := strings.ToLower(fmt.Sprintf("%x", loopCode))
	assert.Equal(t, want, s.ask(t, fmt.Sprintf("m%x,%x", loopEntry, len(loopCode))))
	assert.Equal(t, "E14", s.ask(t, "m10000000,4"), "beyond RAM (4 MiB)")
	assert.Equal(t, "E01", s.ask(t, "mzz,4"))
	assert.Equal(t, "OK", s.ask(t, "M3000,3:616263"))
	assert.Equal(t, "616263", s.ask(t, "m3000,3"))
	// Binary write with every byte gdb escapes.
	assert.Equal(t, "OK", s.ask(t, "X3000,4:$#}*"))
	assert.Equal(t, "24237d2a", s.ask(t, "m3000,4"))
	assert.Equal(t, "OK", s.ask(t, "X3000,0:"), "gdb probes X with an empty write")
	assert.Equal(t, "E01", s.ask(t, "X3000,5:ab"), "length mismatch")
	assert.Equal(t, "OK", s.ask(t, "P0=78563412"))
	assert.Equal(t, uint32(0x12345678), s.reg(t, 0))
	assert.Equal(t, "E16", s.ask(t, "Pa=ff000000"), "a new CS selector needs a descriptor")
	assert.Equal(t, "OK", s.ask(t, "Pa=10000000"), "rewriting the same selector is fine")
	assert.Equal(t, "E01", s.ask(t, "P99=00000000"))
	assert.Equal(t, "E01", s.ask(t, "P0=0000"))
	g := s.ask(t, "g")
	assert.Equal(t, "OK", s.ask(t, "G"+g), "G of what g read")
	assert.Equal(t, "E01", s.ask(t, "G"+g[:len(g)-1]))
	assert.Equal(t, "OK", s.ask(t, "Hg1"))
	assert.Equal(t, "E02", s.ask(t, "Hg2"), "one vCPU: thread 2 does not exist")
	assert.Equal(t, "OK", s.ask(t, "T1"))
	assert.Equal(t, "E02", s.ask(t, "T2"))
	// A packet over the size limit gets an error, and the session goes on.
	require.NoError(t, s.pc.SendString("M3000,1:"+strings.Repeat("0", gdbproto.MaxPacket)))
	assert.Equal(t, "E01", s.reply(t))
	assert.Equal(t, "T05thread:01;", s.ask(t, "?"))
	require.NoError(t, s.pc.SendString("k"))
	assert.Equal(t, emu.ExitDebuggerKill, s.end(t).Status)
}

func TestStubBreakStepWatch(t *testing.T) {
	s := startStub(t, 0)
	s.ask(t, "qSupported:swbreak+")
	assert.Equal(t, "OK", s.ask(t, fmt.Sprintf("Z0,%x,1", loopJmp)))
	assert.Equal(t, "OK", s.ask(t, fmt.Sprintf("Z0,%x,1", loopJmp)), "idempotent")
	assert.Equal(t, "T05swbreak:;thread:01;", s.ask(t, "c"))
	assert.Equal(t, uint32(loopJmp), s.reg(t, regEIP))
	assert.Equal(t, "ebf8", s.ask(t, fmt.Sprintf("m%x,2", loopJmp)), "memory shows the original bytes")
	assert.Equal(t, "T05thread:01;", s.ask(t, "s"), "step over the breakpoint")
	assert.Equal(t, uint32(loopEntry), s.reg(t, regEIP))
	assert.Equal(t, "T05thread:01;", s.ask(t, "vCont;s:1"))
	assert.Equal(t, uint32(loopStore), s.reg(t, regEIP))
	assert.Equal(t, "T05swbreak:;thread:01;", s.ask(t, "vCont;c"))
	assert.Equal(t, "OK", s.ask(t, fmt.Sprintf("z0,%x,1", loopJmp)))

	assert.Equal(t, "OK", s.ask(t, "Z2,2000,4"))
	before := s.reg(t, 0)
	assert.Equal(t, "T05watch:00002000;thread:01;", s.ask(t, "c"))
	assert.Equal(t, uint32(loopJmp), s.reg(t, regEIP), "stops after the store")
	assert.Equal(t, before+1, s.reg(t, 0))
	assert.Equal(t, "OK", s.ask(t, "z2,2000,4"))
	assert.Equal(t, "OK", s.ask(t, "Z4,2001,1"))
	assert.Equal(t, "T05awatch:00002001;thread:01;", s.ask(t, "c"))
	assert.Equal(t, "OK", s.ask(t, "z4,2001,1"))
	assert.Equal(t, "OK", s.ask(t, "Z3,2000,4"))
	assert.Equal(t, "OK", s.ask(t, "Z1,0,1"), "hardware breakpoint that never hits")
	assert.Equal(t, "", s.ask(t, "Z5,2000,4"), "unsupported type: empty reply")
	assert.Equal(t, "E01", s.ask(t, "Z2,2000,0"))

	// The loop never reads 0x2000: a read watchpoint stays quiet and
	// Ctrl-C stops it.
	require.NoError(t, s.pc.SendString("c"))
	time.Sleep(50 * time.Millisecond)
	_, err := s.conn.Write([]byte{gdbproto.Interrupt})
	require.NoError(t, err)
	assert.Equal(t, "T02thread:01;", s.reply(t))
	require.NoError(t, s.pc.SendString("k"))
	assert.Equal(t, emu.ExitDebuggerKill, s.end(t).Status)
}

func TestStubTimeoutStopsWhileStopped(t *testing.T) {
	s := startStub(t, 200*time.Millisecond)
	time.Sleep(400 * time.Millisecond)
	assert.Equal(t, "T05thread:01;", s.ask(t, "?"), "still stopped, not timed out")
	require.NoError(t, s.pc.SendString("c"))
	r := s.end(t)
	assert.Equal(t, emu.ExitTimeout, r.Status)
	assert.Equal(t, "W08", s.reply(t), "gdb hears the exit status")
}

func TestStubDisconnectLetsTheGuestRun(t *testing.T) {
	s := startStub(t, 300*time.Millisecond)
	assert.Equal(t, "OK", s.ask(t, fmt.Sprintf("Z0,%x,1", loopJmp)))
	s.conn.Close()
	r := s.end(t)
	assert.Equal(t, emu.ExitTimeout, r.Status, "breakpoints gone with the debugger: the loop runs to the timeout")
	assert.Contains(t, s.log.String(), "debugger gone")
}

func TestStubRefusesSecondDebugger(t *testing.T) {
	s := startStub(t, 0)
	assert.Equal(t, "T05thread:01;", s.ask(t, "?"))
	c2, err := net.Dial("tcp", s.srv.Addr().String())
	require.NoError(t, err)
	defer c2.Close()
	require.NoError(t, c2.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = c2.Read(make([]byte, 1))
	assert.Error(t, err, "the second connection is closed")
	require.NoError(t, s.pc.SendString("k"))
	assert.Equal(t, emu.ExitDebuggerKill, s.end(t).Status)
}

func TestParseAddr(t *testing.T) {
	for dev, want := range map[string]string{
		"tcp::1234":         "127.0.0.1:1234",
		"tcp:0.0.0.0:1234":  "0.0.0.0:1234",
		"tcp:localhost:0":   "localhost:0",
		"tcp:[::1]:1234":    "[::1]:1234",
		"tcp:127.0.0.1:999": "127.0.0.1:999",
	} {
		got, err := ParseAddr(dev)
		require.NoError(t, err, dev)
		assert.Equal(t, want, got, dev)
	}
	for _, bad := range []string{"1234", "udp::1234", "tcp:1234", "tcp:host:", "unix:/tmp/x"} {
		_, err := ParseAddr(bad)
		assert.Error(t, err, bad)
	}
}
