/*
 * waitq.h: threads waiting for an event that an interrupt handler or
 * another thread signals (console input, later sockets).
 *
 * The waiter checks its condition under a lock of its own and calls
 * waitq_wait with that lock held; the signaller changes the condition under
 * the same lock and calls waitq_wake_all. No wake-up is lost in between.
 */
#ifndef LULL_SCHED_WAITQ_H
#define LULL_SCHED_WAITQ_H

#include "lib/list.h"
#include "sync/spinlock.h"

#include <stdbool.h>
#include <stdint.h>

struct waitq {
	struct list_node waiters;
};

void waitq_init(struct waitq *q);

/* Releases `held`, blocks until woken or deadline_ns (0 = none), and takes
 * `held` again. Returns true if the deadline passed. */
bool waitq_wait(struct waitq *q, struct spinlock *held, uint64_t deadline_ns);

/* The same, but a signal for the thread (signal_deliverable) ends the
 * wait too; the caller tells the cases apart. */
bool waitq_wait_interruptible(struct waitq *q, struct spinlock *held, uint64_t deadline_ns);

/* The core of a waiting thread: `prefer` if one waits there, -1 if none
 * waits. Call with the waiters' lock held. */
int waitq_waiting_cpu(const struct waitq *q, unsigned prefer);

/* Wakes every waiting thread; call with the waiters' lock held. */
void waitq_wake_all(struct waitq *q);

#endif
