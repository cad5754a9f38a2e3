/* spinlock.c: test-and-test-and-set lock with backoff, and halting waiters
 * (see spinlock.h). */
#include "sync/spinlock.h"

#include "arch.h"

#define BACKOFF_MAX 1024
/* Pauses spent spinning before a waiter that may halt does so: about the
 * cost of the halt and the wake-up IPI under emulation. */
#define SPIN_BEFORE_HALT 128

/* Halts until an unlock IPIs this core, unless the lock was released
 * meanwhile. Interrupts are disabled; arch_idle_halt enables them only
 * for its `hlt`, so the IPI cannot slip in before it and be missed. */
static void halt_until_unlocked(struct spinlock *l)
{
	uint64_t me = 1ULL << arch_cpu_id();

	__atomic_fetch_or(&l->halted_waiters, me, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&l->locked, __ATOMIC_SEQ_CST))
		arch_idle_halt();
	__atomic_fetch_and(&l->halted_waiters, ~me, __ATOMIC_SEQ_CST);
}

void spin_lock(struct spinlock *l)
{
	bool interrupts = arch_interrupts_disable();
	unsigned backoff = 1, spun = 0;

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			if (interrupts && spun >= SPIN_BEFORE_HALT) {
				halt_until_unlocked(l);
				continue;
			}
			for (unsigned i = 0; i < backoff; i++)
				arch_cpu_relax();
			spun += backoff;
			if (backoff < BACKOFF_MAX)
				backoff <<= 1;
		}
	}
	l->saved_interrupts = interrupts;
}

void spin_unlock(struct spinlock *l)
{
	bool interrupts = l->saved_interrupts;

	/* Sequentially consistent, with halt_until_unlocked: either the
	 * waiter sees the lock free, or this sees the waiter. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_SEQ_CST);
	uint64_t waiters = __atomic_load_n(&l->halted_waiters, __ATOMIC_SEQ_CST);
	if (waiters) {
		unsigned me = arch_cpu_id();
		for (unsigned cpu = 0; waiters; cpu++, waiters >>= 1)
			if ((waiters & 1) && cpu != me)
				arch_send_wakeup_ipi(cpu);
	}
	arch_interrupts_restore(interrupts);
}
