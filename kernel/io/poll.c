/*
 * poll.c: waiting for any of several files. Each file gets a watch for the
 * duration of the call; a notification from any of them wakes the caller,
 * which then asks every file again.
 */
#include "io/poll.h"

#include "arch.h"
#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define POLLNVAL 0x020
#define MAX_POLL_FDS 1024

struct poller {
	struct spinlock lock;
	struct waitq waiters;
	bool signaled;
};

struct poll_watch {
	struct file_watch watch;
	struct poller *poller;
	struct file *file; /* NULL for an invalid descriptor */
};

static void poll_changed(struct file_watch *w)
{
	struct poller *p = container_of(w, struct poll_watch, watch)->poller;

	spin_lock(&p->lock);
	p->signaled = true;
	waitq_wake_all(&p->waiters);
	spin_unlock(&p->lock);
}

static unsigned long scan(struct pollfd_abi *fds, struct poll_watch *watches, unsigned long count)
{
	unsigned long ready = 0;

	for (unsigned long i = 0; i < count; i++) {
		struct file *f = watches[i].file;
		unsigned r = fds[i].fd < 0 ? 0
			     : !f	   ? POLLNVAL
					   : f->ops->poll(f) & ((unsigned short)fds[i].events | FILE_ERROR |
								FILE_HANGUP);
		fds[i].revents = (short)r;
		ready += r != 0;
	}
	return ready;
}

long poll_files(struct pollfd_abi *fds, unsigned long count, uint64_t timeout_ns)
{
	if (count > MAX_POLL_FDS)
		return -EINVAL;
	struct poll_watch *watches = count ? kmalloc(count * sizeof *watches) : NULL;
	if (count && !watches)
		return -ENOMEM;
	struct poller poller = { .signaled = false };
	waitq_init(&poller.waiters);

	/* Files are held for the whole call, so the watches need no `gone`. */
	for (unsigned long i = 0; i < count; i++) {
		watches[i] = (struct poll_watch){ .watch = { .changed = poll_changed },
						  .poller = &poller,
						  .file = fds[i].fd >= 0 ? fd_get(fds[i].fd) : NULL };
		if (watches[i].file)
			file_watch_add(watches[i].file, &watches[i].watch);
	}
	uint64_t deadline = timeout_ns == UINT64_MAX ? 0 : arch_clock_ns() + timeout_ns;
	unsigned long ready = 0;
	long result = 0;
	for (;;) {
		spin_lock(&poller.lock);
		poller.signaled = false;
		spin_unlock(&poller.lock);
		ready = scan(fds, watches, count);
		if (ready || !timeout_ns || (deadline && arch_clock_ns() >= deadline))
			break;
		if (signal_deliverable(thread_current())) {
			result = -EINTR;
			break;
		}
		spin_lock(&poller.lock);
		if (!poller.signaled)
			waitq_wait_interruptible(&poller.waiters, &poller.lock, deadline);
		spin_unlock(&poller.lock);
	}
	for (unsigned long i = 0; i < count; i++) {
		if (watches[i].file) {
			file_watch_remove(&watches[i].watch);
			file_put(watches[i].file);
		}
	}
	kfree(watches, count * sizeof *watches);
	return result ? result : (long)ready;
}
