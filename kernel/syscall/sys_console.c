/* sys_console.c: file descriptors 0, 1 and 2, which are all the console. */
#include "console.h"
#include "lib/errno.h"
#include "syscall/handlers.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

#define IOV_MAX_COUNT 1024

static bool is_console(long fd)
{
	return fd >= 0 && fd <= 2;
}

long sys_read(const struct syscall_args *a)
{
	char *buf = (char *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (!is_console(a->arg[0]))
		return -EBADF;
	if (!user_writable(buf, len))
		return -EFAULT;
	return (long)console_read(buf, len);
}

long sys_write(const struct syscall_args *a)
{
	const char *buf = (const char *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (!is_console(a->arg[0]))
		return -EBADF;
	if (!user_readable(buf, len))
		return -EFAULT;
	console_write(buf, len);
	return (long)len;
}

/* The buffers are read from (writev) or written to (readv). */
static long check_iov(const struct iovec *iov, long count, bool write)
{
	if (count < 0 || count > IOV_MAX_COUNT)
		return -EINVAL;
	if (!user_readable(iov, (size_t)count * sizeof *iov))
		return -EFAULT;
	for (long i = 0; i < count; i++)
		if (write ? !user_writable(iov[i].iov_base, iov[i].iov_len)
			  : !user_readable(iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
	return 0;
}

long sys_writev(const struct syscall_args *a)
{
	const struct iovec *iov = (const struct iovec *)a->arg[1];
	long count = a->arg[2], total = 0;

	if (!is_console(a->arg[0]))
		return -EBADF;
	long err = check_iov(iov, count, false);
	if (err)
		return err;
	for (long i = 0; i < count; i++) {
		console_write(iov[i].iov_base, iov[i].iov_len);
		total += (long)iov[i].iov_len;
	}
	return total;
}

/* Returns what is waiting, up to the iovecs' size, after waiting for the
 * first byte. */
long sys_readv(const struct syscall_args *a)
{
	const struct iovec *iov = (const struct iovec *)a->arg[1];
	long count = a->arg[2];

	if (!is_console(a->arg[0]))
		return -EBADF;
	long err = check_iov(iov, count, true);
	if (err)
		return err;
	for (long i = 0; i < count; i++)
		if (iov[i].iov_len)
			return (long)console_read(iov[i].iov_base, iov[i].iov_len);
	return 0;
}

/* The console answers as a terminal of 80x24, so that musl line-buffers
 * stdout as it would on a tty. */
long sys_ioctl(const struct syscall_args *a)
{
	if (!is_console(a->arg[0]))
		return -EBADF;
	if ((unsigned long)a->arg[1] == TIOCGWINSZ) {
		struct winsize *ws = (struct winsize *)a->arg[2];
		if (!user_writable(ws, sizeof *ws))
			return -EFAULT;
		*ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
		return 0;
	}
	return -ENOTTY;
}
