/*
 * test timer: every CPU's LAPIC timer ticks at the calibrated rate.
 *
 * Two windows of known length: one timed by PIT channel 2 directly
 * (pit_wait, independent of the calibration), one by smp_delay_us (the
 * TSC as calibrated).  Over each, every CPU's gd_ticks must advance by
 * the window times lapic_timer_hz(), within TICK_TOLERANCE percent: wide
 * enough for dfemu's instruction-based clocks, narrow enough that a timer
 * at the wrong divide, a rate off by 2x, or a CPU whose timer does not
 * run at all fails.  Under QEMU on a loaded host a vCPU thread that is not
 * scheduled misses ticks (QEMU drops missed periods), so a window is
 * tried up to ATTEMPTS times and passes if one attempt is in range; a
 * wrong rate fails them all.
 */
#include "lapic.h"
#include "mmu.h"
#include "smp.h"
#include "test.h"
#include "x86.h"

#define WINDOW_MS      100
#define TICK_TOLERANCE 40 /* percent */
#define ATTEMPTS       3

/* Whether every CPU ticked the right number of times since before[]. */
static bool window_ok(const char *how, const uint64_t *before, bool report)
{
	uint32_t want = lapic_timer_hz() * WINDOW_MS / 1000;
	uint32_t lo = want * (100 - TICK_TOLERANCE) / 100, hi = want * (100 + TICK_TOLERANCE) / 100;
	bool ok = true;

	for (int i = 0; i < ncpus; i++) {
		uint32_t got = (uint32_t)(gd_ticks_read(globaldata_find(i)) - before[i]);
		if (got >= lo && got <= hi)
			continue;
		ok = false;
		if (report)
			check(false, "%s: cpu %d ticked %u times in %u ms, want %u (%u..%u)", how, i, got,
			      WINDOW_MS, want, lo, hi);
	}
	return ok;
}

static void snapshot(uint64_t *t)
{
	for (int i = 0; i < ncpus; i++)
		t[i] = gd_ticks_read(globaldata_find(i));
}

void test_timer(void)
{
	uint64_t before[MAXCPU];

	if (!lapic_present()) {
		test_skip("no APIC: no LAPIC timer");
		return;
	}
	check(read_eflags() & EFLAGS_IF, "interrupts are off on the BSP");
	check(lapic_timer_hz() == LAPIC_TIMER_HZ, "lapic_timer_hz %u, want %u", lapic_timer_hz(),
	      LAPIC_TIMER_HZ);
	check(tsc_per_ms() > 0 && lapic_bus_per_ms() > 0, "calibration: %u TSC, %u LAPIC counts per ms",
	      tsc_per_ms(), lapic_bus_per_ms());
	check(lapic_read(LAPIC_LVT_TIMER) == (LAPIC_LVT_PERIODIC | IV_TIMER),
	      "LVT timer 0x%08x: not periodic, unmasked, vector 0x%x", lapic_read(LAPIC_LVT_TIMER), IV_TIMER);

	for (int a = 1; a <= ATTEMPTS; a++) {
		snapshot(before);
		for (int ms = 0; ms < WINDOW_MS; ms += WINDOW_MS / 2)
			pit_wait(PIT_HZ / 1000 * (WINDOW_MS / 2)); /* the PIT counts 16 bits: 54 ms at most */
		if (window_ok("PIT window", before, a == ATTEMPTS))
			break;
	}
	for (int a = 1; a <= ATTEMPTS; a++) {
		snapshot(before);
		smp_delay_us(WINDOW_MS * 1000);
		if (window_ok("smp_delay_us window", before, a == ATTEMPTS))
			break;
	}
}
