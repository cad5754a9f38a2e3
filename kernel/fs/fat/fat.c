/*
 * fat.c: mounting a FAT volume (fat_probe) and unmounting it, the vnode
 * and mount operation tables, and the file operations' entry points,
 * which take the volume's lock around file.c's work.
 *
 * Metadata changes go to the block cache as they happen (a file's entry
 * after each write), so fsync and sync are one thing: write back every
 * dirty sector of the disk and flush it. File data bypasses the cache in
 * whole sectors and is on the disk before the write returns.
 */
#include "fs/fat/fat.h"

#include "console.h"
#include "fs/block_cache.h"
#include "fs/fat/fat_internal.h"
#include "mm/kmalloc.h"

#include <stdarg.h>
#include <string.h>

#define MSDOS_SUPER_MAGIC 0x4d44

void fat_error(struct fat_volume *v, const char *fmt, ...)
{
	va_list ap;

	kprintf("fat: %s: ", v->disk->name);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
}

struct fat_node *fat_node_of(struct vnode *vn)
{
	return vn->fs_data;
}

struct fat_volume *fat_volume_of(struct vnode *vn)
{
	return fat_node_of(vn)->vol;
}

static long op_read(struct vnode *vn, void *buf, size_t len, uint64_t offset)
{
	struct fat_volume *v = fat_volume_of(vn);

	mutex_lock(&v->lock);
	long rc = fat_file_read(fat_node_of(vn), buf, len, offset);
	mutex_unlock(&v->lock);
	return rc;
}

static long op_write(struct vnode *vn, const void *buf, size_t len, uint64_t offset)
{
	struct fat_volume *v = fat_volume_of(vn);

	if (v->read_only)
		return -EROFS;
	mutex_lock(&v->lock);
	long rc = fat_file_write(fat_node_of(vn), buf, len, offset);
	mutex_unlock(&v->lock);
	return rc;
}

static int op_truncate(struct vnode *vn, uint64_t size)
{
	struct fat_volume *v = fat_volume_of(vn);

	if (v->read_only)
		return -EROFS;
	mutex_lock(&v->lock);
	int rc = fat_file_truncate(fat_node_of(vn), size);
	mutex_unlock(&v->lock);
	return rc;
}

static int sync_volume(struct fat_volume *v)
{
	if (v->read_only)
		return 0;
	mutex_lock(&v->lock);
	int rc = fat_write_fsinfo(v);
	int sync_rc = block_cache_sync(v->disk);
	mutex_unlock(&v->lock);
	return rc ? rc : sync_rc;
}

static int op_fsync(struct vnode *vn, bool data_only)
{
	(void)data_only;
	return sync_volume(fat_volume_of(vn));
}

static int op_stat(struct vnode *vn, struct file_stat *st)
{
	struct fat_node *n = fat_node_of(vn);
	struct fat_volume *v = n->vol;
	uint32_t clusters = 0;
	int rc = 0;

	mutex_lock(&v->lock);
	*st = (struct file_stat){ .ino = vn->ino, .mode = vn->mode, .links = 1, .size = n->entry.size };
	if (n->is_root && v->g.type != FAT32)
		st->size = (uint64_t)v->g.root_entries * FAT_DIRENT_SIZE;
	else if (fat_node_is_dir(n))
		rc = fat_chain_length(v, fat_node_cluster(n), NULL, &clusters);
	if (fat_node_is_dir(n) && clusters)
		st->size = (uint64_t)clusters * v->g.cluster_bytes;
	st->mtime = fat_time_to_unix(n->entry.mdate, n->entry.mtime);
	mutex_unlock(&v->lock);
	return rc;
}

const struct vnode_ops fat_vnode_ops = {
	.lookup = fat_lookup,
	.create = fat_create,
	.unlink = fat_unlink,
	.rmdir = fat_rmdir,
	.rename = fat_rename,
	.readdir = fat_readdir,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.fsync = op_fsync,
	.stat = op_stat,
	.release = fat_node_release,
};

static struct fat_volume *volume_of_mount(struct mount *m)
{
	return container_of(m, struct fat_volume, mount);
}

static int op_statfs(struct mount *m, struct vfs_statfs *out)
{
	struct fat_volume *v = volume_of_mount(m);

	mutex_lock(&v->lock);
	int rc = fat_count_free(v);
	*out = (struct vfs_statfs){
		.type = MSDOS_SUPER_MAGIC,
		.block_size = v->g.cluster_bytes,
		.blocks = v->g.cluster_count,
		.blocks_free = v->free_count,
		.name_max = FAT_LFN_MAX_UNITS,
		.read_only = v->read_only,
	};
	mutex_unlock(&v->lock);
	return rc;
}

static int op_sync(struct mount *m)
{
	return sync_volume(volume_of_mount(m));
}

static const struct mount_ops fat_mount_ops = {
	.statfs = op_statfs,
	.sync = op_sync,
};

int fat_probe(struct blockdev *disk, bool read_only, struct mount **out)
{
	struct fat_geometry g;
	int rc = fat_read_geometry(disk, &g);

	if (rc)
		return rc;
	struct fat_volume *v = kmalloc(sizeof *v);
	if (!v)
		return -ENOMEM;
	v->disk = disk;
	v->g = g;
	v->read_only = read_only || disk->read_only;
	v->next_free = 2;
	mutex_init(&v->lock);
	list_init(&v->nodes);
	rc = fat_read_fsinfo(v);
	struct fat_node *root = rc ? NULL : fat_node_new_root(v);
	if (!root) {
		block_cache_forget(disk);
		kfree(v, sizeof *v);
		return rc ? rc : -ENOMEM;
	}
	v->mount = (struct mount){ .ops = &fat_mount_ops, .root = &root->vnode,
				   .read_only = v->read_only, .fs_data = v };
	kprintf("fat: %s: FAT%d, %u clusters of %u bytes%s\n", disk->name, (int)g.type,
		g.cluster_count, g.cluster_bytes, v->read_only ? ", read-only" : "");
	*out = &v->mount;
	return 0;
}

int fat_unmount(struct mount *m)
{
	struct fat_volume *v = volume_of_mount(m);
	int rc = sync_volume(v);

	struct fat_node *root = fat_node_of(m->root);
	fat_map_release(&root->map);
	kfree(root, sizeof *root);
	int forget_rc = block_cache_forget(v->disk);
	kfree(v, sizeof *v);
	return rc ? rc : forget_rc;
}
