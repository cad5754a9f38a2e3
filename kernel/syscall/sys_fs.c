/*
 * sys_fs.c: system calls on paths and positioned files, over the embedded
 * read-only tree: open/openat/creat, stat and its variants, lseek, pread64,
 * getdents64, access, getcwd; the calls that would change the tree fail
 * with EROFS.
 *
 * The working directory is always "/", so a relative path starts there
 * unless an *at call names a directory descriptor.
 */
#include "arch.h"
#include "fs/embedded_fs.h"
#include "fs/fs_file.h"
#include "fs/path.h"
#include "io/file.h"
#include "lib/errno.h"
#include "syscall/handlers.h"

#include <string.h>
#include <sys/stat.h>

#define AT_FDCWD (-100)
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 03
#define O_RDONLY 0
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define W_OK 2
#define BLOCK_SIZE 4096
/* Longest path accepted from the application, with its NUL. */
#define USER_PATH_MAX 1024

/* Copies a NUL-terminated path from the application. */
static long copy_path(const char *user, char *buf)
{
	for (size_t i = 0; i < USER_PATH_MAX; i++) {
		if ((i == 0 || PAGE_ALIGN_DOWN(user + i) == (uintptr_t)(user + i)) &&
		    !user_readable(user + i, 1))
			return -EFAULT;
		buf[i] = user[i];
		if (!buf[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

/* The directory a relative path starts from. */
static long start_directory(long dirfd, const char *path, uint32_t *dir)
{
	*dir = EMBEDDED_FS_ROOT;
	if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	struct file *f = fd_get((int)dirfd);
	if (!f)
		return -EBADF;
	bool ok = fs_file_entry(f, dir) && embedded_fs_is_dir(*dir);
	file_put(f);
	return ok ? 0 : -ENOTDIR;
}

/* The entry named by (dirfd, user path), or a negated errno. */
static long lookup(long dirfd, const char *user_path)
{
	char path[USER_PATH_MAX];
	uint32_t dir;
	long r = copy_path(user_path, path);
	if (!r)
		r = start_directory(dirfd, path, &dir);
	return r ? r : path_resolve(dir, path);
}

static long open_at(long dirfd, const char *user_path, long flags)
{
	long entry = lookup(dirfd, user_path);

	if (entry == -ENOENT && (flags & O_CREAT))
		return -EROFS;
	if (entry < 0)
		return entry;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return embedded_fs_is_dir((uint32_t)entry) ? -EISDIR : -EROFS;
	if ((flags & O_DIRECTORY) && !embedded_fs_is_dir((uint32_t)entry))
		return -ENOTDIR;
	return fs_file_open((uint32_t)entry, flags & O_NONBLOCK);
}

long sys_open(const struct syscall_args *a)
{
	return open_at(AT_FDCWD, (const char *)a->arg[0], a->arg[1]);
}

long sys_openat(const struct syscall_args *a)
{
	return open_at(a->arg[0], (const char *)a->arg[1], a->arg[2]);
}

long sys_creat(const struct syscall_args *a)
{
	long entry = lookup(AT_FDCWD, (const char *)a->arg[0]);
	return entry >= 0 || entry == -ENOENT ? -EROFS : entry;
}

/* Linux's struct stat for x86-64 (musl's has the same layout). */
static long write_stat(struct stat *user, const struct file_stat *st)
{
	if (!user_writable(user, sizeof *user))
		return -EFAULT;
	memset(user, 0, sizeof *user);
	user->st_dev = 1;
	user->st_ino = st->ino;
	user->st_nlink = st->links;
	user->st_mode = st->mode;
	user->st_size = (off_t)st->size;
	user->st_blksize = BLOCK_SIZE;
	user->st_blocks = (blkcnt_t)((st->size + 511) / 512);
	user->st_mtim = (struct timespec){ st->mtime, st->mtime_nsec };
	user->st_atim = user->st_mtim;
	user->st_ctim = user->st_mtim;
	return 0;
}

/* Files without a position (console, sockets...) report only their
 * descriptor's existence: every field zero but the block size. */
static long stat_fd(long fd, struct stat *user)
{
	struct file_stat st = { 0 };
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = f->ops->stat ? f->ops->stat(f, &st) : 0;
	file_put(f);
	return r ? r : write_stat(user, &st);
}

static long stat_at(long dirfd, const char *user_path, struct stat *user, long flags)
{
	if ((flags & AT_EMPTY_PATH) && user_readable(user_path, 1) && !*user_path)
		return stat_fd(dirfd, user);
	long entry = lookup(dirfd, user_path);
	if (entry < 0)
		return entry;
	struct file_stat st;
	embedded_fs_stat((uint32_t)entry, &st);
	return write_stat(user, &st);
}

long sys_stat(const struct syscall_args *a)
{
	return stat_at(AT_FDCWD, (const char *)a->arg[0], (struct stat *)a->arg[1], 0);
}

long sys_fstat(const struct syscall_args *a)
{
	return stat_fd(a->arg[0], (struct stat *)a->arg[1]);
}

/* There are no symbolic links, so AT_SYMLINK_NOFOLLOW changes nothing. */
long sys_newfstatat(const struct syscall_args *a)
{
	return stat_at(a->arg[0], (const char *)a->arg[1], (struct stat *)a->arg[2], a->arg[3]);
}

long sys_lseek(const struct syscall_args *a)
{
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r = f->ops->seek ? f->ops->seek(f, a->arg[1], (int)a->arg[2]) : -ESPIPE;
	file_put(f);
	return r;
}

long sys_pread64(const struct syscall_args *a)
{
	void *buf = (void *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (a->arg[3] < 0)
		return -EINVAL;
	if (!user_writable(buf, len))
		return -EFAULT;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r = f->ops->pread ? f->ops->pread(f, buf, len, (uint64_t)a->arg[3]) : -ESPIPE;
	file_put(f);
	return r;
}

long sys_getdents64(const struct syscall_args *a)
{
	void *buf = (void *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (!user_writable(buf, len))
		return -EFAULT;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r = f->ops->getdents ? f->ops->getdents(f, buf, len) : -ENOTDIR;
	file_put(f);
	return r;
}

static long access_at(long dirfd, const char *user_path, long mode)
{
	long entry = lookup(dirfd, user_path);
	if (entry < 0)
		return entry;
	return mode & W_OK ? -EROFS : 0;
}

long sys_access(const struct syscall_args *a)
{
	return access_at(AT_FDCWD, (const char *)a->arg[0], a->arg[1]);
}

long sys_faccessat(const struct syscall_args *a)
{
	return access_at(a->arg[0], (const char *)a->arg[1], a->arg[2]);
}

long sys_getcwd(const struct syscall_args *a)
{
	char *buf = (char *)a->arg[0];
	size_t size = (size_t)a->arg[1];

	if (size < 2)
		return -ERANGE;
	if (!user_writable(buf, 2))
		return -EFAULT;
	memcpy(buf, "/", 2);
	return 2;
}

/* mkdir, rmdir, unlink, rename, truncate and their *at forms. */
long sys_read_only_fs(const struct syscall_args *a)
{
	(void)a;
	return -EROFS;
}
