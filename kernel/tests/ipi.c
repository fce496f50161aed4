/*
 * test ipi: every CPU sends a fixed IPI to every CPU, itself included,
 * and each CPU counts exactly what it received, from whom.
 *
 * A LAPIC holds at most one pending interrupt per vector (an IRR bit), so
 * two IPIs of one vector arriving together may merge.  The test avoids
 * that by construction: it runs in rounds separated by a barrier; in
 * round r, CPU s sends to CPU (s + r) mod n, a permutation, so each CPU
 * receives exactly one IPI per round, and no CPU leaves a round before
 * its own IPI arrived.  The receiver knows the sender from the round
 * number.  After ITERS passes over all n rounds, recv[d][s] must be ITERS
 * for every pair: a lost, duplicated or misdirected IPI shows.
 *
 * Then a round trip: CPU 0 sends to CPU 1, whose handler sends back, and
 * the mean cost in TSC ticks is printed as a diagnostic.
 */
#include "lapic.h"
#include "mmu.h"
#include "smp.h"
#include "test.h"
#include "x86.h"

#define ITERS      8
#define WAIT_US    1000000 /* a round that takes a second: an IPI was lost */
#define RTT_ROUNDS 64

static uint32_t recv[MAXCPU][MAXCPU];    /* [receiver][sender] */
static volatile uint32_t nrecv[MAXCPU];  /* per receiver */
static volatile int cur_round[MAXCPU];   /* the round each CPU is in */
static volatile uint32_t bar_count, bar_gen;
static volatile bool aborted;
static volatile bool worker_ok[MAXCPU];
static volatile uint32_t pongs;

static void ipi_test_intr(struct trapframe *tf)
{
	int me = mycpu()->gd_cpuid;
	int src = (me - cur_round[me] + ncpus) % ncpus;

	(void)tf;
	recv[me][src]++;
	nrecv[me]++;
}

static void ipi_pong_intr(struct trapframe *tf)
{
	(void)tf;
	if (mycpu()->gd_cpuid == 0)
		pongs++;
	else
		lapic_send_ipi(0, IV_TEST2);
}

/* All ncpus CPUs meet here; false on timeout or when another gave up. */
static bool barrier(void)
{
	uint32_t gen = bar_gen;
	uint64_t end;

	if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == (uint32_t)ncpus) {
		bar_count = 0;
		__atomic_store_n(&bar_gen, gen + 1, __ATOMIC_RELEASE);
		return true;
	}
	end = tsc_deadline(WAIT_US);
	while (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen) {
		if (aborted || tsc_passed(end)) {
			aborted = true;
			return false;
		}
		pause();
	}
	return true;
}

static void worker(void *unused)
{
	int me = mycpu()->gd_cpuid;
	uint32_t eflags = read_eflags();

	(void)unused;
	sti();
	for (int it = 0; it < ITERS && !aborted; it++) {
		for (int r = 0; r < ncpus; r++) {
			cur_round[me] = r;
			if (!barrier())
				goto out;
			lapic_send_ipi((me + r) % ncpus, IV_TEST);
			uint32_t want = (uint32_t)(it * ncpus + r + 1);
			uint64_t end = tsc_deadline(WAIT_US);
			while (nrecv[me] < want) {
				if (aborted || tsc_passed(end)) {
					aborted = true;
					goto out;
				}
				pause();
			}
		}
	}
	worker_ok[me] = !aborted;
out:
	if (!(eflags & EFLAGS_IF))
		cli();
}

static void round_trip(void)
{
	uint64_t t0, total = 0;

	pongs = 0;
	for (uint32_t i = 0; i < RTT_ROUNDS; i++) {
		uint64_t end = tsc_deadline(WAIT_US);
		t0 = rdtsc();
		lapic_send_ipi(1, IV_TEST2);
		while (pongs < i + 1) {
			if (!check(!tsc_passed(end), "round trip %u: no answer from cpu 1", i))
				return;
		}
		total += rdtsc() - t0;
	}
	test_note("ipi round trip cpu 0 -> 1 -> 0: %u TSC ticks (mean of %u; %u TSC ticks per ms)",
		  (uint32_t)(total / RTT_ROUNDS), RTT_ROUNDS, tsc_per_ms());
}

void test_ipi(void)
{
	static bool registered;

	if (!lapic_present()) {
		test_skip("no APIC: no IPIs");
		return;
	}
	if (!registered) {
		intr_register(IV_TEST, ipi_test_intr);
		intr_register(IV_TEST2, ipi_pong_intr);
		registered = true;
	}
	for (int d = 0; d < ncpus; d++) {
		nrecv[d] = 0;
		worker_ok[d] = false;
		cur_round[d] = 0;
		for (int s = 0; s < ncpus; s++)
			recv[d][s] = 0;
	}
	bar_count = 0;
	aborted = false;

	for (int i = 1; i < ncpus; i++)
		smp_call(i, worker, NULL);
	smp_call(0, worker, NULL);
	for (int i = 0; i < ncpus; i++)
		check(smp_call_wait(i, 10 * WAIT_US), "cpu %d: the worker did not return", i);
	for (int d = 0; d < ncpus; d++) {
		check(worker_ok[d], "cpu %d: a round timed out (aborted)", d);
		check(nrecv[d] == (uint32_t)(ITERS * ncpus), "cpu %d received %u IPIs, want %u", d, nrecv[d],
		      ITERS * ncpus);
		for (int s = 0; s < ncpus; s++)
			check(recv[d][s] == ITERS, "cpu %d received %u IPIs from cpu %d, want %u", d,
			      recv[d][s], s, ITERS);
	}
	if (ncpus >= 2)
		round_trip();
}
