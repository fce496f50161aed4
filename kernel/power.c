/*
 * The end of every run.  Success powers off through the ACPI PM1a control
 * register; failure writes a code to the isa-debug-exit port (QEMU and
 * dfemu exit with status (code << 1) | 1).  If a port does not stop the
 * machine (QEMU started without -device isa-debug-exit, or a machine
 * without ACPI), say so on the console and fall back: a failed power-off
 * becomes a failure exit, and a failed failure exit parks the CPU with
 * interrupts off, which dfemu reports as a dead machine.
 */
#include "power.h"
#include "dfemu/abi.h"
#include "kprintf.h"
#include "memlayout.h"
#include "smp.h"
#include "test.h"
#include "trap.h"
#include "x86.h"

_Static_assert(PORT_ACPI_PM1A == ABI_PORT_POWEROFF, "memlayout.h and abi.h disagree");
_Static_assert(PORT_DEBUG_EXIT == ABI_PORT_DEBUG_EXIT, "memlayout.h and abi.h disagree");

/*
 * QEMU acts on a shutdown request only when its CPU loop next looks, a few
 * instructions after the port write (longer with several vCPU threads on a
 * busy host); give it time before saying the write failed: two seconds by
 * the calibrated TSC once there is one, else a million loop iterations.
 * dfemu stops at the write itself.
 */
static void power_settle(void)
{
	if (tsc_per_ms() != 0) {
		smp_delay_us(2000000);
		return;
	}
	for (uint32_t i = 0; i < 1000000; i++)
		__asm__ volatile("" : : : "memory");
}

void power_exit(uint32_t code)
{
	cli();
	outl(PORT_DEBUG_EXIT, code);
	power_settle();
	kprintf("power_exit: the debug-exit port at 0x%x did not stop the machine (code %u)\n",
		PORT_DEBUG_EXIT, code);
	for (;;)
		hlt();
}

void power_off(void)
{
	cli();
	outw(PORT_ACPI_PM1A, ABI_POWEROFF_VALUE);
	power_settle();
	kprintf("power_off: ACPI PM1a at 0x%x did not power off\n", PORT_ACPI_PM1A);
	power_exit(ABI_EXIT_POWEROFF_FAILED);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	kprintf("panic: ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	trap_backtrace(read_ebp());
	test_abort("kernel panic");
	power_exit(ABI_EXIT_KERNEL_PANIC);
}
