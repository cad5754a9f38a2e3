/*
 * tmpfs.c: the file system in RAM (see tmpfs.h), behind vfs.h's contract.
 *
 * Each object is one vnode for its whole life, so the layer's rule (one
 * vnode per object while referenced) holds trivially: a directory entry
 * holds a reference to what it names, and an object is freed at its last
 * put, which for a file still open after its unlink is its last close.
 * File data lives in whole pages, indexed by file page; a page never
 * written is a hole and reads as zeros, and bytes past the end of the file
 * in its last page are kept zero, so that growing a file shows zeros.
 *
 * One mutex per mount serialises every operation. release() takes no lock:
 * it may run inside an unlink that holds it, and by then nothing can reach
 * the object.
 */
#include "fs/tmpfs.h"

#include "arch.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "sync/mutex.h"

#include <string.h>

#define TMPFS_MAGIC 0x01021994
#define FIRST_PAGE_SLOTS 8

struct tmpfs {
	struct mount mount;
	struct mutex lock;
	uint64_t next_ino;
	size_t pages_used, max_pages;
};

struct tmpfs_entry {
	struct list_node link; /* on the directory's entries, in cookie order */
	uint64_t cookie;       /* readdir's: entries keep theirs for life */
	struct vnode *node;    /* the entry's reference */
	size_t size;           /* of this allocation, with the name */
	char name[];
};

struct tmpfs_node {
	struct vnode vnode;
	int64_t mtime_ns;
	/* directories */
	struct list_node entries;
	uint64_t next_cookie;
	/* files */
	uint64_t size;
	uintptr_t *pages; /* by file page; 0 is a hole */
	size_t page_slots;
};

static const struct vnode_ops tmpfs_vnode_ops;

static struct tmpfs_node *node_of(struct vnode *v)
{
	return container_of(v, struct tmpfs_node, vnode);
}

static struct tmpfs *fs_of(const struct vnode *v)
{
	return container_of(v->mount, struct tmpfs, mount);
}

static int64_t now_ns(void)
{
	return (int64_t)(arch_boot_wallclock_ns() + arch_clock_ns());
}

static struct tmpfs_node *new_node(struct tmpfs *fs, uint32_t mode)
{
	struct tmpfs_node *n = kmalloc(sizeof *n);

	if (!n)
		return NULL;
	n->vnode = (struct vnode){ .ops = &tmpfs_vnode_ops, .mount = &fs->mount, .refs = 1,
				   .mode = mode, .ino = ++fs->next_ino, .fs_data = fs };
	n->mtime_ns = now_ns();
	list_init(&n->entries);
	return n;
}

static struct tmpfs_entry *find(struct vnode *dir, const char *name)
{
	struct list_node *head = &node_of(dir)->entries;

	for (struct list_node *l = head->next; l != head; l = l->next) {
		struct tmpfs_entry *e = container_of(l, struct tmpfs_entry, link);
		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

static struct tmpfs_entry *new_entry(const char *name)
{
	size_t size = sizeof(struct tmpfs_entry) + strlen(name) + 1;
	struct tmpfs_entry *e = kmalloc(size);

	if (e) {
		e->size = size;
		memcpy(e->name, name, size - sizeof *e);
	}
	return e;
}

/* Puts e, naming `node` (whose reference it takes), into dir. */
static void add_entry(struct vnode *dir, struct tmpfs_entry *e, struct vnode *node)
{
	struct tmpfs_node *d = node_of(dir);

	e->node = node;
	e->cookie = d->next_cookie++;
	list_push_back(&d->entries, &e->link);
	d->mtime_ns = now_ns();
}

/* Takes e out of its directory and drops its reference. */
static void remove_entry(struct vnode *dir, struct tmpfs_entry *e)
{
	list_remove(&e->link);
	node_of(dir)->mtime_ns = now_ns();
	vnode_put(e->node);
	kfree(e, e->size);
}

static int tmpfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	mutex_lock(&fs_of(dir)->lock);
	struct tmpfs_entry *e = find(dir, name);
	if (e) {
		vnode_get(e->node);
		*out = e->node;
	}
	mutex_unlock(&fs_of(dir)->lock);
	return e ? 0 : -ENOENT;
}

static int tmpfs_create_node(struct vnode *dir, const char *name, uint32_t mode,
			     struct vnode **out)
{
	struct tmpfs *fs = fs_of(dir);
	int r = -EEXIST;

	mutex_lock(&fs->lock);
	if (!find(dir, name)) {
		struct tmpfs_entry *e = new_entry(name);
		struct tmpfs_node *n = e ? new_node(fs, mode) : NULL;
		r = n ? 0 : -ENOSPC;
		if (n) {
			add_entry(dir, e, &n->vnode);
			vnode_get(&n->vnode);
			*out = &n->vnode;
		} else if (e) {
			kfree(e, e->size);
		}
	}
	mutex_unlock(&fs->lock);
	return r;
}

static int remove_name(struct vnode *dir, const char *name, bool directory)
{
	struct tmpfs *fs = fs_of(dir);

	mutex_lock(&fs->lock);
	struct tmpfs_entry *e = find(dir, name);
	int r = !e ? -ENOENT : 0;
	if (e && vnode_is_dir(e->node) != directory)
		r = directory ? -ENOTDIR : -EISDIR;
	else if (e && directory && !list_empty(&node_of(e->node)->entries))
		r = -ENOTEMPTY;
	if (!r)
		remove_entry(dir, e);
	mutex_unlock(&fs->lock);
	return r;
}

static int tmpfs_unlink(struct vnode *dir, const char *name)
{
	return remove_name(dir, name, false);
}

static int tmpfs_rmdir(struct vnode *dir, const char *name)
{
	return remove_name(dir, name, true);
}

/* rename(2)'s rules for replacing `target` by `source`. */
static int check_replace(struct vnode *source, struct vnode *target)
{
	if (vnode_is_dir(source) && !vnode_is_dir(target))
		return -ENOTDIR;
	if (!vnode_is_dir(source) && vnode_is_dir(target))
		return -EISDIR;
	return vnode_is_dir(target) && !list_empty(&node_of(target)->entries) ? -ENOTEMPTY : 0;
}

/* The new name is made before anything changes, so the only failure
 * (memory) leaves both names as they were. */
static int tmpfs_rename(struct vnode *from_dir, const char *from, struct vnode *to_dir,
			const char *to)
{
	struct tmpfs *fs = fs_of(from_dir);

	mutex_lock(&fs->lock);
	struct tmpfs_entry *source = find(from_dir, from), *target = find(to_dir, to), *moved = NULL;
	int r = !source ? -ENOENT : 0;
	if (!r && target && target->node == source->node)
		target = source = NULL; /* two names of one object: nothing to do */
	if (!r && source && target)
		r = check_replace(source->node, target->node);
	if (!r && source && !(moved = new_entry(to)))
		r = -ENOSPC;
	if (moved) {
		vnode_get(source->node);
		add_entry(to_dir, moved, source->node);
		remove_entry(from_dir, source);
		if (target)
			remove_entry(to_dir, target);
	}
	mutex_unlock(&fs->lock);
	return r;
}

static int tmpfs_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out)
{
	struct list_node *head = &node_of(dir)->entries;
	int r = 0;

	mutex_lock(&fs_of(dir)->lock);
	for (struct list_node *l = head->next; l != head && !r; l = l->next) {
		struct tmpfs_entry *e = container_of(l, struct tmpfs_entry, link);
		if (e->cookie < *cookie)
			continue;
		out->ino = e->node->ino;
		out->mode = e->node->mode & VFS_S_IFMT;
		memcpy(out->name, e->name, e->size - sizeof *e);
		*cookie = e->cookie + 1;
		r = 1;
	}
	mutex_unlock(&fs_of(dir)->lock);
	return r;
}

static long tmpfs_read(struct vnode *v, void *buf, size_t len, uint64_t offset)
{
	struct tmpfs_node *n = node_of(v);

	mutex_lock(&fs_of(v)->lock);
	if (offset >= n->size)
		len = 0;
	else if (len > n->size - offset)
		len = (size_t)(n->size - offset);
	for (size_t done = 0; done < len;) {
		uint64_t index = (offset + done) / PAGE_SIZE;
		size_t in_page = (size_t)((offset + done) % PAGE_SIZE);
		size_t part = PAGE_SIZE - in_page < len - done ? PAGE_SIZE - in_page : len - done;
		uintptr_t page = index < n->page_slots ? n->pages[index] : 0;
		if (page)
			memcpy((uint8_t *)buf + done, (const uint8_t *)page + in_page, part);
		else
			memset((uint8_t *)buf + done, 0, part);
		done += part;
	}
	mutex_unlock(&fs_of(v)->lock);
	return (long)len;
}

static bool grow_slots(struct tmpfs_node *n, uint64_t index)
{
	if (index < n->page_slots)
		return true;
	size_t slots = n->page_slots ? n->page_slots : FIRST_PAGE_SLOTS;
	while (slots <= index)
		slots *= 2;
	uintptr_t *pages = kmalloc_grow(n->pages, n->page_slots * sizeof *pages, slots * sizeof *pages);
	if (!pages)
		return false;
	n->pages = pages;
	n->page_slots = slots;
	return true;
}

/* The page holding file page `index`, allocated if it is a hole. */
static uintptr_t page_for_write(struct tmpfs *fs, struct tmpfs_node *n, uint64_t index)
{
	if (index < n->page_slots && n->pages[index])
		return n->pages[index];
	if (fs->pages_used >= fs->max_pages || !grow_slots(n, index))
		return 0;
	uintptr_t page = page_alloc();
	if (page) {
		n->pages[index] = page;
		fs->pages_used++;
	}
	return page;
}

static long tmpfs_write(struct vnode *v, const void *buf, size_t len, uint64_t offset)
{
	struct tmpfs *fs = fs_of(v);
	struct tmpfs_node *n = node_of(v);
	size_t done = 0;

	mutex_lock(&fs->lock);
	while (done < len) {
		uint64_t index = (offset + done) / PAGE_SIZE;
		size_t in_page = (size_t)((offset + done) % PAGE_SIZE);
		size_t part = PAGE_SIZE - in_page < len - done ? PAGE_SIZE - in_page : len - done;
		uintptr_t page = page_for_write(fs, n, index);
		if (!page)
			break;
		memcpy((uint8_t *)page + in_page, (const uint8_t *)buf + done, part);
		done += part;
	}
	if (done && offset + done > n->size)
		n->size = offset + done;
	if (done)
		n->mtime_ns = now_ns();
	mutex_unlock(&fs->lock);
	return done || !len ? (long)done : -ENOSPC;
}

/* Frees the pages wholly at or past byte `size` and clears the rest of the
 * page that holds the end. */
static void cut_pages(struct tmpfs *fs, struct tmpfs_node *n, uint64_t size)
{
	for (uint64_t i = (size + PAGE_SIZE - 1) / PAGE_SIZE; i < n->page_slots; i++) {
		if (n->pages[i]) {
			page_free(n->pages[i]);
			n->pages[i] = 0;
			fs->pages_used--;
		}
	}
	uint64_t index = size / PAGE_SIZE;
	if (size % PAGE_SIZE && index < n->page_slots && n->pages[index])
		memset((uint8_t *)n->pages[index] + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
}

static int tmpfs_truncate(struct vnode *v, uint64_t size)
{
	struct tmpfs *fs = fs_of(v);
	struct tmpfs_node *n = node_of(v);

	mutex_lock(&fs->lock);
	if (size < n->size)
		cut_pages(fs, n, size);
	n->size = size;
	n->mtime_ns = now_ns();
	mutex_unlock(&fs->lock);
	return 0;
}

/* RAM is as durable as this file system gets. */
static int tmpfs_fsync(struct vnode *v, bool data_only)
{
	(void)v, (void)data_only;
	return 0;
}

static int tmpfs_stat(struct vnode *v, struct file_stat *st)
{
	struct tmpfs_node *n = node_of(v);

	mutex_lock(&fs_of(v)->lock);
	*st = (struct file_stat){
		.ino = v->ino,
		.mode = v->mode,
		.links = vnode_is_dir(v) ? 2 : 1,
		.size = vnode_is_dir(v) ? PAGE_SIZE : n->size,
		.mtime = n->mtime_ns / 1000000000,
		.mtime_nsec = n->mtime_ns % 1000000000,
	};
	mutex_unlock(&fs_of(v)->lock);
	return 0;
}

/* A directory is released only once empty (its entries hold references
 * to their objects, not to it), so only a file has anything to free. */
static void tmpfs_release(struct vnode *v)
{
	struct tmpfs_node *n = node_of(v);
	struct tmpfs *fs = fs_of(v);

	for (size_t i = 0; i < n->page_slots; i++) {
		if (n->pages[i]) {
			page_free(n->pages[i]);
			__atomic_sub_fetch(&fs->pages_used, 1, __ATOMIC_RELAXED);
		}
	}
	if (n->pages)
		kfree(n->pages, n->page_slots * sizeof *n->pages);
	kfree(n, sizeof *n);
}

static const struct vnode_ops tmpfs_vnode_ops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create_node,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.readdir = tmpfs_readdir,
	.read = tmpfs_read,
	.write = tmpfs_write,
	.truncate = tmpfs_truncate,
	.fsync = tmpfs_fsync,
	.stat = tmpfs_stat,
	.release = tmpfs_release,
};

static int tmpfs_statfs(struct mount *m, struct vfs_statfs *out)
{
	struct tmpfs *fs = container_of(m, struct tmpfs, mount);
	size_t used = __atomic_load_n(&fs->pages_used, __ATOMIC_RELAXED);
	size_t free = page_alloc_free_count();
	size_t left = fs->max_pages - used;

	*out = (struct vfs_statfs){
		.type = TMPFS_MAGIC,
		.block_size = PAGE_SIZE,
		.blocks = fs->max_pages,
		.blocks_free = left < free ? left : free,
		.name_max = VFS_NAME_MAX,
	};
	return 0;
}

static int tmpfs_sync(struct mount *m)
{
	(void)m;
	return 0;
}

static const struct mount_ops tmpfs_mount_ops = {
	.statfs = tmpfs_statfs,
	.sync = tmpfs_sync,
};

struct mount *tmpfs_create(size_t max_pages)
{
	struct tmpfs *fs = kmalloc(sizeof *fs);
	struct tmpfs_node *root = fs ? new_node(fs, VFS_S_IFDIR | 01777) : NULL;

	if (!root) {
		if (fs)
			kfree(fs, sizeof *fs);
		return NULL;
	}
	fs->mount.ops = &tmpfs_mount_ops;
	fs->mount.root = &root->vnode;
	fs->max_pages = max_pages;
	mutex_init(&fs->lock);
	return &fs->mount;
}

void tmpfs_destroy(struct mount *m)
{
	struct tmpfs *fs = container_of(m, struct tmpfs, mount);

	vnode_put(m->root);
	kfree(fs, sizeof *fs);
}
