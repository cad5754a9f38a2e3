/*
 * epoll.c: epoll instances.
 *
 * Each registered descriptor is an item that watches its file. When a file
 * notifies, its items go on their instance's ready list and waiters wake.
 * epoll_wait asks each ready item's file what it is ready for now: a
 * level-triggered item that still is goes back on the list, an
 * edge-triggered one waits for the next notification, a one-shot one until
 * EPOLL_CTL_MOD re-arms it.
 */
#include "io/epoll.h"

#include "arch.h"
#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EPOLL_CLOEXEC 02000000
#define ALWAYS_REPORTED (FILE_ERROR | FILE_HANGUP)
/* What Linux allows beside EPOLLEXCLUSIVE. */
#define EXCLUSIVE_OK \
	(FILE_READABLE | FILE_WRITABLE | ALWAYS_REPORTED | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

struct epoll {
	struct spinlock lock;
	struct list_node items;
	struct list_node ready;
	struct waitq waiters;
};

struct epoll_item {
	struct file_watch watch;
	struct epoll *ep;
	int fd;
	uint32_t events;
	uint64_t data;
	bool disarmed; /* a one-shot item that has fired */
	struct list_node item_link, ready_link;
};

static void make_ready_locked(struct epoll *ep, struct epoll_item *item)
{
	if (!item->disarmed && !list_linked(&item->ready_link))
		list_push_back(&ep->ready, &item->ready_link);
	waitq_wake_all(&ep->waiters);
}

static void item_changed(struct file_watch *w)
{
	struct epoll_item *item = container_of(w, struct epoll_item, watch);

	spin_lock(&item->ep->lock);
	make_ready_locked(item->ep, item);
	spin_unlock(&item->ep->lock);
}

static int item_waiting_cpu(struct file_watch *w, unsigned prefer)
{
	struct epoll *ep = container_of(w, struct epoll_item, watch)->ep;

	spin_lock(&ep->lock);
	int cpu = waitq_waiting_cpu(&ep->waiters, prefer);
	spin_unlock(&ep->lock);
	return cpu;
}

/* The file's last descriptor was closed: the item goes with it. */
static void item_gone(struct file_watch *w)
{
	struct epoll_item *item = container_of(w, struct epoll_item, watch);
	struct epoll *ep = item->ep;

	spin_lock(&ep->lock);
	list_remove(&item->item_link);
	if (list_linked(&item->ready_link))
		list_remove(&item->ready_link);
	spin_unlock(&ep->lock);
	kfree(item, sizeof *item);
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->data;

	file_watch_lock();
	while (!list_empty(&ep->items)) {
		struct epoll_item *item = container_of(ep->items.next, struct epoll_item, item_link);
		list_remove(&item->item_link);
		if (item->watch.file)
			list_remove(&item->watch.link);
		kfree(item, sizeof *item);
	}
	file_watch_unlock();
	kfree(ep, sizeof *ep);
}

static unsigned epoll_poll(struct file *f)
{
	struct epoll *ep = f->data;

	return list_empty(&ep->ready) ? 0 : FILE_READABLE;
}

static const struct file_ops epoll_ops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

long epoll_open(int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = kmalloc(sizeof *ep);
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	waitq_init(&ep->waiters);
	struct file *f = file_create(&epoll_ops, ep);
	if (!f) {
		kfree(ep, sizeof *ep);
		return -ENOMEM;
	}
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return fd;
}

static struct epoll_item *find_locked(struct epoll *ep, int fd, struct file *f)
{
	for (struct list_node *n = ep->items.next; n != &ep->items; n = n->next) {
		struct epoll_item *item = container_of(n, struct epoll_item, item_link);
		if (item->fd == fd && item->watch.file == f)
			return item;
	}
	return NULL;
}

static long add(struct epoll *ep, int fd, struct file *f, const struct epoll_event_abi *ev)
{
	struct epoll_item *item = kmalloc(sizeof *item);
	if (!item)
		return -ENOMEM;
	item->ep = ep;
	item->fd = fd;
	item->events = ev->events;
	item->data = ev->data;
	item->watch.changed = item_changed;
	item->watch.gone = item_gone;
	item->watch.exclusive = (ev->events & EPOLLEXCLUSIVE) != 0;
	item->watch.interest = ev->events & (FILE_READABLE | FILE_WRITABLE);
	item->watch.waiting_cpu = item_waiting_cpu;
	list_init(&item->ready_link);

	file_watch_lock();
	spin_lock(&ep->lock);
	bool exists = find_locked(ep, fd, f) != NULL;
	if (!exists) {
		item->watch.file = f;
		list_push_back(&f->watches, &item->watch.link);
		list_push_back(&ep->items, &item->item_link);
		make_ready_locked(ep, item); /* epoll_wait will ask the file */
	}
	spin_unlock(&ep->lock);
	file_watch_unlock();
	if (exists) {
		kfree(item, sizeof *item);
		return -EEXIST;
	}
	return 0;
}

long epoll_control(int epfd, int op, int fd, const struct epoll_event_abi *event)
{
	struct file *epf = fd_get(epfd);
	struct file *f = fd_get(fd);
	long result = 0;

	if (!epf || !f) {
		result = -EBADF;
	} else if (epf->ops != &epoll_ops || f == epf) {
		result = -EINVAL;
	} else if (f->ops == &epoll_ops) {
		result = -EINVAL; /* nested epoll sets are not supported */
	} else if (op == EPOLL_CTL_ADD) {
		bool misused = (event->events & EPOLLEXCLUSIVE) && (event->events & ~EXCLUSIVE_OK);
		result = misused ? -EINVAL : add(epf->data, fd, f, event);
	} else if (op == EPOLL_CTL_MOD && (event->events & EPOLLEXCLUSIVE)) {
		result = -EINVAL; /* as Linux: exclusivity is set once, at ADD */
	} else if (op == EPOLL_CTL_MOD || op == EPOLL_CTL_DEL) {
		struct epoll *ep = epf->data;
		file_watch_lock();
		spin_lock(&ep->lock);
		struct epoll_item *item = find_locked(ep, fd, f);
		if (!item) {
			result = -ENOENT;
		} else if (op == EPOLL_CTL_MOD && item->watch.exclusive) {
			result = -EINVAL;
		} else if (op == EPOLL_CTL_MOD) {
			item->events = event->events;
			item->data = event->data;
			item->disarmed = false;
			make_ready_locked(ep, item);
		} else {
			list_remove(&item->item_link);
			if (list_linked(&item->ready_link))
				list_remove(&item->ready_link);
			list_remove(&item->watch.link);
		}
		spin_unlock(&ep->lock);
		file_watch_unlock();
		if (item && op == EPOLL_CTL_DEL)
			kfree(item, sizeof *item);
	} else {
		result = -EINVAL;
	}
	if (f)
		file_put(f);
	if (epf)
		file_put(epf);
	return result;
}

/* Collects up to max events from the ready list; called with ep->lock. */
static int collect_locked(struct epoll *ep, struct epoll_event_abi *events, int max)
{
	struct list_node pending;
	int count = 0;

	/* Work on a detached list so that level-triggered items put back on
	 * the ready list are not seen twice in one call. */
	list_init(&pending);
	if (!list_empty(&ep->ready)) {
		pending.next = ep->ready.next;
		pending.prev = ep->ready.prev;
		pending.next->prev = &pending;
		pending.prev->next = &pending;
		list_init(&ep->ready);
	}
	while (!list_empty(&pending)) {
		struct epoll_item *item = container_of(list_pop_front(&pending), struct epoll_item,
						       ready_link);
		struct file *f = item->watch.file;
		if (count == max) {
			list_push_back(&ep->ready, &item->ready_link);
			continue;
		}
		unsigned ready = f ? f->ops->poll(f) & (item->events | ALWAYS_REPORTED) : 0;
		if (!ready)
			continue;
		events[count++] = (struct epoll_event_abi){ ready, item->data };
		if (item->events & EPOLLONESHOT)
			item->disarmed = true;
		else if (!(item->events & EPOLLET))
			list_push_back(&ep->ready, &item->ready_link);
	}
	return count;
}

long epoll_wait_events(int epfd, struct epoll_event_abi *events, int max, uint64_t timeout_ns)
{
	struct file *f = fd_get(epfd);
	if (!f)
		return -EBADF;
	if (f->ops != &epoll_ops || max <= 0) {
		file_put(f);
		return -EINVAL;
	}
	struct epoll *ep = f->data;
	uint64_t deadline = timeout_ns == UINT64_MAX ? 0 : arch_clock_ns() + timeout_ns;
	int count;

	spin_lock(&ep->lock);
	for (;;) {
		count = collect_locked(ep, events, max);
		if (count || !timeout_ns || (deadline && arch_clock_ns() >= deadline))
			break;
		if (signal_deliverable(thread_current())) {
			count = -EINTR; /* never restarted, as on Linux */
			break;
		}
		waitq_wait_interruptible(&ep->waiters, &ep->lock, deadline);
	}
	spin_unlock(&ep->lock);
	file_put(f);
	return count;
}
