/*
 * spinlock.h: short critical sections shared between cores.
 *
 * A spinlock also disables interrupts on its core while held: an interrupt
 * handler that took the same lock on the same core would wait forever.
 * Waiting uses `pause` with a bounded exponential backoff, so a waiting core
 * neither hammers the cache line nor burns the host's CPU at full power.
 */
#ifndef LULL_SYNC_SPINLOCK_H
#define LULL_SYNC_SPINLOCK_H

#include <stdbool.h>

struct spinlock {
	volatile int locked;
	bool saved_interrupts;
};

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

#endif
