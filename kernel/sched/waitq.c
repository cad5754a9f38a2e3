/* waitq.c: wait queues (see waitq.h). */
#include "sched/waitq.h"

#include "sched/sched.h"

void waitq_init(struct waitq *q)
{
	list_init(&q->waiters);
}

bool waitq_wait(struct waitq *q, struct spinlock *held, uint64_t deadline_ns)
{
	struct thread *t = thread_current();

	list_push_back(&q->waiters, &t->wait_link);
	t->state = THREAD_BLOCKED;
	spin_unlock(held);
	bool timed_out = sched_block(deadline_ns);
	spin_lock(held);
	if (list_linked(&t->wait_link))
		list_remove(&t->wait_link);
	return timed_out;
}

bool waitq_wait_interruptible(struct waitq *q, struct spinlock *held, uint64_t deadline_ns)
{
	struct thread *t = thread_current();

	t->interruptible = true;
	bool timed_out = waitq_wait(q, held, deadline_ns);
	t->interruptible = false;
	return timed_out;
}

int waitq_waiting_cpu(const struct waitq *q, unsigned prefer)
{
	int found = -1;

	for (const struct list_node *n = q->waiters.next; n != &q->waiters; n = n->next) {
		unsigned cpu = container_of(n, struct thread, wait_link)->cpu->id;
		if (cpu == prefer)
			return (int)cpu;
		found = (int)cpu;
	}
	return found;
}

void waitq_wake_all(struct waitq *q)
{
	struct list_node *n;

	while ((n = list_pop_front(&q->waiters)))
		sched_wake(container_of(n, struct thread, wait_link));
}
