/*
 * Clocks: the PIT as the reference, the TSC for delays, the LAPIC timer
 * for the quantum tick.
 *
 * timer_calibrate() runs PIT channel 2 in mode 0 (interrupt on terminal
 * count) for CAL_MS (5) milliseconds, its gate and output seen through port
 * 0x61 (bit 0 gate, bit 1 speaker data: kept off, bit 5 OUT2), and counts
 * TSC ticks and LAPIC timer counts (divide by 16, one-shot, masked) over
 * the same window (the shortest of three in which the CPU ran throughout,
 * see timer_calibrate).  Channel 2 is used because it is the one a PC gives
 * software for timing without touching the system timer (channel 0).
 * Then each CPU runs its LAPIC timer periodic at LAPIC_TIMER_HZ on
 * IV_TIMER; the handler counts gd_ticks and calls lwkt_hardclock().
 *
 * On dfemu every clock is derived from instructions executed, so the
 * ratios hold exactly there; under QEMU they follow host time.
 */
#include "smp.h"
#include "div64.h"
#include "kprintf.h"
#include "lapic.h"
#include "power.h"
#include "x86.h"

#define PORT_PIT_CH2   0x42
#define PORT_PIT_CMD   0x43
#define PORT_SYS_CTRL  0x61 /* NMI status and control: PIT gate 2, speaker, OUT2 */
#define SYS_GATE2      0x01
#define SYS_SPKR       0x02
#define SYS_OUT2       0x20
#define PIT_CH2_MODE0  0xB0 /* channel 2, lobyte/hibyte, mode 0, binary */

#define CAL_MS 5
#define CAL_ROUNDS 3  /* undisturbed windows wanted */
#define CAL_TRIES  40 /* windows tried at most: 200 ms */
#define PIT_SPINS_MAX 100000000u /* a PIT that never ends: a machine bug */

static uint32_t tsc_khz;     /* TSC ticks per ms */
static uint32_t lapic_khz;   /* LAPIC timer counts per ms, divide 16 */
static int cal_good;         /* undisturbed calibration windows */

uint32_t pit_wait(uint32_t count)
{
	uint64_t last, now;
	uint32_t gap = 0;
	uint8_t ctl;

	KASSERT(count > 0 && count < 0x10000);
	ctl = inb(PORT_SYS_CTRL) & ~(SYS_GATE2 | SYS_SPKR);
	outb(PORT_SYS_CTRL, ctl);                /* gate low: hold the counter */
	outb(PORT_PIT_CMD, PIT_CH2_MODE0);      /* OUT2 goes low */
	outb(PORT_PIT_CH2, count & 0xFF);
	outb(PORT_PIT_CH2, count >> 8);
	outb(PORT_SYS_CTRL, ctl | SYS_GATE2);   /* count down from here */
	last = rdtsc();
	for (uint32_t spins = 0; !(inb(PORT_SYS_CTRL) & SYS_OUT2); spins++) {
		if (spins == PIT_SPINS_MAX)
			panic("timer: PIT channel 2 never reached terminal count (port 0x61 bit 5)");
		now = rdtsc();
		if (now - last > gap)
			gap = (uint32_t)(now - last);
		last = now;
	}
	outb(PORT_SYS_CTRL, ctl);
	return gap;
}

/*
 * One CAL_MS window: TSC ticks and LAPIC counts; returns whether the CPU
 * ran throughout (no gap between two PIT polls above a tenth of the
 * window).  A window can only come out too long (the CPU noticed the
 * PIT's end late: a vCPU thread the host did not run), never too short.
 */
static bool calibrate_once(uint64_t *tsc, uint32_t *lapic)
{
	uint64_t t0, t1;
	uint32_t c1, gap;

	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | IV_TIMER); /* one-shot */
	lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFF);
	t0 = rdtsc();
	gap = pit_wait(PIT_HZ / 1000 * CAL_MS);
	t1 = rdtsc();
	c1 = lapic_read(LAPIC_TIMER_CCR);
	lapic_write(LAPIC_TIMER_ICR, 0);
	*tsc = t1 - t0;
	*lapic = 0xFFFFFFFF - c1;
	return (uint64_t)gap * 10 < *tsc;
}

/*
 * The shortest of CAL_ROUNDS undisturbed windows, trying up to
 * CAL_TRIES (under QEMU on a busy host most windows can be disturbed,
 * and a disturbed one overstates both rates); with none undisturbed,
 * the shortest of all.
 */
void timer_calibrate(void)
{
	uint64_t best_tsc = ~0ull, any_tsc = ~0ull, tsc;
	uint32_t best_lapic = 0, any_lapic = 0, lapic;
	int good = 0;

	KASSERT(lapic_present());
	for (int i = 0; i < CAL_TRIES && good < CAL_ROUNDS; i++) {
		bool undisturbed = calibrate_once(&tsc, &lapic);
		if (tsc < any_tsc) {
			any_tsc = tsc;
			any_lapic = lapic;
		}
		if (undisturbed) {
			good++;
			if (tsc < best_tsc) {
				best_tsc = tsc;
				best_lapic = lapic;
			}
		}
	}
	if (good == 0) {
		best_tsc = any_tsc;
		best_lapic = any_lapic;
	}
	cal_good = good;
	tsc_khz = (uint32_t)udivmod64(best_tsc, CAL_MS, NULL);
	lapic_khz = best_lapic / CAL_MS;
	if (tsc_khz == 0 || lapic_khz == 0)
		panic("timer: calibration against the PIT failed: %u TSC, %u LAPIC counts per ms",
		      tsc_khz, lapic_khz);
}

bool timer_calibration_trusted(void)
{
	return cal_good > 0;
}

uint32_t tsc_per_ms(void)
{
	return tsc_khz;
}

uint32_t lapic_bus_per_ms(void)
{
	return lapic_khz;
}

uint32_t lapic_timer_hz(void)
{
	return LAPIC_TIMER_HZ;
}

uint64_t tsc_deadline(uint32_t us)
{
	/* us * (ticks/ms) / 1000, without a 64-bit division by libgcc. */
	return rdtsc() + udivmod64((uint64_t)us * tsc_khz, 1000, NULL);
}

bool tsc_passed(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

void smp_delay_us(uint32_t us)
{
	uint64_t end;

	KASSERT(tsc_khz != 0);
	end = tsc_deadline(us);
	while (!tsc_passed(end))
		pause();
}

uint64_t gd_ticks_read(const struct globaldata *gd)
{
	const volatile uint32_t *w = (const volatile uint32_t *)&gd->gd_ticks;
	uint32_t hi, lo;

	do {
		hi = w[1];
		lo = w[0];
	} while (w[1] != hi);
	return ((uint64_t)hi << 32) | lo;
}

static void timer_intr(struct trapframe *tf)
{
	mycpu()->gd_ticks++; /* only this CPU writes its count */
	lwkt_hardclock(tf);
}

void lapic_timer_start(void)
{
	static bool registered;

	if (!registered) { /* the BSP first, before any AP starts */
		intr_register(IV_TIMER, timer_intr);
		registered = true;
	}
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DCR_DIV16);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_PERIODIC | IV_TIMER);
	lapic_write(LAPIC_TIMER_ICR, lapic_khz * 1000 / LAPIC_TIMER_HZ);
}
