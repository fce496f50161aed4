// Package gdbstub is dfemu's GDB remote stub: it serves the GDB remote
// serial protocol over TCP to one gdb at a time, driving the machine
// through emu.Debugger (all-stop: the whole machine stops for gdb).
//
// Vocabulary:
//
//	session   one gdb connection: its packet reader goroutine, the
//	          thread it selected (Hg/Hc), the breakpoints it armed
//	thread    gdb's name for a vCPU: thread id = vCPU index + 1
//	stop      the machine is stopped and gdb may talk; only Stopped
//	          (on the machine's goroutine) touches the vCPUs
//
// Goroutines: the accept loop and each session's reader never touch the
// machine; they queue connections and packets and raise an atomic
// attention flag (new connection, Ctrl-C) that the machine polls between
// quanta. Everything else runs on the machine's goroutine inside
// Stopped.
package gdbstub

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"dfemu/emu"
	"dfemu/emu/interp"
)

// Server listens for gdb and implements emu.Debugger.
type Server struct {
	ln    net.Listener
	log   io.Writer
	conns chan net.Conn // accepted, waiting for the machine to stop

	interrupt atomic.Bool // Ctrl-C from gdb while the guest runs
	busy      atomic.Bool // a session is open or queued (reject a second gdb)

	cur *session // machine goroutine only

	closeOnce sync.Once
}

// ParseAddr turns a QEMU-style -gdb device into a TCP listen address:
// "tcp::PORT" listens on 127.0.0.1 (QEMU listens on every interface; we
// do not by default, for safety), "tcp:HOST:PORT" on HOST ("tcp:0.0.0.0:1234"
// for every interface). PORT 0 picks a free port.
func ParseAddr(dev string) (string, error) {
	rest, ok := strings.CutPrefix(dev, "tcp:")
	if !ok {
		return "", fmt.Errorf("-gdb %s: only tcp:[HOST]:PORT is supported", dev)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return "", fmt.Errorf("-gdb %s: %v", dev, err)
	}
	if port == "" {
		return "", fmt.Errorf("-gdb %s: no port", dev)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Listen starts listening at a -gdb device ("tcp::1234") and reports the
// address on log ("dfemu: gdb: listening on 127.0.0.1:1234"), which tests
// read when the port was 0.
func Listen(dev string, log io.Writer) (*Server, error) {
	addr, err := ParseAddr(dev)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-gdb %s: %w", dev, err)
	}
	s := &Server{ln: ln, log: log, conns: make(chan net.Conn, 1)}
	fmt.Fprintf(log, "dfemu: gdb: listening on %s\n", ln.Addr())
	go s.accept()
	return s, nil
}

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops listening and drops the session.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.ln.Close()
		if s.cur != nil {
			s.cur.close()
		}
	})
	return err
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(s.log, "dfemu: gdb: accept: %v\n", err)
			}
			return
		}
		if !s.busy.CompareAndSwap(false, true) {
			fmt.Fprintf(s.log, "dfemu: gdb: refusing %s: a debugger is already attached\n", c.RemoteAddr())
			c.Close()
			continue
		}
		fmt.Fprintf(s.log, "dfemu: gdb: connection from %s\n", c.RemoteAddr())
		s.conns <- c
	}
}

// Attention implements emu.Debugger: a connection waits (gdb expects a
// stopped target when it attaches), or gdb sent Ctrl-C.
func (s *Server) Attention() bool { return len(s.conns) > 0 || s.interrupt.Load() }

// Stopped implements emu.Debugger: it serves gdb until gdb resumes the
// machine. With -S (st.Start) it first waits for gdb to connect.
func (s *Server) Stopped(cpus []*interp.CPU, st emu.DebugStop) emu.DebugAction {
	fresh := false
	if s.cur == nil {
		var c net.Conn
		if st.Start {
			c = <-s.conns
		} else {
			select {
			case c = <-s.conns:
			default:
				return emu.DebugAction{Kind: emu.DebugContinue}
			}
		}
		s.cur, fresh = newSession(c, s), true
	}
	if st.Event.Kind == interp.DebugNone && !st.Start && !fresh && !s.interrupt.Load() {
		return emu.DebugAction{Kind: emu.DebugContinue} // nothing to tell gdb
	}
	act, err := s.cur.serve(cpus, st)
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			fmt.Fprintf(s.log, "dfemu: gdb: %v\n", err)
		}
		fmt.Fprintf(s.log, "dfemu: gdb: debugger gone; the guest runs on\n")
		act = emu.DebugAction{Kind: emu.DebugDetach}
	}
	if act.Kind == emu.DebugDetach || err != nil {
		s.cur.disarm(cpus)
		s.cur.close()
		s.cur = nil
		s.interrupt.Store(false)
		s.busy.Store(false)
	}
	return act
}

// Exited implements emu.Debugger: gdb waiting for a stop hears that the
// process exited ("W" with the low 8 bits of dfemu's exit status), then
// the server closes.
func (s *Server) Exited(r emu.Result) {
	if s.cur != nil && s.cur.running {
		s.cur.send(fmt.Sprintf("W%02x", r.Status&0xFF))
	}
	s.Close()
}
