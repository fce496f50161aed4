/*
 * Stopping the machine, following the exit convention of dfemu/abi.h:
 * power off for success, the debug-exit port with a code for failure.
 */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include "types.h"

/* Success: ACPI soft-off.  Any context.  Never returns. */
__noreturn void power_off(void);

/* Failure: write code (ABI_EXIT_*) to the debug-exit port.  Never returns. */
__noreturn void power_exit(uint32_t code);

/* Print "panic: ..." and a backtrace, exit with ABI_EXIT_KERNEL_PANIC. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* panic() with file:line unless cond holds. */
#define KASSERT(cond) \
	((cond) ? (void)0 : panic("assertion failed at %s:%d: %s", __FILE__, __LINE__, #cond))

#endif /* KERNEL_POWER_H */
