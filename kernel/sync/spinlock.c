/* spinlock.c: test-and-test-and-set lock with backoff (see spinlock.h). */
#include "sync/spinlock.h"

#include "arch.h"

#define BACKOFF_MAX 1024

void spin_lock(struct spinlock *l)
{
	bool interrupts = arch_interrupts_disable();
	unsigned backoff = 1;

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			for (unsigned i = 0; i < backoff; i++)
				arch_cpu_relax();
			if (backoff < BACKOFF_MAX)
				backoff <<= 1;
		}
	}
	l->saved_interrupts = interrupts;
}

void spin_unlock(struct spinlock *l)
{
	bool interrupts = l->saved_interrupts;

	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	arch_interrupts_restore(interrupts);
}
