/*
 * file.c: a file's data: reading and writing through its cluster chain
 * (whole sectors straight to the disk, the edges through the block cache),
 * growing it (clusters allocated and chained before the directory entry
 * names them, gaps filled with zeros) and shrinking it.
 *
 * A write that runs out of space writes what fits; one that fits nothing
 * gives back the clusters it took, so -ENOSPC leaves the volume as it was.
 */
#include "fs/fat/fat_internal.h"

#include "fs/block_cache.h"

/* The most one disk request moves: long enough to amortise a request,
 * short enough that other threads' requests are not held up long. */
#define MAX_RUN_BYTES (1024u * 1024u)

/* Where a transfer's bytes come from or go: `to` for reads; `from` for
 * writes, NULL meaning zeros. */
struct span {
	bool write;
	uint8_t *to;
	const uint8_t *from;
};

static uint64_t clusters_for(const struct fat_volume *v, uint64_t bytes)
{
	return (bytes + v->g.cluster_bytes - 1) / v->g.cluster_bytes;
}

int fat_node_save(struct fat_node *n)
{
	if (n->unlinked || n->is_root)
		return 0;
	return dir_write_entry(n->vol, &n->where, &n->entry);
}

static void touch(struct fat_node *n)
{
	struct fat_timestamp now = fat_time_now();

	n->entry.mdate = n->entry.adate = now.date;
	n->entry.mtime = now.time;
	n->entry.attr |= FAT_ATTR_ARCHIVE;
}

/* Whole sectors from the start of one, at most `count`. */
static int transfer_sectors(struct fat_volume *v, uint64_t sector, uint32_t count,
			    const struct span *s)
{
	if (!s->write)
		return block_cache_read_through(v->disk, sector, count, s->to);
	if (s->from)
		return block_cache_write_through(v->disk, sector, count, s->from);
	for (uint32_t done = 0; done < count;) {
		uint32_t n = count - done < FAT_ZERO_SECTORS ? count - done : FAT_ZERO_SECTORS;
		int rc = block_cache_write_through(v->disk, sector + done, n, fat_zeros);
		if (rc)
			return rc;
		done += n;
	}
	return 0;
}

static int seek(struct fat_node *n, uint32_t index, uint32_t *cluster, uint32_t *run)
{
	return fat_map_seek(n->vol, &n->map, fat_node_cluster(n), index, cluster, run);
}

/* Grows a whole-sector chunk that ends where its cluster ends over the
 * clusters that follow it on the disk (`run` of them are known to), so
 * that one request moves them all. */
static int contiguous(struct fat_node *n, uint32_t index, uint32_t cluster, uint32_t run,
		      size_t len, size_t *chunk)
{
	uint32_t cluster_bytes = n->vol->g.cluster_bytes;

	while (*chunk + cluster_bytes <= len && *chunk < MAX_RUN_BYTES) {
		index++;
		cluster++;
		if (--run == 0) {
			uint32_t next;
			int rc = seek(n, index, &next, &run);
			if (rc == -ENOENT || (!rc && next != cluster))
				return 0;
			if (rc)
				return rc;
		}
		*chunk += cluster_bytes;
	}
	return 0;
}

/* Moves len bytes at `offset` of the file, whose clusters exist. */
static int transfer(struct fat_node *n, struct span s, size_t len, uint64_t offset)
{
	struct fat_volume *v = n->vol;
	uint32_t cluster_bytes = v->g.cluster_bytes;

	while (len) {
		uint32_t cluster, run, index = (uint32_t)(offset / cluster_bytes);
		int rc = seek(n, index, &cluster, &run);
		if (rc == -ENOENT) {
			fat_error(v, "a file's chain ends before its size");
			rc = -EIO;
		}
		if (rc)
			return rc;
		uint32_t within = (uint32_t)(offset % cluster_bytes), byte = within % FAT_SECTOR;
		uint64_t sector = fat_cluster_sector(v, cluster) + within / FAT_SECTOR;
		size_t chunk = len < cluster_bytes - within ? len : cluster_bytes - within;
		if (byte == 0 && chunk >= FAT_SECTOR) {
			chunk -= chunk % FAT_SECTOR;
			rc = contiguous(n, index, cluster, run, len, &chunk);
			if (!rc)
				rc = transfer_sectors(v, sector, (uint32_t)(chunk / FAT_SECTOR), &s);
		} else {
			chunk = chunk < FAT_SECTOR - byte ? chunk : FAT_SECTOR - byte;
			const void *from = s.from ? s.from : fat_zeros;
			rc = s.write ? block_cache_write(v->disk, sector, byte, from, (uint32_t)chunk)
				     : block_cache_read(v->disk, sector, byte, s.to, (uint32_t)chunk);
		}
		if (rc)
			return rc;
		if (s.to)
			s.to += chunk;
		if (s.from)
			s.from += chunk;
		offset += chunk;
		len -= chunk;
	}
	return 0;
}

long fat_file_read(struct fat_node *n, void *buf, size_t len, uint64_t offset)
{
	uint32_t size = n->entry.size;

	if (fat_node_is_dir(n))
		return -EISDIR;
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	int rc = transfer(n, (struct span){ .to = buf }, len, offset);
	return rc ? rc : (long)len;
}

/* Chains up to `want` new clusters at index i of the file, whose chain
 * ends just before it; *added says how many. */
static int append(struct fat_node *n, uint32_t i, uint32_t want, uint32_t *added)
{
	struct fat_volume *v = n->vol;
	uint32_t last = 0, first, run;
	int rc = i ? seek(n, i - 1, &last, &run) : 0;

	if (!rc)
		rc = fat_allocate(v, last, want, &first, added);
	if (rc)
		return rc;
	if (i == 0)
		fat_entry_set_cluster(&n->entry, first);
	fat_map_note(&n->map, fat_node_cluster(n), i, first, *added);
	return 0;
}

/* Makes the chain `need` clusters long (or as long as the free space
 * allows: *have says how long it is). */
static int extend(struct fat_node *n, uint64_t need, uint64_t *have)
{
	struct fat_volume *v = n->vol;
	uint64_t i = clusters_for(v, n->entry.size);

	if (need > v->g.cluster_count)
		need = v->g.cluster_count;
	while (i < need) {
		uint32_t cluster, run;
		/* Clusters already chained past the size are used first. */
		int rc = fat_node_cluster(n) ? seek(n, (uint32_t)i, &cluster, &run) : -ENOENT;
		if (rc == -ENOENT)
			rc = append(n, (uint32_t)i, (uint32_t)(need - i), &run);
		if (rc == -ENOSPC)
			break;
		if (rc)
			return rc;
		i += run < need - i ? run : need - i;
	}
	*have = i;
	return 0;
}

/* Frees the clusters past those that `size` bytes need. */
static int trim(struct fat_node *n, uint64_t size)
{
	struct fat_volume *v = n->vol;
	uint64_t keep = clusters_for(v, size);
	uint32_t first = fat_node_cluster(n), last;

	if (first == 0)
		return 0;
	if (keep == 0) {
		fat_map_cut(&n->map, 0);
		fat_entry_set_cluster(&n->entry, 0);
		return fat_free_chain(v, first);
	}
	uint32_t run;
	int rc = seek(n, (uint32_t)(keep - 1), &last, &run);
	if (rc)
		return rc;
	fat_map_cut(&n->map, (uint32_t)keep);
	return fat_cut_chain(v, last);
}

/* Grows the file to hold `end` bytes, or fewer when the disk is full:
 * *end is lowered to what the clusters hold. */
static int grow(struct fat_node *n, uint64_t *end)
{
	struct fat_volume *v = n->vol;
	uint64_t have;
	int rc = extend(n, clusters_for(v, *end), &have);

	if (rc)
		return rc;
	if (have * v->g.cluster_bytes < *end)
		*end = have * v->g.cluster_bytes;
	return 0;
}

long fat_file_write(struct fat_node *n, const void *buf, size_t len, uint64_t offset)
{
	uint32_t old = n->entry.size;

	if (fat_node_is_dir(n))
		return -EISDIR;
	if (len == 0)
		return 0;
	if (offset >= FAT_MAX_FILE_SIZE)
		return -EFBIG;
	if (len > FAT_MAX_FILE_SIZE - offset)
		len = (size_t)(FAT_MAX_FILE_SIZE - offset);
	uint64_t end = offset + len;
	int rc = grow(n, &end);
	if (!rc && end <= offset)
		rc = -ENOSPC;
	if (!rc && offset > old)
		rc = transfer(n, (struct span){ .write = true }, (size_t)(offset - old), old);
	if (!rc)
		rc = transfer(n, (struct span){ .write = true, .from = buf }, (size_t)(end - offset),
			      offset);
	if (rc) {
		trim(n, old);
		return rc;
	}
	if (end > old)
		n->entry.size = (uint32_t)end;
	touch(n);
	rc = fat_node_save(n);
	return rc ? rc : (long)(end - offset);
}

int fat_file_truncate(struct fat_node *n, uint64_t size)
{
	uint32_t old = n->entry.size;
	int rc = 0;

	if (fat_node_is_dir(n))
		return -EISDIR;
	if (size > FAT_MAX_FILE_SIZE)
		return -EFBIG;
	if (size < old) {
		rc = trim(n, size);
	} else if (size > old) {
		uint64_t end = size;
		rc = grow(n, &end);
		if (!rc && end < size)
			rc = -ENOSPC;
		if (!rc)
			rc = transfer(n, (struct span){ .write = true }, (size_t)(size - old), old);
		if (rc)
			trim(n, old);
	}
	if (rc)
		return rc;
	n->entry.size = (uint32_t)size;
	touch(n);
	return fat_node_save(n);
}
