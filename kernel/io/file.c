/* file.c: files, readiness notification and the descriptor table. */
#include "io/file.h"

#include "arch.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "sched/sched.h"
#include "syscall/linux_abi.h"

static struct file *fds[FD_TABLE_SIZE];
static struct spinlock fds_lock;
static struct spinlock watch_lock;

void file_watch_lock(void)
{
	spin_lock(&watch_lock);
}

void file_watch_unlock(void)
{
	spin_unlock(&watch_lock);
}

struct file *file_create(const struct file_ops *ops, void *data)
{
	struct file *f = kmalloc(sizeof *f);
	if (!f)
		return NULL;
	f->ops = ops;
	f->data = data;
	f->status_flags = O_RDWR;
	f->refs = 1;
	waitq_init(&f->waiters);
	list_init(&f->watches);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_ACQ_REL);
}

bool file_get_unless_released(struct file *f)
{
	int refs = __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE);

	while (refs)
		if (__atomic_compare_exchange_n(&f->refs, &refs, refs + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&watch_lock);
	while (!list_empty(&f->watches)) {
		struct file_watch *w = container_of(f->watches.next, struct file_watch, link);
		list_remove(&w->link);
		w->file = NULL;
		if (w->gone)
			w->gone(w);
	}
	spin_unlock(&watch_lock);
	if (f->ops->release)
		f->ops->release(f);
	kfree(f, sizeof *f);
}

void file_notify(struct file *f)
{
	spin_lock(&f->lock);
	waitq_wake_all(&f->waiters);
	spin_unlock(&f->lock);
	spin_lock(&watch_lock);
	unsigned here = arch_cpu_id(), interest = 0, exclusive = 0;
	struct file_watch *chosen = NULL;
	bool chosen_local = false, mixed = false;
	for (struct list_node *n = f->watches.next; n != &f->watches; n = n->next) {
		struct file_watch *w = container_of(n, struct file_watch, link);
		if (!w->exclusive) {
			w->changed(w);
			continue;
		}
		if (exclusive++ && w->interest != interest)
			mixed = true;
		interest = w->interest;
		int cpu = chosen_local ? -1 : w->waiting_cpu(w, here);
		if (cpu >= 0 && (!chosen || (unsigned)cpu == here)) {
			chosen = w;
			chosen_local = (unsigned)cpu == here;
		}
	}
	/* The waiter on this core is the cheap one to wake: no IPI, and the
	 * work it does next (an accept, then the connection's requests) stays
	 * beside the interrupts that feed it. A waiter elsewhere is woken only
	 * when none waits here (this core's is busy): that is how load spreads. */
	if (chosen && !mixed) {
		chosen->changed(chosen);
	} else {
		for (struct list_node *n = f->watches.next; n != &f->watches; n = n->next) {
			struct file_watch *w = container_of(n, struct file_watch, link);
			if (w->exclusive)
				w->changed(w);
		}
	}
	spin_unlock(&watch_lock);
}

void file_watch_add(struct file *f, struct file_watch *w)
{
	spin_lock(&watch_lock);
	w->file = f;
	list_push_back(&f->watches, &w->link);
	spin_unlock(&watch_lock);
}

void file_watch_remove(struct file_watch *w)
{
	spin_lock(&watch_lock);
	if (w->file)
		list_remove(&w->link);
	w->file = NULL;
	spin_unlock(&watch_lock);
}

/* Waits until f reports one of `ready`; a notification between the
 * operation's -EAGAIN and this check is not lost, because the check and the
 * wait happen under the lock file_notify takes. */
long file_wait(struct file *f, unsigned ready)
{
	spin_lock(&f->lock);
	if (!(f->ops->poll(f) & (ready | FILE_ERROR | FILE_HANGUP)))
		waitq_wait_interruptible(&f->waiters, &f->lock, 0);
	spin_unlock(&f->lock);
	return signal_deliverable(thread_current()) ? -ERESTARTSYS : 0;
}

/* Retries a non-blocking operation until it does not return -EAGAIN, or
 * returns -EAGAIN at once when the file is non-blocking. */
static long transfer(struct file *f, bool writing, void *buf, size_t len)
{
	for (;;) {
		long r = writing ? f->ops->write(f, buf, len) : f->ops->read(f, buf, len);
		if (r != -EAGAIN || f->nonblocking)
			return r;
		long interrupted = file_wait(f, writing ? FILE_WRITABLE : FILE_READABLE);
		if (interrupted)
			return interrupted;
	}
}

long file_read(struct file *f, void *buf, size_t len)
{
	if ((f->status_flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	return f->ops->read ? transfer(f, false, buf, len) : -EINVAL;
}

long file_write(struct file *f, const void *buf, size_t len)
{
	if ((f->status_flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	/* transfer() passes the buffer through untouched */
	return f->ops->write ? transfer(f, true, (void *)buf, len) : -EINVAL;
}

int fd_install(struct file *f)
{
	spin_lock(&fds_lock);
	for (int fd = 0; fd < FD_TABLE_SIZE; fd++) {
		if (!fds[fd]) {
			fds[fd] = f;
			spin_unlock(&fds_lock);
			return fd;
		}
	}
	spin_unlock(&fds_lock);
	return -EMFILE;
}

struct file *fd_get(int fd)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_TABLE_SIZE)
		return NULL;
	spin_lock(&fds_lock);
	f = fds[fd];
	if (f)
		file_get(f);
	spin_unlock(&fds_lock);
	return f;
}

long fd_close(int fd)
{
	if (fd < 0 || fd >= FD_TABLE_SIZE)
		return -EBADF;
	spin_lock(&fds_lock);
	struct file *f = fds[fd];
	fds[fd] = NULL;
	spin_unlock(&fds_lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

long fd_dup(int fd, int min_fd)
{
	if (min_fd < 0 || min_fd >= FD_TABLE_SIZE)
		return -EINVAL;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	spin_lock(&fds_lock);
	for (int n = min_fd; n < FD_TABLE_SIZE; n++) {
		if (!fds[n]) {
			fds[n] = f;
			spin_unlock(&fds_lock);
			return n;
		}
	}
	spin_unlock(&fds_lock);
	file_put(f);
	return -EMFILE;
}

long fd_dup_to(int fd, int new_fd)
{
	struct file *f = new_fd >= 0 && new_fd < FD_TABLE_SIZE ? fd_get(fd) : NULL;
	if (!f)
		return -EBADF;
	spin_lock(&fds_lock);
	struct file *replaced = fds[new_fd];
	fds[new_fd] = f;
	spin_unlock(&fds_lock);
	if (replaced)
		file_put(replaced);
	return new_fd;
}
