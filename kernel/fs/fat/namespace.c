/*
 * namespace.c: the directory operations of the vnode contract but rename
 * (rename.c): lookup, create (files and directories), unlink, rmdir and
 * readdir. Each takes the volume's lock for its whole run.
 *
 * New objects are allocated before they are linked (a directory's cluster
 * is zeroed and given "." and ".." before its entry is written), and a
 * name is removed before its clusters are freed, so a crash in between
 * leaves lost clusters, never an entry pointing at free or foreign ones.
 */
#include "fs/fat/fat_internal.h"

#include <string.h>

/* The directory node of `dir`, locked, or an error (then not locked). */
static int enter(struct vnode *dir, bool change, struct fat_node **out)
{
	struct fat_node *n = fat_node_of(dir);
	struct fat_volume *v = n->vol;

	if (!fat_node_is_dir(n))
		return -ENOTDIR;
	if (change && v->read_only)
		return -EROFS;
	mutex_lock(&v->lock);
	if (n->unlinked) {
		mutex_unlock(&v->lock);
		return -ENOENT;
	}
	*out = n;
	return 0;
}

static int leave(struct fat_node *dir, int rc)
{
	mutex_unlock(&dir->vol->lock);
	return rc;
}

int fat_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct fat_node *d, *child;
	struct fat_entry e;
	int rc = enter(dir, false, &d);

	if (rc)
		return rc;
	rc = dir_find(d->vol, d, name, &e);
	if (!rc)
		rc = fat_node_get(d->vol, &e, &child);
	if (!rc)
		*out = &child->vnode;
	return leave(d, rc);
}

static int add_entry(struct fat_node *d, const char *name, bool directory, struct fat_entry *e)
{
	struct fat_volume *v = d->vol;
	struct fat_dirent *entry = &e->raw;
	uint32_t cluster = 0;

	struct fat_timestamp now = fat_time_now();

	*entry = (struct fat_dirent){
		.attr = directory ? FAT_ATTR_DIRECTORY : FAT_ATTR_ARCHIVE,
		.ctime_cs = now.centiseconds,
		.ctime = now.time, .cdate = now.date, .adate = now.date,
		.mtime = now.time, .mdate = now.date,
	};
	if (directory) {
		int rc = dir_make(v, fat_node_cluster(d), entry, &cluster);
		if (rc)
			return rc;
		fat_entry_set_cluster(entry, cluster);
	}
	int rc = dir_add(v, d, name, entry, &e->where);
	if (rc && cluster)
		fat_free_chain(v, cluster);
	return rc;
}

int fat_create(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out)
{
	struct fat_node *d, *child;
	struct fat_entry e;
	int rc = enter(dir, true, &d);

	if (rc)
		return rc;
	rc = dir_find(d->vol, d, name, &e);
	if (rc == 0)
		rc = -EEXIST;
	else if (rc == -ENOENT)
		rc = add_entry(d, name, (mode & VFS_S_IFMT) == VFS_S_IFDIR, &e);
	if (!rc) {
		strcpy(e.name, name);
		rc = fat_node_get(d->vol, &e, &child);
	}
	if (!rc)
		*out = &child->vnode;
	return leave(d, rc);
}

/* Removes the entry e of directory d; its clusters are freed now, or when
 * the last reference to its open node goes. */
static int remove_entry(struct fat_node *d, const struct fat_entry *e)
{
	struct fat_volume *v = d->vol;
	struct fat_node *open = fat_node_peek(v, &e->where);
	bool directory = e->raw.attr & FAT_ATTR_DIRECTORY;
	uint32_t cluster = fat_entry_cluster(v, &e->raw);

	int rc = dir_remove(v, d, e);
	if (rc)
		return rc;
	if (open) {
		open->unlinked = true;
		fat_node_forget(open);
		if (!directory)
			return 0;
		/* A directory's clusters go now: its map must not outlive them. */
		fat_map_cut(&open->map, 0);
	}
	return cluster ? fat_free_chain(v, cluster) : 0;
}

/* Locks dir and finds `name` in it, which must be a directory or not as
 * `directory` says; an error leaves dir unlocked. */
static int find_to_remove(struct vnode *dir, const char *name, bool directory,
			  struct fat_node **d, struct fat_entry *e)
{
	int rc = enter(dir, true, d);

	if (rc)
		return rc;
	rc = dir_find((*d)->vol, *d, name, e);
	if (!rc && !(e->raw.attr & FAT_ATTR_DIRECTORY) != !directory)
		rc = directory ? -ENOTDIR : -EISDIR;
	return rc ? leave(*d, rc) : 0;
}

int fat_unlink(struct vnode *dir, const char *name)
{
	struct fat_node *d;
	struct fat_entry e;
	int rc = find_to_remove(dir, name, false, &d, &e);

	return rc ? rc : leave(d, remove_entry(d, &e));
}

int fat_rmdir(struct vnode *dir, const char *name)
{
	struct fat_node *d;
	struct fat_entry e;
	int rc = find_to_remove(dir, name, true, &d, &e);

	if (rc)
		return rc;
	uint32_t cluster = fat_entry_cluster(d->vol, &e.raw);
	if (!fat_cluster_valid(d->vol, cluster)) {
		fat_error(d->vol, "directory \"%s\" has no cluster", e.name);
		return leave(d, -EIO);
	}
	rc = dir_is_empty(d->vol, cluster);
	if (rc == 0)
		rc = -ENOTEMPTY;
	else if (rc == 1)
		rc = remove_entry(d, &e);
	return leave(d, rc);
}

int fat_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
	struct fat_node *d;
	struct fat_entry e;
	int rc = enter(dir, false, &d);

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	uint32_t offset = *cookie < FAT_MAX_DIR_BYTES ? (uint32_t)*cookie & ~(FAT_DIRENT_SIZE - 1) :
						       FAT_MAX_DIR_BYTES;
	while ((rc = dir_next(d->vol, d, &offset, &e)) == 1) {
		*cookie = offset;
		if (dir_entry_is_dot(&e))
			continue;
		if (e.bad_name) {
			fat_error(d->vol, "the entry at sector %llu byte %u has a bad name",
				  (unsigned long long)e.where.sector, e.where.byte);
			rc = -EIO;
			break;
		}
		out->ino = fat_location_ino(&e.where);
		out->mode = (e.raw.attr & FAT_ATTR_DIRECTORY) ? VFS_S_IFDIR : VFS_S_IFREG;
		strcpy(out->name, e.name);
		break;
	}
	return leave(d, rc);
}
