/*
 * Spin locks: a word taken with xchg (a locked instruction, so a full
 * barrier on x86) and released with a plain store after a compiler
 * barrier (x86 TSO: earlier loads and stores are not reordered after a
 * later store, so the release store publishes everything before it).
 *
 * Hold one only inside a critical section (thread2.h) and only for a few
 * instructions: an interrupt handler on the same CPU is deferred by the
 * critical section, so it cannot spin on a lock its CPU already holds.
 * Never block or switch while holding one.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include "types.h"

struct spinlock {
	volatile uint32_t sl_lock; /* 0 free, 1 held */
};

#define SPINLOCK_INITIALIZER { 0 }

static inline void cpu_pause(void)
{
	__asm__ volatile("pause" : : : "memory");
}

/* Compiler barrier: the compiler keeps memory accesses on their side of it. */
static inline void cpu_ccfence(void)
{
	__asm__ volatile("" : : : "memory");
}

/* Full barrier (stores before it are visible before loads after it). */
static inline void cpu_mfence(void)
{
	__asm__ volatile("lock; addl $0, (%%esp)" : : : "memory", "cc");
}

static inline uint32_t atomic_swap_int(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* *p == old ? (*p = new, true) : false; a full barrier. */
static inline bool atomic_cmpset_ptr(void *volatile *p, void *old, void *new)
{
	uint8_t ok;
	__asm__ volatile("lock; cmpxchgl %3, %1; sete %0"
			 : "=q"(ok), "+m"(*p), "+a"(old)
			 : "r"(new)
			 : "memory", "cc");
	return ok;
}

static inline void atomic_add_int(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("lock; addl %1, %0" : "+m"(*p) : "ir"(v) : "memory", "cc");
}

static inline bool spin_trylock(struct spinlock *sl)
{
	return atomic_swap_int(&sl->sl_lock, 1) == 0;
}

static inline void spin_lock(struct spinlock *sl)
{
	while (atomic_swap_int(&sl->sl_lock, 1) != 0)
		while (sl->sl_lock != 0)
			cpu_pause();
}

static inline void spin_unlock(struct spinlock *sl)
{
	cpu_ccfence();
	sl->sl_lock = 0; /* release store: see the top of this file */
}

#endif /* KERNEL_SPINLOCK_H */
