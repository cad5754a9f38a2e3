/*
 * block_cache.c: the sector cache (see block_cache.h): a hash table of
 * cached sectors, an LRU list for eviction, per-disk write-back errors.
 *
 * One cache for every disk, under one mutex held across the disk I/O: the
 * cache is there for metadata (FAT sectors, directory entries) and the
 * edges of file writes, while bulk data goes through the *_through calls,
 * so the lock is held briefly in the common case and simplicity wins.
 */
#include "fs/block_cache.h"

#include "console.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "sync/mutex.h"

#include <stdbool.h>
#include <string.h>

#define SECTOR BLOCKDEV_SECTOR_SIZE
#define HASH_BUCKETS 1024
#define DEFAULT_CAPACITY ((4u << 20) / SECTOR)
#define MIN_CAPACITY 8
/* Dirty victims tried per eviction before giving up on a failing disk. */
#define EVICT_WRITE_TRIES 8
/* Disks with an unreported write-back error at once. */
#define ERROR_SLOTS 16

struct cached_sector {
	struct blockdev *disk;
	uint64_t sector;
	struct cached_sector *hash_next;
	struct list_node lru; /* the list's front is the least recently used */
	bool dirty;
	uint8_t *data;
};

/* A write-back of `disk` failed with `error` and no sync has said so yet. */
struct pending_error {
	struct blockdev *disk;
	int error;
};

static struct mutex lock = MUTEX_INITIALIZER(lock);
static struct cached_sector *buckets[HASH_BUCKETS];
static struct list_node lru = { &lru, &lru };
static size_t capacity = DEFAULT_CAPACITY;
static struct block_cache_stats stats;
static struct pending_error pending[ERROR_SLOTS];

static unsigned bucket_of(const struct blockdev *d, uint64_t sector)
{
	uint64_t h = (sector ^ (uintptr_t)d) * 0x9e3779b97f4a7c15ULL;
	return (unsigned)(h >> 54) % HASH_BUCKETS;
}

static struct cached_sector *find(const struct blockdev *d, uint64_t sector)
{
	struct cached_sector *c = buckets[bucket_of(d, sector)];

	while (c && !(c->disk == d && c->sector == sector))
		c = c->hash_next;
	return c;
}

static void unhash(struct cached_sector *c)
{
	struct cached_sector **p = &buckets[bucket_of(c->disk, c->sector)];

	while (*p != c)
		p = &(*p)->hash_next;
	*p = c->hash_next;
}

static void destroy(struct cached_sector *c)
{
	unhash(c);
	list_remove(&c->lru);
	if (c->dirty)
		stats.dirty--;
	stats.blocks--;
	kfree(c->data, SECTOR);
	kfree(c, sizeof *c);
}

static void remember_error(struct blockdev *d, int error)
{
	struct pending_error *slot = &pending[0];

	for (unsigned i = 0; i < ERROR_SLOTS; i++) {
		if (pending[i].disk == d) {
			slot = &pending[i];
			break;
		}
		if (pending[i].error == 0)
			slot = &pending[i];
	}
	if (slot->disk == d && slot->error)
		return; /* the first error is the one to report */
	*slot = (struct pending_error){ d, error };
}

static int take_error(struct blockdev *d)
{
	for (unsigned i = 0; i < ERROR_SLOTS; i++) {
		if (pending[i].disk == d && pending[i].error) {
			int e = pending[i].error;
			pending[i] = (struct pending_error){ 0 };
			return e;
		}
	}
	return 0;
}

static void set_dirty(struct cached_sector *c, bool dirty)
{
	if (c->dirty != dirty)
		stats.dirty += dirty ? 1 : (uint64_t)-1;
	c->dirty = dirty;
}

static int write_back(struct cached_sector *c)
{
	int rc = c->disk->write(c->disk, c->sector, c->data, 1);

	if (rc) {
		stats.writeback_errors++;
		remember_error(c->disk, rc);
		kprintf("block_cache: writing back %s sector %llu failed (%d)\n", c->disk->name,
			(unsigned long long)c->sector, rc);
		return rc;
	}
	stats.writebacks++;
	set_dirty(c, false);
	return 0;
}

/* Frees the least recently used sector that is clean or can be written
 * back; false when none could be. */
static bool evict_one(void)
{
	unsigned failed = 0;

	for (struct list_node *n = lru.next; n != &lru && failed < EVICT_WRITE_TRIES; n = n->next) {
		struct cached_sector *c = container_of(n, struct cached_sector, lru);
		if (c->dirty && write_back(c)) {
			failed++;
			continue;
		}
		destroy(c);
		return true;
	}
	return false;
}

static struct cached_sector *allocate(struct blockdev *d, uint64_t sector)
{
	struct cached_sector *c = NULL;

	if (stats.blocks >= capacity && !evict_one())
		return NULL;
	c = kmalloc(sizeof *c);
	uint8_t *data = c ? kmalloc_buffer(SECTOR) : NULL;
	if (!data) {
		if (c)
			kfree(c, sizeof *c);
		return NULL;
	}
	*c = (struct cached_sector){ .disk = d, .sector = sector, .data = data };
	unsigned b = bucket_of(d, sector);
	c->hash_next = buckets[b];
	buckets[b] = c;
	list_push_back(&lru, &c->lru);
	stats.blocks++;
	return c;
}

/* The cached sector, made most recently used; read from the disk unless
 * `fill` is false (the caller overwrites all of it). */
static int get(struct blockdev *d, uint64_t sector, bool fill, struct cached_sector **out)
{
	struct cached_sector *c = find(d, sector);

	if (c) {
		stats.hits++;
		list_remove(&c->lru);
		list_push_back(&lru, &c->lru);
		*out = c;
		return 0;
	}
	if (sector >= d->sectors)
		return -EINVAL;
	stats.misses++;
	c = allocate(d, sector);
	if (!c)
		return -EIO;
	if (fill) {
		int rc = d->read(d, sector, c->data, 1);
		if (rc) {
			destroy(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

int block_cache_read(struct blockdev *d, uint64_t sector, uint32_t offset, void *buf, uint32_t len)
{
	struct cached_sector *c;

	if (offset > SECTOR || len > SECTOR - offset)
		return -EINVAL;
	mutex_lock(&lock);
	int rc = get(d, sector, true, &c);
	if (!rc)
		memcpy(buf, c->data + offset, len);
	mutex_unlock(&lock);
	return rc;
}

int block_cache_write(struct blockdev *d, uint64_t sector, uint32_t offset, const void *buf,
		      uint32_t len)
{
	struct cached_sector *c;

	if (offset > SECTOR || len > SECTOR - offset)
		return -EINVAL;
	if (d->read_only)
		return -EROFS;
	mutex_lock(&lock);
	int rc = get(d, sector, len < SECTOR, &c);
	if (!rc) {
		memcpy(c->data + offset, buf, len);
		set_dirty(c, true);
	}
	mutex_unlock(&lock);
	return rc;
}

int block_cache_read_through(struct blockdev *d, uint64_t sector, uint32_t count, void *buf)
{
	mutex_lock(&lock);
	int rc = d->read(d, sector, buf, count);
	for (uint32_t i = 0; !rc && stats.blocks && i < count; i++) {
		struct cached_sector *c = find(d, sector + i);
		if (c)
			memcpy((uint8_t *)buf + (size_t)i * SECTOR, c->data, SECTOR);
	}
	mutex_unlock(&lock);
	return rc;
}

int block_cache_write_through(struct blockdev *d, uint64_t sector, uint32_t count,
			      const void *buf)
{
	if (d->read_only)
		return -EROFS;
	mutex_lock(&lock);
	int rc = d->write(d, sector, buf, count);
	for (uint32_t i = 0; !rc && stats.blocks && i < count; i++) {
		struct cached_sector *c = find(d, sector + i);
		if (c) {
			memcpy(c->data, (const uint8_t *)buf + (size_t)i * SECTOR, SECTOR);
			set_dirty(c, false);
		}
	}
	mutex_unlock(&lock);
	return rc;
}

static int sync_locked(struct blockdev *d)
{
	int first = take_error(d);

	for (struct list_node *n = lru.next; n != &lru; n = n->next) {
		struct cached_sector *c = container_of(n, struct cached_sector, lru);
		if (c->disk == d && c->dirty) {
			int rc = write_back(c);
			if (rc && !first)
				first = rc;
		}
	}
	/* A failed write-back was remembered again, but this sync reports it. */
	take_error(d);
	if (!d->read_only) {
		int rc = d->flush(d);
		if (rc && !first)
			first = rc;
	}
	return first;
}

int block_cache_sync(struct blockdev *d)
{
	mutex_lock(&lock);
	int rc = sync_locked(d);
	mutex_unlock(&lock);
	return rc;
}

int block_cache_forget(struct blockdev *d)
{
	mutex_lock(&lock);
	int rc = sync_locked(d);
	for (struct list_node *n = lru.next; n != &lru;) {
		struct cached_sector *c = container_of(n, struct cached_sector, lru);
		n = n->next;
		if (c->disk == d)
			destroy(c);
	}
	take_error(d);
	mutex_unlock(&lock);
	return rc;
}

void block_cache_set_capacity(size_t blocks)
{
	mutex_lock(&lock);
	capacity = blocks < MIN_CAPACITY ? MIN_CAPACITY : blocks;
	while (stats.blocks > capacity && evict_one())
		;
	mutex_unlock(&lock);
}

struct block_cache_stats block_cache_stats(void)
{
	mutex_lock(&lock);
	struct block_cache_stats s = stats;
	mutex_unlock(&lock);
	return s;
}
