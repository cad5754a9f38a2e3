/*
 * mutex.h: a lock that a thread may hold while it blocks (on a disk
 * request, say). Waiters sleep instead of spinning, and the holder may
 * sleep with it held; so it is for threads only, never for interrupt
 * handlers or code under a spinlock.
 */
#ifndef LULL_SYNC_MUTEX_H
#define LULL_SYNC_MUTEX_H

#include "sched/waitq.h"
#include "sync/spinlock.h"

#include <stdbool.h>

struct mutex {
	struct spinlock guard; /* guards held and waiters */
	bool held;
	struct waitq waiters;
};

/* A mutex ready to use, for a static one: `static struct mutex m =
 * MUTEX_INITIALIZER(m);` (the same state as mutex_init leaves). */
#define MUTEX_INITIALIZER(name) { .waiters = { .waiters = { &(name).waiters.waiters, &(name).waiters.waiters } } }

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
