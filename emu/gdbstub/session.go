package gdbstub

import (
	"fmt"
	"io"
	"net"

	"dfemu/emu"
	"dfemu/emu/interp"
	"dfemu/internal/gdbproto"
)

// session is one gdb connection.
type session struct {
	srv  *Server
	conn net.Conn
	pc   *gdbproto.Conn

	events  chan gdbproto.Event // from the reader; closed at end of stream
	readErr error               // why the reader stopped (after events closes)

	// Machine goroutine only:
	running  bool   // gdb resumed us and waits for a stop reply
	lastStop string // the stop reply, for '?'
	gThread  int    // Hg: vCPU index for registers and memory
	cThread  int    // Hc: vCPU index to step (-1: the one that stopped)
	stopCPU  int    // the vCPU of the last stop
	hooks    map[hook]bool
	swbreak  bool // gdb understands swbreak/hwbreak stop reasons
}

// hook is one Z packet's breakpoint or watchpoint.
type hook struct {
	typ  byte // '0'..'4'
	addr uint32
	kind uint32 // breakpoint kind or watch length
}

func newSession(c net.Conn, srv *Server) *session {
	s := &session{
		srv:    srv,
		conn:   c,
		pc:     gdbproto.NewConn(c),
		events: make(chan gdbproto.Event, 16),
		hooks:  map[hook]bool{},
	}
	go s.read()
	return s
}

// read runs on its own goroutine: packets go to events, Ctrl-C raises the
// server's attention flag.
func (s *session) read() {
	defer close(s.events)
	for {
		ev, err := s.pc.ReadEvent()
		if err != nil {
			s.readErr = err
			return
		}
		if ev.Kind == gdbproto.KindInterrupt {
			s.srv.interrupt.Store(true)
		}
		s.events <- ev
	}
}

func (s *session) close() { s.conn.Close() }

func (s *session) send(p string) error { return s.pc.SendString(p) }

// stopReply is the T packet for a stop.
func (s *session) stopReply(st emu.DebugStop) string {
	thread := fmt.Sprintf("thread:%02x;", st.CPU+1)
	switch st.Event.Kind {
	case interp.DebugBreakpoint:
		if s.swbreak {
			return "T05swbreak:;" + thread
		}
	case interp.DebugWatch:
		return fmt.Sprintf("T05%s:%08x;%s", st.Event.Watch, st.Event.Addr, thread)
	case interp.DebugNone:
		if s.srv.interrupt.Swap(false) {
			return "T02" + thread // SIGINT
		}
	}
	return "T05" + thread // SIGTRAP
}

// serve answers packets while the machine is stopped, until gdb resumes
// it. An error means the connection is gone.
func (s *session) serve(cpus []*interp.CPU, st emu.DebugStop) (emu.DebugAction, error) {
	s.stopCPU = st.CPU
	s.gThread = st.CPU
	s.lastStop = s.stopReply(st)
	if s.running {
		s.running = false
		if err := s.send(s.lastStop); err != nil {
			return emu.DebugAction{}, err
		}
	}
	for ev := range s.events {
		switch ev.Kind {
		case gdbproto.KindAck, gdbproto.KindInterrupt:
			s.srv.interrupt.Store(false) // already stopped
			continue
		case gdbproto.KindNak:
			if err := s.pc.Resend(); err != nil {
				return emu.DebugAction{}, err
			}
			continue
		}
		if ev.Err == gdbproto.ErrChecksum {
			continue // '-' sent; gdb resends
		}
		var reply string
		var act *emu.DebugAction
		if ev.Err != nil {
			reply = "E01"
		} else {
			reply, act = s.handle(cpus, ev.Data)
		}
		if act != nil && act.Kind == emu.DebugKill {
			return *act, nil // gdb does not wait for a reply to k
		}
		if act == nil || act.Kind == emu.DebugDetach {
			if err := s.send(reply); err != nil {
				return emu.DebugAction{}, err
			}
		}
		if act != nil {
			if act.Kind == emu.DebugContinue || act.Kind == emu.DebugStep {
				s.running = true
			}
			return *act, nil
		}
	}
	if s.readErr == nil {
		s.readErr = io.EOF
	}
	return emu.DebugAction{}, s.readErr
}

// disarm removes every hook this session armed (detach, disconnect).
func (s *session) disarm(cpus []*interp.CPU) {
	for h := range s.hooks {
		setHook(cpus, h, false)
	}
	s.hooks = map[hook]bool{}
	for _, c := range cpus {
		c.SetSingleStep(false)
	}
}

// setHook arms or disarms h on every vCPU: breakpoints and watchpoints
// are the machine's, as gdb sees them.
func setHook(cpus []*interp.CPU, h hook, on bool) {
	for _, c := range cpus {
		switch h.typ {
		case '0', '1':
			c.SetBreakpoint(h.addr, on)
		case '2':
			c.SetWatchpoint(interp.WatchWrite, h.addr, h.kind, on)
		case '3':
			c.SetWatchpoint(interp.WatchRead, h.addr, h.kind, on)
		case '4':
			c.SetWatchpoint(interp.WatchAccess, h.addr, h.kind, on)
		}
	}
}
