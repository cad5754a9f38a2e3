/*
 * spinlock.h: short critical sections shared between cores.
 *
 * A spinlock also disables interrupts on its core while held: an interrupt
 * handler that took the same lock on the same core would wait forever.
 * Waiting uses `pause` with a bounded exponential backoff, so a waiting core
 * neither hammers the cache line nor burns the host's CPU at full power.
 *
 * A waiter whose caller had interrupts enabled halts after a short spin,
 * and the unlock sends it an IPI. In a VM the holder's virtual CPU may be
 * descheduled by the host, for a whole host time slice; spinning would burn
 * a host CPU all that time, and the very CPU the holder needs to go on.
 * A waiter with interrupts disabled (an interrupt handler, a nested lock)
 * cannot take the IPI and keeps spinning.
 *
 * Hazard under QEMU's TCG: each `pause` leaves translated code and takes
 * QEMU's global lock, which the holder needs for every device access (a
 * virtqueue notification, an APIC write). A spinning core thus slows the
 * holder it waits for; so no device is touched while holding a lock other
 * cores take often (the stack's transmit batch goes out after inet_unlock),
 * and work that many cores would share is better kept on one (see
 * EPOLLEXCLUSIVE in io/file.c).
 */
#ifndef LULL_SYNC_SPINLOCK_H
#define LULL_SYNC_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile int locked;
	bool saved_interrupts;
	uint64_t halted_waiters; /* a bit per core halted in spin_lock */
};

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

#endif
