/*
 * extent_map.c: a chain's extent map (struct fat_map): the runs of
 * contiguous clusters a file or directory is made of, learnt as its chain
 * is walked or grown, so that reaching any offset of a large file is a
 * binary search instead of a walk of the FAT from the chain's start.
 *
 * The map only ever holds a prefix of the chain, every link of which was
 * read from the FAT and checked by fat_next (or was just written by
 * fat_allocate); whoever shortens or frees the chain cuts the map at once,
 * so it never names a cluster the chain no longer holds. A file too
 * fragmented for FAT_MAP_MAX_EXTENTS keeps the extents it has and walks
 * on from the last of them, with a cursor, as the code did before maps.
 */
#include "fs/fat/fat_internal.h"

#include "mm/kmalloc.h"

#include <string.h>

#define FIRST_CAPACITY 8

/* How many clusters from the chain's start the map holds. */
static uint32_t mapped(const struct fat_map *m)
{
	if (m->count == 0)
		return 0;
	const struct fat_extent *last = &m->runs[m->count - 1];
	return last->index + last->length;
}

static void restart(struct fat_map *m, uint32_t first)
{
	m->first = first;
	m->count = 0;
	m->tail_cluster = 0;
}

static bool make_room(struct fat_map *m)
{
	if (m->count < m->capacity)
		return true;
	if (m->capacity >= FAT_MAP_MAX_EXTENTS)
		return false;
	uint32_t capacity = m->capacity ? 2 * m->capacity : FIRST_CAPACITY;
	if (capacity > FAT_MAP_MAX_EXTENTS)
		capacity = FAT_MAP_MAX_EXTENTS;
	struct fat_extent *runs = kmalloc(capacity * sizeof *runs);
	if (!runs)
		return false; /* the cursor serves instead; nothing is lost */
	if (m->runs) {
		memcpy(runs, m->runs, m->count * sizeof *runs);
		kfree(m->runs, m->capacity * sizeof *runs);
	}
	m->runs = runs;
	m->capacity = capacity;
	return true;
}

/* Adds `length` clusters from `cluster` at the map's end: false when the
 * map is full and they do not continue its last extent. */
static bool record(struct fat_map *m, uint32_t cluster, uint32_t length)
{
	struct fat_extent *last = m->count ? &m->runs[m->count - 1] : NULL;

	if (last && last->cluster + last->length == cluster) {
		last->length += length;
		return true;
	}
	uint32_t index = mapped(m);
	if (!make_room(m))
		return false;
	m->runs[m->count++] = (struct fat_extent){ index, cluster, length };
	return true;
}

void fat_map_note(struct fat_map *m, uint32_t first, uint32_t index, uint32_t cluster,
		  uint32_t length)
{
	if (m->first != first)
		restart(m, first);
	if (index == mapped(m))
		record(m, cluster, length);
}

/* Walks the FAT from the furthest known cluster to `index`, recording
 * what it passes while the map has room. */
static int walk(struct fat_volume *v, struct fat_map *m, uint32_t index, uint32_t *cluster)
{
	uint32_t at = 0, c = m->first, end = mapped(m);

	if (m->tail_cluster && m->tail_index >= end && m->tail_index <= index) {
		at = m->tail_index;
		c = m->tail_cluster;
	} else if (end) {
		const struct fat_extent *last = &m->runs[m->count - 1];
		at = end - 1;
		c = last->cluster + last->length - 1;
	} else if (!record(m, c, 1)) {
		m->tail_index = 0;
		m->tail_cluster = c;
	}
	while (at < index) {
		uint32_t next;
		int rc = fat_next(v, c, &next);
		if (rc)
			return rc;
		if (next == FAT_CHAIN_END)
			return -ENOENT;
		c = next;
		if (++at != mapped(m) || !record(m, c, 1)) {
			m->tail_index = at;
			m->tail_cluster = c;
		}
	}
	*cluster = c;
	return 0;
}

static const struct fat_extent *extent_of(const struct fat_map *m, uint32_t index)
{
	uint32_t lo = 0, hi = m->count;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->runs[mid].index <= index)
			lo = mid;
		else
			hi = mid;
	}
	return &m->runs[lo];
}

int fat_map_seek(struct fat_volume *v, struct fat_map *m, uint32_t first, uint32_t index,
		 uint32_t *cluster, uint32_t *run)
{
	if (!fat_cluster_valid(v, first)) {
		fat_error(v, "a chain starts at cluster %u, outside the volume", first);
		return -EIO;
	}
	if (index >= v->g.cluster_count) {
		fat_error(v, "the chain from cluster %u is longer than the volume", first);
		return -EIO;
	}
	if (m->first != first)
		restart(m, first);
	*run = 1;
	if (index >= mapped(m)) {
		int rc = walk(v, m, index, cluster);
		if (rc || index >= mapped(m))
			return rc;
	}
	const struct fat_extent *e = extent_of(m, index);
	*cluster = e->cluster + (index - e->index);
	*run = e->length - (index - e->index);
	return 0;
}

void fat_map_cut(struct fat_map *m, uint32_t keep)
{
	while (m->count && m->runs[m->count - 1].index >= keep)
		m->count--;
	if (m->count) {
		struct fat_extent *last = &m->runs[m->count - 1];
		if (last->index + last->length > keep)
			last->length = keep - last->index;
	}
	if (m->tail_index >= keep)
		m->tail_cluster = 0;
	if (keep == 0)
		m->first = 0;
}

void fat_map_release(struct fat_map *m)
{
	if (m->runs)
		kfree(m->runs, m->capacity * sizeof *m->runs);
	*m = (struct fat_map){ 0 };
}
