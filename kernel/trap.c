/*
 * The IDT and the C side of every trap.
 *
 * All 256 vectors get a ring-0 interrupt gate to their stub in trapasm.S,
 * so nothing can vector through a missing gate.  trap() has two answers:
 * an exception a test armed with trap_expect() and whose EIP is in the
 * exception table is recorded and resumed; anything else is reported in
 * full and ends the run with ABI_EXIT_UNEXPECTED_EXCEPTION.  Vectors >= 32
 * are interrupts: intr.c dispatches those with a registered handler; any
 * other is unexpected too.
 *
 * The expectation is a single global: tests provoke exceptions on the
 * boot CPU only, one at a time.
 */
#include "trap.h"
#include "dfemu/abi.h"
#include "kprintf.h"
#include "mmu.h"
#include "power.h"
#include "smp.h"
#include "test.h"
#include "x86.h"

extern const struct extable_entry extable_start[], extable_end[]; /* kernel.ld */
extern char kernel_start[], kernel_text_end[];                    /* kernel.ld */
extern char boot_stack[], boot_stack_top[];                       /* entry.S */

static uint64_t idt[T_NVECTORS];

static struct {
	bool armed;
	bool caught;
	uint32_t vector;
	struct trap_record rec;
} expect;

static const char *const trap_names[T_NEXCEPTIONS] = {
	[T_DE] = "#DE divide error",
	[T_DB] = "#DB debug",
	[T_NMI] = "NMI",
	[T_BP] = "#BP breakpoint",
	[T_OF] = "#OF overflow",
	[T_BR] = "#BR bound range exceeded",
	[T_UD] = "#UD invalid opcode",
	[T_NM] = "#NM device not available",
	[T_DF] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[T_TS] = "#TS invalid TSS",
	[T_NP] = "#NP segment not present",
	[T_SS] = "#SS stack fault",
	[T_GP] = "#GP general protection",
	[T_PF] = "#PF page fault",
	[T_MF] = "#MF x87 floating-point error",
	[T_AC] = "#AC alignment check",
	[T_MC] = "#MC machine check",
	[T_XM] = "#XM SIMD floating-point",
};

const char *trap_name(uint32_t vector)
{
	if (vector < T_NEXCEPTIONS)
		return trap_names[vector] ? trap_names[vector] : "reserved exception";
	return "interrupt";
}

/* A 32-bit interrupt gate to handler in the kernel code segment.  SDM 3A 6.11 */
static uint64_t idt_gate(uint32_t handler, uint8_t dpl)
{
	uint32_t lo = (handler & 0xFFFF) | ((uint32_t)KERNEL_CS << 16);
	uint32_t hi = (handler & 0xFFFF0000) | ((uint32_t)(DESC_P | DESC_DPL(dpl) | DESC_INTGATE32) << 8);
	return ((uint64_t)hi << 32) | lo;
}

void trap_init(void)
{

	for (int v = 0; v < T_NVECTORS; v++)
		idt[v] = idt_gate(trap_vectors[v], 0);
	trap_init_ap();
}

void trap_init_ap(void)
{
	struct pseudodesc pd;

	pd.pd_limit = sizeof(idt) - 1;
	pd.pd_base = (uint32_t)idt;
	lidt(&pd);
}

void trap_expect(uint32_t vector)
{
	expect.armed = true;
	expect.caught = false;
	expect.vector = vector;
}

bool trap_expect_done(struct trap_record *rec)
{
	bool caught = expect.caught;

	if (caught && rec)
		*rec = expect.rec;
	expect.armed = false;
	expect.caught = false;
	return caught;
}

static const struct extable_entry *extable_find(uint32_t eip)
{
	for (const struct extable_entry *e = extable_start; e < extable_end; e++)
		if (e->ex_eip == eip)
			return e;
	return NULL;
}

void trap_backtrace(uint32_t ebp)
{
	kprintf("  backtrace:");
	/* Follow saved ebp links while they stay on the boot stack. */
	for (int depth = 0; depth < 16; depth++) {
		if (ebp < (uint32_t)boot_stack || ebp + 8 > (uint32_t)boot_stack_top || (ebp & 3))
			break;
		uint32_t *frame = (uint32_t *)ebp;
		kprintf(" %p", (void *)frame[1]);
		if (frame[0] <= ebp) /* the chain must go up the stack */
			break;
		ebp = frame[0];
	}
	kprintf("\n");
}

static __noreturn void trap_report(const struct trapframe *tf)
{
	/* A same-privilege trap pushes no esp/ss: the old esp is where they would be. */
	bool from_user = (tf->tf_cs & 3) != 0;
	uint32_t esp = from_user ? tf->tf_esp : (uint32_t)&tf->tf_esp;
	uint32_t ss = from_user ? tf->tf_ss : read_ss();

	kprintf("\nunexpected exception %u (%s), error code 0x%08x\n", tf->tf_trapno,
		trap_name(tf->tf_trapno), tf->tf_err);
	kprintf("  on cpu %d\n", mycpu()->gd_cpuid);
	kprintf("  eip=%08x cs=%04x eflags=%08x cr2=%08x cr0=%08x cr3=%08x\n", tf->tf_eip,
		tf->tf_cs & 0xFFFF, tf->tf_eflags, rcr2(), rcr0(), rcr3());
	kprintf("  eax=%08x ebx=%08x ecx=%08x edx=%08x\n", tf->tf_eax, tf->tf_ebx, tf->tf_ecx,
		tf->tf_edx);
	kprintf("  esi=%08x edi=%08x ebp=%08x esp=%08x\n", tf->tf_esi, tf->tf_edi, tf->tf_ebp, esp);
	kprintf("  ds=%04x es=%04x fs=%04x gs=%04x ss=%04x\n", tf->tf_ds & 0xFFFF, tf->tf_es & 0xFFFF,
		tf->tf_fs & 0xFFFF, tf->tf_gs & 0xFFFF, ss & 0xFFFF);
	if (tf->tf_eip >= (uint32_t)kernel_start && tf->tf_eip < (uint32_t)kernel_text_end)
		kprintf("  (eip is in the kernel's text)\n");
	trap_backtrace(tf->tf_ebp);
	test_abort("unexpected exception");
	power_exit(ABI_EXIT_UNEXPECTED_EXCEPTION);
}

void trap(struct trapframe *tf)
{
	if (tf->tf_trapno >= T_NEXCEPTIONS && intr_dispatch(tf))
		return;
	if (expect.armed && tf->tf_trapno == expect.vector) {
		const struct extable_entry *e = extable_find(tf->tf_eip);
		if (e != NULL) {
			expect.rec.tr_vector = tf->tf_trapno;
			expect.rec.tr_err = tf->tf_err;
			expect.rec.tr_eip = tf->tf_eip;
			expect.rec.tr_cr2 = rcr2();
			expect.caught = true;
			expect.armed = false;
			tf->tf_eip = e->ex_resume;
			return;
		}
	}
	trap_report(tf);
}
