package firmware_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"dfemu/emu"
	"dfemu/emu/firmware"
	"dfemu/internal/guestbuild"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var pc = func(n int) firmware.Machine {
	return firmware.Machine{CPUs: n, LAPICAddr: 0xFEE00000, IOAPICAddr: 0xFEC00000, CPUSignature: 0x52C, CPUFeatures: 0x8338}
}

// The parsed, comparable content of the tables (no OEM strings).
type madtCPU struct{ ProcID, APICID, Flags uint32 }
type madtIOAPIC struct{ ID, Addr, GSIBase uint32 }
type madtOverride struct{ Bus, Source, GSI, Flags uint32 }
type madtNMI struct{ Proc, Flags, LINT uint32 }
type madt struct {
	LAPICAddr, Flags uint32
	CPUs             []madtCPU
	IOAPICs          []madtIOAPIC
	Overrides        []madtOverride
	NMIs             []madtNMI
}

func parseMADT(t *testing.T, b []byte) madt {
	require.GreaterOrEqual(t, len(b), 44)
	require.Equal(t, "APIC", string(b[:4]))
	require.Equal(t, int(binary.LittleEndian.Uint32(b[4:])), len(b))
	require.Zero(t, firmware.Sum(b), "MADT checksum")
	m := madt{LAPICAddr: le32(b[36:]), Flags: le32(b[40:])}
	for p := 44; p+2 <= len(b); p += int(b[p+1]) {
		e := b[p : p+int(b[p+1])]
		require.NotZero(t, len(e))
		switch e[0] {
		case firmware.MADTLocalAPIC:
			m.CPUs = append(m.CPUs, madtCPU{uint32(e[2]), uint32(e[3]), le32(e[4:])})
		case firmware.MADTIOAPIC:
			m.IOAPICs = append(m.IOAPICs, madtIOAPIC{uint32(e[2]), le32(e[4:]), le32(e[8:])})
		case firmware.MADTOverride:
			m.Overrides = append(m.Overrides, madtOverride{uint32(e[2]), uint32(e[3]), le32(e[4:]), uint32(binary.LittleEndian.Uint16(e[8:]))})
		case firmware.MADTLocalAPICNMI:
			m.NMIs = append(m.NMIs, madtNMI{uint32(e[2]), uint32(binary.LittleEndian.Uint16(e[3:])), uint32(e[5])})
		}
	}
	return m
}

type mpCPU struct{ APICID, Flags uint32 }
type mpIOAPIC struct{ ID, Flags, Addr uint32 }
type mpInt struct{ Type, Flags, IRQ, DstID, Pin uint32 }
type mp struct {
	LAPICAddr uint32
	CPUs      []mpCPU
	IOAPICs   []mpIOAPIC
	ISAInts   []mpInt // I/O interrupt entries from the ISA bus
	LocalInts []mpInt // Pin: LINT#
	ISABuses  int
}

func parseMP(t *testing.T, fp, cfg []byte) mp {
	require.Len(t, fp, 16)
	require.Equal(t, "_MP_", string(fp[:4]))
	require.Zero(t, firmware.Sum(fp), "MP floating pointer checksum")
	assert.Equal(t, byte(1), fp[8], "length in paragraphs")
	assert.Equal(t, byte(4), fp[9], "MP spec 1.4")
	assert.Zero(t, fp[11], "feature byte 1: a configuration table exists")
	require.Equal(t, "PCMP", string(cfg[:4]))
	require.Equal(t, int(binary.LittleEndian.Uint16(cfg[4:])), len(cfg))
	require.Zero(t, firmware.Sum(cfg), "MP configuration table checksum")
	m := mp{LAPICAddr: le32(cfg[36:])}
	isa := map[byte]bool{}
	sizes := map[byte]int{0: 20, 1: 8, 2: 8, 3: 8, 4: 8}
	count := int(binary.LittleEndian.Uint16(cfg[34:]))
	p := 44
	for i := 0; i < count; i++ {
		e := cfg[p : p+sizes[cfg[p]]]
		switch e[0] {
		case firmware.MPProcessor:
			m.CPUs = append(m.CPUs, mpCPU{uint32(e[1]), uint32(e[3])})
		case firmware.MPBus:
			if strings.TrimSpace(string(e[2:8])) == "ISA" {
				isa[e[1]] = true
				m.ISABuses++
			}
		case firmware.MPIOAPIC:
			m.IOAPICs = append(m.IOAPICs, mpIOAPIC{uint32(e[1]), uint32(e[3]), le32(e[4:])})
		case firmware.MPIOInterrupt:
			if isa[e[4]] {
				m.ISAInts = append(m.ISAInts, mpInt{uint32(e[1]), uint32(binary.LittleEndian.Uint16(e[2:])), uint32(e[5]), uint32(e[6]), uint32(e[7])})
			}
		case firmware.MPLocalInterrupt:
			m.LocalInts = append(m.LocalInts, mpInt{uint32(e[1]), uint32(binary.LittleEndian.Uint16(e[2:])), uint32(e[5]), uint32(e[6]), uint32(e[7])})
		}
		p += len(e)
	}
	assert.Equal(t, len(cfg), p, "entries fill the table")
	return m
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func TestTablesChecksumsAndLayout(t *testing.T) {
	for _, n := range []int{1, 2, 4, 8, 64} {
		rsdp, tables := firmware.ACPITables(pc(n), 0xE0000)
		require.Len(t, rsdp, firmware.RSDPSize)
		assert.Equal(t, "RSD PTR ", string(rsdp[:8]))
		assert.Zero(t, firmware.Sum(rsdp))
		assert.Zero(t, rsdp[15], "revision 0")
		assert.Equal(t, uint32(0xE0000), le32(rsdp[16:]))
		rsdtLen := le32(tables[4:])
		rsdt := tables[:rsdtLen]
		assert.Equal(t, "RSDT", string(rsdt[:4]))
		assert.Zero(t, firmware.Sum(rsdt))
		require.Equal(t, uint32(firmware.SDTHeaderSize+4), rsdtLen)
		assert.Equal(t, 0xE0000+rsdtLen, le32(rsdt[36:]), "the RSDT points at the MADT after it")
		m := parseMADT(t, tables[rsdtLen:])
		require.Len(t, m.CPUs, n)
		for i, c := range m.CPUs {
			assert.Equal(t, madtCPU{uint32(i), uint32(i), 1}, c)
		}
		assert.Equal(t, []madtIOAPIC{{0, 0xFEC00000, 0}}, m.IOAPICs)
		assert.Contains(t, m.Overrides, madtOverride{0, 0, 2, 0}, "IRQ0 -> GSI 2")
		assert.Contains(t, m.Overrides, madtOverride{0, 9, 9, 0xD}, "IRQ9 level, active high")

		fp, cfg := firmware.MPFloat(0xE1000), firmware.MPConfig(pc(n))
		assert.Equal(t, uint32(0xE1000), le32(fp[4:]))
		p := parseMP(t, fp, cfg)
		require.Len(t, p.CPUs, n)
		assert.Equal(t, mpCPU{0, 3}, p.CPUs[0], "CPU 0 enabled and the BSP")
		for i, c := range p.CPUs[1:] {
			assert.Equal(t, mpCPU{uint32(i + 1), 1}, c)
		}
	}
}

// dumpTables parses the dump lines of testdata/tables.c: each table's
// bytes and address by name.
func dumpTables(t *testing.T, out string) (map[string][]byte, map[string]uint32) {
	got, addrs := map[string][]byte{}, map[string]uint32{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			b, err := hex.DecodeString(f[2])
			require.NoError(t, err, line)
			a, err := strconv.ParseUint(f[1], 16, 32)
			require.NoError(t, err, line)
			got[f[0]], addrs[f[0]] = b, uint32(a)
		}
	}
	require.Contains(t, out, "END", out)
	return got, addrs
}

// tablesMiB is the RAM the table-dump guest boots with on both machines.
const tablesMiB = 32

// checkTablePlaces: the RSDP and the MP floating pointer are in the BIOS
// area's F segment, the RSDT and MADT in the region reserved at the top
// of RAM (SeaBIOS's "high" tables), and so, on dfemu, is the MP
// configuration table (SeaBIOS keeps its own in the F segment).
func checkTablePlaces(t *testing.T, machine string, addrs map[string]uint32, mpcHigh bool) {
	t.Helper()
	ram := uint32(tablesMiB << 20)
	high := []string{"RSDT", "APIC"}
	if mpcHigh {
		high = append(high, "PCMP")
	}
	for _, name := range []string{"RSDP", "MPFP"} {
		assert.GreaterOrEqual(t, addrs[name], uint32(emu.BIOSAreaStart), "%s: %s", machine, name)
		assert.Less(t, addrs[name], uint32(emu.HighMemStart), "%s: %s", machine, name)
	}
	for _, name := range high {
		assert.GreaterOrEqual(t, addrs[name], ram-emu.FirmwareTablesSize, "%s: %s at %#x", machine, name, addrs[name])
		assert.Less(t, addrs[name], ram, "%s: %s", machine, name)
	}
}

// TestTablesLikeQEMU boots a guest that finds and dumps the firmware
// tables, on dfemu and under qemu-system-i386 -smp 4, and compares them
// field by field (OEM strings and the PCI bus aside).
func TestTablesLikeQEMU(t *testing.T) {
	qemu, err := exec.LookPath("qemu-system-i386")
	if err != nil {
		t.Skip("qemu-system-i386 not installed (apt-get install qemu-system-x86)")
	}
	elf := guestbuild.Kernel(t, []string{"-ffreestanding", "-mgeneral-regs-only", "-fno-pic", "-fno-stack-protector",
		"-nostdlib", "-Wall", "-Wextra", "-Werror", "-O1"}, guestbuild.File("testdata/start.S"), guestbuild.File("testdata/tables.c"))
	kernel, err := os.ReadFile(elf)
	require.NoError(t, err)

	var qout bytes.Buffer
	cmd := exec.Command(qemu, "-smp", "4", "-m", strconv.Itoa(tablesMiB), "-kernel", elf, "-display", "none", "-serial", "stdio",
		"-monitor", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4")
	cmd.Stdout, cmd.Stderr = &qout, &qout
	require.NoError(t, cmd.Start())
	timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	_ = cmd.Wait()
	q, qa := dumpTables(t, qout.String())

	var dout bytes.Buffer
	m, err := emu.New(emu.Config{Kernel: kernel, MemMiB: tablesMiB, SMP: 4, Stdout: &dout, Timeout: 10 * time.Second})
	require.NoError(t, err)
	defer m.Close()
	r := m.Run()
	require.Equal(t, 0x21, r.Status, r.Reason)
	d, da := dumpTables(t, dout.String())

	for _, name := range []string{"RSDP", "RSDT", "APIC", "MPFP", "PCMP"} {
		require.Contains(t, q, name, "QEMU's dump: %s", qout.String())
		require.Contains(t, d, name, "dfemu's dump: %s", dout.String())
	}
	checkTablePlaces(t, "qemu", qa, false)
	checkTablePlaces(t, "dfemu", da, true)
	assert.Equal(t, q["RSDP"][15], d["RSDP"][15], "RSDP revision")
	assert.Equal(t, parseMADT(t, q["APIC"]), parseMADT(t, d["APIC"]))
	qm, dm := parseMP(t, q["MPFP"], q["PCMP"]), parseMP(t, d["MPFP"], d["PCMP"])
	// SeaBIOS lists in its MP table only the CPUs it counted by its own
	// SIPI, which under TCG with -kernel is the BSP alone (its MADT, from
	// QEMU, lists all four): QEMU's processor entries are a prefix of ours.
	require.NotEmpty(t, qm.CPUs)
	assert.Equal(t, qm.CPUs, dm.CPUs[:len(qm.CPUs)])
	assert.Len(t, dm.CPUs, 4)
	qm.CPUs, dm.CPUs = nil, nil
	assert.Equal(t, qm, dm)
}
