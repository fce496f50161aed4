package dev

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedNow is the clock of the CMOS tests: Monday 2026-11-23 17:45:09 UTC.
var fixedNow = time.Date(2026, time.November, 23, 17, 45, 9, 0, time.UTC)

func cmosRead(c *CMOS, r uint8) uint8 {
	outb(c, 0x70, r)
	return inb(c, 0x71)
}

func cmosWrite(c *CMOS, r, v uint8) {
	outb(c, 0x70, r)
	outb(c, 0x71, v)
}

func TestCMOSClock(t *testing.T) {
	type reg struct {
		r    uint8
		want uint8
	}
	for _, tc := range []struct {
		name    string
		statusB uint8
		at      time.Time
		want    []reg
	}{
		{"BCD 24h (reset mode)", 0x02, fixedNow, []reg{
			{0x00, 0x09}, {0x02, 0x45}, {0x04, 0x17}, {0x06, 0x02}, {0x07, 0x23},
			{0x08, 0x11}, {0x09, 0x26}, {0x32, 0x20},
		}},
		{"binary 24h", 0x06, fixedNow, []reg{
			{0x00, 9}, {0x02, 45}, {0x04, 17}, {0x06, 2}, {0x07, 23},
			{0x08, 11}, {0x09, 26}, {0x32, 20},
		}},
		{"BCD 12h: 17h is 5 PM", 0x00, fixedNow, []reg{{0x04, 0x85}}},
		{"binary 12h: 17h is 5 PM", 0x04, fixedNow, []reg{{0x04, 0x85}}},
		{"BCD 12h: midnight is 12 AM", 0x00, fixedNow.Add(-17*time.Hour - 45*time.Minute), []reg{{0x04, 0x12}}},
		{"BCD 12h: noon is 12 PM", 0x00, fixedNow.Add(-5*time.Hour - 45*time.Minute), []reg{{0x04, 0x92}}},
		{"binary 12h: 11 PM", 0x04, fixedNow.Add(6 * time.Hour), []reg{{0x04, 0x8B}}},
		{"BCD Sunday is 1", 0x02, fixedNow.Add(-24 * time.Hour), []reg{{0x06, 0x01}, {0x07, 0x22}}},
		{"BCD year 1999", 0x02, time.Date(1999, 12, 31, 23, 59, 58, 0, time.UTC), []reg{
			{0x09, 0x99}, {0x32, 0x19}, {0x08, 0x12}, {0x07, 0x31}, {0x04, 0x23}, {0x02, 0x59}, {0x00, 0x58},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCMOS(func() time.Time { return tc.at })
			cmosWrite(c, 0x0B, tc.statusB)
			assert.Equal(t, tc.statusB, cmosRead(c, 0x0B), "status B reads back")
			for _, r := range tc.want {
				assert.Equal(t, r.want, cmosRead(c, r.r), "register %#02x", r.r)
			}
		})
	}
}

func TestCMOSStatusRegisters(t *testing.T) {
	c := NewCMOS(func() time.Time { return fixedNow })
	assert.Equal(t, uint8(0x26), cmosRead(c, 0x0A), "status A: divider, rate, UIP clear")
	assert.Equal(t, uint8(0x02), cmosRead(c, 0x0B), "status B: 24h, BCD")
	assert.Equal(t, uint8(0x00), cmosRead(c, 0x0C), "status C: no flags")
	assert.Equal(t, uint8(0x80), cmosRead(c, 0x0D), "status D: VRT")
	cmosWrite(c, 0x0A, 0xA6)
	assert.Equal(t, uint8(0x26), cmosRead(c, 0x0A), "UIP cannot be set")
	cmosWrite(c, 0x0C, 0xFF)
	cmosWrite(c, 0x0D, 0x00)
	assert.Equal(t, uint8(0x00), cmosRead(c, 0x0C), "status C read-only")
	assert.Equal(t, uint8(0x80), cmosRead(c, 0x0D), "status D read-only")
}

func TestCMOSSetClock(t *testing.T) {
	now := fixedNow
	c := NewCMOS(func() time.Time { return now })
	cmosWrite(c, 0x04, 0x08) // 08h BCD
	assert.Equal(t, uint8(0x08), cmosRead(c, 0x04))
	assert.Equal(t, uint8(0x45), cmosRead(c, 0x02), "other fields kept")
	cmosWrite(c, 0x09, 0x30) // year 2030
	assert.Equal(t, uint8(0x30), cmosRead(c, 0x09))
	assert.Equal(t, uint8(0x20), cmosRead(c, 0x32))
	now = now.Add(2 * time.Second)
	assert.Equal(t, uint8(0x11), cmosRead(c, 0x00), "the clock runs on from the set time")

	// In 12-hour binary mode, 3 PM is written as 0x83.
	cmosWrite(c, 0x0B, 0x04)
	cmosWrite(c, 0x04, 0x83)
	assert.Equal(t, uint8(0x83), cmosRead(c, 0x04))
	cmosWrite(c, 0x0B, 0x06)
	assert.Equal(t, uint8(15), cmosRead(c, 0x04))
	cmosWrite(c, 0x06, 7) // day of week is derived: ignored
	assert.Equal(t, uint8(7), cmosRead(c, 0x06), "2030-11-23 is a Saturday")
}

func TestCMOSMemory(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name  string
		bytes uint64
		want  map[uint8]uint8
	}{
		{"256 MiB", 256 * mib, map[uint8]uint8{
			0x15: 0x80, 0x16: 0x02, // 640 KiB
			0x17: 0xFF, 0x18: 0xFF, 0x30: 0xFF, 0x31: 0xFF, // capped at 65535 KiB
			0x34: 0x00, 0x35: 0x0F, // (256-16) MiB / 64 KiB = 3840
			0x2E: 0x02, 0x2F: 0x80, // checksum 0x80+0x02+0xFF+0xFF
		}},
		{"32 MiB", 32 * mib, map[uint8]uint8{
			0x17: 0x00, 0x18: 0x7C, 0x30: 0x00, 0x31: 0x7C, // 31744 KiB
			0x34: 0x00, 0x35: 0x01, // 256 units
		}},
		{"8 MiB", 8 * mib, map[uint8]uint8{
			0x17: 0x00, 0x18: 0x1C, 0x34: 0x00, 0x35: 0x00,
		}},
		{"1 MiB", 1 * mib, map[uint8]uint8{0x17: 0, 0x18: 0, 0x34: 0, 0x35: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCMOS(nil)
			c.SetMemory(tc.bytes)
			for r, want := range tc.want {
				assert.Equal(t, want, cmosRead(c, r), "register %#02x", r)
			}
			assert.Equal(t, uint8(0), cmosRead(c, 0x10), "no floppy")
			assert.Equal(t, uint8(0), cmosRead(c, 0x14), "equipment: no FPU, no mouse")
		})
	}
	c := NewCMOS(nil)
	c.SetCPUs(4)
	assert.Equal(t, uint8(3), cmosRead(c, 0x5F))
}

func TestCMOSNVRAMAndIndex(t *testing.T) {
	c := NewCMOS(func() time.Time { return fixedNow })
	for _, r := range []uint8{0x01, 0x03, 0x05, 0x0F, 0x40, 0x7F} {
		cmosWrite(c, r, r^0xA5)
		assert.Equal(t, r^0xA5, cmosRead(c, r), "register %#02x", r)
	}
	assert.Equal(t, uint8(0xFF), inb(c, 0x70), "index port reads 0xFF")
	outb(c, 0x70, 0x80|0x40)
	assert.True(t, c.NMIDisabled())
	assert.Equal(t, uint8(0x40^0xA5), inb(c, 0x71), "bit 7 is not part of the index")
	outb(c, 0x70, 0x40)
	assert.False(t, c.NMIDisabled())
	// A 16-bit write to 0x70 is index then data.
	c.Out(0x70, 2, 0x5A<<8|0x41)
	assert.Equal(t, uint8(0x5A), cmosRead(c, 0x41))
	// Checksum follows writes in 0x10-0x2D.
	cmosWrite(c, 0x20, 0x10)
	sum := uint16(cmosRead(c, 0x2E))<<8 | uint16(cmosRead(c, 0x2F))
	require.Equal(t, uint16(0x80+0x02+0x10), sum, "640 KiB base memory plus the byte written")
}
