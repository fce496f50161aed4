/*
 * The ABI shared by every guest program (kernel, libcr, test programs) and
 * by dfemu's Go side, which mirrors what it needs and checks it in a test.
 *
 * Exit convention (QEMU-compatible, the same under qemu-system-i386 and
 * dfemu):
 *
 *   success   the guest powers the machine off through the ACPI PM1a
 *             control register: outw(ABI_PORT_POWEROFF, ABI_POWEROFF_VALUE)
 *             (SLP_EN with SLP_TYP 0 on QEMU's PIIX4 PM, whose base SeaBIOS
 *             sets to 0x600).  The emulator process exits with status 0.
 *   failure   the guest writes a code V from the list below to the
 *             isa-debug-exit port: outl(ABI_PORT_DEBUG_EXIT, V).  The
 *             emulator process exits with status (V << 1) | 1, always odd,
 *             so a guest failure never looks like a success nor like one of
 *             dfemu's own (even) exit statuses.
 *
 * A guest never stops with cli; hlt: that hangs QEMU and is reported by
 * dfemu as a dead machine, not as a result.
 */
#ifndef DFEMU_ABI_H
#define DFEMU_ABI_H

#define ABI_PORT_POWEROFF    0x0604 /* ACPI PM1a control (PIIX4 PM base 0x600 + 4) */
#define ABI_POWEROFF_VALUE   0x2000 /* SLP_EN | SLP_TYP(0): soft off */
#define ABI_PORT_DEBUG_EXIT  0x00F4 /* isa-debug-exit, iobase=0xf4,iosize=4 */

/*
 * Guest failure codes V written to ABI_PORT_DEBUG_EXIT.  Process exit
 * status = (V << 1) | 1, shown on the right.
 */
#define ABI_EXIT_TESTS_FAILED         1 /*  3: at least one test failed */
#define ABI_EXIT_KERNEL_PANIC         2 /*  5: the kernel panicked */
#define ABI_EXIT_UNEXPECTED_EXCEPTION 3 /*  7: a CPU exception nobody expected */
#define ABI_EXIT_BAD_BOOT             4 /*  9: not started by a Multiboot loader */
#define ABI_EXIT_POWEROFF_FAILED      5 /* 11: the ACPI power-off did not stop the machine */

/* The same list as an X-macro, X(name, what), for tables of names. */
#define ABI_EXIT_CODES(X)                                              \
	X(TESTS_FAILED, "at least one test failed")                    \
	X(KERNEL_PANIC, "the kernel panicked")                         \
	X(UNEXPECTED_EXCEPTION, "a CPU exception nobody expected")     \
	X(BAD_BOOT, "not started by a Multiboot loader")               \
	X(POWEROFF_FAILED, "the ACPI power-off did not stop the machine")

/* The emulator's process exit status for guest failure code v. */
#define ABI_EXIT_STATUS(v) (((v) << 1) | 1)

#ifndef __ASSEMBLER__
_Static_assert(ABI_EXIT_STATUS(ABI_EXIT_TESTS_FAILED) == 3, "exit status convention");
#endif

#endif /* DFEMU_ABI_H */
