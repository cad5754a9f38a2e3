/*
 * fat_internal.h: what the FAT files share: the on-disk records, the
 * mounted volume, the in-memory node of a file or directory, and each
 * file's functions. Everything here is called with the volume's mutex
 * held, except fat_probe/fat_unmount and the vnode_ops entry points.
 *
 * Every sector number here is a device sector (512 bytes): bpb.c converts
 * the format's own sector size once, at mount.
 */
#ifndef LULL_FS_FAT_INTERNAL_H
#define LULL_FS_FAT_INTERNAL_H

#include "drivers/blockdev.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "sync/mutex.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAT_SECTOR BLOCKDEV_SECTOR_SIZE
#define FAT_DIRENT_SIZE 32
#define FAT_MAX_FILE_SIZE 0xffffffffu
/* The specification's limit on a directory: 65536 entries. */
#define FAT_MAX_DIR_BYTES (65536u * FAT_DIRENT_SIZE)
#define FAT_LFN_MAX_UNITS 255
#define FAT_LFN_UNITS_PER_SLOT 13

#define FAT_ATTR_READ_ONLY 0x01
#define FAT_ATTR_HIDDEN 0x02
#define FAT_ATTR_SYSTEM 0x04
#define FAT_ATTR_VOLUME_ID 0x08
#define FAT_ATTR_DIRECTORY 0x10
#define FAT_ATTR_ARCHIVE 0x20
#define FAT_ATTR_LFN 0x0f
#define FAT_ATTR_LFN_MASK 0x3f

/* Windows NT's case bits in a short entry: lower-case base, extension. */
#define FAT_CASE_LOWER_BASE 0x08
#define FAT_CASE_LOWER_EXT 0x10

#define FAT_SLOT_END 0x00     /* name[0]: this and every later slot is free */
#define FAT_SLOT_DELETED 0xe5 /* name[0]: this slot is free */
#define FAT_LFN_LAST 0x40     /* seq: the slot holding the name's end */

/* A short (8.3) directory entry. */
struct fat_dirent {
	uint8_t name[11];
	uint8_t attr;
	uint8_t nt_case;
	uint8_t ctime_cs; /* creation time, 10 ms units */
	uint16_t ctime, cdate, adate;
	uint16_t cluster_hi;
	uint16_t mtime, mdate;
	uint16_t cluster_lo;
	uint32_t size;
} __attribute__((packed));

/* A long-name slot: 13 UTF-16 units of the name. */
struct fat_lfn_slot {
	uint8_t seq;
	uint16_t name1[5];
	uint8_t attr;
	uint8_t type;
	uint8_t checksum;
	uint16_t name2[6];
	uint16_t cluster; /* always 0 */
	uint16_t name3[2];
} __attribute__((packed));

_Static_assert(sizeof(struct fat_dirent) == FAT_DIRENT_SIZE, "short entry size");
_Static_assert(sizeof(struct fat_lfn_slot) == FAT_DIRENT_SIZE, "long-name slot size");

static inline uint16_t fat_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fat_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

enum fat_type { FAT12 = 12, FAT16 = 16, FAT32 = 32 };

/* The layout of a volume, from its boot sector (bpb.c). */
struct fat_geometry {
	enum fat_type type;
	uint64_t start;           /* device sector of the volume's first */
	uint64_t sectors;         /* the volume's size in device sectors */
	uint32_t cluster_sectors; /* device sectors per cluster */
	uint32_t cluster_bytes;
	uint64_t fat_start;       /* first FAT */
	uint32_t fat_sectors;     /* one FAT's size */
	uint32_t fat_count;
	uint32_t active_fat;      /* the FAT in use when not mirrored */
	bool mirrored;            /* changes go to every FAT */
	uint64_t root_start;      /* FAT12/16: the fixed root directory */
	uint32_t root_entries;
	uint32_t root_cluster;    /* FAT32 */
	uint64_t data_start;      /* cluster 2 */
	uint32_t cluster_count;   /* clusters 2 .. cluster_count + 1 exist */
	uint64_t fsinfo_sector;   /* FAT32's FSInfo, 0 if none */
};

/* Clusters index .. index + length - 1 of a chain are the disk's
 * clusters cluster .. cluster + length - 1. */
struct fat_extent {
	uint32_t index, cluster, length;
};

/* A chain as far as it has been walked or grown (extent_map.c): its
 * first clusters as extents in order, so that any of them is found by a
 * binary search rather than a walk. At most FAT_MAP_MAX_EXTENTS; past
 * them a cursor remembers the last cluster walked to. */
#define FAT_MAP_MAX_EXTENTS 512
struct fat_map {
	uint32_t first;    /* the chain's first cluster; 0: nothing known */
	uint32_t count, capacity;
	struct fat_extent *runs;
	uint32_t tail_index, tail_cluster; /* the cursor; cluster 0: none */
};

/* The FAT sector read last, a copy kept exact by every write to the FAT:
 * walks and searches read entries in order, mostly from one sector. */
struct fat_window {
	bool valid;
	uint64_t sector;
	uint8_t data[FAT_SECTOR];
};

struct fat_volume {
	struct mount mount;
	struct blockdev *disk;
	struct mutex lock;
	struct fat_geometry g;
	bool read_only;
	bool free_known;      /* free_count counted, so exact */
	bool free_hinted;     /* free_count from FSInfo, kept up to date */
	uint32_t free_count;
	uint32_t next_free;   /* where the search for a free cluster starts */
	struct fat_window window;
	struct list_node nodes; /* fat_node.link: every node alive */
};

/* The location of a file's short entry; key 0 is the root. */
struct fat_location {
	uint64_t sector;
	uint32_t byte;
};

struct fat_node {
	struct vnode vnode;
	struct fat_volume *vol;
	struct list_node link;  /* on vol->nodes while its entry may be found */
	bool in_table;
	bool unlinked;          /* no entry names it any more */
	bool is_root;
	struct fat_location where;
	struct fat_dirent entry; /* the short entry, as last written */
	struct fat_map map;
};

/* One entry of a directory as dir_next gives it. */
struct fat_entry {
	struct fat_dirent raw;
	uint32_t first_slot;  /* offset in the directory of its first slot */
	uint32_t next_offset; /* just past its short entry */
	struct fat_location where;
	bool bad_name;        /* a name the file-system layer cannot carry */
	char name[VFS_NAME_MAX + 1];
};

/* bpb.c */
int fat_read_geometry(struct blockdev *disk, struct fat_geometry *g);

/* fat_table.c */
#define FAT_CHAIN_END 0xffffffffu
#define FAT_ZERO_SECTORS 8
extern const uint8_t fat_zeros[FAT_ZERO_SECTORS * FAT_SECTOR];
uint32_t fat_entry_cluster(const struct fat_volume *v, const struct fat_dirent *e);
void fat_entry_set_cluster(struct fat_dirent *e, uint32_t cluster);
bool fat_cluster_valid(const struct fat_volume *v, uint32_t cluster);
uint64_t fat_cluster_sector(const struct fat_volume *v, uint32_t cluster);
int fat_next(struct fat_volume *v, uint32_t cluster, uint32_t *next);
/* Counts the chain's clusters, noting them in `map` unless it is NULL. */
int fat_chain_length(struct fat_volume *v, uint32_t first, struct fat_map *map,
		     uint32_t *length);
/* Takes up to `want` free clusters in a row, chained and ending the chain,
 * then links `previous` (unless 0) to the first: -ENOSPC if none is free. */
int fat_allocate(struct fat_volume *v, uint32_t previous, uint32_t want, uint32_t *first,
		 uint32_t *length);
int fat_link(struct fat_volume *v, uint32_t from, uint32_t to);
int fat_free_chain(struct fat_volume *v, uint32_t first);
int fat_cut_chain(struct fat_volume *v, uint32_t last);
int fat_count_free(struct fat_volume *v);
int fat_read_fsinfo(struct fat_volume *v);
int fat_write_fsinfo(struct fat_volume *v);
int fat_zero_cluster(struct fat_volume *v, uint32_t cluster);

/* extent_map.c */
/* The cluster at `index` of the chain starting at `first`, and how many
 * clusters from there on are known to follow it on the disk (at least 1);
 * -ENOENT when the chain is shorter. */
int fat_map_seek(struct fat_volume *v, struct fat_map *m, uint32_t first, uint32_t index,
		 uint32_t *cluster, uint32_t *run);
/* Clusters index .. index + length - 1 of the chain starting at `first`
 * are cluster .. cluster + length - 1 (just allocated, or walked). */
void fat_map_note(struct fat_map *m, uint32_t first, uint32_t index, uint32_t cluster,
		  uint32_t length);
/* The chain now ends after its first `keep` clusters (none: it is gone). */
void fat_map_cut(struct fat_map *m, uint32_t keep);
void fat_map_release(struct fat_map *m);

/* name.c */
int fat_name_to_utf16(const char *name, uint16_t *units, unsigned *count);
bool fat_utf16_to_name(const uint16_t *units, unsigned count, char *out, size_t size);
void fat_short_to_name(const struct fat_dirent *e, char *out);
bool fat_short_name_valid(const uint8_t name[11]);
uint8_t fat_lfn_checksum(const uint8_t name[11]);
bool fat_names_equal(const char *a, const char *b);
enum fat_short_fit { FAT_SHORT_EXACT, FAT_SHORT_NEEDS_LFN, FAT_SHORT_LOSSY };
enum fat_short_fit fat_short_from_name(const char *name, uint8_t out[11], uint8_t *nt_case);
void fat_short_with_tail(const uint8_t base[11], const char *name, unsigned n, uint8_t out[11]);

/* fat_time.c */
struct fat_timestamp {
	uint16_t date, time;
	uint8_t centiseconds;
};
struct fat_timestamp fat_time_now(void);
int64_t fat_time_to_unix(uint16_t date, uint16_t time);

/* dir.c */
int dir_next(struct fat_volume *v, struct fat_node *dir, uint32_t *offset, struct fat_entry *out);
bool dir_entry_is_dot(const struct fat_entry *e);
int dir_find(struct fat_volume *v, struct fat_node *dir, const char *name, struct fat_entry *out);
int dir_short_name_taken(struct fat_volume *v, struct fat_node *dir, const uint8_t name[11]);
int dir_add(struct fat_volume *v, struct fat_node *dir, const char *name,
	    struct fat_dirent *entry, struct fat_location *where);
int dir_remove(struct fat_volume *v, struct fat_node *dir, const struct fat_entry *e);
int dir_is_empty(struct fat_volume *v, uint32_t first_cluster);
int dir_write_entry(struct fat_volume *v, const struct fat_location *where,
		    const struct fat_dirent *entry);
int dir_make(struct fat_volume *v, uint32_t parent_cluster, const struct fat_dirent *self,
	     uint32_t *cluster);
int dir_set_parent(struct fat_volume *v, uint32_t dir_cluster, uint32_t parent_cluster);
int dir_parent_of(struct fat_volume *v, uint32_t dir_cluster, uint32_t *parent);

/* file.c */
long fat_file_read(struct fat_node *n, void *buf, size_t len, uint64_t offset);
long fat_file_write(struct fat_node *n, const void *buf, size_t len, uint64_t offset);
int fat_file_truncate(struct fat_node *n, uint64_t size);
int fat_node_save(struct fat_node *n);

/* node.c */
uint32_t fat_node_cluster(const struct fat_node *n);
bool fat_node_is_dir(const struct fat_node *n);
int fat_node_get(struct fat_volume *v, const struct fat_entry *e, struct fat_node **out);
struct fat_node *fat_node_peek(struct fat_volume *v, const struct fat_location *where);
uint64_t fat_location_ino(const struct fat_location *where);
void fat_node_forget(struct fat_node *n);
struct fat_node *fat_node_new_root(struct fat_volume *v);
void fat_node_release(struct vnode *vn);

/* namespace.c */
int fat_lookup(struct vnode *dir, const char *name, struct vnode **out);
int fat_create(struct vnode *dir, const char *name, uint32_t mode, struct vnode **out);
int fat_unlink(struct vnode *dir, const char *name);
int fat_rmdir(struct vnode *dir, const char *name);
int fat_readdir(struct vnode *dir, uint64_t *cookie, struct vfs_dirent *out);

/* rename.c */
int fat_rename(struct vnode *from_dir, const char *from, struct vnode *to_dir, const char *to);

/* fat.c */
extern const struct vnode_ops fat_vnode_ops;
void fat_error(struct fat_volume *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct fat_volume *fat_volume_of(struct vnode *vn);
struct fat_node *fat_node_of(struct vnode *vn);

#endif
