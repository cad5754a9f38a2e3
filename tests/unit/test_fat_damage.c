/*
 * test_fat_damage.c: FAT when things go wrong: a full disk (ENOSPC leaves
 * the volume clean), a read-only disk or mount (EROFS), disk errors (EIO,
 * and a failed write-back reported by the next fsync), and damaged images
 * (bad boot-sector fields, chains that loop or leave the volume,
 * directories that loop, entries with bad names): a clear error and a
 * kernel message, never a crash. Also an MBR-partitioned disk.
 */
// unit-under-test: kernel/fs/fat/bpb.c kernel/fs/fat/dir.c kernel/fs/fat/fat.c kernel/fs/fat/extent_map.c kernel/fs/fat/fat_table.c kernel/fs/fat/fat_time.c kernel/fs/fat/file.c kernel/fs/fat/name.c kernel/fs/fat/namespace.c kernel/fs/fat/node.c kernel/fs/fat/rename.c kernel/fs/block_cache.c tests/unit/fat_harness.c tests/unit/file_blockdev.c tests/unit/fake_kernel.c tests/unit/fake_arch.c
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "fat_harness.h"
#include "fs/fat/fat.h"
#include "fs/block_cache.h"
#include "lib/errno.h"

static struct harness h;

static int teardown(void **state)
{
	(void)state;
	harness_finish(&h);
	return 0;
}

static int setup(void **state)
{
	harness_start(&h, *state, "damage.img");
	return 0;
}

/* The layout of an image, read here independently of bpb.c. */
struct raw {
	unsigned bps, spc, reserved, nfats, root_entries, fat_size, root_cluster;
	bool fat32;
};

static void pread_image(uint64_t offset, void *buf, size_t len)
{
	int fd = open(h.image, O_RDONLY);
	assert_int_equal(pread(fd, buf, len, (off_t)offset), (ssize_t)len);
	close(fd);
}

static void poke(uint64_t offset, const void *buf, size_t len)
{
	int fd = open(h.image, O_RDWR);
	assert_int_equal(pwrite(fd, buf, len, (off_t)offset), (ssize_t)len);
	close(fd);
}

static struct raw raw_layout(void)
{
	uint8_t b[512];
	struct raw r;

	pread_image(0, b, sizeof b);
	r.bps = b[11] | b[12] << 8;
	r.spc = b[13];
	r.reserved = b[14] | b[15] << 8;
	r.nfats = b[16];
	r.root_entries = b[17] | b[18] << 8;
	r.fat_size = b[22] | b[23] << 8;
	r.fat32 = r.fat_size == 0;
	if (r.fat32)
		r.fat_size = b[36] | b[37] << 8 | b[38] << 16 | (unsigned)b[39] << 24;
	r.root_cluster = r.fat32 ? (b[44] | b[45] << 8 | b[46] << 16) : 0;
	return r;
}

static uint64_t cluster_offset(const struct raw *r, unsigned cluster)
{
	uint64_t root_bytes = (uint64_t)r->root_entries * 32;
	uint64_t data = (uint64_t)(r->reserved + r->nfats * r->fat_size) * r->bps + root_bytes;
	return data + (uint64_t)(cluster - 2) * r->spc * r->bps;
}

/* Byte offset of the root entry with this 11-byte short name. */
static uint64_t root_entry(const struct raw *r, const char *name11)
{
	uint64_t start = r->fat32 ? cluster_offset(r, r->root_cluster) :
				    (uint64_t)(r->reserved + r->nfats * r->fat_size) * r->bps;
	uint8_t slot[32];

	for (uint64_t off = start;; off += 32) {
		pread_image(off, slot, 32);
		assert_int_not_equal(slot[0], 0);
		if (!memcmp(slot, name11, 11))
			return off;
	}
}

static unsigned entry_cluster(uint64_t entry)
{
	uint8_t slot[32];

	pread_image(entry, slot, 32);
	return (unsigned)(slot[26] | slot[27] << 8 | slot[20] << 16 | slot[21] << 24);
}

/* Sets FAT entry `cluster` in every FAT copy. */
static void set_fat(const struct raw *r, unsigned cluster, unsigned value)
{
	for (unsigned copy = 0; copy < r->nfats; copy++) {
		uint64_t fat = (uint64_t)(r->reserved + copy * r->fat_size) * r->bps;
		uint8_t b[4];
		if (r->fat32 || r->fat_size * r->bps / 2 > 4086 + 2) {
			unsigned width = r->fat32 ? 4 : 2;
			for (unsigned i = 0; i < width; i++)
				b[i] = (uint8_t)(value >> (8 * i));
			poke(fat + (uint64_t)cluster * width, b, width);
			continue;
		}
		uint64_t off = fat + cluster + cluster / 2;
		pread_image(off, b, 2);
		uint16_t raw = (uint16_t)(b[0] | b[1] << 8);
		raw = (cluster & 1) ? (uint16_t)((raw & 0xf) | value << 4) :
				      (uint16_t)((raw & 0xf000) | (value & 0xfff));
		b[0] = (uint8_t)raw;
		b[1] = (uint8_t)(raw >> 8);
		poke(off, b, 2);
	}
}

static void full_disk_gives_enospc_and_stays_clean(void **state)
{
	(void)state;
	static uint8_t data[400 * 1024];
	struct vnode *v, *w;
	char path[64];

	harness_pattern(data, sizeof data, 5);
	harness_mount(&h, false);
	struct vfs_statfs s;
	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	uint64_t free_before = s.blocks_free;
	/* A write past the end that the disk cannot hold takes nothing. */
	assert_int_equal(harness_create(&h, "/gap", VFS_S_IFREG | 0644, &w), 0);
	assert_int_equal(w->ops->write(w, "x", 1, (free_before + 2) * s.block_size), -ENOSPC);
	vnode_put(w);
	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	assert_int_equal(s.blocks_free, free_before);
	assert_int_equal(harness_unlink(&h, "/gap"), 0);
	assert_int_equal(harness_create(&h, "/big file.bin", VFS_S_IFREG | 0644, &v), 0);
	long n = v->ops->write(v, data, sizeof data, 0);
	assert_true(n > 0 && n < (long)sizeof data);
	assert_int_equal(n % (long)s.block_size, 0);
	assert_int_equal(v->ops->write(v, data, 1, (uint64_t)n), -ENOSPC);
	assert_int_equal(v->ops->write(v, data, 10, (uint64_t)n + 100000), -ENOSPC);
	assert_int_equal(v->ops->truncate(v, (uint64_t)n + 1), -ENOSPC);
	struct file_stat st;
	assert_int_equal(v->ops->stat(v, &st), 0);
	assert_int_equal(st.size, (uint64_t)n);
	assert_int_equal(harness_create(&h, "/empty file", VFS_S_IFREG | 0644, &w), 0);
	assert_int_equal(w->ops->write(w, "x", 1, 0), -ENOSPC);
	vnode_put(w);
	assert_int_equal(harness_mkdir(&h, "/no room"), -ENOSPC);
	/* Files with a name but no data fit until the fixed root is full. */
	unsigned made = 0;
	int rc = 0;
	for (; made < 1000 && rc == 0; made++) {
		snprintf(path, sizeof path, "/f%u", made);
		rc = harness_create(&h, path, VFS_S_IFREG | 0644, &w);
		if (!rc)
			vnode_put(w);
	}
	assert_int_equal(rc, -ENOSPC);
	vnode_put(v);
	harness_unmount(&h);
	assert_true(harness_fsck_clean(&h));
	uint8_t *back;
	assert_int_equal(harness_mcopy_out(&h, "big file.bin", &back), n);
	assert_memory_equal(back, data, (size_t)n);
	free(back);
	harness_mount(&h, false);
	assert_int_equal(harness_unlink(&h, "/big file.bin"), 0);
	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	assert_int_equal(s.blocks_free, free_before);
	harness_unmount(&h);
	assert_true(harness_fsck_clean(&h));
}

static void read_only_gives_erofs(void **state)
{
	(void)state;
	struct vnode *v, *made;
	uint8_t buf[8];

	harness_mcopy_in(&h, "keep.txt", "kept", 4);
	for (int disk_ro = 0; disk_ro < 2; disk_ro++) {
		h.disk = file_blockdev_open(h.image, disk_ro);
		assert_int_equal(fat_probe(&h.disk->dev, !disk_ro, &h.mount), 0);
		assert_true(h.mount->read_only);
		struct vnode *root = h.mount->root;
		assert_int_equal(harness_walk(&h, "/keep.txt", &v), 0);
		assert_int_equal(v->ops->read(v, buf, sizeof buf, 0), 4);
		assert_int_equal(v->ops->write(v, "x", 1, 0), -EROFS);
		assert_int_equal(v->ops->truncate(v, 0), -EROFS);
		assert_int_equal(v->ops->fsync(v, false), 0);
		vnode_put(v);
		assert_int_equal(root->ops->create(root, "new", VFS_S_IFREG, &made), -EROFS);
		assert_int_equal(root->ops->create(root, "dir", VFS_S_IFDIR, &made), -EROFS);
		assert_int_equal(root->ops->unlink(root, "keep.txt"), -EROFS);
		assert_int_equal(root->ops->rmdir(root, "keep.txt"), -EROFS);
		assert_int_equal(root->ops->rename(root, "keep.txt", root, "moved"), -EROFS);
		harness_unmount(&h);
	}
	assert_true(harness_fsck_clean(&h));
}

static void disk_errors_reach_the_caller(void **state)
{
	(void)state;
	static uint8_t data[8192];
	struct vnode *v;

	harness_pattern(data, sizeof data, 9);
	harness_mcopy_in(&h, "data.bin", data, sizeof data);
	h.disk = file_blockdev_open(h.image, false);
	h.disk->reads_left = 0;
	assert_int_equal(fat_probe(&h.disk->dev, false, &h.mount), -EIO);
	file_blockdev_close(h.disk);
	harness_mount(&h, false);
	assert_int_equal(harness_walk(&h, "/data.bin", &v), 0);
	h.disk->reads_left = 0;
	uint8_t back[sizeof data];
	assert_int_equal(v->ops->read(v, back, sizeof back, 0), -EIO);
	h.disk->reads_left = -1;

	h.disk->writes_left = 0;
	assert_int_equal(v->ops->write(v, data, sizeof data, 0), -EIO);
	struct vfs_statfs before, after;
	assert_int_equal(h.mount->ops->statfs(h.mount, &before), 0);
	assert_int_equal(v->ops->write(v, data, sizeof data, 100000), -EIO);
	assert_int_equal(h.mount->ops->statfs(h.mount, &after), 0);
	assert_int_equal(after.blocks_free, before.blocks_free); /* given back */
	uint64_t errors = block_cache_stats().writeback_errors;
	assert_int_equal(v->ops->write(v, "small", 5, 3), 5); /* into the cache */
	assert_int_equal(v->ops->fsync(v, false), -EIO);
	assert_true(block_cache_stats().writeback_errors > errors);
	assert_true(block_cache_stats().dirty > 0); /* kept, not dropped */
	h.disk->writes_left = -1;
	h.disk->fail_flush = true;
	assert_int_equal(v->ops->fsync(v, false), -EIO);
	h.disk->fail_flush = false;
	assert_int_equal(v->ops->fsync(v, false), 0);
	assert_int_equal(block_cache_stats().dirty, 0);
	vnode_put(v);
	harness_unmount(&h);
	assert_true(harness_fsck_clean(&h));
	uint8_t *got;
	assert_int_equal(harness_mcopy_out(&h, "data.bin", &got), (long)sizeof data);
	memcpy(data + 3, "small", 5);
	assert_memory_equal(got, data, sizeof data);
	free(got);
}

static void expect_mount_error(int expected, const char *message)
{
	fake_log_clear();
	assert_int_equal(harness_try_mount(&h, false), expected);
	if (message && !strstr(fake_log, message))
		fail_msg("kernel log lacks \"%s\":\n%s", message, fake_log);
}

static void bad_boot_sectors_are_refused(void **state)
{
	(void)state;
	static const struct {
		unsigned offset, len;
		uint32_t value;
		const char *message;
	} cases[] = {
		{ 11, 2, 0, "bytes per sector" },
		{ 11, 2, 768, "bytes per sector" },
		{ 13, 1, 3, "sectors per cluster" },
		{ 14, 2, 0, "no reserved sectors" },
		{ 16, 1, 0, "number of FATs" },
		{ 16, 1, 7, "number of FATs" },
		{ 21, 1, 0x12, "media" },
		{ 32, 4, 0xfffffff0, "larger than the disk" },
		{ 14, 2, 0xffff, "no room for data" },
	};
	uint8_t saved[512];

	pread_image(0, saved, sizeof saved);
	for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
		uint8_t b[4];
		for (unsigned k = 0; k < cases[i].len; k++)
			b[k] = (uint8_t)(cases[i].value >> (8 * k));
		poke(0, saved, sizeof saved);
		if (cases[i].offset == 32)
			poke(19, "\0\0", 2);
		poke(cases[i].offset, b, cases[i].len);
		expect_mount_error(-EIO, cases[i].message);
	}
	poke(0, saved, sizeof saved);
	poke(22, "\x01\x00", 2); /* FAT16: a one-sector FAT */
	expect_mount_error(-EIO, "FAT is too small");
	poke(0, saved, sizeof saved);
	static const uint8_t zeros[512];
	poke(0, zeros, sizeof zeros);
	expect_mount_error(-EINVAL, NULL);
	assert_string_equal(fake_log, "");
	poke(0, saved, sizeof saved);
	harness_mount(&h, false);
}

static void fat32_root_cluster_out_of_range(void **state)
{
	(void)state;
	poke(44, "\xff\xff\xff\x00", 4);
	expect_mount_error(-EIO, "root cluster out of range");
	poke(44, "\x02\x00\x00\x00", 4);
	poke(42, "\x01\x00", 2);
	expect_mount_error(-EIO, "unknown FAT32 version");
}

/* A file of three clusters whose chain is then damaged. */
static unsigned three_cluster_file(const struct raw *r, uint64_t *entry)
{
	size_t len = 3 * r->spc * r->bps;
	uint8_t *data = calloc(1, len);

	harness_mcopy_in(&h, "CHAIN.BIN", data, len);
	free(data);
	harness_mcopy_in(&h, "OTHER.TXT", "other", 5);
	*entry = root_entry(r, "CHAIN   BIN");
	return entry_cluster(*entry);
}

static void expect_file_error(const char *message)
{
	struct vnode *v;

	harness_mount(&h, false);
	fake_log_clear();
	assert_int_equal(harness_walk(&h, "/CHAIN.BIN", &v), -EIO);
	if (!strstr(fake_log, message))
		fail_msg("kernel log lacks \"%s\":\n%s", message, fake_log);
	assert_int_equal(harness_walk(&h, "/OTHER.TXT", &v), 0);
	vnode_put(v);
}

static void looping_chain_is_an_error(void **state)
{
	(void)state;
	struct raw r = raw_layout();
	uint64_t entry;
	unsigned first = three_cluster_file(&r, &entry);

	set_fat(&r, first + 2, first);
	expect_file_error("loops");
	/* The name goes; the clusters it cannot follow are left to fsck. */
	assert_int_equal(harness_unlink(&h, "/CHAIN.BIN"), -EIO);
	struct vnode *v;
	assert_int_equal(harness_walk(&h, "/CHAIN.BIN", &v), -ENOENT);
}

static void chain_past_the_end_is_an_error(void **state)
{
	(void)state;
	struct raw r = raw_layout();
	uint64_t entry;
	unsigned first = three_cluster_file(&r, &entry);

	set_fat(&r, first + 1, r.fat32 ? 0x0ffffff0 : r.root_entries && r.fat_size > 12 ? 0xfff0 : 0xff0);
	expect_file_error("links to cluster");
	harness_unmount(&h);
	set_fat(&r, first + 1, 0);
	expect_file_error("links to a free cluster");
	harness_unmount(&h);
	uint8_t big[2] = { 0xff, 0xff };
	set_fat(&r, first + 1, first + 2);
	poke(entry + 26, big, 2); /* starts outside the volume */
	poke(entry + 20, "\xff\x0f", 2); /* (FAT32's high half) */
	expect_file_error("outside the volume");
}

static void size_beyond_chain_is_an_error(void **state)
{
	(void)state;
	struct raw r = raw_layout();
	uint64_t entry;
	three_cluster_file(&r, &entry);
	uint8_t size[4] = { 0, 0, 0x10, 0 };

	poke(entry + 28, size, 4);
	expect_file_error("only 3 clusters");
}

static void looping_directory_is_an_error(void **state)
{
	(void)state;
	struct raw r = raw_layout();
	struct vnode *d;

	assert_int_equal(harness_sh("mmd -i '%s' ::LOOPDIR", h.image), 0);
	unsigned c = entry_cluster(root_entry(&r, "LOOPDIR    "));
	uint64_t start = cluster_offset(&r, c);
	for (unsigned off = 64; off < r.spc * r.bps; off += 32)
		poke(start + off, "\xe5", 1);
	set_fat(&r, c, c);
	harness_mount(&h, false);
	assert_int_equal(harness_walk(&h, "/LOOPDIR", &d), 0);
	uint64_t cookie = 0;
	struct vfs_dirent e;
	assert_int_equal(d->ops->readdir(d, &cookie, &e), -EIO);
	struct vnode *x;
	assert_int_equal(d->ops->lookup(d, "nothing", &x), -EIO);
	assert_non_null(strstr(fake_log, "longer than the volume") ?: strstr(fake_log, "65536"));
	vnode_put(d);
}

static void bad_names_are_errors_not_crashes(void **state)
{
	(void)state;
	struct raw r = raw_layout();
	struct vnode *root, *v;

	harness_mcopy_in(&h, "GOOD.TXT", "good", 4);
	harness_mcopy_in(&h, "BAD.TXT", "bad", 3);
	harness_mcopy_in(&h, "A long name here.txt", "long", 4);
	harness_mcopy_in(&h, "LAST.TXT", "last", 4);
	poke(root_entry(&r, "BAD     TXT"), "B/D*    TXT", 11);
	/* The long name's first slot holds "A long name h": make it "A/long". */
	uint64_t alias = root_entry(&r, "ALONGN~1TXT");
	poke(alias - 32 * 2 + 3, "/", 1);
	harness_mount(&h, false);
	root = h.mount->root;
	uint64_t cookie = 0;
	struct vfs_dirent d;
	unsigned good = 0, errors = 0;
	int rc;
	while ((rc = root->ops->readdir(root, &cookie, &d)) != 0) {
		if (rc == -EIO)
			errors++;
		else
			good++;
		assert_true(rc == 1 || rc == -EIO);
	}
	assert_int_equal(errors, 2);
	assert_int_equal(good, 2);
	assert_non_null(strstr(fake_log, "bad name"));
	assert_int_equal(harness_walk(&h, "/LAST.TXT", &v), 0);
	vnode_put(v);
	assert_int_equal(harness_walk(&h, "/B/D*.TXT", &v), -ENOENT);
}

static void mbr_partitioned_disk(void **state)
{
	(void)state;
	struct vnode *v;

	snprintf(h.image, sizeof h.image, "%s", harness_path("mbr.img"));
	assert_int_equal(harness_sh("rm -f '%s' && truncate -s 8M '%s' && "
				    "mkfs.fat --offset 2048 '%s' 7168 >/dev/null && "
				    "echo partitioned | mcopy -i '%s'@@1M - ::HELLO.TXT",
				    h.image, h.image, h.image, h.image), 0);
	uint8_t mbr[16] = { 0x80, 0, 0, 0, 0x06, 0, 0, 0, 0x00, 0x08, 0, 0, 0x00, 0x38, 0, 0 };
	poke(446, mbr, sizeof mbr);
	poke(510, "\x55\xaa", 2);
	harness_mount(&h, false);
	uint8_t *got;
	assert_int_equal(harness_read_file(&h, "/hello.txt", &got), 12);
	assert_memory_equal(got, "partitioned\n", 12);
	free(got);
	harness_write_file(&h, "/written.txt", "back", 4);
	assert_int_equal(harness_walk(&h, "/written.txt", &v), 0);
	vnode_put(v);
	harness_unmount(&h);
	assert_int_equal(harness_sh("mcopy -n -i '%s'@@1M ::written.txt - | grep -qx back", h.image), 0);
	/* A FAT partition entry over something else is damage, not "not FAT". */
	static const uint8_t zeros[512];
	poke(2048 * 512, zeros, sizeof zeros);
	expect_mount_error(-EIO, "holds no FAT volume");
}

#define ON(kind, test) cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)&kind)

static const struct fat_kind tiny_kind = { "tiny FAT12", 160, "-F 12 -r 16" };

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON(tiny_kind, full_disk_gives_enospc_and_stays_clean),
		ON(fat16_kind, read_only_gives_erofs),
		ON(fat32_kind, disk_errors_reach_the_caller),
		ON(fat16_kind, bad_boot_sectors_are_refused),
		ON(fat32_kind, fat32_root_cluster_out_of_range),
		ON(fat12_kind, looping_chain_is_an_error),
		ON(fat16_kind, looping_chain_is_an_error),
		ON(fat32_kind, looping_chain_is_an_error),
		ON(fat12_kind, chain_past_the_end_is_an_error),
		ON(fat16_kind, chain_past_the_end_is_an_error),
		ON(fat32_kind, chain_past_the_end_is_an_error),
		ON(fat16_kind, size_beyond_chain_is_an_error),
		ON(fat12_kind, looping_directory_is_an_error),
		ON(fat32_kind, looping_directory_is_an_error),
		ON(fat12_kind, bad_names_are_errors_not_crashes),
		ON(fat32_kind, bad_names_are_errors_not_crashes),
		ON(fat12_kind, mbr_partitioned_disk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
