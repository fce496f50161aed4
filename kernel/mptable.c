/*
 * CPU discovery from the Intel MultiProcessor Specification 1.4 tables:
 * the floating pointer structure ("_MP_", 16 bytes, chapter 4.1) and the
 * configuration table it points to ("PCMP", 4.2), the fallback when ACPI
 * is absent or `acpi=off`.
 *
 * The floating pointer is searched in the first KiB of the EBDA, the last
 * KiB of base memory and the BIOS ROM area 0xF0000-0xFFFFF.  Default
 * configurations (feature byte 1 nonzero, no table) are not supported.
 * Entries used: processors (enabled ones), IOAPICs (enabled ones), and
 * I/O interrupt entries of ISA buses that land on another pin than their
 * IRQ number, turned into the same overrides the MADT gives.
 *
 * Runs before paging, like acpi.c.
 */
#include "kprintf.h"
#include "memlayout.h"
#include "fwtable.h"
#include "smp.h"
#include "string.h"

#define MP_PROC   0 /* entry types and sizes.  4.3 */
#define MP_BUS    1
#define MP_IOAPIC 2
#define MP_IOINTR 3
#define MP_LINTR  4
#define MP_EN     0x1     /* processor / IOAPIC flags: usable */
#define MP_IMCRP  0x80    /* feature byte 2: IMCR present */
#define MP_MAXBUS 32

static const uint8_t *mpfp_scan(uint32_t start, uint32_t len)
{
	for (uint32_t a = start; a + 16 <= start + len; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		if (memcmp(p, "_MP_", 4) == 0 && p[8] == 1 && fw_sum8(p, 16) == 0)
			return p;
	}
	return NULL;
}

static const uint8_t *mpfp_find(void)
{
	uint32_t ebda = bios_ebda();
	const uint8_t *p = NULL;

	if (ebda >= 0x80000 && ebda < LEGACY_HOLE)
		p = mpfp_scan(ebda, 1024);
	if (p == NULL)
		p = mpfp_scan(LEGACY_HOLE - 1024, 1024);
	if (p == NULL)
		p = mpfp_scan(0xF0000, 0x10000);
	return p;
}

void mptable_parse(struct smp_config *sc)
{
	const uint8_t *fp = mpfp_find(), *ct, *e, *end;
	bool isa[MP_MAXBUS] = { false };

	memset(sc, 0, sizeof(*sc));
	sc->sc_source = "MP table";
	if (fp == NULL)
		return;
	if (fp[11] != 0) {
		kprintf("mptable: default configuration %u not supported\n", fp[11]);
		return;
	}
	ct = (const uint8_t *)fw_rd32(fp + 4);
	if (ct == NULL || memcmp(ct, "PCMP", 4) != 0 || fw_rd16(ct + 4) < 44 ||
	    fw_sum8(ct, fw_rd16(ct + 4)) != 0) {
		kprintf("mptable: configuration table missing or fails its checksum\n");
		return;
	}
	sc->sc_imcr_present = (fp[12] & MP_IMCRP) != 0;
	sc->sc_pic_present = true; /* MP spec PCs have 8259s (3.6.2) */
	sc->sc_lapic_addr = fw_rd32(ct + 36);
	end = ct + fw_rd16(ct + 4);
	e = ct + 44;
	for (uint16_t n = fw_rd16(ct + 34); n > 0 && e < end; n--) {
		switch (e[0]) {
		case MP_PROC:
			if (e + 20 > end)
				goto bad;
			if (!(e[3] & MP_EN) || sc->sc_ncpus == MAXCPU)
				sc->sc_ignored++;
			else
				sc->sc_apicid[sc->sc_ncpus++] = e[1];
			e += 20;
			break;
		case MP_BUS:
			if (e + 8 > end)
				goto bad;
			if (e[1] < MP_MAXBUS)
				isa[e[1]] = memcmp(e + 2, "ISA", 3) == 0;
			e += 8;
			break;
		case MP_IOAPIC:
			if (e + 8 > end)
				goto bad;
			if ((e[3] & MP_EN) && sc->sc_nioapic < SMP_MAXIOAPIC) {
				sc->sc_ioapic_id[sc->sc_nioapic] = e[1];
				sc->sc_ioapic_addr[sc->sc_nioapic] = fw_rd32(e + 4);
				sc->sc_ioapic_gsibase[sc->sc_nioapic] = 0; /* first IOAPIC: pins 0.. */
				sc->sc_nioapic++;
			}
			e += 8;
			break;
		case MP_IOINTR:
			if (e + 8 > end)
				goto bad;
			/* INT type, ISA bus, a pin other than the IRQ: an override. */
			if (e[1] == 0 && e[4] < MP_MAXBUS && isa[e[4]] && e[5] != e[7] &&
			    sc->sc_noverride < SMP_MAXOVERRIDE) {
				struct smp_override *o = &sc->sc_override[sc->sc_noverride++];
				o->so_irq = e[5];
				o->so_gsi = e[7];
				o->so_flags = fw_rd16(e + 2);
			}
			e += 8;
			break;
		case MP_LINTR:
			if (e + 8 > end)
				goto bad;
			e += 8;
			break;
		default:
			goto bad;
		}
	}
	sc->sc_found = sc->sc_ncpus > 0 && sc->sc_lapic_addr != 0;
	return;
bad:
	kprintf("mptable: malformed entry (type %u) at offset %u\n", e[0], (uint32_t)(e - ct));
	sc->sc_found = false;
}
