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
 * QEMU acts on the ACPI power-off in its main-loop thread while the vCPU
 * runs on: on a loaded host that takes anything from microseconds to a
 * good fraction of a second, so a spin count (the old way) sometimes
 * gave up too early and a successful boot ended "did not power off".
 * Wait instead for the RTC's seconds to change SETTLE_TICKS times (2 to
 * 3 s of wall-clock time) before saying a write failed; SETTLE_MAX_READS
 * bounds the wait should the clock not tick.  dfemu, and isa-debug-exit
 * on both machines, stop at the write itself.
 */
#define CMOS_SECONDS     0x00 /* RTC seconds register (MC146818) */
#define SETTLE_TICKS     3
#define SETTLE_MAX_READS 20000000u

static uint8_t rtc_seconds(void)
{
	outb(PORT_CMOS_INDEX, CMOS_SECONDS);
	return inb(PORT_CMOS_DATA);
}

static void power_settle(void)
{
	uint8_t last = rtc_seconds();
	uint32_t ticks = 0;

	for (uint32_t i = 0; ticks < SETTLE_TICKS && i < SETTLE_MAX_READS; i++) {
		uint8_t now = rtc_seconds();
		if (now != last) {
			ticks++;
			last = now;
		}
	}
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
