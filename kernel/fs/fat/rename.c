/*
 * rename.c: moving a name, within a directory or to another, replacing
 * what the new name held (rename(2)'s rules).
 *
 * The new name is written before the old one is removed: when it replaces
 * an entry, that entry's short slot is rewritten in place (one sector
 * write) to describe the moved object; otherwise a new entry is added.
 * After a crash in between, both names lead to the object (fsck.fat
 * reports the shared clusters), never neither. A directory moved to
 * another parent has its ".." entry changed last.
 */
#include "fs/fat/fat_internal.h"

#include <string.h>

/* -EINVAL if the directory at `dir` is `moved` or lies inside it. */
static int check_not_inside(struct fat_volume *v, uint32_t moved, uint32_t dir)
{
	for (uint32_t steps = 0; dir != v->g.root_cluster; steps++) {
		if (dir == moved)
			return -EINVAL;
		if (steps > v->g.cluster_count) {
			fat_error(v, "the \"..\" entries above cluster %u form a loop", dir);
			return -EIO;
		}
		int rc = dir_parent_of(v, dir, &dir);
		if (rc)
			return rc;
	}
	return 0;
}

/* What stops `src` from replacing `dst`, if anything. */
static int check_replace(struct fat_volume *v, const struct fat_entry *src,
			 const struct fat_entry *dst)
{
	bool src_dir = src->raw.attr & FAT_ATTR_DIRECTORY;
	bool dst_dir = dst->raw.attr & FAT_ATTR_DIRECTORY;

	if (src_dir && !dst_dir)
		return -ENOTDIR;
	if (!src_dir && dst_dir)
		return -EISDIR;
	if (!dst_dir)
		return 0;
	int rc = dir_is_empty(v, fat_entry_cluster(v, &dst->raw));
	return rc == 1 ? 0 : rc == 0 ? -ENOTEMPTY : rc;
}

/* Points dst's short slot at src's object; what dst held goes. */
static int replace(struct fat_volume *v, const struct fat_entry *src, struct fat_entry *dst)
{
	struct fat_dirent moved = src->raw;
	struct fat_node *old = fat_node_peek(v, &dst->where);
	uint32_t old_cluster = fat_entry_cluster(v, &dst->raw);

	memcpy(moved.name, dst->raw.name, sizeof moved.name);
	moved.nt_case = dst->raw.nt_case;
	int rc = dir_write_entry(v, &dst->where, &moved);
	if (rc)
		return rc;
	dst->raw = moved;
	if (old) {
		old->unlinked = true;
		fat_node_forget(old);
		if (!(old->entry.attr & FAT_ATTR_DIRECTORY))
			return 0;
		/* A directory's clusters go now: its map must not outlive them. */
		fat_map_cut(&old->map, 0);
	}
	return old_cluster ? fat_free_chain(v, old_cluster) : 0;
}

static int move_entry(struct fat_node *fd, const struct fat_entry *src, struct fat_node *td,
		      const char *to, struct fat_entry *dst, bool dst_exists)
{
	struct fat_volume *v = fd->vol;
	struct fat_node *open = fat_node_peek(v, &src->where);
	int rc;

	if (dst_exists) {
		rc = replace(v, src, dst);
	} else {
		dst->raw = src->raw;
		rc = dir_add(v, td, to, &dst->raw, &dst->where);
	}
	if (!rc)
		rc = dir_remove(v, fd, src);
	if (rc)
		return rc;
	if (open) {
		open->where = dst->where;
		open->entry = dst->raw;
	}
	if ((src->raw.attr & FAT_ATTR_DIRECTORY) && fd != td)
		rc = dir_set_parent(v, fat_entry_cluster(v, &src->raw), fat_node_cluster(td));
	return rc;
}

static int rename_locked(struct fat_node *fd, const char *from, struct fat_node *td,
			 const char *to)
{
	struct fat_volume *v = fd->vol;
	struct fat_entry src, dst;

	if (fd->unlinked || td->unlinked)
		return -ENOENT;
	int rc = dir_find(v, fd, from, &src);
	if (rc)
		return rc;
	rc = dir_find(v, td, to, &dst);
	bool dst_exists = rc == 0;
	if (rc && rc != -ENOENT)
		return rc;
	if (dst_exists && dst.where.sector == src.where.sector && dst.where.byte == src.where.byte) {
		if (!strcmp(from, to))
			return 0;
		dst_exists = false; /* a change of case: a new entry, then the old one goes */
	}
	if ((src.raw.attr & FAT_ATTR_DIRECTORY) && fd != td &&
	    (rc = check_not_inside(v, fat_entry_cluster(v, &src.raw), fat_node_cluster(td))))
		return rc;
	if (dst_exists && (rc = check_replace(v, &src, &dst)))
		return rc;
	return move_entry(fd, &src, td, to, &dst, dst_exists);
}

int fat_rename(struct vnode *from_dir, const char *from, struct vnode *to_dir, const char *to)
{
	struct fat_node *fd = fat_node_of(from_dir), *td = fat_node_of(to_dir);
	struct fat_volume *v = fd->vol;

	if (!fat_node_is_dir(fd) || !fat_node_is_dir(td))
		return -ENOTDIR;
	if (td->vol != v)
		return -EXDEV;
	if (v->read_only)
		return -EROFS;
	mutex_lock(&v->lock);
	int rc = rename_locked(fd, from, td, to);
	mutex_unlock(&v->lock);
	return rc;
}
