/*
 * kmain: the boot order.  entry.S calls it on the boot stack with the
 * Multiboot magic and information, interrupts off.  smp_init() starts the
 * other CPUs and the timer and enables interrupts (when the firmware
 * describes an APIC; without one the machine stays a uniprocessor with
 * interrupts off).
 *
 * The command line decides what the boot is for: test=all or
 * test=name1,name2 runs in-kernel tests and prints TAP (test.c); without
 * test= the kernel prints what it found and powers off (more of it with
 * verbose).  Either way the
 * run ends through power.c's exit convention (dfemu/abi.h).
 */
#include "cmdline.h"
#include "cpu.h"
#include "gdt.h"
#include "kprintf.h"
#include "mb.h"
#include "pagealloc.h"
#include "smp.h"
#include "thread.h"
#include "power.h"
#include "test.h"
#include "trap.h"
#include "uart.h"
#include "vm.h"

extern char boot_stack_top[]; /* entry.S */

/*
 * The normal boot: tell what the machine looks like, then power off.
 * What it prints is the same under dfemu and QEMU for the same image,
 * modules and -m (guest/parity_qemu_test.go checks it); what differs
 * between the two by design (the loader's name, the CPU model) is only
 * printed with "verbose" on the command line.
 */
static __noreturn void boot_report(void)
{
	const struct cpuinfo *ci = cpu_info();
	bool verbose = kw_has(mb_cmdline(), "verbose");

	kprintf("\ndfemu kernel\n");
	if (verbose)
		kprintf("booted by \"%s\"\n", mb_loader_name());
	kprintf("command line: \"%s\"\n", mb_cmdline());
	if (verbose)
		kprintf("cpu: %s family %u, cpuid leaf 1 edx=0x%08x\n", ci->ci_vendor, ci->ci_family,
			ci->ci_features);
	kprintf("cpus: %d running, from the %s\n", ncpus, smp_config()->sc_source);
	mb_print();
	kprintf("pages: %u free of %u (%u KiB)\n", pagealloc_nfree(), pagealloc_nmanaged(),
		pagealloc_nmanaged() * 4);
	kprintf("paging: identity map to 0x%08x, %s\n", vm_mapped_end(),
		vm_uses_pse() ? "4 MiB pages above the kernel" : "4 KiB pages");
	kprintf("boot complete\n");
	power_off();
}

void kmain(uint32_t magic, const struct multiboot_info *mi)
{
	const char *spec;
	size_t speclen;

	uart_init();       // the console, so that everything after can report
	gdt_init(globaldata_setup(0), (uint32_t)boot_stack_top); // segments, TSS, %fs = mycpu()
	trap_init();       // IDT: from here on, every exception is reported
	cpu_init();        // cpuid; CR0.EM so that x87 code traps
	mb_init(magic, mi); // the boot information: memory map, modules, command line
	smp_config_init(); // CPUs and APICs from the ACPI MADT or MP table (paging still off)
	pagealloc_init();  // free pages from the memory map
	vm_init();         // page tables, paging on
	smp_init();        // LAPIC, timer calibration, the APs; interrupts on
	lwkt_init_boot();   // LWKT on this CPU if smp_init found no CPUs to start

	if (kv_find(mb_cmdline(), "test", &spec, &speclen))
		test_run(spec, speclen);
	boot_report();
}
