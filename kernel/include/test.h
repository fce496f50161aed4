/*
 * The in-kernel test runner (test.c) and what a test uses.
 *
 * A test is a function in kernel/tests/ listed in the table in test.c.
 * It reports with check(cond, fmt, ...), which prints a TAP diagnostic
 * "# FAIL file:line: message" when cond is false and marks the test
 * failed, and returns cond so a test can stop early:
 *
 *     if (!check(p != 0, "allocation %u failed", i))
 *             return;
 *
 * test_skip(reason) makes the test report "ok N - name # SKIP reason".
 * test_note(fmt, ...) prints a "# ..." diagnostic line.
 */
#ifndef KERNEL_TEST_H
#define KERNEL_TEST_H

#include "types.h"

struct test {
	const char *t_name;    /* one suite-like word: "memmap" */
	const char *t_summary; /* what it checks, printed on the TAP line */
	void (*t_fn)(void);
	bool t_hidden; /* not part of test=all: exercises failure paths */
};

#define check(cond, ...) test_check((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)

bool test_check(bool ok, const char *file, int line, const char *fmt, ...) __printf(4, 5);
void test_skip(const char *reason);
void test_note(const char *fmt, ...) __printf(1, 2);

/*
 * Run the tests named in spec ("all" or "name1,name2"), print TAP 13, and
 * end the run: power off if all passed, else exit with
 * ABI_EXIT_TESTS_FAILED.  Boot CPU, after every init step of kmain.
 */
__noreturn void test_run(const char *spec, size_t speclen);

/*
 * The run is about to end abnormally (unexpected exception, panic): if a
 * test is running, report it "not ok" and print "Bail out! why".  Called
 * by trap.c and power.c only.
 */
void test_abort(const char *why);

/* The tests (kernel/tests/). */
void test_lib(void);
void test_memmap(void);
void test_modules(void);
void test_pagealloc(void);
void test_pagefault(void);
void test_exceptions(void);
void test_cpuid(void);
void test_cpus(void);
void test_timer(void);
void test_ipi(void);
void test_threads(void);
void test_tokens(void);
void test_msgport(void);
void test_ipiq(void);
void test_migration(void);
void test_preempt(void);
void test_crash(void);
void test_fail(void);
void test_panic(void);

#endif /* KERNEL_TEST_H */
