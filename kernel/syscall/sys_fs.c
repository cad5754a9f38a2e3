/*
 * sys_fs.c: system calls on paths and on positioned files, over the
 * file-system layer (fs/vfs.h, fs/vfs_ops.h): the Linux ABI side of them
 * (copying and checking the application's pointers, *at directory
 * descriptors, struct stat and struct statfs); the layer decides the rest.
 */
#include "arch.h"
#include "fs/vfs_ops.h"
#include "fs/vnode_file.h"
#include "io/file.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "syscall/handlers.h"
#include "syscall/linux_abi.h"

#include <string.h>

#define BLOCK_SIZE 4096

/* An application's path, as given and then folded. */
struct path_arg {
	char given[VFS_PATH_MAX];
	char path[VFS_PATH_MAX];
	bool must_be_dir;
};

/* An operation on one folded path; x and y are the call's other arguments. */
typedef long (*path_op)(const struct path_arg *p, long x, long y);

/* Copies a NUL-terminated path from the application. */
static long copy_path(const char *user, char *buf)
{
	for (size_t i = 0; i < VFS_PATH_MAX; i++) {
		if ((i == 0 || PAGE_ALIGN_DOWN(user + i) == (uintptr_t)(user + i)) &&
		    !user_readable(user + i, 1))
			return -EFAULT;
		buf[i] = user[i];
		if (!buf[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

/* Folds a relative path from the working directory or directory dirfd. */
static long fold_at(long dirfd, struct path_arg *p)
{
	if (p->given[0] == '/' || (int)dirfd == AT_FDCWD)
		return vfs_path_fold_from_cwd(p->given, p->path, &p->must_be_dir);
	struct file *f = fd_get((int)dirfd);
	if (!f)
		return -EBADF;
	struct vnode *v = vnode_file_vnode(f);
	long r = v && vnode_is_dir(v) ? vfs_path_fold(vnode_file_path(f), p->given, p->path,
						      &p->must_be_dir)
				      : -ENOTDIR;
	file_put(f);
	return r;
}

static long get_path(long dirfd, const char *user, struct path_arg **out)
{
	struct path_arg *p = kmalloc_buffer(sizeof *p);
	if (!p)
		return -ENOMEM;
	long r = copy_path(user, p->given);
	if (!r)
		r = p->given[0] ? fold_at(dirfd, p) : -ENOENT;
	if (r) {
		kfree(p, sizeof *p);
		return r;
	}
	*out = p;
	return 0;
}

static long on_path(long dirfd, const char *user, path_op op, long x, long y)
{
	struct path_arg *p;
	long r = get_path(dirfd, user, &p);

	if (r)
		return r;
	r = op(p, x, y);
	kfree(p, sizeof *p);
	return r;
}

/* AT_EMPTY_PATH with "" (or no path) names dirfd's file itself. */
static bool names_descriptor(const char *user, long flags)
{
	return (flags & AT_EMPTY_PATH) && (!user || (user_readable(user, 1) && !*user));
}

static long write_statfs(struct linux_statfs *user, const struct vfs_statfs *s)
{
	if (!user_writable(user, sizeof *user))
		return -EFAULT;
	*user = (struct linux_statfs){
		.type = (int64_t)s->type,
		.bsize = (int64_t)s->block_size,
		.blocks = s->blocks,
		.bfree = s->blocks_free,
		.bavail = s->blocks_free,
		.files = s->files,
		.ffree = s->files_free,
		.namelen = s->name_max,
		.frsize = (int64_t)s->block_size,
		.flags = ST_VALID | (s->read_only ? ST_RDONLY : 0),
	};
	return 0;
}

/* The file behind fd, with the vnode it shows (NULL for other files). */
static struct file *get_fd(long fd, struct vnode **v)
{
	struct file *f = fd_get((int)fd);
	*v = f ? vnode_file_vnode(f) : NULL;
	return f;
}

/* fchmod, fchown, futimens: accepted and dropped, as on paths. */
static long fd_change(long fd)
{
	struct vnode *v;
	struct file *f = get_fd(fd, &v);

	if (!f)
		return -EBADF;
	long r = v && v->mount->read_only ? -EROFS : 0;
	file_put(f);
	return r;
}

static long op_open(const struct path_arg *p, long flags, long mode)
{
	return vfs_open(p->path, p->must_be_dir, (int)flags, (uint32_t)mode);
}

long sys_open(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_open, a->arg[1], a->arg[2]);
}

long sys_openat(const struct syscall_args *a)
{
	return on_path(a->arg[0], (const char *)a->arg[1], op_open, a->arg[2], a->arg[3]);
}

long sys_creat(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_open, O_CREAT | O_WRONLY | O_TRUNC,
		       a->arg[1]);
}

static long write_stat(struct linux_stat *user, const struct file_stat *st)
{
	if (!user_writable(user, sizeof *user))
		return -EFAULT;
	*user = (struct linux_stat){
		.dev = st->dev,
		.ino = st->ino,
		.nlink = st->links,
		.mode = st->mode,
		.size = (int64_t)st->size,
		.blksize = BLOCK_SIZE,
		.blocks = (int64_t)((st->size + 511) / 512),
		.atime = st->mtime,
		.atime_nsec = st->mtime_nsec,
		.mtime = st->mtime,
		.mtime_nsec = st->mtime_nsec,
		.ctime = st->mtime,
		.ctime_nsec = st->mtime_nsec,
	};
	return 0;
}

/* Files without a position (console, sockets...) report only their
 * descriptor's existence: every field zero but the block size. */
static long stat_fd(long fd, struct linux_stat *user)
{
	struct file_stat st = { 0 };
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = f->ops->stat ? f->ops->stat(f, &st) : 0;
	file_put(f);
	return r ? r : write_stat(user, &st);
}

static long op_stat(const struct path_arg *p, long user, long unused)
{
	struct file_stat st;
	long r = vfs_stat(p->path, p->must_be_dir, &st);

	(void)unused;
	return r ? r : write_stat((struct linux_stat *)user, &st);
}

/* There are no symbolic links, so AT_SYMLINK_NOFOLLOW changes nothing. */
static long stat_at(long dirfd, const char *user_path, struct linux_stat *user, long flags)
{
	if (names_descriptor(user_path, flags))
		return stat_fd(dirfd, user);
	return on_path(dirfd, user_path, op_stat, (long)user, 0);
}

long sys_stat(const struct syscall_args *a)
{
	return stat_at(AT_FDCWD, (const char *)a->arg[0], (struct linux_stat *)a->arg[1], 0);
}

long sys_fstat(const struct syscall_args *a)
{
	return stat_fd(a->arg[0], (struct linux_stat *)a->arg[1]);
}

long sys_newfstatat(const struct syscall_args *a)
{
	return stat_at(a->arg[0], (const char *)a->arg[1], (struct linux_stat *)a->arg[2], a->arg[3]);
}

static long op_access(const struct path_arg *p, long mode, long unused)
{
	(void)unused;
	return vfs_access(p->path, p->must_be_dir, (int)mode);
}

long sys_access(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_access, a->arg[1], 0);
}

/* faccessat and faccessat2: the flags (AT_EACCESS) change nothing, as
 * there is one user. */
long sys_faccessat(const struct syscall_args *a)
{
	return on_path(a->arg[0], (const char *)a->arg[1], op_access, a->arg[2], 0);
}

static long op_mkdir(const struct path_arg *p, long mode, long unused)
{
	(void)unused;
	return vfs_mkdir(p->path, (uint32_t)mode);
}

long sys_mkdir(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_mkdir, a->arg[1], 0);
}

long sys_mkdirat(const struct syscall_args *a)
{
	return on_path(a->arg[0], (const char *)a->arg[1], op_mkdir, a->arg[2], 0);
}

static long op_unlink(const struct path_arg *p, long flags, long unused)
{
	(void)unused;
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return flags & AT_REMOVEDIR ? vfs_rmdir(p->path) : vfs_unlink(p->path, p->must_be_dir);
}

long sys_unlink(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_unlink, 0, 0);
}

long sys_unlinkat(const struct syscall_args *a)
{
	return on_path(a->arg[0], (const char *)a->arg[1], op_unlink, a->arg[2], 0);
}

long sys_rmdir(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_unlink, AT_REMOVEDIR, 0);
}

static long rename_at(long from_dirfd, const char *from, long to_dirfd, const char *to, long flags)
{
	struct path_arg *source, *target;

	if (flags & ~(long)RENAME_NOREPLACE)
		return -EINVAL;
	long r = get_path(from_dirfd, from, &source);
	if (r)
		return r;
	r = get_path(to_dirfd, to, &target);
	if (!r) {
		r = vfs_rename(source->path, target->path, !(flags & RENAME_NOREPLACE));
		kfree(target, sizeof *target);
	}
	kfree(source, sizeof *source);
	return r;
}

long sys_rename(const struct syscall_args *a)
{
	return rename_at(AT_FDCWD, (const char *)a->arg[0], AT_FDCWD, (const char *)a->arg[1], 0);
}

long sys_renameat(const struct syscall_args *a)
{
	return rename_at(a->arg[0], (const char *)a->arg[1], a->arg[2], (const char *)a->arg[3], 0);
}

long sys_renameat2(const struct syscall_args *a)
{
	return rename_at(a->arg[0], (const char *)a->arg[1], a->arg[2], (const char *)a->arg[3],
			 a->arg[4]);
}

static long op_truncate(const struct path_arg *p, long size, long unused)
{
	(void)unused;
	return vfs_truncate(p->path, p->must_be_dir, (uint64_t)size);
}

long sys_truncate(const struct syscall_args *a)
{
	if (a->arg[1] < 0)
		return -EINVAL;
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_truncate, a->arg[1], 0);
}

static long op_statfs(const struct path_arg *p, long user, long unused)
{
	struct vfs_statfs s;
	long r = vfs_statfs(p->path, &s);

	(void)unused;
	return r ? r : write_statfs((struct linux_statfs *)user, &s);
}

long sys_statfs(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_statfs, a->arg[1], 0);
}

static long op_chdir(const struct path_arg *p, long x, long y)
{
	(void)x, (void)y;
	return vfs_chdir(p->path);
}

long sys_chdir(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_chdir, 0, 0);
}

long sys_getcwd(const struct syscall_args *a)
{
	char *user = (char *)a->arg[0];
	size_t size = (size_t)a->arg[1];
	char *cwd = kmalloc_buffer(VFS_PATH_MAX);

	if (!cwd)
		return -ENOMEM;
	vfs_getcwd(cwd);
	size_t len = strlen(cwd) + 1;
	long r = size < len ? -ERANGE : !user_writable(user, len) ? -EFAULT : (long)len;
	if (r > 0)
		memcpy(user, cwd, len);
	kfree(cwd, VFS_PATH_MAX);
	return r;
}

static long op_accept(const struct path_arg *p, long x, long y)
{
	(void)x, (void)y;
	return vfs_accept_change(p->path);
}

/* chmod, chown and lchown: the path comes first. */
long sys_chmod(const struct syscall_args *a)
{
	return on_path(AT_FDCWD, (const char *)a->arg[0], op_accept, 0, 0);
}

long sys_fchmodat(const struct syscall_args *a)
{
	return on_path(a->arg[0], (const char *)a->arg[1], op_accept, 0, 0);
}

long sys_fchownat(const struct syscall_args *a)
{
	if (names_descriptor((const char *)a->arg[1], a->arg[4]))
		return fd_change(a->arg[0]);
	return on_path(a->arg[0], (const char *)a->arg[1], op_accept, 0, 0);
}

/* Times are accepted and dropped: FAT keeps its own (see vfs_ops.h). */
long sys_utimensat(const struct syscall_args *a)
{
	const char *user_path = (const char *)a->arg[1];
	const void *times = (const void *)a->arg[2];

	if (times && !user_readable(times, 2 * 2 * sizeof(int64_t)))
		return -EFAULT;
	if (!user_path || names_descriptor(user_path, a->arg[3]))
		return fd_change(a->arg[0]);
	return on_path(a->arg[0], user_path, op_accept, 0, 0);
}

long sys_umask(const struct syscall_args *a)
{
	return vfs_umask((uint32_t)a->arg[0]);
}

/* fchmod and fchown. */
long sys_fchmod(const struct syscall_args *a)
{
	return fd_change(a->arg[0]);
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

/* pread64 and pwrite64: the buffer is written to when reading. */
static long transfer_at(const struct syscall_args *a, bool reading)
{
	void *buf = (void *)a->arg[1];
	size_t len = (size_t)a->arg[2];

	if (a->arg[3] < 0)
		return -EINVAL;
	if (reading ? !user_writable(buf, len) : !user_readable(buf, len))
		return -EFAULT;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r;
	if ((f->status_flags & O_ACCMODE) == (reading ? O_WRONLY : O_RDONLY))
		r = -EBADF;
	else if (reading ? !f->ops->pread : !f->ops->pwrite)
		r = -ESPIPE;
	else if (!len)
		r = 0;
	else
		r = reading ? f->ops->pread(f, buf, len, (uint64_t)a->arg[3])
			    : f->ops->pwrite(f, buf, len, (uint64_t)a->arg[3]);
	file_put(f);
	return r;
}

long sys_pread64(const struct syscall_args *a)
{
	return transfer_at(a, true);
}

long sys_pwrite64(const struct syscall_args *a)
{
	return transfer_at(a, false);
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

long sys_ftruncate(const struct syscall_args *a)
{
	if (a->arg[1] < 0)
		return -EINVAL;
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	long r = f->ops->truncate ? f->ops->truncate(f, (uint64_t)a->arg[1]) : -EINVAL;
	file_put(f);
	return r;
}

static long sync_fd(long fd, bool data_only)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = f->ops->fsync ? f->ops->fsync(f, data_only) : -EINVAL;
	file_put(f);
	return r;
}

long sys_fsync(const struct syscall_args *a)
{
	return sync_fd(a->arg[0], false);
}

long sys_fdatasync(const struct syscall_args *a)
{
	return sync_fd(a->arg[0], true);
}

/* Advice is only a hint, and this kernel keeps no page cache for it to
 * steer: it is checked as Linux checks it and then ignored. */
long sys_fadvise64(const struct syscall_args *a)
{
	struct file *f = fd_get((int)a->arg[0]);
	if (!f)
		return -EBADF;
	file_put(f);
	bool known = a->arg[3] >= 0 && a->arg[3] <= POSIX_FADV_NOREUSE;
	return a->arg[2] < 0 || !known ? -EINVAL : 0;
}

/* sync(2) cannot fail; a mount that could not be written back is
 * reported on the console by the layer. */
long sys_sync(const struct syscall_args *a)
{
	(void)a;
	vfs_sync_all();
	return 0;
}

long sys_syncfs(const struct syscall_args *a)
{
	struct vnode *v;
	struct file *f = get_fd(a->arg[0], &v);

	if (!f)
		return -EBADF;
	struct mount *m = v ? v->mount : NULL;
	long r = m && !m->read_only && m->ops->sync ? m->ops->sync(m) : 0;
	file_put(f);
	return r;
}

long sys_fstatfs(const struct syscall_args *a)
{
	struct vnode *v;
	struct file *f = get_fd(a->arg[0], &v);
	struct vfs_statfs s;

	if (!f)
		return -EBADF;
	long r = v ? v->mount->ops->statfs(v->mount, &s) : -EINVAL;
	file_put(f);
	return r ? r : write_statfs((struct linux_statfs *)a->arg[1], &s);
}

long sys_fchdir(const struct syscall_args *a)
{
	struct vnode *v;
	struct file *f = get_fd(a->arg[0], &v);

	if (!f)
		return -EBADF;
	long r = v ? vfs_chdir(vnode_file_path(f)) : -ENOTDIR;
	file_put(f);
	return r;
}
