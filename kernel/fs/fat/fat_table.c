/*
 * fat_table.c: the file allocation table: reading and changing entries
 * (FAT12's 12-bit entries packed two in three bytes), following cluster
 * chains, allocating and freeing clusters, the free count, and FAT32's
 * FSInfo sector, which is only ever a hint.
 *
 * Nothing read from the table is trusted: every link is checked to be a
 * cluster of the volume, and every walk is bounded by the cluster count,
 * so a chain that loops ends in -EIO rather than in an endless loop.
 */
#include "fs/fat/fat_internal.h"

#include "fs/block_cache.h"

#include <string.h>

#define FSINFO_LEAD 0x41615252u
#define FSINFO_STRUCT 0x61417272u
#define FSINFO_TRAIL 0xaa550000u
#define FSINFO_UNKNOWN 0xffffffffu

const uint8_t fat_zeros[FAT_ZERO_SECTORS * FAT_SECTOR];

uint32_t fat_entry_cluster(const struct fat_volume *v, const struct fat_dirent *e)
{
	uint32_t high = v->g.type == FAT32 ? (uint32_t)e->cluster_hi << 16 : 0;
	return high | e->cluster_lo;
}

void fat_entry_set_cluster(struct fat_dirent *e, uint32_t cluster)
{
	e->cluster_hi = (uint16_t)(cluster >> 16);
	e->cluster_lo = (uint16_t)cluster;
}

bool fat_cluster_valid(const struct fat_volume *v, uint32_t cluster)
{
	return cluster >= 2 && cluster - 2 < v->g.cluster_count;
}

uint64_t fat_cluster_sector(const struct fat_volume *v, uint32_t cluster)
{
	return v->g.data_start + (uint64_t)(cluster - 2) * v->g.cluster_sectors;
}

static uint32_t end_marker(const struct fat_volume *v)
{
	return v->g.type == FAT12 ? 0xff8 : v->g.type == FAT16 ? 0xfff8 : 0x0ffffff8;
}

static uint32_t entry_offset(const struct fat_volume *v, uint32_t cluster)
{
	if (v->g.type == FAT12)
		return cluster + cluster / 2;
	return cluster * (v->g.type == FAT16 ? 2u : 4u);
}

static uint32_t entry_bytes(const struct fat_volume *v)
{
	return v->g.type == FAT32 ? 4 : 2;
}

static uint64_t table_sector(const struct fat_volume *v, uint32_t copy, uint32_t offset)
{
	return v->g.fat_start + (uint64_t)copy * v->g.fat_sectors + offset / FAT_SECTOR;
}

/* len bytes at byte `offset` of FAT copy `copy`; only FAT12's entries can
 * straddle two sectors. */
static int table_io(struct fat_volume *v, uint32_t copy, uint32_t offset, uint8_t *buf,
		    uint32_t len, bool write)
{
	while (len) {
		uint64_t sector = table_sector(v, copy, offset);
		uint32_t byte = offset % FAT_SECTOR;
		uint32_t n = len < FAT_SECTOR - byte ? len : FAT_SECTOR - byte;
		int rc = write ? block_cache_write(v->disk, sector, byte, buf, n)
			       : block_cache_read(v->disk, sector, byte, buf, n);
		if (write && v->window.sector == sector) {
			if (rc)
				v->window.valid = false;
			else
				memcpy(v->window.data + byte, buf, n);
		}
		if (rc)
			return rc;
		offset += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The entry's bytes, from the window when it holds them. */
static int entry_raw(struct fat_volume *v, uint32_t cluster, uint8_t *b)
{
	uint32_t offset = entry_offset(v, cluster), byte = offset % FAT_SECTOR;
	uint64_t sector = table_sector(v, v->g.active_fat, offset);
	struct fat_window *w = &v->window;

	if (byte + entry_bytes(v) > FAT_SECTOR)
		return table_io(v, v->g.active_fat, offset, b, entry_bytes(v), false);
	if (!w->valid || w->sector != sector) {
		w->sector = sector;
		w->valid = block_cache_read(v->disk, sector, 0, w->data, FAT_SECTOR) == 0;
		if (!w->valid)
			return block_cache_read(v->disk, sector, byte, b, entry_bytes(v));
	}
	memcpy(b, w->data + byte, entry_bytes(v));
	return 0;
}

static int read_entry(struct fat_volume *v, uint32_t cluster, uint32_t *value)
{
	uint8_t b[4] = { 0 };
	int rc = entry_raw(v, cluster, b);

	if (rc)
		return rc;
	uint32_t raw = fat_le32(b);
	if (v->g.type == FAT12)
		*value = (cluster & 1) ? raw >> 4 : raw & 0xfff;
	else
		*value = v->g.type == FAT16 ? raw : raw & 0x0fffffff;
	return 0;
}

static void merge_entry(const struct fat_volume *v, uint32_t cluster, uint32_t value, uint8_t *b)
{
	if (v->g.type == FAT12) {
		uint16_t raw = fat_le16(b);
		if (cluster & 1)
			raw = (uint16_t)((raw & 0x000f) | (value & 0xfff) << 4);
		else
			raw = (uint16_t)((raw & 0xf000) | (value & 0xfff));
		b[0] = (uint8_t)raw;
		b[1] = (uint8_t)(raw >> 8);
		return;
	}
	if (v->g.type == FAT32)
		value = (fat_le32(b) & 0xf0000000) | (value & 0x0fffffff);
	for (unsigned i = 0; i < 4; i++)
		b[i] = (uint8_t)(value >> (8 * i));
}

/* The entries of `count` clusters from `first` on, as one run sets
 * them: each links to the next when `chained` (else is 0), the last
 * holds `last`. */
struct run {
	uint32_t first, count;
	bool chained;
	uint32_t last;
};

/* Sets the run's entries that lie in the FAT sector of entry `from`, in
 * one read and one write of it; the number set goes to *done. */
static int write_sector_of(struct fat_volume *v, uint32_t copy, const struct run *r,
			   uint32_t from, uint32_t *done)
{
	uint8_t b[FAT_SECTOR + 4];
	uint32_t start = entry_offset(v, from), end = (start / FAT_SECTOR + 1) * FAT_SECTOR;
	uint32_t stop = r->first + r->count, c = from;

	while (c < stop && entry_offset(v, c) < end)
		c++;
	uint32_t span = entry_offset(v, c - 1) + entry_bytes(v) - start;
	int rc = table_io(v, copy, start, b, span, false);
	if (rc)
		return rc;
	for (uint32_t x = from; x < c; x++) {
		uint32_t value = x + 1 == stop ? r->last : r->chained ? x + 1 : 0;
		merge_entry(v, x, value, b + (entry_offset(v, x) - start));
	}
	*done = c - from;
	return table_io(v, copy, start, b, span, true);
}

/* Sets the run's entries in every FAT copy in use. */
static int write_run(struct fat_volume *v, const struct run *r)
{
	for (uint32_t copy = 0; copy < v->g.fat_count; copy++) {
		if (!v->g.mirrored && copy != v->g.active_fat)
			continue;
		for (uint32_t c = r->first, n; c < r->first + r->count; c += n) {
			int rc = write_sector_of(v, copy, r, c, &n);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int write_entry(struct fat_volume *v, uint32_t cluster, uint32_t value)
{
	return write_run(v, &(struct run){ .first = cluster, .count = 1, .last = value });
}

int fat_next(struct fat_volume *v, uint32_t cluster, uint32_t *next)
{
	uint32_t value;
	int rc = read_entry(v, cluster, &value);

	if (rc)
		return rc;
	if (value >= end_marker(v)) {
		*next = FAT_CHAIN_END;
		return 0;
	}
	if (!fat_cluster_valid(v, value)) {
		fat_error(v, "cluster %u links to %s %u", cluster,
			  value == 0 ? "a free cluster," : value == end_marker(v) - 1 ? "a bad cluster," :
			  "cluster", value);
		return -EIO;
	}
	*next = value;
	return 0;
}

/* Frees `count` clusters from `first` on, each of which the chain being
 * freed links to the next. */
static int release_run(struct fat_volume *v, uint32_t first, uint32_t count)
{
	int rc = write_run(v, &(struct run){ .first = first, .count = count });

	if (rc)
		return rc;
	if (v->free_known || v->free_hinted)
		v->free_count += count;
	if (first < v->next_free)
		v->next_free = first;
	return 0;
}

/* Follows the chain from `first` to its end, at most the cluster count of
 * steps; *length counts them. When `release`, each run of contiguous
 * clusters is freed once walked past; `map`, unless NULL, notes them. */
static int follow_chain(struct fat_volume *v, uint32_t first, bool release, struct fat_map *map,
			uint32_t *length)
{
	uint32_t n = 0, run_start = first;

	for (uint32_t c = first; c != FAT_CHAIN_END; n++) {
		uint32_t next;
		if (n >= v->g.cluster_count) {
			fat_error(v, "the chain from cluster %u loops", first);
			return -EIO;
		}
		if (!fat_cluster_valid(v, c)) {
			fat_error(v, "a chain starts at cluster %u, outside the volume", c);
			return -EIO;
		}
		int rc = fat_next(v, c, &next);
		if (!rc && release && next != c + 1) {
			rc = release_run(v, run_start, c - run_start + 1);
			run_start = next;
		}
		if (rc)
			return rc;
		if (map)
			fat_map_note(map, first, n, c, 1);
		c = next;
	}
	*length = n;
	return 0;
}

int fat_chain_length(struct fat_volume *v, uint32_t first, struct fat_map *map, uint32_t *length)
{
	return follow_chain(v, first, false, map, length);
}

static int is_free(struct fat_volume *v, uint32_t cluster, bool *free)
{
	uint32_t value = 1;
	int rc = fat_cluster_valid(v, cluster) ? read_entry(v, cluster, &value) : 0;

	*free = !rc && value == 0;
	return rc;
}

/* The first free cluster from `start` on, wrapping around once. */
static int find_free(struct fat_volume *v, uint32_t start, uint32_t *out)
{
	uint32_t count = v->g.cluster_count;

	for (uint32_t i = 0; i < count; i++) {
		uint32_t c = 2 + (start - 2 + i) % count;
		bool free;
		int rc = is_free(v, c, &free);
		if (rc)
			return rc;
		if (free) {
			*out = c;
			return 0;
		}
	}
	v->free_known = true;
	v->free_count = 0;
	return -ENOSPC;
}

/* Up to `want` free clusters in a row: right after `previous` when that
 * one is free, so that a growing file stays contiguous; else from the
 * free-space hint on. */
static int find_run(struct fat_volume *v, uint32_t previous, uint32_t want, uint32_t *first,
		    uint32_t *length)
{
	uint32_t start = fat_cluster_valid(v, v->next_free) ? v->next_free : 2;
	bool free;
	int rc = previous ? is_free(v, previous + 1, &free) : 0;

	if (!rc && previous && free)
		start = previous + 1;
	if (!rc)
		rc = find_free(v, start, first);
	*length = 1;
	while (!rc && *length < want) {
		rc = is_free(v, *first + *length, &free);
		if (!free)
			break;
		++*length;
	}
	return rc;
}

int fat_allocate(struct fat_volume *v, uint32_t previous, uint32_t want, uint32_t *first,
		 uint32_t *length)
{
	uint32_t c, n;

	if (v->free_known && v->free_count == 0)
		return -ENOSPC;
	int rc = find_run(v, previous, want, &c, &n);
	if (rc)
		return rc;
	rc = write_run(v, &(struct run){ .first = c, .count = n, .chained = true,
					 .last = end_marker(v) | 7 });
	if (!rc && previous)
		rc = write_entry(v, previous, c);
	if (rc)
		return rc;
	if (v->free_known || v->free_hinted)
		v->free_count = v->free_count > n ? v->free_count - n : 0;
	v->next_free = c + n;
	*first = c;
	*length = n;
	return 0;
}

int fat_link(struct fat_volume *v, uint32_t from, uint32_t to)
{
	return write_entry(v, from, to);
}

int fat_free_chain(struct fat_volume *v, uint32_t first)
{
	uint32_t freed;

	return follow_chain(v, first, true, NULL, &freed);
}

int fat_cut_chain(struct fat_volume *v, uint32_t last)
{
	uint32_t next;
	int rc = fat_next(v, last, &next);

	if (!rc)
		rc = write_entry(v, last, end_marker(v) | 7);
	if (!rc && next != FAT_CHAIN_END)
		rc = fat_free_chain(v, next);
	return rc;
}

int fat_count_free(struct fat_volume *v)
{
	uint32_t free = 0;

	if (v->free_known)
		return 0;
	for (uint32_t c = 2; c - 2 < v->g.cluster_count; c++) {
		bool is;
		int rc = is_free(v, c, &is);
		if (rc)
			return rc;
		free += is;
	}
	v->free_count = free;
	v->free_known = true;
	return 0;
}

static bool fsinfo_valid(const uint8_t *b)
{
	return fat_le32(b) == FSINFO_LEAD && fat_le32(b + 484) == FSINFO_STRUCT &&
	       fat_le32(b + 508) == FSINFO_TRAIL;
}

int fat_read_fsinfo(struct fat_volume *v)
{
	uint8_t b[FAT_SECTOR];

	if (!v->g.fsinfo_sector)
		return 0;
	int rc = block_cache_read(v->disk, v->g.fsinfo_sector, 0, b, sizeof b);
	if (rc || !fsinfo_valid(b))
		return rc;
	uint32_t free = fat_le32(b + 488), hint = fat_le32(b + 492);
	if (free <= v->g.cluster_count) {
		v->free_count = free;
		v->free_hinted = true;
	}
	if (fat_cluster_valid(v, hint))
		v->next_free = hint;
	return 0;
}

static void put_le32(uint8_t *p, uint32_t x)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

int fat_write_fsinfo(struct fat_volume *v)
{
	uint8_t b[FAT_SECTOR];

	if (!v->g.fsinfo_sector || v->read_only)
		return 0;
	int rc = block_cache_read(v->disk, v->g.fsinfo_sector, 0, b, sizeof b);
	if (rc || !fsinfo_valid(b))
		return rc;
	bool known = v->free_known || (v->free_hinted && v->free_count <= v->g.cluster_count);
	uint8_t now[8];
	put_le32(now, known ? v->free_count : FSINFO_UNKNOWN);
	put_le32(now + 4, fat_cluster_valid(v, v->next_free) ? v->next_free : FSINFO_UNKNOWN);
	/* Unchanged (an fsync after writes inside a file): no sector to write. */
	if (!memcmp(b + 488, now, sizeof now))
		return 0;
	return block_cache_write(v->disk, v->g.fsinfo_sector, 488, now, sizeof now);
}

int fat_zero_cluster(struct fat_volume *v, uint32_t cluster)
{
	uint64_t sector = fat_cluster_sector(v, cluster);

	for (uint32_t done = 0; done < v->g.cluster_sectors;) {
		uint32_t n = v->g.cluster_sectors - done;
		if (n > FAT_ZERO_SECTORS)
			n = FAT_ZERO_SECTORS;
		int rc = block_cache_write_through(v->disk, sector + done, n, fat_zeros);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}
