/*
 * The test runner: TAP 13 on the console.
 *
 *     TAP version 13
 *     1..N
 *     # FAIL kernel/tests/x.c:42: what went wrong    (diagnostics first)
 *     not ok 1 - x: what it checks
 *     ok 2 - modules: ... # SKIP no modules
 *
 * Tests run in the order named on the command line (test=a,b), or in
 * table order for test=all, which leaves out the hidden tests (those that
 * crash or fail on purpose, to test the failure paths).  An unknown name
 * is a "Bail out!" before anything runs.  The run ends in power_off()
 * only if every test passed or skipped.
 *
 * Only the TAP lines and the diagnostics a test prints go to the console
 * during a run, and they must be the same on QEMU and dfemu: tests never
 * print addresses or anything else the loader chooses.
 */
#include "test.h"
#include "dfemu/abi.h"
#include "kprintf.h"
#include "power.h"
#include "string.h"
#include "trace.h"

#define TEST_MAX_FAIL_NOTES 10 /* diagnostics per test before they are counted only */

static const struct test tests[] = {
	{ "lib", "kprintf formats, 64-bit division, CRC-32, option parsing", test_lib, false },
	{ "memmap", "Multiboot memory map well-formed and consistent", test_memmap, false },
	{ "modules", "modules intact, aligned, disjoint, in RAM", test_modules, false },
	{ "pagealloc", "every page allocated once, usable, freed", test_pagealloc, false },
	{ "pagefault", "page faults reported with error code and CR2", test_pagefault, false },
	{ "exceptions", "CPU exceptions caught with vector and error code", test_exceptions, false },
	{ "cpuid", "cpuid vendor, family, features consistent", test_cpuid, false },
	{ "cpus", "every CPU in the firmware tables up, each knows itself", test_cpus, false },
	{ "timer", "LAPIC timer ticks on every CPU at the calibrated rate", test_timer, false },
	{ "ipi", "IPIs between every pair of CPUs, exact counts", test_ipi, false },
	{ "threads", "LWKT threads: round-robin, priorities, sleep/wakeup, switch cost", test_threads, false },
	{ "tokens", "serializing tokens: exact counts, ABBA, blocking holder, cost", test_tokens, false },
	{ "msgport", "message ports: sync/async ping-pong in order, abort", test_msgport, false },
	{ "ipiq", "IPI queues: ring wrap and full, all-to-all storm, round trip", test_ipiq, false },
	{ "migration", "threads tour every CPU by lwkt_setcpu_self", test_migration, false },
	{ "preempt", "a spinning thread does not starve its CPU", test_preempt, false },
	{ "crash", "NULL dereference: an unexpected page fault", test_crash, true },
	{ "fail", "a check that fails: the failure path", test_fail, true },
	{ "panic", "a kernel panic", test_panic, true },
};

static struct {
	const struct test *test; /* running now, or NULL */
	int number;              /* its TAP number */
	uint32_t failures;
	const char *skip;
} cur;

bool test_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	if (cur.failures++ < TEST_MAX_FAIL_NOTES) {
		kprintf("# FAIL %s:%d: ", file, line);
		va_start(ap, fmt);
		vkprintf(fmt, ap);
		va_end(ap);
		kprintf("\n");
	}
	return false;
}

void test_skip(const char *reason)
{
	cur.skip = reason;
}

void test_note(const char *fmt, ...)
{
	va_list ap;

	kprintf("# ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

void test_abort(const char *why)
{
	if (cur.test == NULL)
		return;
	kprintf("not ok %d - %s: %s\n", cur.number, cur.test->t_name, cur.test->t_summary);
	kprintf("Bail out! %s\n", why);
	cur.test = NULL;
}

static const struct test *test_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NELEM(tests); i++)
		if (strlen(tests[i].t_name) == len && strncmp(tests[i].t_name, name, len) == 0)
			return &tests[i];
	return NULL;
}

/* Fill sel with the tests spec names; returns their count, or -1 after a Bail out!. */
static int test_select(const char *spec, size_t speclen, const struct test **sel, size_t max)
{
	size_t n = 0;

	if (speclen == 3 && strncmp(spec, "all", 3) == 0) {
		for (size_t i = 0; i < NELEM(tests); i++)
			if (!tests[i].t_hidden)
				sel[n++] = &tests[i];
		return (int)n;
	}
	for (size_t i = 0; i < speclen;) {
		size_t j = i;
		while (j < speclen && spec[j] != ',')
			j++;
		const struct test *t = test_find(spec + i, j - i);
		if (t == NULL || n == max) {
			kprintf("Bail out! unknown test \"");
			for (size_t k = i; k < j; k++)
				kprintf("%c", spec[k]);
			kprintf("\"\n");
			return -1;
		}
		sel[n++] = t;
		i = j + 1;
	}
	return (int)n;
}

void test_run(const char *spec, size_t speclen)
{
	const struct test *sel[2 * NELEM(tests)];
	uint32_t failed = 0;

	/* A newline first: QEMU's firmware leaves its last line unterminated. */
	kprintf("\nTAP version 13\n");
	int n = test_select(spec, speclen, sel, NELEM(sel));
	if (n < 0)
		power_exit(ABI_EXIT_TESTS_FAILED);
	kprintf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		cur.test = sel[i];
		cur.number = i + 1;
		cur.failures = 0;
		cur.skip = NULL;
		trace_on();  /* dfemu trace -trace-port: trace the test bodies only */
		sel[i]->t_fn();
		trace_off();
		cur.test = NULL;
		if (cur.failures > TEST_MAX_FAIL_NOTES)
			kprintf("# (%u more failed checks)\n", cur.failures - TEST_MAX_FAIL_NOTES);
		if (cur.failures > 0)
			failed++;
		kprintf("%s %d - %s: %s", cur.failures ? "not ok" : "ok", i + 1, sel[i]->t_name,
			sel[i]->t_summary);
		if (cur.skip != NULL && cur.failures == 0)
			kprintf(" # SKIP %s", cur.skip);
		kprintf("\n");
	}
	if (failed > 0) {
		kprintf("# %u of %d tests failed\n", failed, n);
		power_exit(ABI_EXIT_TESTS_FAILED);
	}
	power_off();
}
