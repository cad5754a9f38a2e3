/*
 * mutex.c: sleeping locks (see mutex.h). Every waiter is woken at unlock
 * and tries again: contention is rare where these are used (a file
 * system's metadata), and waking one would need a hand-off that a waiter
 * timing out or exiting could break.
 */
#include "sync/mutex.h"

void mutex_init(struct mutex *m)
{
	*m = (struct mutex){ 0 };
	waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
	spin_lock(&m->guard);
	while (m->held)
		waitq_wait(&m->waiters, &m->guard, 0);
	m->held = true;
	spin_unlock(&m->guard);
}

void mutex_unlock(struct mutex *m)
{
	spin_lock(&m->guard);
	m->held = false;
	waitq_wake_all(&m->waiters);
	spin_unlock(&m->guard);
}
