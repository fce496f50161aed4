/*
 * test exceptions: each probe in probe.S raises one exception, which
 * trap() must deliver with the right vector and error code and then
 * resume: #DE (divl by 0), #UD (ud2), #BP (int3, a trap), #OF (into after
 * an overflow, a trap), #GP (%ds loaded with a selector beyond the GDT
 * limit, and with an LDT selector while there is no LDT; the error code
 * is the selector without its RPL), #NM (an x87 instruction with CR0.EM).
 * After each, the kernel's segments and IF must be as before.
 */
#include "gdt.h"
#include "mmu.h"
#include "probe.h"
#include "test.h"
#include "trap.h"
#include "x86.h"

static void expect_exception(const char *what, uint32_t vector, uint32_t err, int (*probe)(uint32_t),
			     uint32_t arg)
{
	struct trap_record rec;
	uint32_t if_before = read_eflags() & EFLAGS_IF;

	trap_expect(vector);
	int r = probe(arg);
	bool caught = trap_expect_done(&rec);
	if (check(r == -1 && caught, "%s: no exception %u", what, vector))
		check(rec.tr_err == err, "%s: error code 0x%x, want 0x%x", what, rec.tr_err, err);

	uint16_t ds;
	__asm__ volatile("movw %%ds, %0" : "=r"(ds));
	check(ds == KERNEL_DS && read_ss() == KERNEL_DS, "%s: ds=0x%x ss=0x%x after resuming", what, ds,
	      read_ss());
	check((read_eflags() & EFLAGS_IF) == if_before, "%s: IF %s after resuming", what,
	      if_before ? "cleared" : "set");
}

/* Adapters: the argument-less probes as int (*)(uint32_t). */
static int div0(uint32_t unused) { (void)unused; return probe_div0(); }
static int ud2(uint32_t unused) { (void)unused; return probe_ud2(); }
static int int3(uint32_t unused) { (void)unused; return probe_int3(); }
static int into(uint32_t unused) { (void)unused; return probe_into(); }
static int x87(uint32_t unused) { (void)unused; return probe_x87(); }

void test_exceptions(void)
{
	uint32_t beyond = (gdt_limit() + 1u) | 0x3;     /* first selector past the GDT, RPL 3 */
	uint32_t ldtsel = (GDT_KDATA << 3) | 0x4;       /* TI=1: LDT, but LDTR is null */

	expect_exception("#DE", T_DE, 0, div0, 0);
	expect_exception("#UD", T_UD, 0, ud2, 0);
	expect_exception("#BP", T_BP, 0, int3, 0);
	expect_exception("#OF", T_OF, 0, into, 0);
	expect_exception("#GP beyond the GDT", T_GP, beyond & ~3u, probe_load_ds, beyond);
	expect_exception("#GP null LDT", T_GP, ldtsel & ~3u, probe_load_ds, ldtsel);
	expect_exception("#NM", T_NM, 0, x87, 0);

	/* A good selector loads without any exception. */
	trap_expect(T_GP);
	int r = probe_load_ds(KERNEL_DS);
	check(r == 0 && !trap_expect_done(NULL), "loading the kernel data selector faulted");
}
