/*
 * bpb.c: finding a FAT volume on a disk and reading its layout from the
 * boot sector's BIOS parameter block, every field checked before use: the
 * volume starts at sector 0, or at the first partition of an MBR (QEMU's
 * vvfat presents one that way).
 */
#include "fs/fat/fat_internal.h"

#include "console.h"

#define BOOT_SIGNATURE_OFFSET 510
#define MBR_TABLE_OFFSET 446
#define MBR_ENTRY_SIZE 16
#define FAT12_MAX_CLUSTERS 4084
#define FAT16_MAX_CLUSTERS 65524
#define FAT32_MAX_CLUSTERS 0x0ffffff5
#define MAX_CLUSTER_BYTES 65536

/* The raw fields, in the format's own sectors. */
struct bpb {
	uint32_t bytes_per_sector, sectors_per_cluster, reserved, fat_count, root_entries;
	uint32_t media, fat_size16, fat_size, total;
	uint32_t ext_flags, fs_version, root_cluster, fsinfo;
};

static void read_fields(const uint8_t *b, struct bpb *f)
{
	f->bytes_per_sector = fat_le16(b + 11);
	f->sectors_per_cluster = b[13];
	f->reserved = fat_le16(b + 14);
	f->fat_count = b[16];
	f->root_entries = fat_le16(b + 17);
	f->total = fat_le16(b + 19) ? fat_le16(b + 19) : fat_le32(b + 32);
	f->media = b[21];
	f->fat_size16 = fat_le16(b + 22);
	f->fat_size = f->fat_size16 ? f->fat_size16 : fat_le32(b + 36);
	f->ext_flags = fat_le16(b + 40);
	f->fs_version = fat_le16(b + 42);
	f->root_cluster = fat_le32(b + 44);
	f->fsinfo = fat_le16(b + 48);
}

static bool power_of_two(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* The fields that no FAT layout can do without; NULL when they hold. */
static const char *check_basic(const struct bpb *f)
{
	if (f->bytes_per_sector < 512 || f->bytes_per_sector > 4096 ||
	    !power_of_two(f->bytes_per_sector))
		return "bytes per sector is not 512, 1024, 2048 or 4096";
	if (!power_of_two(f->sectors_per_cluster) ||
	    f->sectors_per_cluster * f->bytes_per_sector > MAX_CLUSTER_BYTES)
		return "sectors per cluster is not a power of two up to 64 KiB";
	if (f->reserved == 0)
		return "no reserved sectors";
	if (f->fat_count < 1 || f->fat_count > 2)
		return "the number of FATs is not 1 or 2";
	if (f->media != 0xf0 && f->media < 0xf8)
		return "bad media byte";
	if (f->total == 0)
		return "total sectors is 0";
	if (f->fat_size == 0)
		return "FAT size is 0";
	return NULL;
}

static uint64_t fat_bytes_needed(enum fat_type type, uint64_t clusters)
{
	uint64_t entries = clusters + 2;

	if (type == FAT12)
		return (entries * 3 + 1) / 2;
	return entries * (type == FAT16 ? 2 : 4);
}

/* The FAT type and the FAT32-only fields. */
static const char *check_type(const struct bpb *f, uint64_t clusters, enum fat_type *type)
{
	if (f->fat_size16 == 0) {
		*type = FAT32;
		if (f->root_entries != 0)
			return "FAT32 volume with a fixed root directory";
		if (f->fs_version != 0)
			return "unknown FAT32 version";
		if (clusters > FAT32_MAX_CLUSTERS)
			return "too many clusters for FAT32";
		if (f->root_cluster < 2 || f->root_cluster > clusters + 1)
			return "root cluster out of range";
		if ((f->ext_flags & 0x80) && (f->ext_flags & 0x0f) >= f->fat_count)
			return "the active FAT does not exist";
		return NULL;
	}
	*type = clusters <= FAT12_MAX_CLUSTERS ? FAT12 : FAT16;
	if (f->root_entries == 0)
		return "FAT12/16 volume without a root directory";
	if (clusters > FAT16_MAX_CLUSTERS)
		return "too many clusters for FAT16";
	return NULL;
}

/* Converts f into g for a volume at device sector `start` with `avail`
 * device sectors; NULL or the reason it cannot be a volume. */
static const char *layout(const struct bpb *f, uint64_t start, uint64_t avail,
			  struct fat_geometry *g)
{
	const char *why = check_basic(f);
	if (why)
		return why;
	uint32_t ratio = f->bytes_per_sector / FAT_SECTOR;
	uint64_t root_sectors = ((uint64_t)f->root_entries * FAT_DIRENT_SIZE + f->bytes_per_sector - 1) /
				f->bytes_per_sector;
	uint64_t data = f->reserved + (uint64_t)f->fat_count * f->fat_size + root_sectors;
	if (data >= f->total)
		return "no room for data after the FATs";
	if ((uint64_t)f->total * ratio > avail)
		return "the volume is larger than the disk";
	uint64_t clusters = (f->total - data) / f->sectors_per_cluster;
	if (clusters == 0)
		return "no data clusters";
	enum fat_type type;
	why = check_type(f, clusters, &type);
	if (why)
		return why;
	if (fat_bytes_needed(type, clusters) > (uint64_t)f->fat_size * f->bytes_per_sector)
		return "the FAT is too small for the clusters";
	*g = (struct fat_geometry){
		.type = type,
		.start = start,
		.sectors = (uint64_t)f->total * ratio,
		.cluster_sectors = f->sectors_per_cluster * ratio,
		.cluster_bytes = f->sectors_per_cluster * f->bytes_per_sector,
		.fat_start = start + (uint64_t)f->reserved * ratio,
		.fat_sectors = f->fat_size * ratio,
		.fat_count = f->fat_count,
		.active_fat = type == FAT32 && (f->ext_flags & 0x80) ? (f->ext_flags & 0x0f) : 0,
		.mirrored = type != FAT32 || !(f->ext_flags & 0x80),
		.root_start = start + ((uint64_t)f->reserved + (uint64_t)f->fat_count * f->fat_size) * ratio,
		.root_entries = type == FAT32 ? 0 : f->root_entries,
		.root_cluster = type == FAT32 ? f->root_cluster : 0,
		.data_start = start + data * ratio,
		.cluster_count = (uint32_t)clusters,
	};
	if (type == FAT32 && f->fsinfo >= 1 && f->fsinfo < f->reserved)
		g->fsinfo_sector = start + (uint64_t)f->fsinfo * ratio;
	return NULL;
}

static bool has_signature(const uint8_t *b)
{
	return b[BOOT_SIGNATURE_OFFSET] == 0x55 && b[BOOT_SIGNATURE_OFFSET + 1] == 0xaa;
}

/* A jump instruction first: what every FAT boot sector starts with. */
static bool looks_like_boot_sector(const uint8_t *b)
{
	return (b[0] == 0xeb && b[2] == 0x90) || b[0] == 0xe9;
}

static bool fat_partition_type(uint8_t type)
{
	return type == 0x01 || type == 0x04 || type == 0x06 || type == 0x0b || type == 0x0c ||
	       type == 0x0e;
}

/* The first partition of an MBR, if it is a FAT one that fits the disk. */
static bool mbr_first_partition(const uint8_t *b, uint64_t disk_sectors, uint64_t *start,
				uint64_t *count)
{
	const uint8_t *p = b + MBR_TABLE_OFFSET;

	if (!has_signature(b) || (p[0] != 0x00 && p[0] != 0x80) || !fat_partition_type(p[4]))
		return false;
	*start = fat_le32(p + 8);
	*count = fat_le32(p + 12);
	return *start > 0 && *count > 0 && *start < disk_sectors && *count <= disk_sectors - *start;
}

static int parse_at(struct blockdev *disk, uint8_t *b, uint64_t start, uint64_t avail,
		    struct fat_geometry *g)
{
	struct bpb f;

	read_fields(b, &f);
	const char *why = layout(&f, start, avail, g);
	if (!why)
		return 0;
	if (!looks_like_boot_sector(b) || !has_signature(b))
		return -EINVAL;
	kprintf("fat: %s: bad boot sector at sector %llu: %s\n", disk->name,
		(unsigned long long)start, why);
	return -EIO;
}

int fat_read_geometry(struct blockdev *disk, struct fat_geometry *g)
{
	uint8_t b[FAT_SECTOR];
	uint64_t start, count;

	if (disk->sectors == 0)
		return -EINVAL;
	int rc = disk->read(disk, 0, b, 1);
	if (rc)
		return rc;
	struct bpb f;
	read_fields(b, &f);
	if (!layout(&f, 0, disk->sectors, g))
		return 0;
	if (mbr_first_partition(b, disk->sectors, &start, &count)) {
		rc = disk->read(disk, start, b, 1);
		if (rc)
			return rc;
		rc = parse_at(disk, b, start, count, g);
		if (rc != -EINVAL)
			return rc;
		kprintf("fat: %s: the first partition is marked FAT but holds no FAT volume\n",
			disk->name);
		return -EIO;
	}
	return parse_at(disk, b, 0, disk->sectors, g);
}
