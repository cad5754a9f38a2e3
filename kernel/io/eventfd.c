/* eventfd.c: eventfd(2): a 64-bit counter as a file, for waking threads
 * and epoll loops. */
#include "io/eventfd.h"

#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"

#include <string.h>

#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK 04000
#define EFD_CLOEXEC 02000000
#define COUNTER_MAX 0xfffffffffffffffeULL

struct eventfd {
	struct spinlock lock;
	uint64_t counter;
	bool semaphore;
};

static long eventfd_read(struct file *f, void *buf, size_t len)
{
	struct eventfd *e = f->data;
	uint64_t value;

	if (len < sizeof value)
		return -EINVAL;
	spin_lock(&e->lock);
	if (!e->counter) {
		spin_unlock(&e->lock);
		return -EAGAIN;
	}
	value = e->semaphore ? 1 : e->counter;
	e->counter -= value;
	spin_unlock(&e->lock);
	memcpy(buf, &value, sizeof value);
	file_notify(f); /* it may be writable again */
	return sizeof value;
}

static long eventfd_write(struct file *f, const void *buf, size_t len)
{
	struct eventfd *e = f->data;
	uint64_t value;

	if (len < sizeof value)
		return -EINVAL;
	memcpy(&value, buf, sizeof value);
	if (value == UINT64_MAX)
		return -EINVAL;
	spin_lock(&e->lock);
	if (COUNTER_MAX - e->counter < value) {
		spin_unlock(&e->lock);
		return -EAGAIN;
	}
	e->counter += value;
	spin_unlock(&e->lock);
	file_notify(f);
	return sizeof value;
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd *e = f->data;
	unsigned ready = 0;

	spin_lock(&e->lock);
	if (e->counter)
		ready |= FILE_READABLE;
	if (e->counter < COUNTER_MAX)
		ready |= FILE_WRITABLE;
	spin_unlock(&e->lock);
	return ready;
}

static void eventfd_release(struct file *f)
{
	kfree(f->data, sizeof(struct eventfd));
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

long eventfd_open(unsigned initial, int flags)
{
	if (flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	struct eventfd *e = kmalloc(sizeof *e);
	if (!e)
		return -ENOMEM;
	e->counter = initial;
	e->semaphore = flags & EFD_SEMAPHORE;
	struct file *f = file_create(&eventfd_ops, e);
	if (!f) {
		kfree(e, sizeof *e);
		return -ENOMEM;
	}
	f->nonblocking = flags & EFD_NONBLOCK;
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return fd;
}
