/* sys_io.c: system calls on file descriptors: read and write, sendfile,
 * descriptor control (record locks: record_lock.c), poll, epoll, eventfd,
 * pipes and socket pairs. */
#include "io/epoll.h"
#include "io/eventfd.h"
#include "io/file.h"
#include "io/pipe.h"
#include "io/poll.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "syscall/handlers.h"
#include "syscall/linux_abi.h"
#include "syscall/record_lock.h"

#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL
/* sendfile copies through a kernel buffer of at most this size per step:
 * the send ring of a TCP connection starts at 64 KiB. */
#define SENDFILE_STEP 65536
/* Linux's limit on one read, write or sendfile. */
#define TRANSFER_MAX 0x7ffff000L

static long read_or_write(const struct syscall_args *a, bool reading)
{
	void *buf = (void *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (reading ? !user_writable(buf, len) : !user_readable(buf, len))
		return -EFAULT;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r = !len ? 0 : reading ? file_read(f, buf, len) : file_write(f, buf, len);
	file_put(f);
	return r;
}

long sys_read(const struct syscall_args *a)
{
	return read_or_write(a, true);
}

long sys_write(const struct syscall_args *a)
{
	return read_or_write(a, false);
}

/* Copies from in, at *offset, to out until count bytes are sent, in runs
 * of SENDFILE_STEP: reads as far as out took the last run, so nothing read
 * is lost when out is full. A non-blocking out stops at its first short
 * write (what a socket's send ring had room for); a blocking one waits in
 * file_write. Returns the bytes sent, or the error when none were. */
static long send_file_data(struct file *in, struct file *out, uint64_t *offset, size_t count)
{
	size_t step = count < SENDFILE_STEP ? count : SENDFILE_STEP;
	char *buf = kmalloc_buffer(step);
	if (!buf)
		return -ENOMEM;
	long sent = 0;
	while ((size_t)sent < count) {
		size_t want = count - (size_t)sent < step ? count - (size_t)sent : step;
		long got = in->ops->pread(in, buf, want, *offset);
		if (got <= 0) {
			if (!sent)
				sent = got;
			break;
		}
		long put = file_write(out, buf, (size_t)got);
		if (put < 0) {
			if (!sent)
				sent = put;
			break;
		}
		sent += put;
		*offset += (uint64_t)put;
		if (put < got && out->nonblocking)
			break;
	}
	kfree(buf, step);
	return sent;
}

/* sendfile(out_fd, in_fd, offset, count): in_fd must have a position
 * (a file of the file-system layer); without offset its position is used
 * and moved, with one only *offset moves. */
long sys_sendfile(const struct syscall_args *a)
{
	int64_t *user_offset = (int64_t *)a->arg[2];
	size_t count = (size_t)a->arg[3] < TRANSFER_MAX ? (size_t)a->arg[3] : TRANSFER_MAX;

	if (user_offset && !user_writable(user_offset, sizeof *user_offset))
		return -EFAULT;
	if (user_offset && *user_offset < 0)
		return -EINVAL;
	struct file *out = fd_get((int)a->arg[0]);
	struct file *in = fd_get((int)a->arg[1]);
	long r;
	if (!out || !in || (in->status_flags & O_ACCMODE) == O_WRONLY ||
	    (out->status_flags & O_ACCMODE) == O_RDONLY) {
		r = -EBADF;
	} else if (!in->ops->pread || !in->ops->seek || !out->ops->write ||
		   (out->status_flags & O_APPEND)) {
		r = -EINVAL;
	} else {
		int64_t start = user_offset ? *user_offset : in->ops->seek(in, 0, SEEK_CUR);
		uint64_t offset = (uint64_t)start;
		r = start < 0 ? start : count ? send_file_data(in, out, &offset, count) : 0;
		if (r > 0 && user_offset)
			*user_offset = (int64_t)offset;
		else if (r > 0)
			in->ops->seek(in, (int64_t)offset, SEEK_SET);
	}
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

/* The buffers are read from (writev) or written to (readv). */
static long check_iov(const struct linux_iovec *iov, long count, bool write)
{
	if (count < 0 || count > IOV_MAX_COUNT)
		return -EINVAL;
	if (!user_readable(iov, (size_t)count * sizeof *iov))
		return -EFAULT;
	for (long i = 0; i < count; i++)
		if (write ? !user_writable(iov[i].base, iov[i].len)
			  : !user_readable(iov[i].base, iov[i].len))
			return -EFAULT;
	return 0;
}

/* One buffer at a time; stops at the first short transfer, as a partial
 * read or write may. */
static long transfer_iov(const struct syscall_args *a, bool reading)
{
	const struct linux_iovec *iov = (const struct linux_iovec *)a->arg[1];
	long count = a->arg[2], total = 0;
	long err = check_iov(iov, count, reading);
	if (err)
		return err;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	for (long i = 0; i < count; i++) {
		if (!iov[i].len)
			continue;
		long r = reading ? file_read(f, iov[i].base, iov[i].len)
				 : file_write(f, iov[i].base, iov[i].len);
		if (r < 0) {
			if (!total)
				total = r;
			break;
		}
		total += r;
		if ((size_t)r < iov[i].len)
			break;
	}
	file_put(f);
	return total;
}

long sys_readv(const struct syscall_args *a)
{
	return transfer_iov(a, true);
}

long sys_writev(const struct syscall_args *a)
{
	return transfer_iov(a, false);
}

long sys_close(const struct syscall_args *a)
{
	return fd_close((int)a->arg[0]);
}

long sys_dup(const struct syscall_args *a)
{
	return fd_dup((int)a->arg[0], 0);
}

/* dup2 of a descriptor onto itself only checks that it is open. */
long sys_dup2(const struct syscall_args *a)
{
	int fd = (int)a->arg[0], new_fd = (int)a->arg[1];

	if (fd != new_fd)
		return fd_dup_to(fd, new_fd);
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	file_put(f);
	return fd;
}

/* O_CLOEXEC is the only flag, and means nothing without exec. */
long sys_dup3(const struct syscall_args *a)
{
	if (a->arg[0] == a->arg[1] || (a->arg[2] & ~(long)O_CLOEXEC))
		return -EINVAL;
	return fd_dup_to((int)a->arg[0], (int)a->arg[1]);
}

long sys_ioctl(const struct syscall_args *a)
{
	unsigned long request = (unsigned long)a->arg[1];
	void *arg = (void *)a->arg[2];
	struct file *f = fd_get((int)a->arg[0]);
	long r;

	if (!f)
		return -EBADF;
	if (request == FIONBIO) {
		r = user_readable(arg, sizeof(int)) ? 0 : -EFAULT;
		if (!r)
			f->nonblocking = *(const int *)arg != 0;
	} else if (request == TIOCGWINSZ && !user_writable(arg, sizeof(struct winsize))) {
		r = -EFAULT;
	} else {
		r = f->ops->ioctl ? f->ops->ioctl(f, request, arg) : -ENOTTY;
	}
	file_put(f);
	return r;
}

long sys_fcntl(const struct syscall_args *a)
{
	int fd = (int)a->arg[0];
	long cmd = a->arg[1], arg = a->arg[2];

	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return fd_dup(fd, (int)arg);
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long r = 0;
	switch (cmd) {
	case F_GETFD:
	case F_SETFD: /* nothing is ever exec'd: close-on-exec changes nothing */
		break;
	case F_GETFL:
		r = f->status_flags | (f->nonblocking ? O_NONBLOCK : 0);
		break;
	case F_SETFL: /* the access mode stays as opened */
		f->nonblocking = arg & O_NONBLOCK;
		f->status_flags = (f->status_flags & ~O_APPEND) | (int)(arg & O_APPEND);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		r = record_lock(f, cmd, (struct linux_flock *)arg);
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

static uint64_t timeout_from_ms(long ms)
{
	return ms < 0 ? UINT64_MAX : (uint64_t)ms * NS_PER_MS;
}

static long poll_common(struct pollfd_abi *fds, unsigned long count, uint64_t timeout_ns)
{
	if (count > (1UL << 20) || !user_writable(fds, count * sizeof *fds))
		return -EFAULT;
	return poll_files(fds, count, timeout_ns);
}

long sys_poll(const struct syscall_args *a)
{
	return poll_common((struct pollfd_abi *)a->arg[0], (unsigned long)a->arg[1],
			   timeout_from_ms(a->arg[2]));
}

/* The signal mask is ignored: there are no signals. */
long sys_ppoll(const struct syscall_args *a)
{
	const struct timespec *ts = (const struct timespec *)a->arg[2];
	uint64_t timeout = UINT64_MAX;

	if (ts) {
		if (!user_readable(ts, sizeof *ts))
			return -EFAULT;
		if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS_PER_SEC)
			return -EINVAL;
		timeout = (uint64_t)ts->tv_sec * NS_PER_SEC + (uint64_t)ts->tv_nsec;
	}
	return poll_common((struct pollfd_abi *)a->arg[0], (unsigned long)a->arg[1], timeout);
}

long sys_epoll_create1(const struct syscall_args *a)
{
	return epoll_open((int)a->arg[0]);
}

long sys_epoll_create(const struct syscall_args *a)
{
	return a->arg[0] <= 0 ? -EINVAL : epoll_open(0);
}

long sys_epoll_ctl(const struct syscall_args *a)
{
	const struct epoll_event_abi *ev = (const struct epoll_event_abi *)a->arg[3];
	static const struct epoll_event_abi none;

	if (a->arg[1] != 2 /* EPOLL_CTL_DEL needs no event */ && !user_readable(ev, sizeof *ev))
		return -EFAULT;
	return epoll_control((int)a->arg[0], (int)a->arg[1], (int)a->arg[2], ev ? ev : &none);
}

long sys_epoll_wait(const struct syscall_args *a)
{
	struct epoll_event_abi *events = (struct epoll_event_abi *)a->arg[1];
	long max = a->arg[2];

	if (max <= 0 || max > (1L << 20))
		return -EINVAL;
	if (!user_writable(events, (size_t)max * sizeof *events))
		return -EFAULT;
	return epoll_wait_events((int)a->arg[0], events, (int)max, timeout_from_ms(a->arg[3]));
}

long sys_eventfd2(const struct syscall_args *a)
{
	return eventfd_open((unsigned)a->arg[0], (int)a->arg[1]);
}

long sys_eventfd(const struct syscall_args *a)
{
	return eventfd_open((unsigned)a->arg[0], 0);
}

/* The descriptors are written only once both exist, so a fault leaves none
 * open. `open` is pipe_open or socket_pair_open. */
static long open_two(int *user_fds, int flags, long (*open)(int fds[2], int flags))
{
	int fds[2];

	if (!user_writable(user_fds, sizeof fds))
		return -EFAULT;
	long r = open(fds, flags);
	if (!r)
		memcpy(user_fds, fds, sizeof fds);
	return r;
}

long sys_pipe2(const struct syscall_args *a)
{
	return open_two((int *)a->arg[0], (int)a->arg[1], pipe_open);
}

long sys_pipe(const struct syscall_args *a)
{
	return open_two((int *)a->arg[0], 0, pipe_open);
}

/* socketpair(AF_UNIX, SOCK_STREAM, 0, fds) only (Linux has no AF_INET
 * pairs either): the pair is two crossed
 * pipes (io/pipe.c); SOCK_NONBLOCK and SOCK_CLOEXEC are O_NONBLOCK's and
 * O_CLOEXEC's values. */
long sys_socketpair(const struct syscall_args *a)
{
	long domain = a->arg[0], type = a->arg[1], protocol = a->arg[2];

	if (domain == AF_INET)
		return -EOPNOTSUPP;
	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if ((type & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC)) != SOCK_STREAM)
		return -EOPNOTSUPP;
	return open_two((int *)a->arg[3], (int)(type & (O_NONBLOCK | O_CLOEXEC)), socket_pair_open);
}
