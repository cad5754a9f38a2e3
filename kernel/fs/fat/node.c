/*
 * node.c: one vnode per file or directory while it is referenced: the
 * volume's list of live nodes, keyed by the location of their short
 * entry, so two lookups of one file share a node (and its size). An entry
 * is checked when its node is made: a directory must have a cluster, and
 * a file's chain must be as long as its size says and must not loop.
 *
 * A node whose count has dropped to 0 is never revived (its release may
 * be waiting for the volume's lock): a lookup then takes it off the list
 * and makes a new node.
 */
#include "fs/fat/fat_internal.h"

#include "mm/kmalloc.h"

#define ROOT_INO 1

uint32_t fat_node_cluster(const struct fat_node *n)
{
	if (n->is_root)
		return n->vol->g.root_cluster;
	return fat_entry_cluster(n->vol, &n->entry);
}

bool fat_node_is_dir(const struct fat_node *n)
{
	return n->is_root || (n->entry.attr & FAT_ATTR_DIRECTORY);
}

uint64_t fat_location_ino(const struct fat_location *where)
{
	return where->sector * (FAT_SECTOR / FAT_DIRENT_SIZE) + where->byte / FAT_DIRENT_SIZE;
}

static bool same_location(const struct fat_location *a, const struct fat_location *b)
{
	return a->sector == b->sector && a->byte == b->byte;
}

void fat_node_forget(struct fat_node *n)
{
	if (n->in_table) {
		list_remove(&n->link);
		n->in_table = false;
	}
}

struct fat_node *fat_node_peek(struct fat_volume *v, const struct fat_location *where)
{
	for (struct list_node *l = v->nodes.next; l != &v->nodes; l = l->next) {
		struct fat_node *n = container_of(l, struct fat_node, link);
		if (same_location(&n->where, where))
			return n;
	}
	return NULL;
}

/* A new reference to n, unless its last one is gone already. */
static bool revive(struct fat_node *n)
{
	uint32_t refs = __atomic_load_n(&n->vnode.refs, __ATOMIC_ACQUIRE);

	while (refs != 0)
		if (__atomic_compare_exchange_n(&n->vnode.refs, &refs, refs + 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* Checks e's chain, noting its extents in `map` as it goes. */
static int check_entry(struct fat_volume *v, const struct fat_entry *e, struct fat_map *map)
{
	uint32_t cluster = fat_entry_cluster(v, &e->raw), length;
	uint64_t need = ((uint64_t)e->raw.size + v->g.cluster_bytes - 1) / v->g.cluster_bytes;

	if (e->raw.attr & FAT_ATTR_DIRECTORY) {
		if (fat_cluster_valid(v, cluster))
			return 0;
		fat_error(v, "directory \"%s\" starts at cluster %u, outside the volume", e->name,
			  cluster);
		return -EIO;
	}
	if (cluster == 0 && e->raw.size == 0)
		return 0;
	int rc = fat_chain_length(v, cluster, map, &length);
	if (rc)
		return rc;
	if (length < need) {
		fat_error(v, "file \"%s\" has %u bytes but only %u clusters", e->name, e->raw.size,
			  length);
		return -EIO;
	}
	return 0;
}

static void init_vnode(struct fat_volume *v, struct fat_node *n, uint64_t ino)
{
	bool dir = fat_node_is_dir(n);
	uint32_t perms = dir ? 0755 : (n->entry.attr & FAT_ATTR_READ_ONLY) ? 0444 : 0644;

	n->vol = v;
	n->vnode = (struct vnode){
		.ops = &fat_vnode_ops,
		.mount = &v->mount,
		.refs = 1,
		.mode = (dir ? VFS_S_IFDIR : VFS_S_IFREG) | perms,
		.ino = ino,
		.fs_data = n,
	};
	list_init(&n->link);
}

int fat_node_get(struct fat_volume *v, const struct fat_entry *e, struct fat_node **out)
{
	struct fat_node *n = fat_node_peek(v, &e->where);

	if (n && revive(n)) {
		*out = n;
		return 0;
	}
	if (n)
		fat_node_forget(n);
	n = kmalloc(sizeof *n);
	if (!n)
		return -ENOMEM;
	int rc = check_entry(v, e, &n->map);
	if (rc) {
		fat_map_release(&n->map);
		kfree(n, sizeof *n);
		return rc;
	}
	n->entry = e->raw;
	n->where = e->where;
	init_vnode(v, n, fat_location_ino(&e->where));
	list_push_back(&v->nodes, &n->link);
	n->in_table = true;
	*out = n;
	return 0;
}

struct fat_node *fat_node_new_root(struct fat_volume *v)
{
	struct fat_node *n = kmalloc(sizeof *n);

	if (!n)
		return NULL;
	n->is_root = true;
	init_vnode(v, n, ROOT_INO);
	return n;
}

void fat_node_release(struct vnode *vn)
{
	struct fat_node *n = fat_node_of(vn);
	struct fat_volume *v = n->vol;

	mutex_lock(&v->lock);
	fat_node_forget(n);
	uint32_t cluster = fat_node_cluster(n);
	if (n->unlinked && !fat_node_is_dir(n) && cluster && fat_free_chain(v, cluster))
		fat_error(v, "the clusters of a deleted file could not be freed");
	mutex_unlock(&v->lock);
	fat_map_release(&n->map);
	kfree(n, sizeof *n);
}
