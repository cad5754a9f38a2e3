/*
 * dir.c: directories as arrays of 32-byte slots: reading entries with
 * their VFAT long names (sequence and checksum checked; orphaned long-name
 * slots are ignored, as the specification says), finding a name, adding an
 * entry with a long name and a unique short alias, removing one, and the
 * "." and ".." entries of a directory.
 *
 * A directory is the fixed root region of FAT12/16 (first cluster 0) or a
 * cluster chain; a slot is named by its byte offset, which never changes
 * while the entry exists, so offsets serve as readdir cookies.
 */
#include "fs/fat/fat_internal.h"

#include "fs/block_cache.h"

#include <string.h>

#define MAX_LFN_SLOTS 20
#define MAX_TAIL_TRIES 10000

static const uint8_t dot_name[11] = ".          ";
static const uint8_t dotdot_name[11] = "..         ";

/* Long-name slots gathered while scanning, waiting for their short entry. */
struct lfn_state {
	bool pending, complete;
	unsigned total, want;
	uint8_t checksum;
	uint32_t start;
	uint16_t units[MAX_LFN_SLOTS * FAT_LFN_UNITS_PER_SLOT];
};

static bool same_short_name(const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < 11; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The slot at `offset` of the directory starting at `first`; -ENOENT past
 * its end. */
static int locate(struct fat_volume *v, uint32_t first, struct fat_map *map, uint32_t offset,
		  struct fat_location *where)
{
	uint32_t cluster, run;

	if (first == 0) {
		if (offset >= v->g.root_entries * FAT_DIRENT_SIZE)
			return -ENOENT;
		where->sector = v->g.root_start + offset / FAT_SECTOR;
		where->byte = offset % FAT_SECTOR;
		return 0;
	}
	int rc = fat_map_seek(v, map, first, offset / v->g.cluster_bytes, &cluster, &run);
	if (rc)
		return rc;
	if (offset >= FAT_MAX_DIR_BYTES) {
		fat_error(v, "the directory at cluster %u has more than 65536 entries", first);
		return -EIO;
	}
	where->sector = fat_cluster_sector(v, cluster) + (offset % v->g.cluster_bytes) / FAT_SECTOR;
	where->byte = offset % FAT_SECTOR;
	return 0;
}

static int read_slot(struct fat_volume *v, const struct fat_location *where, void *slot)
{
	return block_cache_read(v->disk, where->sector, where->byte, slot, FAT_DIRENT_SIZE);
}

static int write_slot(struct fat_volume *v, const struct fat_location *where, const void *slot)
{
	return block_cache_write(v->disk, where->sector, where->byte, slot, FAT_DIRENT_SIZE);
}

static void lfn_store(struct lfn_state *s, const struct fat_lfn_slot *l, unsigned seq)
{
	uint16_t *u = s->units + (seq - 1) * FAT_LFN_UNITS_PER_SLOT;

	memcpy(u, l->name1, sizeof l->name1);
	memcpy(u + 5, l->name2, sizeof l->name2);
	memcpy(u + 11, l->name3, sizeof l->name3);
}

static void lfn_slot(struct lfn_state *s, const struct fat_lfn_slot *l, uint32_t offset)
{
	unsigned seq = l->seq & 0x1f;

	if (l->seq & FAT_LFN_LAST) {
		s->pending = seq >= 1 && seq <= MAX_LFN_SLOTS;
		s->total = seq;
		s->checksum = l->checksum;
		s->start = offset;
	} else if (!s->pending || s->complete || seq != s->want || l->checksum != s->checksum) {
		s->pending = false;
	}
	if (!s->pending)
		return;
	lfn_store(s, l, seq);
	s->want = seq - 1;
	s->complete = seq == 1;
}

/* The long name gathered, if it belongs to short entry e. */
static bool lfn_name(const struct lfn_state *s, const struct fat_dirent *e, char *out,
		     bool *bad)
{
	if (!s->pending || !s->complete || s->checksum != fat_lfn_checksum(e->name))
		return false;
	unsigned len = 0, max = s->total * FAT_LFN_UNITS_PER_SLOT;
	while (len < max && s->units[len] != 0)
		len++;
	*bad = len > FAT_LFN_MAX_UNITS || !fat_utf16_to_name(s->units, len, out, VFS_NAME_MAX + 1);
	return true;
}

static void name_short_entry(const struct lfn_state *s, struct fat_entry *out)
{
	const struct fat_dirent *e = &out->raw;

	out->bad_name = false;
	if (same_short_name(e->name, dot_name) || same_short_name(e->name, dotdot_name)) {
		strcpy(out->name, e->name[1] == '.' ? ".." : ".");
		return;
	}
	if (lfn_name(s, e, out->name, &out->bad_name))
		return;
	out->bad_name = !fat_short_name_valid(e->name);
	fat_short_to_name(e, out->name);
}

/* The next entry from *offset on, in the directory starting at `first`:
 * 1, or 0 at the end. Deleted slots and volume labels are skipped. */
static int scan(struct fat_volume *v, uint32_t first, struct fat_map *map,
		uint32_t *offset, struct fat_entry *out)
{
	struct lfn_state lfn = { 0 };

	for (;;) {
		uint32_t at = *offset;
		int rc = locate(v, first, map, at, &out->where);
		if (rc == -ENOENT)
			return 0;
		if (!rc)
			rc = read_slot(v, &out->where, &out->raw);
		if (rc)
			return rc;
		if (out->raw.name[0] == FAT_SLOT_END)
			return 0;
		*offset = at + FAT_DIRENT_SIZE;
		if (out->raw.name[0] == FAT_SLOT_DELETED) {
			lfn.pending = false;
		} else if ((out->raw.attr & FAT_ATTR_LFN_MASK) == FAT_ATTR_LFN) {
			lfn_slot(&lfn, (const struct fat_lfn_slot *)&out->raw, at);
		} else if (out->raw.attr & FAT_ATTR_VOLUME_ID) {
			lfn.pending = false;
		} else {
			bool has_lfn = lfn.pending && lfn.complete &&
				       lfn.checksum == fat_lfn_checksum(out->raw.name);
			out->first_slot = has_lfn ? lfn.start : at;
			out->next_offset = *offset;
			name_short_entry(&lfn, out);
			return 1;
		}
	}
}

static uint32_t dir_first(const struct fat_volume *v, const struct fat_node *dir)
{
	return dir->is_root && v->g.type != FAT32 ? 0 : fat_node_cluster(dir);
}

int dir_next(struct fat_volume *v, struct fat_node *dir, uint32_t *offset, struct fat_entry *out)
{
	return scan(v, dir_first(v, dir), &dir->map, offset, out);
}

bool dir_entry_is_dot(const struct fat_entry *e)
{
	return !e->bad_name && e->name[0] == '.' && (e->name[1] == 0 || !strcmp(e->name, ".."));
}

int dir_find(struct fat_volume *v, struct fat_node *dir, const char *name, struct fat_entry *out)
{
	uint32_t offset = 0;
	char alias[VFS_NAME_MAX + 1];
	int rc;

	while ((rc = dir_next(v, dir, &offset, out)) == 1) {
		if (out->bad_name || dir_entry_is_dot(out))
			continue;
		fat_short_to_name(&out->raw, alias);
		if (fat_names_equal(name, out->name) || fat_names_equal(name, alias))
			return 0;
	}
	return rc ? rc : -ENOENT;
}

int dir_short_name_taken(struct fat_volume *v, struct fat_node *dir, const uint8_t name[11])
{
	uint32_t offset = 0;
	struct fat_entry e;
	int rc;

	while ((rc = dir_next(v, dir, &offset, &e)) == 1)
		if (same_short_name(e.raw.name, name))
			return 1;
	return rc;
}

/* A short name for `name` that no entry of dir has. */
static int choose_short_name(struct fat_volume *v, struct fat_node *dir, const char *name,
			     struct fat_dirent *entry, bool *needs_lfn)
{
	uint8_t base[11];
	enum fat_short_fit fit = fat_short_from_name(name, base, &entry->nt_case);

	*needs_lfn = fit != FAT_SHORT_EXACT;
	if (fit != FAT_SHORT_LOSSY) {
		memcpy(entry->name, base, 11);
		return 0;
	}
	for (unsigned n = 1; n <= MAX_TAIL_TRIES; n++) {
		fat_short_with_tail(base, name, n, entry->name);
		int rc = dir_short_name_taken(v, dir, entry->name);
		if (rc <= 0)
			return rc;
	}
	return -ENOSPC;
}

/* Adds a zeroed cluster at the end of a directory of `size` bytes. */
static int grow(struct fat_volume *v, struct fat_node *dir, uint32_t size)
{
	uint32_t last, added, run;
	uint32_t first = dir_first(v, dir);

	if (first == 0 || size + v->g.cluster_bytes > FAT_MAX_DIR_BYTES)
		return -ENOSPC;
	int rc = fat_map_seek(v, &dir->map, first, size / v->g.cluster_bytes - 1, &last, &run);
	if (!rc)
		rc = fat_allocate(v, 0, 1, &added, &run);
	if (rc)
		return rc;
	/* Linked only once zeroed: a crash leaves a lost cluster, not garbage. */
	rc = fat_zero_cluster(v, added);
	if (!rc)
		rc = fat_link(v, last, added);
	if (rc)
		fat_free_chain(v, added);
	return rc;
}

/* The offset of `slots` free slots in a row, growing the directory. */
static int find_free_run(struct fat_volume *v, struct fat_node *dir, unsigned slots,
			 uint32_t *start)
{
	uint32_t first = dir_first(v, dir), offset = 0, run = 0;
	struct fat_location where;

	for (;;) {
		uint8_t head;
		int rc = locate(v, first, &dir->map, offset, &where);
		if (rc == -ENOENT) {
			rc = grow(v, dir, offset);
			if (rc)
				return rc;
			continue;
		}
		if (!rc)
			rc = block_cache_read(v->disk, where.sector, where.byte, &head, 1);
		if (rc)
			return rc;
		if (head == FAT_SLOT_END || head == FAT_SLOT_DELETED) {
			if (run == 0)
				*start = offset;
			if (++run == slots)
				return 0;
		} else {
			run = 0;
		}
		offset += FAT_DIRENT_SIZE;
	}
}

static void fill_lfn_slot(struct fat_lfn_slot *l, const uint16_t *units, unsigned count,
			  unsigned seq)
{
	uint16_t chunk[FAT_LFN_UNITS_PER_SLOT];

	for (unsigned i = 0; i < FAT_LFN_UNITS_PER_SLOT; i++) {
		unsigned k = (seq - 1) * FAT_LFN_UNITS_PER_SLOT + i;
		chunk[i] = k < count ? units[k] : k == count ? 0 : 0xffff;
	}
	memcpy(l->name1, chunk, sizeof l->name1);
	memcpy(l->name2, chunk + 5, sizeof l->name2);
	memcpy(l->name3, chunk + 11, sizeof l->name3);
}

/* The long-name slots (last part first, as the format orders them) and
 * then the short entry, from `offset` on. */
static int write_entries(struct fat_volume *v, struct fat_node *dir, uint32_t offset,
			 const uint16_t *units, unsigned count, unsigned lfn_slots,
			 const struct fat_dirent *entry, struct fat_location *where)
{
	uint32_t first = dir_first(v, dir);
	uint8_t checksum = fat_lfn_checksum(entry->name);

	for (unsigned seq = lfn_slots; seq >= 1; seq--, offset += FAT_DIRENT_SIZE) {
		struct fat_lfn_slot l = {
			.seq = (uint8_t)(seq | (seq == lfn_slots ? FAT_LFN_LAST : 0)),
			.attr = FAT_ATTR_LFN,
			.checksum = checksum,
		};
		fill_lfn_slot(&l, units, count, seq);
		int rc = locate(v, first, &dir->map, offset, where);
		if (!rc)
			rc = write_slot(v, where, &l);
		if (rc)
			return rc;
	}
	int rc = locate(v, first, &dir->map, offset, where);
	return rc ? rc : write_slot(v, where, entry);
}

int dir_add(struct fat_volume *v, struct fat_node *dir, const char *name,
	    struct fat_dirent *entry, struct fat_location *where)
{
	uint16_t units[FAT_LFN_MAX_UNITS];
	unsigned count;
	bool needs_lfn;
	uint32_t start;

	int rc = fat_name_to_utf16(name, units, &count);
	if (!rc)
		rc = choose_short_name(v, dir, name, entry, &needs_lfn);
	if (rc)
		return rc;
	unsigned lfn_slots = needs_lfn ? (count + FAT_LFN_UNITS_PER_SLOT - 1) / FAT_LFN_UNITS_PER_SLOT : 0;
	rc = find_free_run(v, dir, lfn_slots + 1, &start);
	if (rc)
		return rc;
	return write_entries(v, dir, start, units, count, lfn_slots, entry, where);
}

int dir_remove(struct fat_volume *v, struct fat_node *dir, const struct fat_entry *e)
{
	static const uint8_t deleted = FAT_SLOT_DELETED;
	struct fat_location where;

	for (uint32_t offset = e->first_slot; offset < e->next_offset; offset += FAT_DIRENT_SIZE) {
		int rc = locate(v, dir_first(v, dir), &dir->map, offset, &where);
		if (!rc)
			rc = block_cache_write(v->disk, where.sector, where.byte, &deleted, 1);
		if (rc)
			return rc;
	}
	return 0;
}

int dir_is_empty(struct fat_volume *v, uint32_t first_cluster)
{
	struct fat_map map = { 0 };
	struct fat_entry e;
	uint32_t offset = 0;
	int rc;

	while ((rc = scan(v, first_cluster, &map, &offset, &e)) == 1)
		if (!dir_entry_is_dot(&e))
			break;
	fat_map_release(&map);
	return rc < 0 ? rc : rc == 0;
}

int dir_write_entry(struct fat_volume *v, const struct fat_location *where,
		    const struct fat_dirent *entry)
{
	return write_slot(v, where, entry);
}

/* What a ".." entry holds for a parent: 0 for the root, even FAT32's. */
static uint32_t parent_field(const struct fat_volume *v, uint32_t parent_cluster)
{
	return v->g.type == FAT32 && parent_cluster == v->g.root_cluster ? 0 : parent_cluster;
}

int dir_make(struct fat_volume *v, uint32_t parent_cluster, const struct fat_dirent *self,
	     uint32_t *cluster)
{
	struct fat_dirent dots[2] = { *self, *self };
	uint32_t c, one;

	int rc = fat_allocate(v, 0, 1, &c, &one);
	if (rc)
		return rc;
	memcpy(dots[0].name, dot_name, 11);
	memcpy(dots[1].name, dotdot_name, 11);
	for (unsigned i = 0; i < 2; i++) {
		dots[i].attr = FAT_ATTR_DIRECTORY;
		dots[i].nt_case = 0;
		dots[i].size = 0;
	}
	fat_entry_set_cluster(&dots[0], c);
	fat_entry_set_cluster(&dots[1], parent_field(v, parent_cluster));
	rc = fat_zero_cluster(v, c);
	if (!rc)
		rc = block_cache_write(v->disk, fat_cluster_sector(v, c), 0, dots, sizeof dots);
	if (rc) {
		fat_free_chain(v, c);
		return rc;
	}
	*cluster = c;
	return 0;
}

/* The ".." entry of the directory at dir_cluster. */
static int read_dotdot(struct fat_volume *v, uint32_t dir_cluster, struct fat_location *where,
		       struct fat_dirent *e)
{
	*where = (struct fat_location){ fat_cluster_sector(v, dir_cluster), FAT_DIRENT_SIZE };
	int rc = read_slot(v, where, e);
	if (rc)
		return rc;
	if (!same_short_name(e->name, dotdot_name)) {
		fat_error(v, "the directory at cluster %u has no \"..\" entry", dir_cluster);
		return -EIO;
	}
	return 0;
}

int dir_set_parent(struct fat_volume *v, uint32_t dir_cluster, uint32_t parent_cluster)
{
	struct fat_location where;
	struct fat_dirent e;

	int rc = read_dotdot(v, dir_cluster, &where, &e);
	if (rc)
		return rc;
	fat_entry_set_cluster(&e, parent_field(v, parent_cluster));
	return write_slot(v, &where, &e);
}

int dir_parent_of(struct fat_volume *v, uint32_t dir_cluster, uint32_t *parent)
{
	struct fat_location where;
	struct fat_dirent e;

	int rc = read_dotdot(v, dir_cluster, &where, &e);
	if (rc)
		return rc;
	uint32_t c = fat_entry_cluster(v, &e);
	if (c == 0) {
		*parent = v->g.root_cluster;
		return 0;
	}
	if (!fat_cluster_valid(v, c)) {
		fat_error(v, "the \"..\" entry of the directory at cluster %u points to cluster %u",
			  dir_cluster, c);
		return -EIO;
	}
	*parent = c;
	return 0;
}
