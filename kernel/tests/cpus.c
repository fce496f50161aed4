/*
 * test cpus: every CPU the firmware reports came up and knows who it is.
 *
 * The configuration in use is the ACPI MADT, or the MP table with
 * acpi=off (then it must say so).  ncpus equals the table's count; CPU 0
 * is the BSP; each CPU's APIC ID comes from the table exactly once and
 * is what its own LAPIC ID register said when it reported in; its GDT's
 * %fs descriptor is based at its globaldata.  Then each CPU is asked
 * (smp_call, an IPI) to read mycpu() through its own %fs, its gd_cpuid
 * through that pointer, and its LAPIC ID register, and the answers must
 * match.  When both tables exist they must describe the same CPUs and
 * the same first IOAPIC.  Without either table the machine is a
 * uniprocessor PC without APIC, and the test skips.
 */
#include "cmdline.h"
#include "gdt.h"
#include "lapic.h"
#include "mb.h"
#include "smp.h"
#include "string.h"
#include "test.h"

struct cpu_answer {
	struct globaldata *ca_self; /* %fs:0 */
	int ca_cpuid;               /* mycpu()->gd_cpuid */
	uint32_t ca_apicid;         /* LAPIC ID register */
	volatile bool ca_done;
};

static struct cpu_answer answers[MAXCPU];

static void whoami(void *arg)
{
	struct cpu_answer *a = arg;
	struct globaldata *gd = mycpu();

	a->ca_self = gd;
	a->ca_cpuid = gd->gd_cpuid;
	a->ca_apicid = lapic_id();
	a->ca_done = true;
}

static bool has_apicid(const struct smp_config *sc, uint32_t id)
{
	for (int i = 0; i < sc->sc_ncpus; i++)
		if (sc->sc_apicid[i] == id)
			return true;
	return false;
}

/* Both tables exist: the same set of CPUs and the same first IOAPIC. */
static void tables_agree(const struct smp_config *a, const struct smp_config *m)
{
	check(a->sc_ncpus == m->sc_ncpus, "MADT has %d CPUs, MP table %d", a->sc_ncpus, m->sc_ncpus);
	for (int i = 0; i < a->sc_ncpus; i++)
		check(has_apicid(m, a->sc_apicid[i]), "APIC ID %u in the MADT, not in the MP table",
		      a->sc_apicid[i]);
	check(a->sc_lapic_addr == m->sc_lapic_addr, "LAPIC at 0x%08x (MADT), 0x%08x (MP table)",
	      a->sc_lapic_addr, m->sc_lapic_addr);
	if (check(a->sc_nioapic > 0 && m->sc_nioapic > 0, "IOAPICs: %d (MADT), %d (MP table)",
		  a->sc_nioapic, m->sc_nioapic))
		check(a->sc_ioapic_addr[0] == m->sc_ioapic_addr[0],
		      "IOAPIC at 0x%08x (MADT), 0x%08x (MP table)", a->sc_ioapic_addr[0],
		      m->sc_ioapic_addr[0]);
}

void test_cpus(void)
{
	const struct smp_config *sc = smp_config();
	const char *v;
	size_t len;
	bool acpi_off = kv_find(mb_cmdline(), "acpi", &v, &len) && len == 3 && strncmp(v, "off", 3) == 0;
	int seen[256] = { 0 };

	if (!sc->sc_found) {
		test_skip("no ACPI MADT or MP table: a uniprocessor PC without APIC");
		return;
	}
	if (acpi_off)
		check(sc == smp_config_mptable(), "acpi=off, but the CPUs came from the %s", sc->sc_source);
	else
		check(sc == smp_config_acpi(), "the CPUs came from the %s, not the ACPI MADT",
		      sc->sc_source);
	if (smp_config_acpi()->sc_found && smp_config_mptable()->sc_found)
		tables_agree(smp_config_acpi(), smp_config_mptable());
	check(sc->sc_ignored == 0, "%u CPUs in the %s were not used", sc->sc_ignored, sc->sc_source);
	if (!check(ncpus == sc->sc_ncpus, "%d CPUs running, the %s lists %d", ncpus, sc->sc_source,
		   sc->sc_ncpus))
		return;
	test_note("%d CPUs from the %s", ncpus, sc->sc_source);

	check(mycpu() == globaldata_find(0), "the test does not run on CPU 0");
	for (int i = 0; i < ncpus; i++) {
		struct globaldata *gd = globaldata_find(i);
		check(gd->gd_self == gd && gd->gd_cpuid == i, "cpu %d: gd_self/gd_cpuid wrong (cpuid %d)", i,
		      gd->gd_cpuid);
		check(gd->gd_started, "cpu %d never reported in", i);
		check(gd->gd_apicid < 256 && has_apicid(sc, gd->gd_apicid),
		      "cpu %d: APIC ID %u not in the %s", i, gd->gd_apicid, sc->sc_source);
		check(gd->gd_hw_apicid == gd->gd_apicid, "cpu %d: LAPIC ID register said %u, table %u", i,
		      gd->gd_hw_apicid, gd->gd_apicid);
		if (gd->gd_apicid < 256)
			seen[gd->gd_apicid]++;
		check(gdt_fs_base(i) == (uint32_t)gd, "cpu %d: %%fs base is not its globaldata", i);
	}
	for (int i = 0; i < sc->sc_ncpus; i++)
		check(seen[sc->sc_apicid[i]] == 1, "APIC ID %u seen %d times", sc->sc_apicid[i],
		      seen[sc->sc_apicid[i]]);

	memset(answers, 0, sizeof(answers));
	for (int i = 1; i < ncpus; i++)
		smp_call(i, whoami, &answers[i]);
	smp_call(0, whoami, &answers[0]);
	for (int i = 0; i < ncpus; i++) {
		struct cpu_answer *a = &answers[i];
		if (!check(smp_call_wait(i, 1000000) && a->ca_done, "cpu %d did not answer an IPI", i))
			continue;
		check(a->ca_self == globaldata_find(i), "cpu %d: %%fs:0 is cpu %d's globaldata", i,
		      a->ca_self ? a->ca_self->gd_cpuid : -1);
		check(a->ca_cpuid == i, "cpu %d: mycpu()->gd_cpuid is %d", i, a->ca_cpuid);
		check(a->ca_apicid == globaldata_find(i)->gd_apicid, "cpu %d: LAPIC ID %u, want %u", i,
		      a->ca_apicid, globaldata_find(i)->gd_apicid);
	}
}
