package interp

// System instructions: control and debug registers, descriptor-table
// registers, I/O with IOPL and the TSS I/O bitmap, cli/sti, cpuid,
// rdtsc, MSRs.

// needCPL0 raises #GP(0) unless CPL is 0.
func (c *CPU) needCPL0() {
	if c.cpl != 0 {
		c.raise(ExcGP, 0)
	}
}

// CR4 bits interp implements (TSD: rdtsc privileged).
const cr4TSD = 1 << 2
const cr4Valid = CR4PSE | CR4PGE | cr4TSD

func opMovToCR(c *CPU, i *inst) {
	c.needCPL0()
	v := c.R[i.rm]
	switch i.sub {
	case 0:
		if v&CR0PG != 0 && v&CR0PE == 0 || v&CR0NW != 0 && v&CR0CD == 0 {
			c.raise(ExcGP, 0)
		}
		v |= CR0ET
		old := c.CR0
		c.CR0 = v
		if (old^v)&(CR0PE|CR0PG|CR0WP) != 0 {
			c.flushTLB()
		}
		if (old^v)&CR0PE != 0 {
			for s := range c.Seg {
				c.refreshSeg(s)
			}
			if v&CR0PE == 0 {
				c.cpl = 0
				c.mmu.user = 0
			}
		}
	case 2:
		c.CR2 = v
	case 3:
		c.CR3 = v
		c.flushTLB()
	case 4:
		if v&^cr4Valid != 0 {
			c.raise(ExcGP, 0)
		}
		c.CR4 = v
		c.flushTLB()
	default:
		c.raise(ExcUD, 0)
	}
	c.curPage = nil
	c.EIP += uint32(i.len)
}

func opMovFromCR(c *CPU, i *inst) {
	c.needCPL0()
	var v uint32
	switch i.sub {
	case 0:
		v = c.CR0
	case 2:
		v = c.CR2
	case 3:
		v = c.CR3
	case 4:
		v = c.CR4
	default:
		c.raise(ExcUD, 0)
	}
	c.R[i.rm] = v
	c.EIP += uint32(i.len)
}

// Debug registers are stored but breakpoints are not implemented.
func opMovToDR(c *CPU, i *inst) {
	c.needCPL0()
	n := i.sub
	if n == 4 || n == 5 {
		n += 2
	}
	c.DR[n] = c.R[i.rm]
	c.EIP += uint32(i.len)
}

func opMovFromDR(c *CPU, i *inst) {
	c.needCPL0()
	n := i.sub
	if n == 4 || n == 5 {
		n += 2
	}
	c.R[i.rm] = c.DR[n]
	c.EIP += uint32(i.len)
}

// opDescTable is lgdt (0), lidt (1), sgdt (2), sidt (3).
func opDescTable(c *CPU, i *inst) {
	off := c.ea(i)
	switch i.sub {
	case 0, 1:
		c.needCPL0()
		limit := c.read16(i.seg, off)
		base := c.read32(i.seg, off+2)
		if i.size == 2 {
			base &= 0xFFFFFF
		}
		t := &c.GDTR
		if i.sub == 1 {
			t = &c.IDTR
		}
		t.Base, t.Limit = base, uint16(limit)
	default:
		t := c.GDTR
		if i.sub == 3 {
			t = c.IDTR
		}
		base := t.Base
		if i.size == 2 {
			base &= 0xFFFFFF
		}
		c.lin(i.seg, off, 6, true)
		c.write16(i.seg, off, uint32(t.Limit))
		c.write32(i.seg, off+2, base)
	}
	c.EIP += uint32(i.len)
}

func opLldt(c *CPU, i *inst) {
	c.needPM()
	c.needCPL0()
	sel := uint16(c.srcRM(i, 2))
	if sel&^3 == 0 {
		c.LDTR = Segment{Sel: sel}
		c.EIP += uint32(i.len)
		return
	}
	if sel&4 != 0 {
		c.raise(ExcGP, uint32(sel&^3))
	}
	d := c.readDesc(sel, ExcGP, 0)
	if !d.system() || d.typ() != 2 {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3))
	}
	c.LDTR = d.segment(sel)
	c.EIP += uint32(i.len)
}

func opLtr(c *CPU, i *inst) {
	c.needPM()
	c.needCPL0()
	sel := uint16(c.srcRM(i, 2))
	if sel&^3 == 0 {
		c.raise(ExcGP, 0)
	}
	if sel&4 != 0 {
		c.raise(ExcGP, uint32(sel&^3))
	}
	d := c.readDesc(sel, ExcGP, 0)
	if !d.system() || (d.typ() != 9 && d.typ() != 1) {
		c.raise(ExcGP, uint32(sel&^3))
	}
	if !d.present() {
		c.raise(ExcNP, uint32(sel&^3))
	}
	a, _ := c.descAddr(sel)
	c.writeSup(a+4, 4, d.hi|2<<8) // busy
	d.hi |= 2 << 8
	c.TR = d.segment(sel)
	c.EIP += uint32(i.len)
}

// opStoreSys is sldt (0), str (1), smsw (2).
func opStoreSys(c *CPU, i *inst) {
	var v uint32
	switch i.sub {
	case 0:
		c.needPM()
		v = uint32(c.LDTR.Sel)
	case 1:
		c.needPM()
		v = uint32(c.TR.Sel)
	default:
		v = c.CR0
	}
	if i.rm != noReg {
		c.setReg(i.rm, i.size, v)
	} else {
		c.write16(i.seg, c.ea(i), v)
	}
	c.EIP += uint32(i.len)
}

func opLmsw(c *CPU, i *inst) {
	c.needCPL0()
	v := c.srcRM(i, 2)
	nv := c.CR0&^0xE | v&0xE | c.CR0&1 | v&1 // PE can be set, not cleared
	if (nv^c.CR0)&CR0PE != 0 {
		c.CR0 = nv
		for s := range c.Seg {
			c.refreshSeg(s)
		}
		c.flushTLB()
	}
	c.CR0 = nv
	c.EIP += uint32(i.len)
}

func opClts(c *CPU, i *inst) {
	c.needCPL0()
	c.CR0 &^= CR0TS
	c.EIP += uint32(i.len)
}

func opInvlpg(c *CPU, i *inst) {
	c.needCPL0()
	c.invlpg(c.mmu.seg[i.seg].base + c.ea(i))
	c.EIP += uint32(i.len)
}

func opPrivNop(c *CPU, i *inst) { // wbinvd, invd
	c.needCPL0()
	c.EIP += uint32(i.len)
}

// ioCheck enforces IOPL and the TSS I/O permission bitmap.
func (c *CPU) ioCheck(port uint16, size uint8) {
	if c.CR0&CR0PE == 0 || uint32(c.cpl) <= c.flags>>12&3 {
		return
	}
	t := c.TR.Attr & 0xF
	if !c.TR.Valid || (t != 9 && t != 0xB) || c.TR.Limit < 0x67 {
		c.raise(ExcGP, 0)
	}
	base := c.readSup(c.TR.Base+0x66, 2)
	at := base + uint32(port)/8
	if at+1 > c.TR.Limit {
		c.raise(ExcGP, 0)
	}
	bm := c.readSup(c.TR.Base+at, 2)
	if bm>>(port&7)&(1<<size-1) != 0 {
		c.raise(ExcGP, 0)
	}
}

func (c *CPU) in(port uint16, size uint8) uint32 {
	if c.bus == nil {
		return sizeMask[size]
	}
	return c.bus.In(port, int(size)) & sizeMask[size]
}

func (c *CPU) out(port uint16, size uint8, v uint32) {
	if c.bus != nil {
		c.bus.Out(port, int(size), v&sizeMask[size])
	}
}

func (c *CPU) ioPort(i *inst) uint16 {
	if i.sub == 1 {
		return uint16(i.imm)
	}
	return uint16(c.R[EDX])
}

func opIn(c *CPU, i *inst) {
	port := c.ioPort(i)
	c.ioCheck(port, i.size)
	c.setReg(EAX, i.size, c.in(port, i.size))
	c.EIP += uint32(i.len)
}

func opOut(c *CPU, i *inst) {
	port := c.ioPort(i)
	c.ioCheck(port, i.size)
	c.out(port, i.size, c.getReg(EAX, i.size))
	c.EIP += uint32(i.len)
}

func (c *CPU) checkIOPL() {
	if c.CR0&CR0PE != 0 && uint32(c.cpl) > c.flags>>12&3 {
		c.raise(ExcGP, 0)
	}
}

func opCli(c *CPU, i *inst) {
	c.checkIOPL()
	c.flags &^= FlagIF
	c.EIP += uint32(i.len)
}

func opSti(c *CPU, i *inst) {
	c.checkIOPL()
	if c.flags&FlagIF == 0 {
		c.shadowAt = c.Insns + 1
	}
	c.flags |= FlagIF
	c.EIP += uint32(i.len)
}

// cpuid feature bits (leaf 1, EDX) of what interp implements.
const (
	cpuidDE   = 1 << 2
	cpuidPSE  = 1 << 3
	cpuidTSC  = 1 << 4
	cpuidMSR  = 1 << 5
	cpuidCX8  = 1 << 8
	cpuidAPIC = 1 << 9
	cpuidPGE  = 1 << 13
	cpuidCMOV = 1 << 15

	// cpuidSignature is family 5 (Pentium), model 2, stepping 12.
	cpuidSignature = 0x52C
)

func opCpuid(c *CPU, i *inst) {
	var a, b, cx, d uint32
	switch c.R[EAX] {
	case 0:
		a = 1
		b, d, cx = 0x756E6547, 0x49656E69, 0x6C65746E // "GenuineIntel"
	case 1:
		a = cpuidSignature
		b = uint32(c.cfg.ID&0xFF) << 24
		d = cpuidPSE | cpuidTSC | cpuidMSR | cpuidCX8 | cpuidPGE | cpuidCMOV
		if c.cfg.HasAPIC {
			d |= cpuidAPIC
		}
	case 0x80000000:
		a = 0
	}
	c.R[EAX], c.R[EBX], c.R[ECX], c.R[EDX] = a, b, cx, d
	c.EIP += uint32(i.len)
}

// TSC returns the time-stamp counter (guest time: instructions retired).
func (c *CPU) TSC() uint64 { return c.Insns + c.tscClock + c.tscOffset }

func opRdtsc(c *CPU, i *inst) {
	if c.CR4&cr4TSD != 0 && c.cpl != 0 {
		c.raise(ExcGP, 0)
	}
	t := c.TSC()
	c.R[EAX], c.R[EDX] = uint32(t), uint32(t>>32)
	c.EIP += uint32(i.len)
}

// MSRs interp implements.
const (
	msrTSC      = 0x10
	msrAPICBase = 0x1B
	apicBaseDef = 0xFEE00000
	apicBSP     = 1 << 8
	apicEnable  = 1 << 11
)

func opRdmsr(c *CPU, i *inst) {
	c.needCPL0()
	var v uint64
	switch c.R[ECX] {
	case msrTSC:
		v = c.TSC()
	case msrAPICBase:
		if !c.cfg.HasAPIC {
			c.raise(ExcGP, 0)
		}
		v = uint64(c.apicBase)
	default:
		c.raise(ExcGP, 0)
	}
	c.R[EAX], c.R[EDX] = uint32(v), uint32(v>>32)
	c.EIP += uint32(i.len)
}

func opWrmsr(c *CPU, i *inst) {
	c.needCPL0()
	v := uint64(c.R[EDX])<<32 | uint64(c.R[EAX])
	switch c.R[ECX] {
	case msrTSC:
		c.tscOffset = v - c.Insns - c.tscClock
	case msrAPICBase:
		// The LAPIC cannot be moved: only the enable bit may change.
		if !c.cfg.HasAPIC || uint32(v)&^(apicEnable|apicBSP) != apicBaseDef || v>>32 != 0 {
			c.raise(ExcGP, 0)
		}
		c.apicBase = c.apicBase&^apicEnable | uint32(v)&apicEnable
	default:
		c.raise(ExcGP, 0)
	}
	c.EIP += uint32(i.len)
}
