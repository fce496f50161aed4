/*
 * Hidden tests, not part of test=all: they end the run on purpose, to
 * prove the failure paths report and exit as dfemu/abi.h says.
 *
 *   crash  reads address 0 with no expectation armed: an unexpected #PF,
 *          reported with registers; exit ABI_EXIT_UNEXPECTED_EXCEPTION.
 *   fail   a check that fails: "not ok", exit ABI_EXIT_TESTS_FAILED.
 *   panic  panic(): exit ABI_EXIT_KERNEL_PANIC.
 */
#include "power.h"
#include "test.h"

void test_crash(void)
{
	uint32_t addr = 0;

	__asm__ volatile("" : "+r"(addr)); /* hide the NULL from the compiler */
	(void)*(volatile uint32_t *)addr;
	check(false, "reading address 0 did not fault");
}

void test_fail(void)
{
	int two = 1 + 1;

	__asm__ volatile("" : "+r"(two));
	check(two == 3, "deliberately failing check: 1 + 1 = %d", two);
}

void test_panic(void)
{
	panic("test_panic: deliberate panic");
}
