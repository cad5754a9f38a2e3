/*
 * vfs_ops.c: operations on paths (see vfs_ops.h): the checks every file
 * system would otherwise repeat (types, read-only mounts, mount points,
 * the umask), then one call into the file system's vnode_ops.
 */
#include "fs/vfs_ops.h"

#include "fs/shared_pages.h"
#include "fs/vnode_file.h"
#include "lib/errno.h"
#include "syscall/linux_abi.h"

#include <string.h>

#define PERMISSION_BITS 07777

static uint32_t umask_bits = 022;

uint32_t vfs_umask(uint32_t mask)
{
	return __atomic_exchange_n(&umask_bits, mask & 0777, __ATOMIC_ACQ_REL);
}

static uint32_t masked(uint32_t mode)
{
	return mode & PERMISSION_BITS & ~__atomic_load_n(&umask_bits, __ATOMIC_ACQUIRE);
}

static int lookup_checked(const char *path, bool must_be_dir, struct vnode **out)
{
	int r = vfs_lookup(path, out);

	if (!r && must_be_dir && !vnode_is_dir(*out)) {
		vnode_put(*out);
		r = -ENOTDIR;
	}
	return r;
}

/* Creates path's last component (a mount's root is a name already taken). */
static int create(const char *path, uint32_t mode, struct vnode **out)
{
	struct vnode *dir, *existing;
	const char *name;
	int r = vfs_lookup_parent(path, &dir, &name);

	if (r)
		return r == -EBUSY ? -EEXIST : r;
	r = dir->ops->lookup(dir, name, &existing);
	if (!r) {
		vnode_put(existing);
		r = -EEXIST;
	} else if (r == -ENOENT) {
		r = dir->mount->read_only ? -EROFS : dir->ops->create(dir, name, mode, out);
	}
	vnode_put(dir);
	return r;
}

static int check_open(struct vnode *v, bool must_be_dir, int flags, bool created)
{
	bool dir = vnode_is_dir(v);
	bool writing = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);

	if (!created && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (!dir && (must_be_dir || (flags & O_DIRECTORY)))
		return -ENOTDIR;
	if (dir && (writing || (flags & O_CREAT)))
		return -EISDIR;
	if (writing && v->mount->read_only)
		return -EROFS;
	if ((flags & O_TRUNC) && !created)
		return shared_pages_truncate(v, 0);
	return 0;
}

long vfs_open(const char *path, bool must_be_dir, int flags, uint32_t mode)
{
	struct vnode *v;
	bool created = false;
	int r = vfs_lookup(path, &v);

	if (r == -ENOENT && (flags & O_CREAT)) {
		r = must_be_dir ? -EISDIR : create(path, VFS_S_IFREG | masked(mode), &v);
		created = !r;
		if (r == -EEXIST && !(flags & O_EXCL)) /* another thread created it */
			r = vfs_lookup(path, &v);
	}
	if (r)
		return r;
	r = check_open(v, must_be_dir, flags, created);
	if (r) {
		vnode_put(v);
		return r;
	}
	return vnode_file_open(v, path, flags);
}

int vfs_mkdir(const char *path, uint32_t mode)
{
	struct vnode *v;
	int r = create(path, VFS_S_IFDIR | masked(mode), &v);

	if (!r)
		vnode_put(v);
	return r;
}

/* What unlink("name/") says: only a directory may have a trailing slash,
 * and a directory is not unlinked. */
static int unlink_with_slash(struct vnode *dir, const char *name)
{
	struct vnode *v;
	int r = dir->ops->lookup(dir, name, &v);

	if (r)
		return r;
	r = vnode_is_dir(v) ? -EISDIR : -ENOTDIR;
	vnode_put(v);
	return r;
}

int vfs_unlink(const char *path, bool must_be_dir)
{
	struct vnode *dir;
	const char *name;
	int r = vfs_lookup_parent(path, &dir, &name);

	if (r)
		return r;
	if (must_be_dir)
		r = unlink_with_slash(dir, name);
	else
		r = dir->mount->read_only ? -EROFS : dir->ops->unlink(dir, name);
	vnode_put(dir);
	return r;
}

int vfs_rmdir(const char *path)
{
	struct vnode *dir;
	const char *name;
	int r = vfs_lookup_parent(path, &dir, &name);

	if (r)
		return r;
	r = dir->mount->read_only ? -EROFS : dir->ops->rmdir(dir, name);
	vnode_put(dir);
	return r;
}

static bool is_below(const char *path, const char *dir)
{
	size_t len = strlen(dir);
	return !strncmp(path, dir, len) && path[len] == '/';
}

/* Checks what the layer knows of a rename before the file system sees it. */
static int check_rename(struct vnode *from_dir, const char *from, struct vnode *to_dir,
			const char *to_name, const char *to, bool replace)
{
	struct vnode *existing;

	if (from_dir->mount != to_dir->mount)
		return -EXDEV;
	if (from_dir->mount->read_only)
		return -EROFS;
	if (is_below(to, from))
		return -EINVAL;
	for (unsigned i = 0; vfs_mount_at(i); i++)
		if (is_below(vfs_mount_at(i)->path, from))
			return -EBUSY;
	if (!replace && !to_dir->ops->lookup(to_dir, to_name, &existing)) {
		vnode_put(existing);
		return -EEXIST;
	}
	return 0;
}

int vfs_rename(const char *from, const char *to, bool replace)
{
	struct vnode *from_dir, *to_dir, *v;
	const char *from_name, *to_name;
	int r = vfs_lookup_parent(from, &from_dir, &from_name);

	if (r)
		return r;
	r = vfs_lookup_parent(to, &to_dir, &to_name);
	if (r) {
		vnode_put(from_dir);
		return r;
	}
	r = check_rename(from_dir, from, to_dir, to_name, to, replace);
	if (!r && !strcmp(from, to)) {
		r = from_dir->ops->lookup(from_dir, from_name, &v);
		if (!r)
			vnode_put(v);
	} else if (!r) {
		r = from_dir->ops->rename(from_dir, from_name, to_dir, to_name);
	}
	vnode_put(to_dir);
	vnode_put(from_dir);
	return r;
}

int vfs_truncate(const char *path, bool must_be_dir, uint64_t size)
{
	struct vnode *v;
	int r = lookup_checked(path, must_be_dir, &v);

	if (r)
		return r;
	r = vnode_is_dir(v) ? -EISDIR : v->mount->read_only ? -EROFS : shared_pages_truncate(v, size);
	vnode_put(v);
	return r;
}

int vfs_stat(const char *path, bool must_be_dir, struct file_stat *st)
{
	struct vnode *v;
	int r = lookup_checked(path, must_be_dir, &v);

	if (r)
		return r;
	r = vnode_stat(v, st);
	vnode_put(v);
	return r;
}

int vfs_statfs(const char *path, struct vfs_statfs *out)
{
	struct vnode *v;
	int r = vfs_lookup(path, &v);

	if (r)
		return r;
	r = v->mount->ops->statfs(v->mount, out);
	vnode_put(v);
	return r;
}

int vfs_access(const char *path, bool must_be_dir, int mode)
{
	struct vnode *v;
	int r = lookup_checked(path, must_be_dir, &v);

	if (r)
		return r;
	r = (mode & W_OK) && v->mount->read_only ? -EROFS : 0;
	vnode_put(v);
	return r;
}

int vfs_accept_change(const char *path)
{
	struct vnode *v;
	int r = vfs_lookup(path, &v);

	if (r)
		return r;
	r = v->mount->read_only ? -EROFS : 0;
	vnode_put(v);
	return r;
}
