package gdbstub

import (
	"bytes"
	"fmt"
	"strings"

	"dfemu/emu"
	"dfemu/emu/interp"
	"dfemu/internal/gdbproto"
)

// Error replies. gdb prints the number; the values follow errno as other
// stubs do.
const (
	errBadPacket = "E01" // malformed packet or argument
	errNoThread  = "E02" // no such thread
	errMemory    = "E14" // EFAULT: unmapped or not RAM
	errRegister  = "E16" // a register we cannot set that way
	errTooMany   = "E1c" // ENOSPC: too many breakpoints and watchpoints
)

// maxHooks bounds what a client can arm (each watchpoint is checked on
// every slow-path access).
const maxHooks = 1024

// maxMem is the most memory one m packet returns (hex doubles it).
const maxMem = gdbproto.MaxPacket/2 - 16

// handle answers one packet. A non-nil action resumes the machine (the
// reply is then sent only for D).
func (s *session) handle(cpus []*interp.CPU, p []byte) (string, *emu.DebugAction) {
	if len(p) == 0 {
		return "", nil
	}
	arg := p[1:]
	switch p[0] {
	case '?':
		return s.lastStop, nil
	case 'g':
		return string(readRegs(cpus[s.gThread])), nil
	case 'G':
		return s.writeRegs(cpus[s.gThread], arg), nil
	case 'p':
		return s.readReg(cpus[s.gThread], arg), nil
	case 'P':
		return s.writeReg(cpus[s.gThread], arg), nil
	case 'm':
		return s.readMem(cpus[s.gThread], arg), nil
	case 'M', 'X':
		return s.writeMem(cpus[s.gThread], arg, p[0] == 'X'), nil
	case 'Z', 'z':
		return s.hook(cpus, arg, p[0] == 'Z'), nil
	case 'H':
		return s.setThread(cpus, arg), nil
	case 'T':
		if _, ok := parseThread(cpus, arg); !ok {
			return errNoThread, nil
		}
		return "OK", nil
	case 'c', 's':
		if len(arg) > 0 {
			addr, err := gdbproto.ParseUint(arg)
			if err != nil {
				return errBadPacket, nil
			}
			cpus[s.resumeCPU()].EIP = addr
		}
		if p[0] == 'c' {
			return "", &emu.DebugAction{Kind: emu.DebugContinue}
		}
		return "", &emu.DebugAction{Kind: emu.DebugStep, CPU: s.resumeCPU()}
	case 'D':
		return "OK", &emu.DebugAction{Kind: emu.DebugDetach}
	case 'k':
		return "", &emu.DebugAction{Kind: emu.DebugKill}
	case 'q', 'Q':
		return s.query(cpus, string(p)), nil
	case 'v':
		return s.vPacket(cpus, string(p))
	}
	return "", nil // unknown: empty reply
}

// resumeCPU is the vCPU a step applies to: Hc's, or the one that stopped.
func (s *session) resumeCPU() int {
	if s.cThread >= 0 {
		return s.cThread
	}
	return s.stopCPU
}

// query answers q and Q packets.
func (s *session) query(cpus []*interp.CPU, p string) string {
	name, args, _ := strings.Cut(p, ":")
	switch name {
	case "qSupported":
		s.swbreak = strings.Contains(args, "swbreak+")
		return fmt.Sprintf("PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+", gdbproto.MaxPacket)
	case "QStartNoAckMode":
		s.pc.SetNoAck() // the packet was acked already; our OK is not
		return "OK"
	case "qAttached":
		return "1" // attached to an existing process: detach, not kill, on quit
	case "qC":
		return fmt.Sprintf("QC%x", s.gThread+1)
	case "qfThreadInfo":
		var b strings.Builder
		b.WriteString("m")
		for i := range cpus {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%x", i+1)
		}
		return b.String()
	case "qsThreadInfo":
		return "l"
	case "qXfer":
		return xferFeatures(args)
	}
	if strings.HasPrefix(p, "qThreadExtraInfo,") {
		if i, ok := parseThread(cpus, []byte(p[len("qThreadExtraInfo,"):])); ok && i >= 0 {
			c := cpus[i]
			info := fmt.Sprintf("vCPU %d, CPL %d", i, c.CPL())
			if c.Halted() {
				info += ", halted"
			}
			return string(gdbproto.AppendHex(nil, []byte(info)))
		}
		return errNoThread
	}
	return ""
}

// xferFeatures serves qXfer:features:read:ANNEX:OFFSET,LENGTH.
func xferFeatures(args string) string {
	parts := strings.SplitN(args, ":", 4)
	if len(parts) != 4 || parts[0] != "features" || parts[1] != "read" {
		return ""
	}
	doc, ok := targetDesc[parts[2]]
	if !ok {
		return "E00"
	}
	offS, lenS, ok := strings.Cut(parts[3], ",")
	off, err1 := gdbproto.ParseUint([]byte(offS))
	n, err2 := gdbproto.ParseUint([]byte(lenS))
	if !ok || err1 != nil || err2 != nil {
		return errBadPacket
	}
	if int(off) >= len(doc) {
		return "l"
	}
	n = min(n, uint32(maxMem))
	end := min(uint64(off)+uint64(n), uint64(len(doc)))
	if end == uint64(len(doc)) {
		return "l" + doc[off:end]
	}
	return "m" + doc[off:end]
}

// setThread handles Hg/Hc.
func (s *session) setThread(cpus []*interp.CPU, arg []byte) string {
	if len(arg) < 2 {
		return errBadPacket
	}
	i, ok := parseThread(cpus, arg[1:])
	if !ok {
		return errNoThread
	}
	switch arg[0] {
	case 'g':
		if i < 0 {
			i = s.stopCPU
		}
		s.gThread = i
	case 'c':
		s.cThread = i
	default:
		return errBadPacket
	}
	return "OK"
}

// parseThread parses a thread id: -1 (all) and 0 (any) give -1, n gives
// vCPU n-1.
func parseThread(cpus []*interp.CPU, id []byte) (int, bool) {
	if string(id) == "-1" || string(id) == "0" {
		return -1, true
	}
	n, err := gdbproto.ParseUint(id)
	if err != nil || n == 0 || int(n) > len(cpus) {
		return 0, false
	}
	return int(n) - 1, true
}

// parseAddrLen parses "ADDR,LEN" (the rest after ':' is returned).
func parseAddrLen(arg []byte) (addr, n uint32, rest []byte, ok bool) {
	head, rest, _ := bytes.Cut(arg, []byte{':'})
	a, l, found := bytes.Cut(head, []byte{','})
	if !found {
		return 0, 0, nil, false
	}
	addr, err1 := gdbproto.ParseUint(a)
	n, err2 := gdbproto.ParseUint(l)
	return addr, n, rest, err1 == nil && err2 == nil
}

// readMem answers m: as many bytes as are readable from the start, or
// E14 if none is.
func (s *session) readMem(c *interp.CPU, arg []byte) string {
	addr, n, _, ok := parseAddrLen(arg)
	if !ok {
		return errBadPacket
	}
	n = min(n, maxMem)
	buf := make([]byte, n)
	if err := c.ReadLinear(addr, buf); err != nil {
		k := 0
		for ; k < len(buf); k++ {
			if c.ReadLinear(addr+uint32(k), buf[k:k+1]) != nil {
				break
			}
		}
		if k == 0 {
			return errMemory
		}
		buf = buf[:k]
	}
	return string(gdbproto.AppendHex(nil, buf))
}

// writeMem answers M (hex) and X (binary) through the page tables;
// WriteLinear invalidates decoded code it overwrites.
func (s *session) writeMem(c *interp.CPU, arg []byte, binary bool) string {
	addr, n, data, ok := parseAddrLen(arg)
	if !ok {
		return errBadPacket
	}
	if !binary {
		var err error
		if data, err = gdbproto.DecodeHex(data); err != nil {
			return errBadPacket
		}
	}
	if uint32(len(data)) != n {
		return errBadPacket
	}
	if n == 0 {
		return "OK" // gdb probes X support with an empty write
	}
	if err := c.WriteLinear(addr, data); err != nil {
		return errMemory
	}
	return "OK"
}

// hook answers Z (arm) and z (disarm): types 0 (software breakpoint) and
// 1 (hardware breakpoint) are both address hooks in the CPU, guest memory
// untouched; 2, 3, 4 are write, read and access watchpoints.
func (s *session) hook(cpus []*interp.CPU, arg []byte, on bool) string {
	parts := bytes.Split(arg, []byte{','})
	if len(parts) < 3 || len(parts[0]) != 1 {
		return errBadPacket
	}
	typ := parts[0][0]
	if typ < '0' || typ > '4' {
		return "" // unsupported type: empty reply
	}
	addr, err1 := gdbproto.ParseUint(parts[1])
	kind, err2 := gdbproto.ParseUint(bytes.SplitN(parts[2], []byte{';'}, 2)[0])
	if err1 != nil || err2 != nil {
		return errBadPacket
	}
	if typ >= '2' && (kind == 0 || kind > 4096) {
		return errBadPacket
	}
	if typ <= '1' {
		kind = 0 // one breakpoint per address, whatever its length
	}
	h := hook{typ: typ, addr: addr, kind: kind}
	if s.hooks[h] == on {
		return "OK" // Z and z are idempotent
	}
	if on && len(s.hooks) >= maxHooks {
		return errTooMany
	}
	setHook(cpus, h, on)
	if on {
		s.hooks[h] = true
	} else {
		delete(s.hooks, h)
	}
	return "OK"
}

// vPacket answers v packets.
func (s *session) vPacket(cpus []*interp.CPU, p string) (string, *emu.DebugAction) {
	switch {
	case p == "vCont?":
		return "vCont;c;C;s;S", nil
	case strings.HasPrefix(p, "vCont;"):
		return s.vCont(cpus, p[len("vCont;"):])
	}
	return "", nil // vMustReplyEmpty and the rest
}

// vCont resumes per thread. All-stop: a step action on any thread steps
// that vCPU alone (the others stay stopped, as with scheduler-locking);
// otherwise everything continues. Signals (C/S) are ignored: there is
// nothing to deliver them to.
func (s *session) vCont(cpus []*interp.CPU, actions string) (string, *emu.DebugAction) {
	cont := false
	for _, a := range strings.Split(actions, ";") {
		verb, thread, hasThread := strings.Cut(a, ":")
		if verb == "" {
			return errBadPacket, nil
		}
		t := -1
		if hasThread {
			i, ok := parseThread(cpus, []byte(thread))
			if !ok {
				return errNoThread, nil
			}
			t = i
		}
		switch verb[0] {
		case 's', 'S':
			if t < 0 {
				t = s.resumeCPU()
			}
			return "", &emu.DebugAction{Kind: emu.DebugStep, CPU: t}
		case 'c', 'C':
			cont = true
		default:
			return errBadPacket, nil
		}
	}
	if !cont {
		return errBadPacket, nil
	}
	return "", &emu.DebugAction{Kind: emu.DebugContinue}
}
