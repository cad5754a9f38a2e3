/*
 * vnode_file.c: open vnodes as struct files. Each open keeps its own
 * position (shared by dup'd descriptors, as an open file description is)
 * under a mutex, since a read or write may wait for the disk with it.
 *
 * O_APPEND: finding the end and writing there must not interleave with
 * another appender to the same file, or two records would land at one
 * offset. A striped table of mutexes, chosen by vnode, serialises them
 * (struct vnode has no lock of its own).
 *
 * A directory's position says what getdents64 lists next: "." and ".."
 * (0 and 1), the mounts directly inside it (2 + mount index), then the
 * file system's entries (DIR_ENTRIES_BASE + the file system's cookie).
 */
#include "fs/vnode_file.h"

#include "fs/shared_pages.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "sync/mutex.h"
#include "syscall/linux_abi.h"

#include <string.h>

#define APPEND_LOCKS 32
#define DIR_MOUNTS_BASE 2
#define DIR_ENTRIES_BASE (DIR_MOUNTS_BASE + VFS_MOUNT_MAX)

struct vnode_open {
	struct vnode *vnode;
	struct mutex lock; /* guards position */
	uint64_t position;
	char *path;
	size_t path_size;
};

static const struct file_ops vnode_file_ops;
static struct mutex append_locks[APPEND_LOCKS];

void vnode_file_init(void)
{
	for (unsigned i = 0; i < APPEND_LOCKS; i++)
		mutex_init(&append_locks[i]);
}

static struct vnode *vnode_of(struct file *f)
{
	return ((struct vnode_open *)f->data)->vnode;
}

static bool read_only_descriptor(const struct file *f)
{
	return (f->status_flags & O_ACCMODE) == O_RDONLY;
}

/* Writes at the end of the file and sets *end past what was written. */
static long append(struct vnode *v, const void *buf, size_t len, uint64_t *end)
{
	struct mutex *lock = &append_locks[((uintptr_t)v / sizeof *v) % APPEND_LOCKS];
	struct file_stat st;

	mutex_lock(lock);
	long r = v->ops->stat(v, &st);
	if (!r)
		r = shared_pages_write(v, buf, len, st.size);
	if (r > 0)
		*end = st.size + (uint64_t)r;
	mutex_unlock(lock);
	return r;
}

static long vnode_read(struct file *f, void *buf, size_t len)
{
	struct vnode_open *o = f->data;

	if (vnode_is_dir(o->vnode))
		return -EISDIR;
	mutex_lock(&o->lock);
	long r = shared_pages_read(o->vnode, buf, len, o->position);
	if (r > 0)
		o->position += (uint64_t)r;
	mutex_unlock(&o->lock);
	return r;
}

static long vnode_write(struct file *f, const void *buf, size_t len)
{
	struct vnode_open *o = f->data;
	long r;

	mutex_lock(&o->lock);
	if (f->status_flags & O_APPEND) {
		r = append(o->vnode, buf, len, &o->position);
	} else {
		r = shared_pages_write(o->vnode, buf, len, o->position);
		if (r > 0)
			o->position += (uint64_t)r;
	}
	mutex_unlock(&o->lock);
	return r;
}

/* A regular file is always ready, as poll(2) says. */
static unsigned vnode_poll(struct file *f)
{
	(void)f;
	return FILE_READABLE | FILE_WRITABLE;
}

static void vnode_release(struct file *f)
{
	struct vnode_open *o = f->data;

	vnode_put(o->vnode);
	kfree(o->path, o->path_size);
	kfree(o, sizeof *o);
}

static long vnode_pread(struct file *f, void *buf, size_t len, uint64_t offset)
{
	struct vnode *v = vnode_of(f);
	return vnode_is_dir(v) ? -EISDIR : shared_pages_read(v, buf, len, offset);
}

/* As on Linux, an O_APPEND descriptor appends whatever the offset. */
static long vnode_pwrite(struct file *f, const void *buf, size_t len, uint64_t offset)
{
	struct vnode *v = vnode_of(f);
	uint64_t end;

	if (read_only_descriptor(f))
		return -EBADF;
	return f->status_flags & O_APPEND ? append(v, buf, len, &end)
					  : shared_pages_write(v, buf, len, offset);
}

/* A directory's position is only ever set back to one seen before (or 0). */
static long vnode_seek(struct file *f, int64_t offset, int whence)
{
	struct vnode_open *o = f->data;
	struct file_stat st;
	int64_t base = -1;

	mutex_lock(&o->lock);
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (int64_t)o->position;
	else if (whence == SEEK_END && !vnode_is_dir(o->vnode) && !o->vnode->ops->stat(o->vnode, &st))
		base = (int64_t)st.size;
	long r = -EINVAL;
	if (base >= 0 && !(offset > 0 && base > INT64_MAX - offset) && base + offset >= 0) {
		o->position = (uint64_t)(base + offset);
		r = (long)o->position;
	}
	mutex_unlock(&o->lock);
	return r;
}

static long vnode_file_stat(struct file *f, struct file_stat *st)
{
	return vnode_stat(vnode_of(f), st);
}

static long vnode_truncate(struct file *f, uint64_t size)
{
	struct vnode *v = vnode_of(f);
	return read_only_descriptor(f) || vnode_is_dir(v) ? -EINVAL : shared_pages_truncate(v, size);
}

static long vnode_fsync(struct file *f, bool data_only)
{
	struct vnode *v = vnode_of(f);
	return shared_pages_fsync(v, data_only);
}

/* getdents64's buffer being filled. */
struct dirent_out {
	uint8_t *buf;
	size_t len, used;
	bool full; /* a record did not fit */
};

static bool put_dirent(struct dirent_out *out, uint64_t ino, uint64_t next, uint32_t mode,
		       const char *name)
{
	size_t name_len = strlen(name);
	size_t reclen = (sizeof(struct linux_dirent64) + name_len + 1 + 7) & ~(size_t)7;

	if (out->used + reclen > out->len) {
		out->full = true;
		return false;
	}
	struct linux_dirent64 *d = (struct linux_dirent64 *)(out->buf + out->used);
	d->ino = ino;
	d->off = (int64_t)next;
	d->reclen = (uint16_t)reclen;
	d->type = (mode & VFS_S_IFMT) == VFS_S_IFDIR ? DT_DIR : DT_REG;
	memcpy(d->name, name, name_len + 1);
	memset(d->name + name_len + 1, 0, reclen - sizeof *d - name_len - 1);
	out->used += reclen;
	return true;
}

/* The inode number of the directory above o's ("/" is its own parent). */
static uint64_t parent_ino(const struct vnode_open *o)
{
	const char *slash = strrchr(o->path, '/');
	size_t len = slash > o->path ? (size_t)(slash - o->path) : 1;
	char *parent = o->path[1] ? kmalloc(len + 1) : NULL;
	struct vnode *v;
	uint64_t ino = o->vnode->ino;

	if (!parent)
		return ino;
	memcpy(parent, o->path, len);
	parent[len] = '\0';
	if (!vfs_lookup(parent, &v)) {
		ino = v->ino;
		vnode_put(v);
	}
	kfree(parent, len + 1);
	return ino;
}

static bool list_dots(struct vnode_open *o, struct dirent_out *out)
{
	for (; o->position < DIR_MOUNTS_BASE; o->position++) {
		bool dot = o->position == 0;
		uint64_t ino = dot ? o->vnode->ino : parent_ino(o);
		if (!put_dirent(out, ino, o->position + 1, VFS_S_IFDIR, dot ? "." : ".."))
			return false;
	}
	return true;
}

static bool list_mounts(struct vnode_open *o, struct dirent_out *out)
{
	for (; o->position < DIR_ENTRIES_BASE; o->position++) {
		struct mount *m = vfs_mount_at((unsigned)(o->position - DIR_MOUNTS_BASE));
		if (!m) {
			o->position = DIR_ENTRIES_BASE;
			break;
		}
		const char *name = vfs_mount_name_in(o->path, m->path);
		if (name && !put_dirent(out, m->root->ino, o->position + 1, VFS_S_IFDIR, name))
			return false;
	}
	return true;
}

/* A mount hides what the file system beneath has under the same name. */
static bool is_mount_point(const char *dir, const char *name)
{
	for (unsigned i = 0; vfs_mount_at(i); i++) {
		const char *mount_name = vfs_mount_name_in(dir, vfs_mount_at(i)->path);
		if (mount_name && !strcmp(mount_name, name))
			return true;
	}
	return false;
}

static int list_entries(struct vnode_open *o, struct dirent_out *out)
{
	struct vfs_dirent e;

	for (;;) {
		uint64_t cookie = o->position - DIR_ENTRIES_BASE;
		int r = o->vnode->ops->readdir(o->vnode, &cookie, &e);
		if (r <= 0)
			return r;
		if (!is_mount_point(o->path, e.name) &&
		    !put_dirent(out, e.ino, cookie + DIR_ENTRIES_BASE, e.mode, e.name))
			return 0;
		o->position = cookie + DIR_ENTRIES_BASE;
	}
}

static long vnode_getdents(struct file *f, void *buf, size_t len)
{
	struct vnode_open *o = f->data;
	struct dirent_out out = { .buf = buf, .len = len };
	int r = 0;

	if (!vnode_is_dir(o->vnode))
		return -ENOTDIR;
	mutex_lock(&o->lock);
	if (list_dots(o, &out) && list_mounts(o, &out))
		r = list_entries(o, &out);
	mutex_unlock(&o->lock);
	if (out.used)
		return (long)out.used;
	return r < 0 ? r : out.full ? -EINVAL : 0;
}

static const struct file_ops vnode_file_ops = {
	.read = vnode_read,
	.write = vnode_write,
	.poll = vnode_poll,
	.release = vnode_release,
	.pread = vnode_pread,
	.pwrite = vnode_pwrite,
	.seek = vnode_seek,
	.stat = vnode_file_stat,
	.getdents = vnode_getdents,
	.truncate = vnode_truncate,
	.fsync = vnode_fsync,
};

long vnode_file_open(struct vnode *v, const char *path, int flags)
{
	size_t path_size = strlen(path) + 1;
	struct vnode_open *o = kmalloc(sizeof *o);
	char *copy = o ? kmalloc(path_size) : NULL;
	struct file *f = copy ? file_create(&vnode_file_ops, o) : NULL;

	if (!f) {
		if (copy)
			kfree(copy, path_size);
		if (o)
			kfree(o, sizeof *o);
		vnode_put(v);
		return -ENOMEM;
	}
	memcpy(copy, path, path_size);
	*o = (struct vnode_open){ .vnode = v, .path = copy, .path_size = path_size };
	mutex_init(&o->lock);
	f->nonblocking = flags & O_NONBLOCK;
	f->status_flags = flags & (O_ACCMODE | O_APPEND);
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return fd;
}

struct vnode *vnode_file_vnode(struct file *f)
{
	return f->ops == &vnode_file_ops ? vnode_of(f) : NULL;
}

const char *vnode_file_path(struct file *f)
{
	return ((struct vnode_open *)f->data)->path;
}
