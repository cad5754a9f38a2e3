/*
 * fuzz_fat.c: libFuzzer target over the FAT file system: an input is a
 * disk image; the target mounts it, walks every directory, stats and reads
 * every file, then (unless the input asks for a read-only mount) creates,
 * writes, truncates, renames and removes files and directories, syncs and
 * unmounts. Sanitizers catch memory errors; the fake mutex aborts on a
 * lock taken twice; every walk is bounded, so a hang is a finding too.
 *
 * An input is sparse, so that images of whole FAT16/FAT32 volumes stay a
 * few KiB (tests/fuzz/make_fat_corpus.sh makes them from mkfs.fat):
 *   u8 flags (bit 0: mount read-only), u8 writes allowed before the disk
 *   fails every write (0: never fails),
 *   then records: u32 sector (little-endian), u16 count, count * 512 bytes.
 * The disk has DISK_SECTORS sectors; sectors no record gives are zeros.
 */
#include "fake_kernel.h"
#include "fs/block_cache.h"
#include "fs/fat/fat.h"
#include "lib/errno.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISK_SECTORS 131072 /* 64 MiB */
#define SECTOR 512
#define MAX_DEPTH 6
#define MAX_ENTRIES 512
#define MAX_READ (256 * 1024)

static uint8_t *sectors[DISK_SECTORS];
static uint32_t touched[DISK_SECTORS];
static uint32_t touched_count;
static long writes_left;

static uint8_t *sector_for_write(uint64_t s)
{
	if (!sectors[s]) {
		sectors[s] = calloc(1, SECTOR);
		touched[touched_count++] = (uint32_t)s;
	}
	return sectors[s];
}

static int disk_read(struct blockdev *d, uint64_t sector, void *buf, uint32_t count)
{
	if (count == 0 || sector >= d->sectors || count > d->sectors - sector)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *dst = (uint8_t *)buf + (size_t)i * SECTOR;
		if (sectors[sector + i])
			memcpy(dst, sectors[sector + i], SECTOR);
		else
			memset(dst, 0, SECTOR);
	}
	return 0;
}

static int disk_write(struct blockdev *d, uint64_t sector, const void *buf, uint32_t count)
{
	if (count == 0 || sector >= d->sectors || count > d->sectors - sector)
		return -EINVAL;
	if (d->read_only)
		return -EROFS;
	if (writes_left == 0)
		return -EIO;
	if (writes_left > 0)
		writes_left--;
	for (uint32_t i = 0; i < count; i++)
		memcpy(sector_for_write(sector + i), (const uint8_t *)buf + (size_t)i * SECTOR, SECTOR);
	return 0;
}

static int disk_flush(struct blockdev *d)
{
	(void)d;
	return 0;
}

static struct blockdev disk = {
	.name = "fuzz",
	.sectors = DISK_SECTORS,
	.read = disk_read,
	.write = disk_write,
	.flush = disk_flush,
};

static void load(const uint8_t *data, size_t size)
{
	while (size >= 6) {
		uint32_t s = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			     (uint32_t)data[3] << 24;
		uint32_t count = (uint32_t)data[4] | (uint32_t)data[5] << 8;
		data += 6;
		size -= 6;
		for (uint32_t i = 0; i < count && size > 0 && s + i < DISK_SECTORS; i++) {
			size_t n = size < SECTOR ? size : SECTOR;
			memcpy(sector_for_write(s + i), data, n);
			data += n;
			size -= n;
		}
	}
}

static void unload(void)
{
	for (uint32_t i = 0; i < touched_count; i++) {
		free(sectors[touched[i]]);
		sectors[touched[i]] = NULL;
	}
	touched_count = 0;
}

static void check_unlocked(void)
{
	if (fake_mutexes_held)
		abort();
}

static void read_file(struct vnode *v)
{
	static uint8_t buf[8192];
	struct file_stat st;

	if (v->ops->stat(v, &st))
		return;
	for (uint64_t off = 0; off < st.size && off < MAX_READ; off += sizeof buf)
		if (v->ops->read(v, buf, sizeof buf, off) <= 0)
			break;
}

static unsigned entries_seen;

static void walk(struct vnode *dir, unsigned depth)
{
	struct vfs_dirent d;
	uint64_t cookie = 0;
	int rc;

	while (entries_seen < MAX_ENTRIES && (rc = dir->ops->readdir(dir, &cookie, &d)) != 0) {
		check_unlocked();
		entries_seen++;
		struct vnode *child;
		if (rc < 0 || dir->ops->lookup(dir, d.name, &child))
			continue;
		if ((child->mode & VFS_S_IFMT) == VFS_S_IFDIR) {
			if (depth < MAX_DEPTH)
				walk(child, depth + 1);
		} else {
			read_file(child);
		}
		vnode_put(child);
	}
}

/* Changes in the root; every result is allowed but a crash. */
static void change(struct mount *m)
{
	static uint8_t data[5000];
	struct vnode *root = m->root, *f, *d;
	struct vfs_statfs s;

	memset(data, 'f', sizeof data);
	if (!root->ops->create(root, "Fuzz file with a long name.txt", VFS_S_IFREG | 0644, &f)) {
		f->ops->write(f, data, sizeof data, 0);
		f->ops->write(f, data, 10, 20000);
		f->ops->truncate(f, 100);
		f->ops->fsync(f, false);
		vnode_put(f);
	}
	check_unlocked();
	if (!root->ops->create(root, "fz dir", VFS_S_IFDIR | 0755, &d)) {
		root->ops->rename(root, "Fuzz file with a long name.txt", d, "moved.TXT");
		d->ops->unlink(d, "moved.txt");
		vnode_put(d);
	}
	root->ops->rmdir(root, "fz dir");
	check_unlocked();
	m->ops->statfs(m, &s);
	m->ops->sync(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mount *m;

	if (size < 2)
		return 0;
	bool read_only = data[0] & 1;
	writes_left = data[1] ? data[1] : -1;
	load(data + 2, size - 2);
	fake_log_clear();
	block_cache_set_capacity(64);
	if (fat_probe(&disk, read_only, &m) == 0) {
		entries_seen = 0;
		walk(m->root, 0);
		if (!read_only)
			change(m);
		check_unlocked();
		fat_unmount(m);
	}
	block_cache_forget(&disk);
	unload();
	return 0;
}
