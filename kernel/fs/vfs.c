/*
 * vfs.c: the file-system layer's core (see vfs.h): vnode references, the
 * mount table, resolving a folded path across mounts to a vnode, the
 * working directory and sync of every mount.
 *
 * Mounts are only ever added, so a mount pointer read from the table
 * stays valid without a lock; the count is published after the slot.
 */
#include "fs/vfs.h"

#include "console.h"
#include "fs/boot_mounts.h"
#include "fs/embedded_fs.h"
#include "fs/shared_pages.h"
#include "fs/vnode_file.h"
#include "lib/errno.h"
#include "sync/spinlock.h"

#include <string.h>

static struct mount *mounts[VFS_MOUNT_MAX];
static unsigned mount_count;
static struct spinlock mount_table_lock; /* serialises vfs_mount */

static char cwd[VFS_PATH_MAX] = "/";
static struct spinlock cwd_lock;

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_ACQ_REL);
}

void vnode_put(struct vnode *v)
{
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL))
		return;
	shared_pages_discard(v);
	if (v->ops->release)
		v->ops->release(v);
}

bool vnode_is_dir(const struct vnode *v)
{
	return (v->mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

struct mount *vfs_mount_at(unsigned index)
{
	return index < __atomic_load_n(&mount_count, __ATOMIC_ACQUIRE) ? mounts[index] : NULL;
}

/* m->path is written before m is in the table, so no reader sees it
 * change; a mount refused keeps the folded path, unused. */
int vfs_mount(struct mount *m, const char *path)
{
	bool dir;
	int r = *path == '/' ? vfs_path_fold("/", path, m->path, &dir) : -EINVAL;

	if (r)
		return r;
	spin_lock(&mount_table_lock);
	for (unsigned i = 0; i < mount_count && !r; i++)
		if (!strcmp(mounts[i]->path, m->path))
			r = -EBUSY;
	if (!r && mount_count == VFS_MOUNT_MAX)
		r = -ENOSPC;
	if (!r) {
		mounts[mount_count] = m;
		__atomic_store_n(&mount_count, mount_count + 1, __ATOMIC_RELEASE);
	}
	spin_unlock(&mount_table_lock);
	return r;
}

void vfs_init(void)
{
	int r = vfs_mount(embedded_fs_mount(), "/");
	if (r)
		kprintf("lull: mounting the embedded files at / failed (error %d)\n", -r);
	vnode_file_init();
	shared_pages_init();
}

/* The length of mount path mp if it is path or a directory above it. */
static size_t mount_prefix(const char *mp, const char *path)
{
	size_t len = strlen(mp);

	if (len == 1)
		return 1;
	return !strncmp(mp, path, len) && (path[len] == '\0' || path[len] == '/') ? len : 0;
}

/* The mount owning path (the longest mount path above it) and the rest of
 * path below that mount's root ("" for the root itself). */
static struct mount *owning_mount(const char *path, const char **rest)
{
	struct mount *best = NULL;
	size_t best_len = 0;

	boot_mounts_ensure();
	for (unsigned i = 0; vfs_mount_at(i); i++) {
		size_t len = mount_prefix(mounts[i]->path, path);
		if (len > best_len) {
			best = mounts[i];
			best_len = len;
		}
	}
	if (best)
		*rest = path + best_len + (path[best_len] == '/');
	return best;
}

const char *vfs_mount_name_in(const char *dir, const char *path)
{
	size_t len = strlen(dir);

	if (len == 1)
		len = 0;
	if (strncmp(dir, path, len) || path[len] != '/' || !path[len + 1])
		return NULL;
	return strchr(path + len + 1, '/') ? NULL : path + len + 1;
}

/* Follows the first `len` bytes of rest (components separated by single
 * slashes) down from `from`. */
static int walk(struct vnode *from, const char *rest, size_t len, struct vnode **out)
{
	struct vnode *cur = from;
	char name[VFS_NAME_MAX + 1];

	vnode_get(cur);
	for (size_t at = 0; at < len;) {
		const char *slash = memchr(rest + at, '/', len - at);
		size_t name_len = slash ? (size_t)(slash - (rest + at)) : len - at;
		memcpy(name, rest + at, name_len);
		name[name_len] = '\0';
		at += name_len + 1;
		struct vnode *next;
		int r = vnode_is_dir(cur) ? cur->ops->lookup(cur, name, &next) : -ENOTDIR;
		vnode_put(cur);
		if (r)
			return r;
		cur = next;
	}
	*out = cur;
	return 0;
}

int vfs_lookup(const char *path, struct vnode **out)
{
	const char *rest;
	struct mount *m = owning_mount(path, &rest);

	return m ? walk(m->root, rest, strlen(rest), out) : -ENOENT;
}

int vfs_lookup_parent(const char *path, struct vnode **dir, const char **name)
{
	const char *rest;
	struct mount *m = owning_mount(path, &rest);

	if (!m)
		return -ENOENT;
	if (!*rest)
		return -EBUSY;
	const char *slash = strrchr(rest, '/');
	*name = slash ? slash + 1 : rest;
	int r = walk(m->root, rest, slash ? (size_t)(slash - rest) : 0, dir);
	if (!r && !vnode_is_dir(*dir)) {
		vnode_put(*dir);
		r = -ENOTDIR;
	}
	return r;
}

int vnode_stat(struct vnode *v, struct file_stat *st)
{
	*st = (struct file_stat){ 0 };
	int r = v->ops->stat(v, st);
	for (unsigned i = 0; vfs_mount_at(i); i++)
		if (mounts[i] == v->mount)
			st->dev = i + 1;
	return r;
}

int vfs_path_fold_from_cwd(const char *path, char *out, bool *must_be_dir)
{
	spin_lock(&cwd_lock);
	int r = vfs_path_fold(cwd, path, out, must_be_dir);
	spin_unlock(&cwd_lock);
	return r;
}

int vfs_chdir(const char *path)
{
	struct vnode *v;
	int r = vfs_lookup(path, &v);

	if (r)
		return r;
	bool dir = vnode_is_dir(v);
	vnode_put(v);
	if (!dir)
		return -ENOTDIR;
	spin_lock(&cwd_lock);
	memcpy(cwd, path, strlen(path) + 1);
	spin_unlock(&cwd_lock);
	return 0;
}

void vfs_getcwd(char *out)
{
	spin_lock(&cwd_lock);
	memcpy(out, cwd, strlen(cwd) + 1);
	spin_unlock(&cwd_lock);
}

int vfs_sync_all(void)
{
	int first = 0;

	for (unsigned i = 0; vfs_mount_at(i); i++) {
		struct mount *m = mounts[i];
		if (m->read_only || !m->ops->sync)
			continue;
		int r = m->ops->sync(m);
		if (r)
			kprintf("lull: writing back %s failed (error %d)\n", m->path, -r);
		if (r && !first)
			first = r;
	}
	return first;
}
