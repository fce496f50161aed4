/*
 * SMP bring-up: what the firmware says about the CPUs and interrupt
 * controllers (acpi.c, mptable.c), starting the APs (mp.c, trampoline.S),
 * the calibrated clocks (timer.c) and interrupt dispatch (intr.c).  The
 * interface shared with LWKT is in globaldata.h; this header is what the
 * rest of the kernel and the tests use.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "globaldata.h"
#include "types.h"

#define SMP_MAXIOAPIC  8
#define SMP_MAXOVERRIDE 16

/* An ISA IRQ that reaches the IOAPIC on another pin (MADT type 2). */
struct smp_override {
	uint8_t so_irq;    /* ISA IRQ */
	uint32_t so_gsi;   /* global system interrupt (IOAPIC pin) */
	uint16_t so_flags; /* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};

/* The machine as one firmware table describes it. */
struct smp_config {
	bool sc_found;           /* the table exists and is well formed */
	const char *sc_source;   /* "ACPI MADT" or "MP table" */
	uint32_t sc_lapic_addr;
	bool sc_pic_present;     /* dual 8259s to mask (MADT PCAT_COMPAT) */
	bool sc_imcr_present;    /* MP spec: IMCR to switch to APIC mode */
	int sc_ncpus;            /* enabled CPUs, in table order */
	uint8_t sc_apicid[MAXCPU];
	int sc_nioapic;
	uint32_t sc_ioapic_addr[SMP_MAXIOAPIC];
	uint32_t sc_ioapic_gsibase[SMP_MAXIOAPIC];
	uint8_t sc_ioapic_id[SMP_MAXIOAPIC];
	int sc_noverride;
	struct smp_override sc_override[SMP_MAXOVERRIDE];
	uint32_t sc_ignored;     /* CPUs beyond MAXCPU, or disabled */
};

/*
 * Read the firmware tables: the ACPI MADT (acpi.c) and the MP table
 * (mptable.c), both kept; the MADT is used unless absent or `acpi=off`
 * is on the command line.  Boot CPU, once, before vm_init() (paging off,
 * so any physical address can be read).  Problems are printed, not fatal:
 * without either table the machine is a uniprocessor without APIC.
 */
void smp_config_init(void);
void acpi_parse(struct smp_config *sc);   /* acpi.c */
void mptable_parse(struct smp_config *sc); /* mptable.c */
/* The EBDA's physical address from the BIOS data area (paging off). */
uint32_t bios_ebda(void);

/* The configuration in use, and each table's (for tests). */
const struct smp_config *smp_config(void);
const struct smp_config *smp_config_acpi(void);
const struct smp_config *smp_config_mptable(void);

/*
 * Start every AP the configuration lists, one after the other, and wait
 * for each to report in; sets ncpus.  A CPU that does not start within
 * the timeout is reported and bring-up stops there.  Boot CPU, once, after
 * lapic_map(), timer_calibrate() and lwkt_init_cpu(BSP).
 */
void smp_start_aps(void);

/*
 * The BSP's part of bring-up, called by kmain after vm_init(): map and
 * init the LAPIC, calibrate, lwkt_init_cpu, start the APs and the timer,
 * enable interrupts.  Does nothing without an SMP configuration.
 */
void smp_init(void);

/*
 * Set up CPU cpu's globaldata (gd_self, gd_cpuid).  Returns it.  Boot
 * CPU; before the CPU starts.
 */
struct globaldata *globaldata_setup(int cpu);

/*
 * Run fn(arg) on CPU cpu, from its IV_SMP_CALL interrupt handler after
 * EOI (the function may sti, it runs on that CPU's current stack).  A
 * bring-up and test facility until LWKT's IPI queues exist: one call per
 * CPU outstanding at a time.  smp_call_wait() spins until it returned;
 * false on timeout (us microseconds).  On the calling CPU itself fn runs
 * at once.  Any CPU; not from an interrupt handler.
 */
void smp_call(int cpu, void (*fn)(void *), void *arg);
bool smp_call_wait(int cpu, uint32_t us);

/* Vectors of smp's own (globaldata.h has the shared ones). */
#define IV_SMP_CALL 0xF1 /* smp_call() */
#define IV_TEST     0xF2 /* free for tests (the ipi test) */
#define IV_TEST2    0xF3 /* free for tests (ipi round trip) */

/* Clocks (timer.c). */
#define PIT_HZ        1193182 /* 8254 input clock.  */
#define LAPIC_TIMER_HZ 250    /* quantum tick: 4 ms */

/*
 * Measure the TSC and LAPIC timer rates against PIT channel 2.  Boot CPU,
 * interrupts off, after lapic_map().
 */
void timer_calibrate(void);
/* Start this CPU's LAPIC timer, periodic at LAPIC_TIMER_HZ on IV_TIMER. */
void lapic_timer_start(void);
/*
 * Busy-wait on PIT channel 2 for count PIT ticks (< 65536).  Boot CPU.
 * Returns the longest TSC gap between two polls: a long one means the CPU
 * did not run for a while (a vCPU thread the host did not schedule).
 */
uint32_t pit_wait(uint32_t count);
uint32_t tsc_per_ms(void);        /* calibrated TSC ticks per millisecond */
/* Whether a calibration window ran undisturbed (else the host was too
 * busy, under QEMU, and the rates are overstated). */
bool timer_calibration_trusted(void);
uint32_t lapic_bus_per_ms(void);  /* LAPIC timer counts per ms (divide 16) */
/* A TSC value us microseconds from now, and whether it has passed. */
uint64_t tsc_deadline(uint32_t us);
bool tsc_passed(uint64_t deadline);
/* gd->gd_ticks read consistently from any CPU. */
uint64_t gd_ticks_read(const struct globaldata *gd);

/* Interrupts (intr.c): called by trap() for vectors >= T_NEXCEPTIONS. */
struct trapframe;
bool intr_dispatch(struct trapframe *tf);

/* Start-up trampoline (trampoline.S), copied to TRAMPOLINE_ADDR. */
extern char trampoline_start[], trampoline_end[];
/* Its parameter block, at the trampoline's end; layout matches trampoline.S. */
struct trampoline_args {
	uint32_t ta_alive;   /* the AP writes 1 first thing, in real mode */
	uint32_t ta_cr4;
	uint32_t ta_cr3;
	uint32_t ta_cr0;
	uint32_t ta_esp;     /* the AP's stack top */
	uint32_t ta_entry;   /* void entry(struct globaldata *) */
	uint32_t ta_gd;
};
extern char trampoline_args[];

#endif /* KERNEL_SMP_H */
