/*
 * futex.c: wait queues keyed by address, in a small hash table.
 *
 * A waker makes a thread ready while it still holds the bucket lock. A
 * waiter whose timeout fired takes that lock before deciding whether it
 * timed out, so it cannot return while a wake-up aimed at it is still on
 * its way (which would then wake it from some later, unrelated wait).
 */
#include "sync/futex.h"

#include "arch.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "sync/spinlock.h"
#include "syscall/syscall.h"

#define BUCKET_COUNT 64

struct bucket {
	struct spinlock lock;
	struct list_node waiters;
};

static struct bucket buckets[BUCKET_COUNT];

void futex_init(void)
{
	for (unsigned i = 0; i < BUCKET_COUNT; i++)
		list_init(&buckets[i].waiters);
}

static struct bucket *bucket_for(uintptr_t addr)
{
	return &buckets[(addr >> 2) * 0x9e3779b97f4a7c15ULL >> 58];
}

static bool valid_address(uintptr_t addr)
{
	return !(addr & 3) && user_readable((const void *)addr, sizeof(uint32_t));
}

long futex_wait(uintptr_t addr, uint32_t expected, uint64_t deadline_ns, uint32_t bitset)
{
	struct thread *t = thread_current();

	if (!bitset)
		return -EINVAL;
	if (!valid_address(addr))
		return -EFAULT;
	struct bucket *b = bucket_for(addr);
	spin_lock(&b->lock);
	if (__atomic_load_n((uint32_t *)addr, __ATOMIC_SEQ_CST) != expected) {
		spin_unlock(&b->lock);
		return -EAGAIN;
	}
	t->futex.addr = addr;
	t->futex.bitset = bitset;
	list_push_back(&b->waiters, &t->futex.link);
	t->state = THREAD_BLOCKED;
	spin_unlock(&b->lock);

	long result = 0;
	t->interruptible = true;
	bool timed_out = sched_block(deadline_ns);
	t->interruptible = false;
	/* A wake-up removed us from the list; a timeout or a signal did not. */
	if (timed_out || signal_deliverable(t)) {
		/* A requeue may have moved us: find our bucket under its lock. */
		for (;;) {
			uintptr_t now_on = __atomic_load_n(&t->futex.addr, __ATOMIC_ACQUIRE);
			b = bucket_for(now_on);
			spin_lock(&b->lock);
			if (t->futex.addr == now_on)
				break;
			spin_unlock(&b->lock);
		}
		if (list_linked(&t->futex.link)) {
			list_remove(&t->futex.link);
			result = timed_out ? -ETIMEDOUT : -EINTR;
		}
		spin_unlock(&b->lock);
	}
	return result;
}

/* Wakes matching waiters of addr in bucket b (locked); returns the count. */
static long wake_locked(struct bucket *b, uintptr_t addr, long n, uint32_t bitset)
{
	long woken = 0;

	for (struct list_node *pos = b->waiters.next; pos != &b->waiters && woken < n;) {
		struct list_node *next = pos->next;
		struct thread *t = container_of(pos, struct thread, futex.link);
		if (t->futex.addr == addr && (t->futex.bitset & bitset)) {
			list_remove(pos);
			sched_wake(t);
			woken++;
		}
		pos = next;
	}
	return woken;
}

long futex_wake(uintptr_t addr, long n, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	if (!valid_address(addr))
		return -EFAULT;
	struct bucket *b = bucket_for(addr);
	spin_lock(&b->lock);
	long woken = wake_locked(b, addr, n, bitset);
	spin_unlock(&b->lock);
	return woken;
}

long futex_requeue(uintptr_t addr, long n_wake, uintptr_t addr2, long n_move, int check,
		   uint32_t expected)
{
	if (!valid_address(addr) || !valid_address(addr2))
		return -EFAULT;
	if (n_wake < 0 || n_move < 0)
		return -EINVAL;
	struct bucket *b1 = bucket_for(addr), *b2 = bucket_for(addr2);
	/* Two locks: always take the lower bucket first. */
	struct bucket *first = b1 < b2 ? b1 : b2, *second = b1 < b2 ? b2 : b1;
	spin_lock(&first->lock);
	if (second != first)
		spin_lock(&second->lock);

	long result;
	if (check && __atomic_load_n((uint32_t *)addr, __ATOMIC_SEQ_CST) != expected) {
		result = -EAGAIN;
	} else {
		result = wake_locked(b1, addr, n_wake, FUTEX_BITSET_ANY);
		long moved = 0;
		for (struct list_node *pos = b1->waiters.next; pos != &b1->waiters && moved < n_move;) {
			struct list_node *next = pos->next;
			struct thread *t = container_of(pos, struct thread, futex.link);
			if (t->futex.addr == addr) {
				list_remove(pos);
				__atomic_store_n(&t->futex.addr, addr2, __ATOMIC_RELEASE);
				list_push_back(&b2->waiters, pos);
				moved++;
			}
			pos = next;
		}
		result += moved;
	}
	if (second != first)
		spin_unlock(&second->lock);
	spin_unlock(&first->lock);
	return result;
}
