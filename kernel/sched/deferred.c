/*
 * deferred.c: each core's deferred-work thread (see deferred.h).
 *
 * A thread sets itself THREAD_BLOCKED under its queue's lock after finding
 * the queue empty, and whoever schedules work adds it under the same lock
 * before waking the thread: either the thread sees the work, or the
 * wake-up sees it blocked (or about to block, which sched_block then
 * skips). No scheduled work waits for a later wake-up.
 */
#include "sched/deferred.h"

#include "arch.h"
#include "lib/format.h"
#include "panic.h"
#include "sched/sched.h"
#include "sync/spinlock.h"

struct deferred_queue {
	struct spinlock lock;
	struct list_node pending;
	struct thread *thread; /* NULL until deferred_init */
};

static struct deferred_queue queues[MAX_CPUS];

static void run_deferred_work(void *ctx)
{
	struct deferred_queue *q = ctx;
	struct thread *self = thread_current();

	for (;;) {
		spin_lock(&q->lock);
		struct list_node *n = list_pop_front(&q->pending);
		if (!n) {
			self->state = THREAD_BLOCKED;
			spin_unlock(&q->lock);
			sched_block(0);
			continue;
		}
		spin_unlock(&q->lock);
		struct deferred_work *w = container_of(n, struct deferred_work, link);
		w->fn(w->ctx);
		/* Work that schedules itself again (a device with more frames
		 * than one run takes) lets the core's threads consume what the
		 * last run delivered before it goes on. */
		sched_yield();
	}
}

/* The queue of core `cpu`, locked; its list is set up at first use, which
 * may be an interrupt before deferred_init. Call with interrupts disabled. */
static struct deferred_queue *lock_queue(unsigned cpu)
{
	struct deferred_queue *q = &queues[cpu];

	spin_lock(&q->lock);
	if (!q->pending.next)
		list_init(&q->pending);
	return q;
}

void deferred_init(void)
{
	for (unsigned cpu = 0; cpu < cpu_count; cpu++) {
		char name[16];
		bool irq = arch_interrupts_disable();
		spin_unlock(&lock_queue(cpu)->lock);
		arch_interrupts_restore(irq);
		format_string(name, sizeof name, "deferred/%u", cpu);
		struct thread *t = thread_create_kernel(name, cpu, run_deferred_work, &queues[cpu]);
		if (!t)
			panic("no memory for the deferred-work thread of core %u", cpu);
		__atomic_store_n(&queues[cpu].thread, t, __ATOMIC_RELEASE);
	}
}

void deferred_schedule(struct deferred_work *w)
{
	bool irq = arch_interrupts_disable();
	struct deferred_queue *q = lock_queue(arch_cpu_id());

	if (!list_linked(&w->link))
		list_push_back(&q->pending, &w->link);
	struct thread *t = __atomic_load_n(&q->thread, __ATOMIC_ACQUIRE);
	spin_unlock(&q->lock);
	if (t)
		sched_wake(t);
	arch_interrupts_restore(irq);
}

/* Read without the lock: work is only scheduled by the core's own code,
 * and interrupts are off in a system call. A list never set up reads as
 * empty too (list_linked). */
void deferred_let_run(void)
{
	if (list_linked(&queues[arch_cpu_id()].pending))
		sched_yield();
}
