/*
 * Interrupt dispatch: a handler per vector, registered before interrupts
 * are enabled and never changed after (so the table is read without a
 * lock on every CPU).
 *
 * trap() hands every vector >= 32 here.  The spurious vector is ignored
 * without EOI (SDM 3A 10.9: a spurious interrupt sets no ISR bit).  Every
 * other registered vector comes from a LAPIC (IPI, timer) or an edge
 * triggered ISA source through the IOAPIC, and is acknowledged with EOI
 * before its handler runs: the handler may then enable interrupts or
 * switch threads without blocking other interrupts at its priority, and
 * an IPI sent while it runs is taken afterwards, never lost.  A vector
 * with no handler is unexpected and trap() reports it.
 */
#include "smp.h"
#include "lapic.h"
#include "power.h"
#include "trap.h"

static void (*intr_handlers[T_NVECTORS])(struct trapframe *tf);

void intr_register(int vector, void (*fn)(struct trapframe *tf))
{
	KASSERT(vector >= T_NEXCEPTIONS && vector < T_NVECTORS && vector != IV_SPURIOUS);
	KASSERT(intr_handlers[vector] == NULL);
	intr_handlers[vector] = fn;
}

bool intr_dispatch(struct trapframe *tf)
{
	uint32_t v = tf->tf_trapno;
	void (*fn)(struct trapframe *) = intr_handlers[v];

	if (v == IV_SPURIOUS && lapic_present())
		return true;
	if (fn == NULL)
		return false;
	lapic_eoi();
	mycpu()->gd_intr_nesting++;
	fn(tf);
	mycpu()->gd_intr_nesting--;
	return true;
}
