/*
 * deferred.h: work that an interrupt handler hands to a thread.
 *
 * Handlers only make threads ready (docs/ARCHITECTURE.md). What they cannot
 * do themselves (take the network stack's lock, allocate, map memory, walk
 * long lists) they schedule as deferred work: each core has a kernel
 * thread, "deferred/N", that runs its core's scheduled work in thread
 * context, with interrupts disabled like any kernel code, in the order it
 * was scheduled.
 */
#ifndef LULL_SCHED_DEFERRED_H
#define LULL_SCHED_DEFERRED_H

#include "lib/list.h"

struct deferred_work {
	struct list_node link; /* on a core's pending list while scheduled */
	void (*fn)(void *ctx);
	void *ctx;
};

/* Starts every core's deferred-work thread (after the cores are up); work
 * scheduled before runs once it has started. */
void deferred_init(void);

/* Makes w run once on this core's deferred-work thread: once however often
 * it is scheduled before it runs, again if scheduled while it runs. Safe
 * from interrupt handlers. */
void deferred_schedule(struct deferred_work *w);

/* At the end of a system call: lets this core's deferred-work thread run
 * first if it has work, so that a thread which makes system calls without
 * ever blocking does not hold up its core's network work. */
void deferred_let_run(void);

#endif
