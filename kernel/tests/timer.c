/*
 * test timer: every CPU's LAPIC timer ticks at the calibrated rate.
 *
 * What it proves:
 *
 *  - the initial count is the calibrated period;
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
 * not run for a while takes its ticks late or loses them (QEMU merges a
 * period that ends while the last tick is still pending).  A window is
 * therefore watched: the thread measuring it polls the TSC, and a gap of
 * GAP_US between two polls means its CPU stopped; such a window is not
 * judged (it still may not count more than two ticks too many).  The
 * undisturbed windows are judged: one in range passes, ATTEMPTS out of
 * range fail.  QEMU's timers run in its main-loop thread, which a busy
 * host can delay too, unseen by the vCPU: so if fewer than ATTEMPTS of
 * TRIES windows were undisturbed, none in range, the tick count is not
 * judged (a diagnostic says so) but the timer must have ticked.  The
 * count-rate window reads both clocks at the same moment and is judged
 * always, unless even the kernel's calibration found no undisturbed
 * window (timer_calibration_trusted): then the rates themselves are
 * wrong, no rate is judged, and only ticking is.  Each CPU is measured first with
 * all CPUs at once, then alone if not yet judged.  On dfemu the clocks
 * are instruction counts, no window is disturbed and the first is
 * judged, so the test is as sharp as its tolerances (the seed sweep
 * runs it many times).
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
#define ATTEMPTS       3  /* undisturbed tick windows judged, at most */
#define TRIES          20 /* tick windows tried, at most */
#define GAP_US         500 /* a CPU that stopped this long: window disturbed */

/*
 * A series of tick windows on one CPU: the verdict counts only the
 * undisturbed ones (the CPU never stopped for GAP_US), passing at the
 * first in range and failing after ATTEMPTS out of range.  Any window
 * may count at most two ticks more than it should (one taken late at
 * each end).
 */
struct ticks_seen {
	uint32_t got;      /* ticks in the last judged window */
	uint32_t judged;   /* undisturbed windows */
	uint32_t tried;    /* windows */
	uint32_t most;     /* the most ticks in any window */
	uint32_t total;    /* ticks over all windows */
	bool ok;
};

/* Per CPU: its tick windows and the count rate (kHz) last measured. */
static struct {
	struct ticks_seen tw;
	uint32_t rate_khz;
	bool rate_ok;
} seen[MAXCPU];
static struct ticks_seen pit_seen;

static bool in_range(uint32_t got, uint32_t want, uint32_t tol)
{
	return got >= want * (100 - tol) / 100 && got <= want * (100 + tol) / 100;
}

static uint32_t want_ticks(void)
{
	return LAPIC_TIMER_HZ * WINDOW_MS / 1000;
}

/* Record one window of got ticks whose longest stop was gap TSC ticks. */
static void tick_window(struct ticks_seen *s, uint32_t got, uint32_t gap)
{
	s->tried++;
	s->total += got;
	s->most = got > s->most ? got : s->most;
	if ((uint64_t)gap * 1000 >= (uint64_t)tsc_per_ms() * GAP_US)
		return; /* disturbed: not judged */
	s->judged++;
	s->got = got;
	s->ok = in_range(got, want_ticks(), TICK_TOLERANCE);
}

static bool tick_windows_done(const struct ticks_seen *s, uint32_t tries)
{
	return s->ok || s->judged >= ATTEMPTS || s->tried >= tries;
}

/* Judge a series of tick windows on cpu, measured against what. */
static void tick_verdict(const struct ticks_seen *s, int cpu, const char *what)
{
	uint32_t want = want_ticks();

	check(s->most <= want * (100 + TICK_TOLERANCE) / 100 + 2,
	      "cpu %d: %u ticks in %u ms of %s, want at most %u", cpu, s->most, WINDOW_MS, what,
	      want * (100 + TICK_TOLERANCE) / 100 + 2);
	if (!s->ok && s->judged < ATTEMPTS) {
		/* The host seldom let this vCPU (or QEMU's timer thread) run
		 * for a whole window: the rate cannot be judged here, but the
		 * timer must tick. */
		test_note("cpu %d: %u ms windows of %s: %u of %u disturbed (host busy), %u ticks in all", cpu,
			  WINDOW_MS, what, s->tried - s->judged, s->tried, s->total);
		check(s->total > 0, "cpu %d: no tick in %u windows of %u ms", cpu, s->tried, WINDOW_MS);
		return;
	}
	check(s->ok, "cpu %d ticked %u times in %u ms of %s (%u windows judged of %u), want %u +-%u%%", cpu,
	      s->got, WINDOW_MS, what, s->judged, s->tried, want, TICK_TOLERANCE);
}

/* Ticks on the BSP over PIT windows. */
static void pit_windows(void)
{
	pit_seen = (struct ticks_seen){ 0 };
	while (!tick_windows_done(&pit_seen, TRIES)) {
		uint64_t before = gd_ticks_read(mycpu());
		uint32_t gap = pit_wait(PIT_HZ / 1000 * WINDOW_MS); /* 16 bits: 54 ms at most */
		tick_window(&pit_seen, (uint32_t)(gd_ticks_read(mycpu()) - before), gap);
	}
	tick_verdict(&pit_seen, 0, "PIT channel 2");
}

/* Spin for us on the TSC; return the longest gap between two reads. */
static uint32_t spin_us(uint32_t us)
{
	uint64_t end = tsc_deadline(us), last = rdtsc(), now;
	uint32_t gap = 0;

	do {
		now = rdtsc();
		if (now - last > gap)
			gap = (uint32_t)(now - last);
		last = now;
	} while ((int64_t)(now - end) < 0);
	return gap;
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

/* Tick windows per CPU in the current round (cpu_windows). */
static uint32_t round_tries;

/* Thread pinned to one CPU: its ticks over TSC windows and its count
 * rate, each until judged or round_tries windows. */
static void cpu_windows(void *arg)
{
	struct test_join *j = arg;
	int me = mycpu()->gd_cpuid;
	struct ticks_seen *s = &seen[me].tw;

	for (uint32_t t = 0; t < round_tries && !tick_windows_done(s, TRIES); t++) {
		uint64_t before = gd_ticks_read(mycpu());
		uint32_t gap = spin_us(WINDOW_MS * 1000);
		tick_window(s, (uint32_t)(gd_ticks_read(mycpu()) - before), gap);
	}
	for (uint32_t t = 0; t < round_tries && !seen[me].rate_ok; t++) {
		seen[me].rate_khz = count_rate_khz();
		seen[me].rate_ok = in_range(seen[me].rate_khz, lapic_bus_per_ms(), RATE_TOLERANCE);
	}
	join_done(j);
}

void test_timer(void)
{
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
	check(lapic_read(LAPIC_TIMER_ICR) == lapic_bus_per_ms() * (1000 / LAPIC_TIMER_HZ),
	      "initial count %u, want %u", lapic_read(LAPIC_TIMER_ICR),
	      lapic_bus_per_ms() * (1000 / LAPIC_TIMER_HZ));

	if (!timer_calibration_trusted()) {
		/* Every calibration window was disturbed (QEMU on a host too
		 * busy to run a vCPU for 5 ms): no rate here can be judged.
		 * The timers must still tick on every CPU. */
		test_note("calibration windows all disturbed (host busy): rates not judged");
		smp_delay_us(WINDOW_MS * 1000);
		for (int i = 0; i < ncpus; i++)
			check(gd_ticks_read(globaldata_find(i)) > 0, "cpu %d never ticked", i);
		return;
	}
	pit_windows();

	/* Every CPU at once, one window each (enough on dfemu); then each
	 * CPU not yet judged, alone, so that under QEMU no other vCPU
	 * thread spins for the host's cores meanwhile. */
	round_tries = 1;
	join_init(&j, ncpus);
	for (int i = 0; i < ncpus; i++) {
		seen[i].tw = (struct ticks_seen){ 0 };
		seen[i].rate_ok = false;
		lwkt_create(cpu_windows, &j, NULL, i, "tickwin");
	}
	join_wait(&j);
	round_tries = TRIES;
	for (int i = 0; i < ncpus; i++) {
		if (tick_windows_done(&seen[i].tw, TRIES) && seen[i].rate_ok)
			continue;
		join_init(&j, 1);
		lwkt_create(cpu_windows, &j, NULL, i, "tickwin");
		join_wait(&j);
	}
	test_note("cpu 0: %u ticks in %u ms, counting at %u kHz (calibrated %u)", seen[0].tw.got, WINDOW_MS,
		  seen[0].rate_khz, lapic_bus_per_ms());
	for (int i = 0; i < ncpus; i++) {
		tick_verdict(&seen[i].tw, i, "its TSC");
		check(seen[i].rate_ok, "cpu %d: timer counts at %u kHz (last of %u tries), want %u +-%u%%", i,
		      seen[i].rate_khz, TRIES + 1, lapic_bus_per_ms(), RATE_TOLERANCE);
	}
}
