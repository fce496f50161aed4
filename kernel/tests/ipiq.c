/*
 * test ipiq: IPI queues.
 *
 *  - ring: one (source, target) FIFO driven directly: exactly IPIQ_SIZE
 *    entries fit, calls run in order, and fill levels that cross the wrap
 *    point many times lose and duplicate nothing;
 *  - storm (two or more CPUs): one thread per CPU sends STORM_COUNT calls
 *    to every CPU (itself included: a direct call), in bursts longer than
 *    a queue inside a critical section, so every CPU fills queues while
 *    the others do the same and must drain its own incoming queues to
 *    get room; each (source, target) pair's calls run exactly once, in
 *    order, on the target; full queues were met; afterwards every queue
 *    is empty and the per-CPU counters agree (sent == received);
 *  - round trip: the cost of CPU 0 -> CPU 1 -> CPU 0.
 */
#include "power.h"
#include "test.h"
#include "test_lwkt.h"

#define RING_ROUNDS  200
#define STORM_COUNT  (12 * IPIQ_SIZE)
#define STORM_BURST  (IPIQ_SIZE + IPIQ_SIZE / 2)
#define RTT_LOOPS    200

/* Ring ------------------------------------------------------------------ */

static struct lwkt_ipiq ring;
static uint32_t ring_next, ring_bad;

static void ring_func(void *arg)
{
	if ((uint32_t)arg != ring_next)
		ring_bad++;
	ring_next = (uint32_t)arg + 1;
}

static void test_ring(void)
{
	uint32_t sent = 0, ran = 0;

	ring.ip_windex = ring.ip_rindex = 0xFFFFFFF0u; /* the indices wrap too */
	ring_next = 0;
	ring_bad = 0;
	int fit = 0;
	while (ipiq_put(&ring, ring_func, (void *)sent))
		sent++, fit++;
	check(fit == IPIQ_SIZE, "%d entries fit in an empty queue, want %d", fit, IPIQ_SIZE);
	ran += ipiq_drain(&ring);
	for (int r = 0; r < RING_ROUNDS; r++) {
		int n = 1 + (r * 7) % IPIQ_SIZE; /* fill levels 1..IPIQ_SIZE */
		for (int i = 0; i < n; i++)
			if (!check(ipiq_put(&ring, ring_func, (void *)sent), "put %d of %d failed", i, n))
				return;
			else
				sent++;
		if (n == IPIQ_SIZE)
			check(!ipiq_put(&ring, ring_func, NULL), "a full queue took one more");
		ran += ipiq_drain(&ring);
	}
	check(ran == sent && ring_next == sent, "ran %u of %u calls, next %u", ran, sent, ring_next);
	check(ring_bad == 0, "%u calls out of order", ring_bad);
	check(sent / IPIQ_SIZE > 50, "only %u wraps", sent / IPIQ_SIZE);
}

/* Storm ----------------------------------------------------------------- */

static volatile uint32_t storm_count[MAXCPU][MAXCPU]; /* [src][dst], written by dst */
static volatile uint32_t storm_bad;

static void storm_func(void *arg)
{
	uint32_t v = (uint32_t)arg;
	int src = (int)(v >> 24), dst = mycpu()->gd_cpuid;
	uint32_t seq = v & 0xFFFFFF;

	if (storm_count[src][dst] != seq)
		storm_bad++;
	storm_count[src][dst] = seq + 1;
}

static void storm_thread(void *arg)
{
	struct test_join *j = arg;
	int me = mycpu()->gd_cpuid;

	for (uint32_t base = 0; base < STORM_COUNT; base += STORM_BURST) {
		crit_enter();
		for (uint32_t k = base; k < base + STORM_BURST && k < STORM_COUNT; k++)
			for (int t = 0; t < ncpus; t++)
				lwkt_send_ipiq(globaldata_find(t), storm_func,
					       (void *)(((uint32_t)me << 24) | k));
		crit_exit();
	}
	join_done(j);
}

static uint32_t sum_counter(size_t off)
{
	uint32_t s = 0;
	for (int i = 0; i < ncpus; i++)
		s += *(volatile uint32_t *)((char *)lwkt_cpu(globaldata_find(i)) + off);
	return s;
}

static bool queues_empty(void)
{
	for (int t = 0; t < ncpus; t++)
		for (int s = 0; s < ncpus; s++) {
			struct lwkt_ipiq *q = &lwkt_cpu(globaldata_find(t))->lc_ipiq[s];
			if (q->ip_windex != q->ip_rindex)
				return false;
		}
	return true;
}

static void test_storm(void)
{
	struct test_join j;
	uint32_t full0 = sum_counter(__builtin_offsetof(struct lwkt_cpu, lc_ipiq_full));

	storm_bad = 0;
	for (int s = 0; s < ncpus; s++)
		for (int d = 0; d < ncpus; d++)
			storm_count[s][d] = 0;
	join_init(&j, ncpus);
	for (int i = 0; i < ncpus; i++)
		lwkt_create(storm_thread, &j, NULL, i, "storm");
	join_wait(&j);
	for (int spin = 0; spin < 1000000 && !queues_empty(); spin++)
		cpu_pause();
	check(queues_empty(), "IPI queues not empty after the storm");
	for (int s = 0; s < ncpus; s++)
		for (int d = 0; d < ncpus; d++)
			check(storm_count[s][d] == STORM_COUNT, "cpu %d -> cpu %d: %u calls, want %d", s,
			      d, storm_count[s][d], STORM_COUNT);
	check(storm_bad == 0, "%u calls out of order", storm_bad);
	uint32_t full = sum_counter(__builtin_offsetof(struct lwkt_cpu, lc_ipiq_full)) - full0;
	check(full > 0, "no sender ever found a queue full");
	uint32_t sent = sum_counter(__builtin_offsetof(struct lwkt_cpu, lc_ipiq_sent));
	uint32_t rcvd = sum_counter(__builtin_offsetof(struct lwkt_cpu, lc_ipiq_rcvd));
	check(sent == rcvd, "counters: %u messages sent, %u received", sent, rcvd);
	test_note("storm: %d CPUs, %d calls per pair, queue-full waits met", ncpus, STORM_COUNT);
}

/* Round trip ------------------------------------------------------------ */

static volatile int rtt_back;

static void rtt_pong(void *arg)
{
	(void)arg;
	rtt_back = 1;
}

static void rtt_ping(void *arg)
{
	lwkt_send_ipiq(globaldata_find((int)arg), rtt_pong, NULL);
}

static void test_rtt(void)
{
	int me = mycpu()->gd_cpuid, other = me == 0 ? 1 : 0;
	uint32_t total = 0;

	for (int i = 0; i < RTT_LOOPS; i++) {
		rtt_back = 0;
		uint32_t t0 = tsc32();
		lwkt_send_ipiq(globaldata_find(other), rtt_ping, (void *)me);
		int spin;
		for (spin = 0; spin < 10000000 && !rtt_back; spin++)
			cpu_pause();
		total += tsc32() - t0;
		if (!check(rtt_back, "round trip %d never came back", i))
			return;
	}
	test_note("cost: IPI round trip cpu %d -> cpu %d -> cpu %d %u rdtsc units", me, other, me,
		  total / RTT_LOOPS);
}

void test_ipiq(void)
{
	test_ring();
	if (ncpus < 2) {
		test_note("one CPU: the storm and round trip need two");
		return;
	}
	test_storm();
	test_rtt();
}
