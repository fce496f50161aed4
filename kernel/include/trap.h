/*
 * Traps: the IDT, the trap frame, and the kernel's answer to every CPU
 * exception.
 *
 * Every vector enters through a stub in trapasm.S that builds a struct
 * trapframe and calls trap().  An exception the kernel does not expect is
 * fatal: trap() prints the vector, its name, the error code, EIP, CS,
 * EFLAGS, CR2 and every register, and exits through the debug-exit port
 * with ABI_EXIT_UNEXPECTED_EXCEPTION.  Tests provoke exceptions on
 * purpose: they arm an expectation with trap_expect(vector) and run a probe
 * from probe.S; the fault is caught only if the vector matches and the
 * faulting EIP has an entry in the exception table (.extable), which says
 * where to resume.  The expectation is then disarmed and what the CPU
 * reported is kept for trap_expect_done().
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "types.h"

/* Exception vectors.  SDM 3A 6.3.1 */
#define T_DE    0  /* divide error */
#define T_DB    1  /* debug */
#define T_NMI   2
#define T_BP    3  /* breakpoint (int3) */
#define T_OF    4  /* overflow (into) */
#define T_BR    5  /* bound range */
#define T_UD    6  /* invalid opcode */
#define T_NM    7  /* device not available (x87 with CR0.EM) */
#define T_DF    8  /* double fault */
#define T_TS    10 /* invalid TSS */
#define T_NP    11 /* segment not present */
#define T_SS    12 /* stack fault */
#define T_GP    13 /* general protection */
#define T_PF    14 /* page fault */
#define T_MF    16 /* x87 error */
#define T_AC    17 /* alignment check */
#define T_MC    18 /* machine check */
#define T_XM    19 /* SIMD exception */
#define T_NEXCEPTIONS 32
#define T_NVECTORS   256

/*
 * The trap frame, lowest address first.  Layout matches the push order in
 * trapasm.S (read it bottom-up there): the CPU pushes ss/esp (only on a
 * privilege change), eflags, cs, eip and for some vectors an error code;
 * the vector stub pushes a 0 error code where the CPU does not, then the
 * vector number; alltraps pushes ds, es, fs, gs and pushal.
 */
struct trapframe {
	/* pushal */
	uint32_t tf_edi;
	uint32_t tf_esi;
	uint32_t tf_ebp;
	uint32_t tf_oesp; /* esp before pushal: useless, ignored by popal */
	uint32_t tf_ebx;
	uint32_t tf_edx;
	uint32_t tf_ecx;
	uint32_t tf_eax;
	/* alltraps */
	uint32_t tf_gs;
	uint32_t tf_fs;
	uint32_t tf_es;
	uint32_t tf_ds;
	/* vector stub */
	uint32_t tf_trapno;
	uint32_t tf_err;
	/* the CPU */
	uint32_t tf_eip;
	uint32_t tf_cs;
	uint32_t tf_eflags;
	uint32_t tf_esp; /* only when entering from ring 3 */
	uint32_t tf_ss;  /* only when entering from ring 3 */
};
_Static_assert(sizeof(struct trapframe) == 19 * 4, "trapframe: see trapasm.S");
_Static_assert(__builtin_offsetof(struct trapframe, tf_trapno) == 48, "trapframe: see trapasm.S");

/* What the CPU reported for a caught, expected exception. */
struct trap_record {
	uint32_t tr_vector;
	uint32_t tr_err;
	uint32_t tr_eip; /* EIP the CPU pushed: the faulting instruction, or after a trap */
	uint32_t tr_cr2; /* only meaningful for T_PF */
};

/* An exception-table entry, emitted by the EXTABLE macro in probe.S. */
struct extable_entry {
	uint32_t ex_eip;    /* EIP the CPU pushes for the expected exception */
	uint32_t ex_resume; /* where to continue */
};

/* Build the IDT and load it.  Boot CPU, once, before anything can fault. */
void trap_init(void);

/* Load the (shared) IDT on an AP.  Once per AP, interrupts off. */
void trap_init_ap(void);

/* Called by alltraps (trapasm.S) with interrupts off; returns to trapret. */
void trap(struct trapframe *tf);

/* Arm: the next exception with this vector is caught (see above). */
void trap_expect(uint32_t vector);

/*
 * Disarm.  Returns true and fills *rec if the expected exception was
 * caught since trap_expect(), false if none happened.
 */
bool trap_expect_done(struct trap_record *rec);

/* The name of an exception vector ("#PF page fault"). */
const char *trap_name(uint32_t vector);

/* Print "backtrace: eip eip ..." following the frame-pointer chain from ebp. */
void trap_backtrace(uint32_t ebp);

/* Entry stubs, one per vector (trapasm.S). */
extern uint32_t trap_vectors[T_NVECTORS];

#endif /* KERNEL_TRAP_H */
