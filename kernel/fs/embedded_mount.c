/*
 * embedded_mount.c: the embedded tree (embedded_fs.c) as a file system of
 * the layer: vnode_ops and mount_ops over its entries, mounted read-only.
 *
 * Entries never change, so two vnodes of one entry can never disagree:
 * each lookup makes a fresh vnode (the entry's index in fs_data) and the
 * last put frees it; only the root's vnode lives as long as the mount.
 */
#include "fs/embedded_fs.h"

#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"

#include <string.h>

#define ROMFS_MAGIC 0x7275
#define STATFS_BLOCK_SIZE 4096

static const struct vnode_ops embedded_vnode_ops;

static uint32_t entry_of(const struct vnode *v)
{
	return (uint32_t)(uintptr_t)v->fs_data;
}

static uint32_t mode_of(uint32_t entry)
{
	struct file_stat st;
	embedded_fs_stat(entry, &st);
	return st.mode;
}

static struct vnode root_vnode = {
	.ops = &embedded_vnode_ops,
	.refs = 1, /* the mount's */
	.mode = VFS_S_IFDIR | 0555,
	.ino = EMBEDDED_FS_ROOT + 1,
	.fs_data = (void *)(uintptr_t)EMBEDDED_FS_ROOT,
};

static int embedded_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	char path[EMBEDDED_FS_MAX_PATH + 1];
	const char *prefix = embedded_fs_path(entry_of(dir));
	size_t prefix_len = strlen(prefix), name_len = strlen(name);
	size_t sep = prefix_len ? 1 : 0;

	if (prefix_len + sep + name_len > EMBEDDED_FS_MAX_PATH)
		return -ENOENT; /* longer than any stored path */
	memcpy(path, prefix, prefix_len);
	if (sep)
		path[prefix_len] = '/';
	memcpy(path + prefix_len + sep, name, name_len + 1);
	long entry = embedded_fs_find(path);
	if (entry < 0)
		return (int)entry;
	struct vnode *v = kmalloc(sizeof *v);
	if (!v)
		return -ENOMEM;
	*v = (struct vnode){
		.ops = &embedded_vnode_ops,
		.mount = dir->mount,
		.refs = 1,
		.mode = mode_of((uint32_t)entry),
		.ino = (uint64_t)entry + 1,
		.fs_data = (void *)(uintptr_t)entry,
	};
	*out = v;
	return 0;
}

/* Entries are sorted by path, so a directory's descendants follow it in
 * one run: the listing stops at the first entry outside it. */
static bool is_descendant(uint32_t entry, uint32_t dir)
{
	const char *dir_path = embedded_fs_path(dir);
	size_t len = strlen(dir_path);

	return !len || (!strncmp(embedded_fs_path(entry), dir_path, len) &&
			embedded_fs_path(entry)[len] == '/');
}

/* The cookie is the index of the next entry to look at. */
static int embedded_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
	uint32_t d = entry_of(dir), count = embedded_fs_count();
	uint64_t i = *cookie > d ? *cookie : (uint64_t)d + 1;

	for (; i < count && is_descendant((uint32_t)i, d); i++) {
		if (embedded_fs_entry((uint32_t)i)->parent != d)
			continue;
		out->ino = i + 1;
		out->mode = mode_of((uint32_t)i) & VFS_S_IFMT;
		memcpy(out->name, embedded_fs_name((uint32_t)i), strlen(embedded_fs_name((uint32_t)i)) + 1);
		*cookie = i + 1;
		return 1;
	}
	*cookie = i;
	return 0;
}

static long embedded_read(struct vnode *v, void *buf, size_t len, uint64_t offset)
{
	uint32_t entry = entry_of(v);
	uint64_t size = embedded_fs_entry(entry)->size;

	if (embedded_fs_is_dir(entry))
		return -EISDIR;
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	memcpy(buf, embedded_fs_data(entry) + offset, len);
	return (long)len;
}

static int embedded_stat(struct vnode *v, struct file_stat *st)
{
	embedded_fs_stat(entry_of(v), st);
	return 0;
}

static void embedded_release(struct vnode *v)
{
	if (v != &root_vnode)
		kfree(v, sizeof *v);
}

/* Every change to the tree is refused (the layer already refuses them on
 * a read-only mount; these keep the file system right on its own). */
static int refuse_create(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out)
{
	(void)dir, (void)name, (void)mode, (void)out;
	return -EROFS;
}

static int refuse_remove(struct vnode *dir, const char *name)
{
	(void)dir, (void)name;
	return -EROFS;
}

static int refuse_rename(struct vnode *from_dir, const char *from, struct vnode *to_dir,
			 const char *to)
{
	(void)from_dir, (void)from, (void)to_dir, (void)to;
	return -EROFS;
}

static long refuse_write(struct vnode *v, const void *buf, size_t len, uint64_t offset)
{
	(void)v, (void)buf, (void)len, (void)offset;
	return -EROFS;
}

static int refuse_truncate(struct vnode *v, uint64_t size)
{
	(void)v, (void)size;
	return -EROFS;
}

/* Nothing is ever written, so everything is as durable as it will be. */
static int embedded_fsync(struct vnode *v, bool data_only)
{
	(void)v, (void)data_only;
	return 0;
}

static const struct vnode_ops embedded_vnode_ops = {
	.lookup = embedded_lookup,
	.create = refuse_create,
	.unlink = refuse_remove,
	.rmdir = refuse_remove,
	.rename = refuse_rename,
	.readdir = embedded_readdir,
	.read = embedded_read,
	.write = refuse_write,
	.truncate = refuse_truncate,
	.fsync = embedded_fsync,
	.stat = embedded_stat,
	.release = embedded_release,
};

static int embedded_statfs(struct mount *m, struct vfs_statfs *out)
{
	uint64_t bytes = 0;

	(void)m;
	for (uint32_t i = 0; i < embedded_fs_count(); i++)
		bytes += embedded_fs_entry(i)->size;
	*out = (struct vfs_statfs){
		.type = ROMFS_MAGIC,
		.block_size = STATFS_BLOCK_SIZE,
		.blocks = (bytes + STATFS_BLOCK_SIZE - 1) / STATFS_BLOCK_SIZE,
		.files = embedded_fs_count(),
		.name_max = VFS_NAME_MAX,
		.read_only = true,
	};
	return 0;
}

static const struct mount_ops embedded_mount_ops = {
	.statfs = embedded_statfs,
};

static struct mount embedded_mount = {
	.ops = &embedded_mount_ops,
	.root = &root_vnode,
	.read_only = true,
};

struct mount *embedded_fs_mount(void)
{
	root_vnode.mount = &embedded_mount;
	return &embedded_mount;
}
