/*
 * test timer: every CPU's LAPIC timer ticks at the calibrated rate.
 *
 * What it proves, with three measurements:
 *
 *  - on the BSP, ticks counted over a window timed by PIT channel 2
 *    directly (pit_wait): independent of the calibration, so a wrong
 *    divide or a calibration off by 2x fails;
 *  - on every CPU, by a thread pinned there, ticks counted over a window
 *    timed by that CPU's TSC (as calibrated): a CPU whose timer is
 *    stopped, masked, or interrupts at a wrong rate fails;
 *  - on every CPU, the rate at which its current-count register counts
 *    down, against its TSC read in the same instants, over a window
 *    shorter than a period: the CPU's timer counts at the calibrated
 *    rate within RATE_TOLERANCE percent (a wrong divide on one CPU).
 *
 * Under QEMU the clocks are real time, and a vCPU thread the host does
 * not schedule for a while misses ticks (QEMU drops missed periods) or
 * takes them late, so a tick window can count too few or one too many;
 * the count-rate window reads both clocks at the moment of reading and
 * is only spoiled when the thread is descheduled between two adjacent
 * reads.  So each measurement is tried once on every CPU at once, then
 * on each CPU that missed up to ATTEMPTS more times with the other CPUs
 * idle, and passes when one attempt is in range: one undisturbed window
 * suffices, and a timer at a wrong rate fails every attempt.  On dfemu the clocks are
 * instruction counts and the first attempt passes, so the test is as
 * sharp as its tolerances there (the seed sweep runs it many times).
 */
#include "div64.h"
#include "lapic.h"
#include "mmu.h"
#include "smp.h"
#include "test.h"
#include "test_lwkt.h"
#include "x86.h"

#define WINDOW_MS      40 /* tick windows: 10 ticks at 250 Hz */
#define TICK_TOLERANCE 25 /* percent: +-1 tick at each end of 10 is 20% */
#define RATE_US        1000 /* count-rate window: a quarter of a period */
#define RATE_TOLERANCE 5  /* percent */
#define ATTEMPTS       8

/* Per CPU: the last tick count and count rate (kHz) measured, and
 * whether one attempt of each was in range. */
static struct {
	uint32_t ticks, rate_khz;
	bool ticks_ok, rate_ok;
} seen[MAXCPU];

static bool in_range(uint32_t got, uint32_t want, uint32_t tol)
{
	return got >= want * (100 - tol) / 100 && got <= want * (100 + tol) / 100;
}

/* Ticks on the BSP over a PIT window: whether one attempt was in range. */
static void pit_windows(void)
{
	uint32_t want = LAPIC_TIMER_HZ * WINDOW_MS / 1000, got = 0;

	for (int a = 1; a <= ATTEMPTS; a++) {
		uint64_t before = gd_ticks_read(mycpu());
		pit_wait(PIT_HZ / 1000 * WINDOW_MS); /* the PIT counts 16 bits: 54 ms at most */
		got = (uint32_t)(gd_ticks_read(mycpu()) - before);
		if (in_range(got, want, TICK_TOLERANCE))
			return;
	}
	check(false, "PIT window: cpu 0 ticked %u times in %u ms (last of %d tries), want %u +-%u%%", got,
	      WINDOW_MS, ATTEMPTS, want, TICK_TOLERANCE);
}

/*
 * The current-count register's rate against the TSC, over RATE_US (less
 * than a period, so a reload in between shows as a count that went up),
 * in kHz; 0 if the window saw a reload or took more than a period.
 */
static uint32_t count_rate_khz(void)
{
	uint32_t period_tsc = tsc_per_ms() * (1000 / LAPIC_TIMER_HZ);
	uint64_t t0, t1;
	uint32_t c0, c1;

	t0 = rdtsc();
	c0 = lapic_read(LAPIC_TIMER_CCR);
	smp_delay_us(RATE_US);
	c1 = lapic_read(LAPIC_TIMER_CCR);
	t1 = rdtsc();
	if (c1 >= c0 || t1 - t0 >= period_tsc)
		return 0;
	return (uint32_t)udivmod64((uint64_t)(c0 - c1) * tsc_per_ms(), (uint32_t)(t1 - t0), NULL);
}

/* Attempts per CPU in the current round (cpu_windows). */
static int round_attempts;

/* Thread pinned to one CPU: its ticks over TSC windows and its count
 * rate, each up to round_attempts times until one is in range. */
static void cpu_windows(void *arg)
{
	struct test_join *j = arg;
	int me = mycpu()->gd_cpuid;
	uint32_t want = LAPIC_TIMER_HZ * WINDOW_MS / 1000;

	for (int a = 0; a < round_attempts && !seen[me].ticks_ok; a++) {
		uint64_t before = gd_ticks_read(mycpu());
		smp_delay_us(WINDOW_MS * 1000);
		seen[me].ticks = (uint32_t)(gd_ticks_read(mycpu()) - before);
		seen[me].ticks_ok = in_range(seen[me].ticks, want, TICK_TOLERANCE);
	}
	for (int a = 0; a < round_attempts && !seen[me].rate_ok; a++) {
		seen[me].rate_khz = count_rate_khz();
		seen[me].rate_ok = in_range(seen[me].rate_khz, lapic_bus_per_ms(), RATE_TOLERANCE);
	}
	join_done(j);
}

void test_timer(void)
{
	uint32_t want = LAPIC_TIMER_HZ * WINDOW_MS / 1000;
	struct test_join j;

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

	pit_windows();

	/* Every CPU at once, one attempt each (enough on dfemu); then each
	 * CPU that missed, alone, so that under QEMU no other vCPU thread
	 * spins for the host's cores meanwhile. */
	round_attempts = 1;
	join_init(&j, ncpus);
	for (int i = 0; i < ncpus; i++) {
		seen[i].ticks_ok = seen[i].rate_ok = false;
		lwkt_create(cpu_windows, &j, NULL, i, "tickwin");
	}
	join_wait(&j);
	round_attempts = ATTEMPTS;
	for (int i = 0; i < ncpus; i++) {
		if (seen[i].ticks_ok && seen[i].rate_ok)
			continue;
		join_init(&j, 1);
		lwkt_create(cpu_windows, &j, NULL, i, "tickwin");
		join_wait(&j);
	}
	test_note("cpu 0: %u ticks in %u ms, counting at %u kHz (calibrated %u)", seen[0].ticks, WINDOW_MS,
		  seen[0].rate_khz, lapic_bus_per_ms());
	for (int i = 0; i < ncpus; i++) {
		check(seen[i].ticks_ok, "cpu %d ticked %u times in %u ms (last of %d tries), want %u +-%u%%", i,
		      seen[i].ticks, WINDOW_MS, ATTEMPTS + 1, want, TICK_TOLERANCE);
		check(seen[i].rate_ok, "cpu %d: timer counts at %u kHz (last of %d tries), want %u +-%u%%", i,
		      seen[i].rate_khz, ATTEMPTS + 1, lapic_bus_per_ms(), RATE_TOLERANCE);
	}
}
