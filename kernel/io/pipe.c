/*
 * pipe.c: pipes, a bounded byte buffer between two files, the read end and
 * the write end (each end's descriptor mode makes the wrong direction EBADF
 * in file.c).
 *
 * Like the other files, the operations never block: an empty pipe's read
 * and a full pipe's write return -EAGAIN and file.c waits. Whoever changes
 * the buffer notifies the other end's file, so a thread blocked in read or
 * write, poll and epoll all see it. A read with no writer left returns 0
 * (end of file) once the buffer is empty; a write with no reader left fails
 * with EPIPE (there are no signals, so no SIGPIPE).
 *
 * Writes of at most PIPE_BUF bytes are atomic, as POSIX requires: they
 * wait until there is room for all of them. Larger ones write what fits;
 * the write end polls writable only when PIPE_BUF bytes fit, so that a
 * writer woken by poll never finds too little room and spins.
 */
#include "io/pipe.h"

#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "syscall/linux_abi.h"

#include <string.h>

#define PIPE_CAPACITY 65536 /* Linux's default */
#define PIPE_BUF 4096
#define READ_END 0
#define WRITE_END 1

struct pipe {
	struct spinlock lock;
	/* The ends' files, each NULL once its last descriptor is closed; the
	 * pipe is freed with the second. */
	struct file *end[2];
	char *buf;
	size_t head, count; /* the oldest byte's index, and how many */
};

static int end_of(struct file *f)
{
	return (f->status_flags & O_ACCMODE) == O_RDONLY ? READ_END : WRITE_END;
}

/* The other end's file with a reference, or NULL when it is closed or
 * being closed. Called with the pipe's lock held: that lock keeps the other
 * end's release (and so the file's memory) from going on meanwhile. */
static struct file *other_end(struct pipe *p, int end)
{
	struct file *other = p->end[!end];
	return other && file_get_unless_released(other) ? other : NULL;
}

/* Tells the other end that the buffer or this end changed. Called without
 * the pipe's lock: the other end's poll takes it. */
static void notify(struct file *other)
{
	if (!other)
		return;
	file_notify(other);
	file_put(other);
}

static long pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = f->data;

	spin_lock(&p->lock);
	if (!p->count) {
		bool writer = p->end[WRITE_END] != NULL;
		spin_unlock(&p->lock);
		return writer ? -EAGAIN : 0;
	}
	size_t n = len < p->count ? len : p->count;
	size_t first = PIPE_CAPACITY - p->head < n ? PIPE_CAPACITY - p->head : n;
	memcpy(buf, p->buf + p->head, first);
	memcpy((char *)buf + first, p->buf, n - first);
	p->head = (p->head + n) % PIPE_CAPACITY;
	p->count -= n;
	struct file *writer = other_end(p, READ_END);
	spin_unlock(&p->lock);
	notify(writer);
	return (long)n;
}

static long pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = f->data;

	spin_lock(&p->lock);
	if (!p->end[READ_END]) {
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
	struct file *reader = other_end(p, WRITE_END);
	spin_unlock(&p->lock);
	notify(reader);
	return (long)n;
}

static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = f->data;
	unsigned ready = 0;

	spin_lock(&p->lock);
	if (end_of(f) == READ_END) {
		if (p->count)
			ready |= FILE_READABLE;
		if (!p->end[WRITE_END])
			ready |= FILE_HANGUP;
	} else {
		if (PIPE_CAPACITY - p->count >= PIPE_BUF)
			ready |= FILE_WRITABLE;
		if (!p->end[READ_END])
			ready |= FILE_ERROR;
	}
	spin_unlock(&p->lock);
	return ready;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->data;
	int end = end_of(f);

	spin_lock(&p->lock);
	p->end[end] = NULL;
	struct file *other = other_end(p, end);
	bool last = !p->end[!end];
	spin_unlock(&p->lock);
	/* The other end sees end of file, or EPIPE. */
	notify(other);
	if (last) {
		kfree(p->buf, PIPE_CAPACITY);
		kfree(p, sizeof *p);
	}
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.release = pipe_release,
};

long pipe_open(int fds[2], int flags)
{
	/* O_DIRECT (packet mode) is not supported; O_CLOEXEC means nothing
	 * without exec. */
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	struct pipe *p = kmalloc(sizeof *p);
	char *buf = kmalloc_buffer(PIPE_CAPACITY);
	struct file *reader = file_create(&pipe_ops, p);
	struct file *writer = file_create(&pipe_ops, p);
	if (!p || !buf || !reader || !writer) {
		if (reader)
			kfree(reader, sizeof *reader);
		if (writer)
			kfree(writer, sizeof *writer);
		if (buf)
			kfree(buf, PIPE_CAPACITY);
		if (p)
			kfree(p, sizeof *p);
		return -ENOMEM;
	}
	p->buf = buf;
	p->end[READ_END] = reader;
	p->end[WRITE_END] = writer;
	reader->status_flags = O_RDONLY;
	writer->status_flags = O_WRONLY;
	reader->nonblocking = writer->nonblocking = flags & O_NONBLOCK;
	/* From here the files own the pipe: closing both frees it. */
	int rfd = fd_install(reader);
	if (rfd < 0) {
		file_put(writer);
		file_put(reader);
		return rfd;
	}
	int wfd = fd_install(writer);
	if (wfd < 0) {
		fd_close(rfd);
		file_put(writer);
		return wfd;
	}
	fds[READ_END] = rfd;
	fds[WRITE_END] = wfd;
	return 0;
}
