/*
 * pipe.c: pipes and socket pairs. A pipe is a bounded byte buffer from a
 * writer file to a reader file; pipe(2) makes one, with a read end and a
 * write end (each end's descriptor mode makes the wrong direction EBADF in
 * file.c), and socketpair(2) makes two crossed ones, each of its two files
 * writing one and reading the other: an AF_UNIX stream without addresses,
 * which is all a program with no other process to talk to can use one for.
 *
 * Like the other files, the operations never block: an empty pipe's read
 * and a full pipe's write return -EAGAIN and file.c waits. Whoever changes
 * a buffer notifies the file at its other side, so a thread blocked in read
 * or write, poll and epoll all see it. A read with no writer left returns 0
 * (end of file) once the buffer is empty; a write with no reader left fails
 * with EPIPE (there are no signals, so no SIGPIPE).
 *
 * Writes of at most PIPE_BUF bytes are atomic, as POSIX requires of pipes:
 * they wait until there is room for all of them. Larger ones write what
 * fits; a file polls writable only when PIPE_BUF bytes fit, so that a
 * writer woken by poll never finds too little room and spins. Socket pairs
 * keep the same rule (stricter than Linux's, never wrong).
 */
#include "io/pipe.h"

#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "syscall/linux_abi.h"

#include <string.h>

#define PIPE_CAPACITY 65536 /* Linux's default */
#define PIPE_BUF 4096

struct pipe {
	struct spinlock lock;
	/* The files at its two sides, each NULL once its last descriptor is
	 * closed; the pipe is freed with the second. */
	struct file *reader, *writer;
	char *buf;
	size_t head, count; /* the oldest byte's index, and how many */
};

/* A file's data: the pipe it reads (NULL for a pipe's write end) and the
 * one it writes (NULL for a pipe's read end); a socket pair's files have
 * both. */
struct pipe_file {
	struct pipe *in, *out;
};

/* `side`, a file of p, with a reference, or NULL when it is closed or being
 * closed. Called with p's lock held: that lock keeps the file's release
 * (and so its memory) from going on meanwhile. */
static struct file *get_side(struct file *side)
{
	return side && file_get_unless_released(side) ? side : NULL;
}

/* Tells the file at a pipe's other side that the buffer or this side
 * changed. Called without the pipe's lock: that file's poll takes it. */
static void notify(struct file *other)
{
	if (!other)
		return;
	file_notify(other);
	file_put(other);
}

static long pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = ((struct pipe_file *)f->data)->in;

	if (!p)
		return -EBADF;
	spin_lock(&p->lock);
	if (!p->count) {
		bool writer = p->writer != NULL;
		spin_unlock(&p->lock);
		return writer ? -EAGAIN : 0;
	}
	size_t n = len < p->count ? len : p->count;
	size_t first = PIPE_CAPACITY - p->head < n ? PIPE_CAPACITY - p->head : n;
	memcpy(buf, p->buf + p->head, first);
	memcpy((char *)buf + first, p->buf, n - first);
	p->head = (p->head + n) % PIPE_CAPACITY;
	p->count -= n;
	struct file *writer = get_side(p->writer);
	spin_unlock(&p->lock);
	notify(writer);
	return (long)n;
}

static long pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = ((struct pipe_file *)f->data)->out;

	if (!p)
		return -EBADF;
	spin_lock(&p->lock);
	if (!p->reader) {
		spin_unlock(&p->lock);
		return -EPIPE;
	}
	size_t room = PIPE_CAPACITY - p->count;
	if (!room || (len <= PIPE_BUF && room < len)) {
		spin_unlock(&p->lock);
		return -EAGAIN;
	}
	size_t n = len < room ? len : room;
	size_t tail = (p->head + p->count) % PIPE_CAPACITY;
	size_t first = PIPE_CAPACITY - tail < n ? PIPE_CAPACITY - tail : n;
	memcpy(p->buf + tail, buf, first);
	memcpy(p->buf, (const char *)buf + first, n - first);
	p->count += n;
	struct file *reader = get_side(p->reader);
	spin_unlock(&p->lock);
	notify(reader);
	return (long)n;
}

/* A pipe's read end with no writer reports a hang-up, its write end with
 * no reader an error, as on Linux. A socket pair's file whose peer is gone
 * reports what Linux reports of an AF_UNIX stream then: readable (end of
 * file), read hang-up and hang-up, and writable (the write fails with
 * EPIPE). */
static unsigned pipe_poll(struct file *f)
{
	struct pipe_file *pf = f->data;
	bool socket = pf->in && pf->out;
	unsigned ready = 0;

	if (pf->in) {
		spin_lock(&pf->in->lock);
		if (pf->in->count)
			ready |= FILE_READABLE;
		if (!pf->in->writer)
			ready |= socket ? FILE_READABLE | FILE_READ_HANGUP | FILE_HANGUP : FILE_HANGUP;
		spin_unlock(&pf->in->lock);
	}
	if (pf->out) {
		spin_lock(&pf->out->lock);
		if (PIPE_CAPACITY - pf->out->count >= PIPE_BUF)
			ready |= FILE_WRITABLE;
		if (!pf->out->reader)
			ready |= socket ? FILE_WRITABLE : FILE_ERROR;
		spin_unlock(&pf->out->lock);
	}
	return ready;
}

/* `side` (&p->reader or &p->writer) is gone: the file at the other side
 * sees end of file, or EPIPE. Frees p when that side is gone too. */
static void leave(struct pipe *p, struct file **side)
{
	spin_lock(&p->lock);
	*side = NULL;
	struct file *other = get_side(side == &p->reader ? p->writer : p->reader);
	bool last = !p->reader && !p->writer;
	spin_unlock(&p->lock);
	notify(other);
	if (last) {
		kfree(p->buf, PIPE_CAPACITY);
		kfree(p, sizeof *p);
	}
}

static void pipe_release(struct file *f)
{
	struct pipe_file *pf = f->data;

	if (pf->in)
		leave(pf->in, &pf->in->reader);
	if (pf->out)
		leave(pf->out, &pf->out->writer);
	kfree(pf, sizeof *pf);
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.release = pipe_release,
};

static struct pipe *pipe_create(void)
{
	struct pipe *p = kmalloc(sizeof *p);
	char *buf = kmalloc_buffer(PIPE_CAPACITY);
	if (!p || !buf) {
		if (buf)
			kfree(buf, PIPE_CAPACITY);
		if (p)
			kfree(p, sizeof *p);
		return NULL;
	}
	p->buf = buf;
	return p;
}

static void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	kfree(p->buf, PIPE_CAPACITY);
	kfree(p, sizeof *p);
}

/* A file of this kind reading `in` and writing `out` (either may be NULL),
 * with one reference; NULL without memory. */
static struct file *pipe_file_create(struct pipe *in, struct pipe *out)
{
	struct pipe_file *pf = kmalloc(sizeof *pf);
	struct file *f = pf ? file_create(&pipe_ops, pf) : NULL;
	if (!f) {
		if (pf)
			kfree(pf, sizeof *pf);
		return NULL;
	}
	pf->in = in;
	pf->out = out;
	return f;
}

/* Makes the two files over pipe a and pipe b and installs them in fds[0]
 * and fds[1]: fds[0] reads a and writes b, fds[1] the other way round. With
 * b NULL that is a pipe's read end and write end; otherwise a socket pair.
 * The pipes belong to the files from then on: closing both frees them.
 * Returns 0 or a negative errno. */
static long open_files(int fds[2], struct pipe *a, struct pipe *b, int flags)
{
	struct file *first = pipe_file_create(a, b);
	struct file *second = pipe_file_create(b, a);
	if (!first || !second) {
		for (int i = 0; i < 2; i++) {
			struct file *f = i ? second : first;
			if (f) {
				kfree(f->data, sizeof(struct pipe_file));
				kfree(f, sizeof *f);
			}
		}
		pipe_free(a);
		pipe_free(b);
		return -ENOMEM;
	}
	a->reader = first;
	a->writer = second;
	if (b) {
		b->reader = second;
		b->writer = first;
	} else {
		first->status_flags = O_RDONLY;
		second->status_flags = O_WRONLY;
	}
	first->nonblocking = second->nonblocking = flags & O_NONBLOCK;
	int first_fd = fd_install(first);
	if (first_fd < 0) {
		file_put(second);
		file_put(first);
		return first_fd;
	}
	int second_fd = fd_install(second);
	if (second_fd < 0) {
		fd_close(first_fd);
		file_put(second);
		return second_fd;
	}
	fds[0] = first_fd;
	fds[1] = second_fd;
	return 0;
}

long pipe_open(int fds[2], int flags)
{
	/* O_DIRECT (packet mode) is not supported; O_CLOEXEC means nothing
	 * without exec. */
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct pipe *p = pipe_create();
	return p ? open_files(fds, p, NULL, flags) : -ENOMEM;
}

long socket_pair_open(int fds[2], int flags)
{
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct pipe *a = pipe_create(), *b = pipe_create();
	if (!a || !b) {
		pipe_free(a);
		pipe_free(b);
		return -ENOMEM;
	}
	return open_files(fds, a, b, flags);
}
