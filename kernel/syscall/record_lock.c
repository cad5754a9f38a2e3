/* record_lock.c: fcntl's record locks (F_GETLK, F_SETLK, F_SETLKW and their
 * open-file-description forms) for Lull's one process. */
#include "fs/vnode_file.h"
#include "lib/errno.h"
#include "syscall/record_lock.h"
#include "syscall/syscall.h"

/* The start of a lock's range as Linux computes it: from the position or
 * the size for SEEK_CUR and SEEK_END (0 for files that have neither, as
 * for a pipe), then moved back by a negative length. */
static long lock_range_check(struct file *f, const struct linux_flock *l)
{
	int64_t base = 0;
	if (l->whence == SEEK_CUR && f->ops->seek) {
		base = f->ops->seek(f, 0, SEEK_CUR);
		if (base < 0)
			return base;
	} else if (l->whence == SEEK_END && vnode_file_vnode(f)) {
		struct file_stat st;
		long r = vnode_stat(vnode_file_vnode(f), &st);
		if (r)
			return r;
		base = (int64_t)st.size;
	} else if (l->whence != SEEK_SET && l->whence != SEEK_CUR && l->whence != SEEK_END) {
		return -EINVAL;
	}
	int64_t start;
	if (__builtin_add_overflow(base, l->start, &start))
		return -EOVERFLOW;
	if (l->len < 0 && __builtin_add_overflow(start, l->len, &start))
		return -EINVAL;
	if (start < 0)
		return -EINVAL;
	if (l->len > 0 && start > INT64_MAX - (l->len - 1))
		return -EOVERFLOW;
	return 0;
}

/* Record locks for one process: no other process exists to hold a
 * conflicting lock, and Linux's locks of one process never conflict with
 * each other (they replace), so every valid request is granted at once and
 * F_GETLK always finds the range free. The arguments are checked as Linux
 * checks them: the type, the range, and a read (write) lock only on a
 * descriptor open for reading (writing). */
long record_lock(struct file *f, long cmd, struct linux_flock *l)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	int mode = f->status_flags & O_ACCMODE;

	if (!user_writable(l, sizeof *l))
		return -EFAULT;
	if (l->type != F_RDLCK && l->type != F_WRLCK && (get || l->type != F_UNLCK))
		return -EINVAL;
	if (ofd && l->pid != 0)
		return -EINVAL;
	long r = lock_range_check(f, l);
	if (r)
		return r;
	if (get) {
		l->type = F_UNLCK;
		return 0;
	}
	if ((l->type == F_RDLCK && mode == O_WRONLY) || (l->type == F_WRLCK && mode == O_RDONLY))
		return -EBADF;
	return 0;
}

