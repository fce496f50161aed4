/*
 * Multiprocessor bring-up: the per-CPU globaldata, starting the APs, and
 * smp_call().
 *
 * CPU numbers are dense: the BSP is CPU 0, the APs follow in firmware
 * table order, each numbered before it starts.  The BSP starts them one
 * at a time with the MP spec's universal algorithm (B.4; SDM 3A 8.4.4.1):
 * INIT, 10 ms, SIPI, 200 us, a second SIPI only if the AP has not yet
 * written ta_alive, then up to AP_TIMEOUT_MS for gd_started.  One AP at a
 * time means one trampoline argument block suffices and an AP's number
 * never depends on timing.  A missing AP is reported, and bring-up stops
 * there so that CPU numbers stay dense (the cpus test then fails on the
 * count).
 *
 * An AP, in mp_ap_entry() on the stack the BSP gave it: its own GDT, TSS
 * and %fs, the shared IDT, its LAPIC, lwkt_init_cpu(), its timer, then it
 * reports in (gd_started, a release store: everything it set up before is
 * visible to whoever sees it started) and becomes lwkt_ap_idle().
 */
#include "smp.h"
#include "cmdline.h"
#include "cpu.h"
#include "gdt.h"
#include "kprintf.h"
#include "lapic.h"
#include "mb.h"
#include "memlayout.h"
#include "mmu.h"
#include "power.h"
#include "string.h"
#include "trap.h"
#include "x86.h"

#define KSTACK_SIZE   8192  /* each AP's boot stack (its first thread's) */
#define AP_TIMEOUT_MS 200

int ncpus = 1;

static struct globaldata cpu_gd[MAXCPU] __attribute__((aligned(64)));
static char ap_stacks[MAXCPU][KSTACK_SIZE] __attribute__((aligned(16)));

static struct smp_config cfg_acpi, cfg_mptable, cfg_none;
static const struct smp_config *cfg = &cfg_none;

struct globaldata *globaldata_setup(int cpu)
{
	struct globaldata *gd = &cpu_gd[cpu];

	KASSERT(cpu >= 0 && cpu < MAXCPU);
	gd->gd_self = gd;
	gd->gd_cpuid = cpu;
	return gd;
}

struct globaldata *globaldata_find(int cpu)
{
	if (cpu < 0 || cpu >= MAXCPU || cpu_gd[cpu].gd_self == NULL)
		panic("globaldata_find: no CPU %d (ncpus %d)", cpu, ncpus);
	return &cpu_gd[cpu];
}

const struct smp_config *smp_config(void)
{
	return cfg;
}

const struct smp_config *smp_config_acpi(void)
{
	return &cfg_acpi;
}

const struct smp_config *smp_config_mptable(void)
{
	return &cfg_mptable;
}

void smp_config_init(void)
{
	const char *v;
	size_t len;
	bool acpi_off = kv_find(mb_cmdline(), "acpi", &v, &len) && len == 3 &&
			strncmp(v, "off", 3) == 0;

	acpi_parse(&cfg_acpi);
	mptable_parse(&cfg_mptable);
	cfg_none.sc_source = "none";
	if (cfg_acpi.sc_found && !acpi_off)
		cfg = &cfg_acpi;
	else if (cfg_mptable.sc_found)
		cfg = &cfg_mptable;
}

static void smp_call_intr(struct trapframe *tf)
{
	struct globaldata *gd = mycpu();
	void (*fn)(void *) = gd->gd_call_fn;

	(void)tf;
	if (fn == NULL)
		return;
	gd->gd_call_fn = NULL;
	fn(gd->gd_call_arg);
	__atomic_store_n(&gd->gd_call_done, 1, __ATOMIC_RELEASE);
}

void smp_call(int cpu, void (*fn)(void *), void *arg)
{
	struct globaldata *gd = globaldata_find(cpu);

	if (gd == mycpu()) {
		fn(arg);
		gd->gd_call_done = 1;
		return;
	}
	KASSERT(gd->gd_call_fn == NULL);
	gd->gd_call_done = 0;
	gd->gd_call_arg = arg;
	/* Release: arg and done are visible before the handler sees fn. */
	__atomic_store_n(&gd->gd_call_fn, fn, __ATOMIC_RELEASE);
	lapic_send_ipi(cpu, IV_SMP_CALL);
}

bool smp_call_wait(int cpu, uint32_t us)
{
	struct globaldata *gd = globaldata_find(cpu);
	uint64_t end = tsc_deadline(us);

	while (!__atomic_load_n(&gd->gd_call_done, __ATOMIC_ACQUIRE)) {
		if (tsc_passed(end))
			return false;
		pause();
	}
	return true;
}

/* The C entry of an AP, from trampoline.S, on its boot stack. */
static __noreturn void mp_ap_entry(struct globaldata *gd)
{
	gdt_init(gd, gd->gd_stack_top);
	trap_init_ap();
	lapic_init();
	gd->gd_hw_apicid = lapic_id();
	lwkt_init_cpu(gd);
	lapic_timer_start();
	__atomic_store_n(&gd->gd_started, 1, __ATOMIC_RELEASE);
	lwkt_ap_idle();
}

/* Start the AP whose globaldata is gd; true once it reported in. */
static bool mp_start_ap(struct globaldata *gd)
{
	volatile struct trampoline_args *ta =
		(volatile struct trampoline_args *)(TRAMPOLINE_ADDR + (trampoline_args - trampoline_start));
	uint64_t end;

	ta->ta_alive = 0;
	ta->ta_cr4 = rcr4();
	ta->ta_cr3 = rcr3();
	ta->ta_cr0 = rcr0();
	ta->ta_esp = gd->gd_stack_top;
	ta->ta_entry = (uint32_t)mp_ap_entry;
	ta->ta_gd = (uint32_t)gd;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_icr(gd->gd_apicid, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	smp_delay_us(10000);
	lapic_icr(gd->gd_apicid, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12));
	smp_delay_us(200);
	if (!ta->ta_alive) {
		lapic_icr(gd->gd_apicid, ICR_STARTUP | (TRAMPOLINE_ADDR >> 12));
		smp_delay_us(200);
	}
	end = tsc_deadline(AP_TIMEOUT_MS * 1000);
	while (!__atomic_load_n(&gd->gd_started, __ATOMIC_ACQUIRE)) {
		if (tsc_passed(end)) {
			kprintf("smp: cpu %d (APIC ID %u) did not report in within %u ms (%s)\n",
				gd->gd_cpuid, gd->gd_apicid, AP_TIMEOUT_MS,
				ta->ta_alive ? "it reached the trampoline" : "no sign of the SIPI");
			return false;
		}
		pause();
	}
	return true;
}

void smp_start_aps(void)
{
	struct globaldata *bsp = globaldata_find(0);
	uint32_t len = trampoline_end - trampoline_start;
	int n = 1;

	KASSERT(TRAMPOLINE_ADDR + len <= INFO_AREA_START);
	memcpy((void *)TRAMPOLINE_ADDR, trampoline_start, len);
	for (int i = 0; i < cfg->sc_ncpus; i++) {
		if (cfg->sc_apicid[i] == bsp->gd_apicid)
			continue;
		struct globaldata *gd = globaldata_setup(n);
		gd->gd_apicid = cfg->sc_apicid[i];
		gd->gd_stack_top = (uint32_t)ap_stacks[n] + KSTACK_SIZE;
		if (!mp_start_ap(gd))
			break;
		n++;
	}
	ncpus = n;
}

static void ipiq_intr(struct trapframe *tf)
{
	(void)tf;
	lwkt_process_ipiq();
}

void smp_init(void)
{
	struct globaldata *bsp = globaldata_find(0);

	if (!cfg->sc_found)
		return;
	lapic_map();
	lapic_init();
	bsp->gd_apicid = bsp->gd_hw_apicid = lapic_id();
	bsp->gd_started = 1;
	timer_calibrate();
	intr_register(IV_SMP_CALL, smp_call_intr);
	intr_register(IV_IPIQ, ipiq_intr);
	lwkt_init_cpu(bsp);
	lapic_timer_start();
	smp_start_aps();
	sti();
}
