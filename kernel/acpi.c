/*
 * CPU discovery from ACPI: RSDP -> RSDT -> MADT ("APIC").
 *
 * The RSDP is searched where ACPI 6.5 5.2.5.1 says: the first KiB of the
 * EBDA (segment at 0x40E in the BIOS data area) and 0xE0000-0xFFFFF, on
 * 16-byte boundaries, and must pass its checksum (and the extended one for
 * revision >= 2).  Every table must pass its own checksum.  The MADT gives
 * the LAPIC address, whether 8259s exist (PCAT_COMPAT), the processors'
 * local APICs (only those with the enabled flag are started), the IOAPICs
 * and the ISA interrupt source overrides.  A malformed table is reported
 * and ignored, never trusted.
 *
 * Runs before paging, so every physical address is directly readable.
 */
#include "kprintf.h"
#include "memlayout.h"
#include "fwtable.h"
#include "smp.h"
#include "string.h"

#define BDA_EBDA_SEG 0x40E /* BIOS data area: EBDA segment (word) */

/* The ACPI table header.  ACPI 6.5 5.2.6 */
struct acpi_header {
	char ah_sig[4];
	uint32_t ah_len;
	uint8_t ah_rev;
	uint8_t ah_sum;
	char ah_oem[6];
	char ah_oemtab[8];
	uint32_t ah_oemrev;
	uint32_t ah_creator;
	uint32_t ah_creatorrev;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "acpi_header");

/* MADT entry types.  5.2.12 */
#define MADT_LAPIC          0
#define MADT_IOAPIC         1
#define MADT_OVERRIDE       2
#define MADT_LAPIC_OVERRIDE 5
#define MADT_PCAT_COMPAT    0x1 /* MADT flags: dual 8259s present */
#define MADT_LAPIC_ENABLED  0x1

static const uint8_t *rsdp_scan(uint32_t start, uint32_t len)
{
	for (uint32_t a = start; a + 20 <= start + len; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		if (memcmp(p, "RSD PTR ", 8) != 0 || fw_sum8(p, 20) != 0)
			continue;
		if (p[15] >= 2 && (fw_rd32(p + 20) < 36 || fw_sum8(p, fw_rd32(p + 20)) != 0))
			continue;
		return p;
	}
	return NULL;
}

uint32_t bios_ebda(void)
{
	uint16_t seg;

	/* Page 0 is readable only because paging is still off. */
	__asm__ volatile("movw (%1), %0" : "=r"(seg) : "r"(BDA_EBDA_SEG));
	return (uint32_t)seg << 4;
}

static const uint8_t *acpi_find_rsdp(void)
{
	uint32_t ebda = bios_ebda();
	const uint8_t *p = NULL;

	if (ebda >= 0x80000 && ebda < LEGACY_HOLE)
		p = rsdp_scan(ebda, 1024);
	if (p == NULL)
		p = rsdp_scan(BIOS_AREA_START, 0x100000 - BIOS_AREA_START);
	return p;
}

/* A table at pa whose length and checksum hold, or NULL. */
static const struct acpi_header *acpi_table(uint32_t pa)
{
	const struct acpi_header *h = (const struct acpi_header *)pa;

	if (pa == 0 || h->ah_len < sizeof(*h) || h->ah_len > 0x100000 || fw_sum8(h, h->ah_len) != 0)
		return NULL;
	return h;
}

static void madt_entry(struct smp_config *sc, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (e[1] < 8 || !(fw_rd32(e + 4) & MADT_LAPIC_ENABLED)) {
			sc->sc_ignored++;
			return;
		}
		if (sc->sc_ncpus == MAXCPU) {
			sc->sc_ignored++;
			return;
		}
		sc->sc_apicid[sc->sc_ncpus++] = e[3];
		return;
	case MADT_IOAPIC:
		if (e[1] < 12 || sc->sc_nioapic == SMP_MAXIOAPIC)
			return;
		sc->sc_ioapic_id[sc->sc_nioapic] = e[2];
		sc->sc_ioapic_addr[sc->sc_nioapic] = fw_rd32(e + 4);
		sc->sc_ioapic_gsibase[sc->sc_nioapic] = fw_rd32(e + 8);
		sc->sc_nioapic++;
		return;
	case MADT_OVERRIDE:
		if (e[1] < 10 || e[2] != 0 || sc->sc_noverride == SMP_MAXOVERRIDE)
			return; /* bus 0 is ISA, the only one defined */
		sc->sc_override[sc->sc_noverride].so_irq = e[3];
		sc->sc_override[sc->sc_noverride].so_gsi = fw_rd32(e + 4);
		sc->sc_override[sc->sc_noverride].so_flags = e[8] | (e[9] << 8);
		sc->sc_noverride++;
		return;
	case MADT_LAPIC_OVERRIDE:
		if (e[1] >= 12 && fw_rd32(e + 8) == 0)
			sc->sc_lapic_addr = fw_rd32(e + 4);
		return;
	}
}

void acpi_parse(struct smp_config *sc)
{
	const uint8_t *rsdp = acpi_find_rsdp();
	const struct acpi_header *rsdt, *madt = NULL;

	memset(sc, 0, sizeof(*sc));
	sc->sc_source = "ACPI MADT";
	if (rsdp == NULL)
		return;
	rsdt = acpi_table(fw_rd32(rsdp + 16));
	if (rsdt == NULL || memcmp(rsdt->ah_sig, "RSDT", 4) != 0) {
		kprintf("acpi: RSDP found but its RSDT is missing or fails its checksum\n");
		return;
	}
	const uint8_t *ents = (const uint8_t *)(rsdt + 1);
	for (uint32_t i = 0; i < (rsdt->ah_len - sizeof(*rsdt)) / 4; i++) {
		const struct acpi_header *t = acpi_table(fw_rd32(ents + 4 * i));
		if (t != NULL && memcmp(t->ah_sig, "APIC", 4) == 0) {
			madt = t;
			break;
		}
	}
	if (madt == NULL || madt->ah_len < sizeof(*madt) + 8) {
		kprintf("acpi: no valid MADT in the RSDT\n");
		return;
	}
	const uint8_t *m = (const uint8_t *)madt;
	sc->sc_lapic_addr = fw_rd32(m + 36);
	sc->sc_pic_present = (fw_rd32(m + 40) & MADT_PCAT_COMPAT) != 0;
	for (uint32_t off = 44; off + 2 <= madt->ah_len;) {
		const uint8_t *e = m + off;
		if (e[1] < 2 || off + e[1] > madt->ah_len) {
			kprintf("acpi: MADT entry at offset %u has bad length %u\n", off, e[1]);
			return;
		}
		madt_entry(sc, e);
		off += e[1];
	}
	sc->sc_found = sc->sc_ncpus > 0 && sc->sc_lapic_addr != 0;
}
