/*
 * test_fat_ops.c: every FAT operation on FAT12, FAT16 and FAT32 images made
 * by mkfs.fat: files written by mtools read back, and what the code writes
 * checked by fsck.fat -n and read back by mcopy, byte for byte.
 */
// unit-under-test: kernel/fs/fat/bpb.c kernel/fs/fat/dir.c kernel/fs/fat/fat.c kernel/fs/fat/extent_map.c kernel/fs/fat/fat_table.c kernel/fs/fat/fat_time.c kernel/fs/fat/file.c kernel/fs/fat/name.c kernel/fs/fat/namespace.c kernel/fs/fat/node.c kernel/fs/fat/rename.c kernel/fs/block_cache.c tests/unit/fat_harness.c tests/unit/file_blockdev.c tests/unit/fake_kernel.c tests/unit/fake_arch.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_arch.h"
#include "fake_kernel.h"
#include "fat_harness.h"
#include "fs/block_cache.h"
#include "lib/errno.h"

static struct harness h;

static int setup(void **state)
{
	harness_start(&h, *state, "ops.img");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_finish(&h);
	return 0;
}

static void expect_file(const char *path, const uint8_t *data, size_t len)
{
	uint8_t *got;
	long n = harness_read_file(&h, path, &got);

	assert_int_equal(n, (long)len);
	assert_memory_equal(got, data, len);
	free(got);
}

/* Unmounts, checks the image with fsck.fat and mcopy, mounts again. */
static void check_on_host(const char *path, const uint8_t *data, size_t len)
{
	uint8_t *got;

	harness_unmount(&h);
	assert_true(harness_fsck_clean(&h));
	if (path) {
		long n = harness_mcopy_out(&h, path, &got);
		if (n < 0)
			harness_sh("mdir -a -i '%s' ::", h.image);
		assert_int_equal(n, (long)len);
		assert_memory_equal(got, data, len);
		free(got);
	}
	harness_mount(&h, false);
}

static void reads_what_mtools_wrote(void **state)
{
	(void)state;
	static uint8_t big[100000];
	harness_pattern(big, sizeof big, 1);
	harness_sh("mmd -i '%s' ::dir ::dir/Sub", h.image);
	harness_mcopy_in(&h, "README.TXT", "hello\n", 6);
	harness_mcopy_in(&h, "A long file name with spaces.text", "long\n", 5);
	harness_mcopy_in(&h, "dir/Sub/deep file.bin", big, sizeof big);
	harness_mcopy_in(&h, "lower.txt", "lower", 5);
	harness_mount(&h, false);
	expect_file("/README.TXT", (const uint8_t *)"hello\n", 6);
	expect_file("/readme.txt", (const uint8_t *)"hello\n", 6);
	expect_file("/A long file name with spaces.text", (const uint8_t *)"long\n", 5);
	expect_file("/a LONG file name with spaces.TEXT", (const uint8_t *)"long\n", 5);
	expect_file("/DIR/sub/Deep File.bin", big, sizeof big);
	expect_file("/lower.txt", (const uint8_t *)"lower", 5);

	struct vnode *root = h.mount->root, *v;
	struct vfs_dirent d;
	uint64_t cookie = 0;
	const char *names[8];
	unsigned n = 0;
	char seen[8][VFS_NAME_MAX + 1];
	while (root->ops->readdir(root, &cookie, &d) == 1 && n < 8) {
		strcpy(seen[n], d.name);
		names[n] = seen[n];
		n++;
	}
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "dir");
	assert_string_equal(names[1], "README.TXT");
	assert_string_equal(names[2], "A long file name with spaces.text");
	assert_string_equal(names[3], "lower.txt");
	assert_int_equal(harness_walk(&h, "/dir/Sub", &v), 0);
	assert_int_equal(v->mode & VFS_S_IFMT, VFS_S_IFDIR);
	vnode_put(v);
	assert_int_equal(harness_walk(&h, "/nothing", &v), -ENOENT);
	assert_int_equal(harness_walk(&h, "/README.TXT/x", &v), -ENOTDIR);
}

static void writes_mtools_reads(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 4096, 70001 };
	static uint8_t data[70001];
	char path[64];

	harness_mount(&h, false);
	for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		harness_pattern(data, sizes[i], i);
		snprintf(path, sizeof path, "/File number %u.dat", i);
		harness_write_file(&h, path, data, sizes[i]);
		expect_file(path, data, sizes[i]);
	}
	harness_write_file(&h, "/SHORT.TXT", "short", 5);
	for (unsigned i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		harness_pattern(data, sizes[i], i);
		snprintf(path, sizeof path, "/File number %u.dat", i);
		check_on_host(path, data, sizes[i]);
	}
	check_on_host("SHORT.TXT", (const uint8_t *)"short", 5);
}

/* Free clusters full of non-zero bytes, as on a disk in use: gaps must be
 * zeroed by the code, not found zero. */
static void leave_garbage_in_free_clusters(void)
{
	static uint8_t garbage[128 * 1024];

	memset(garbage, 0xab, sizeof garbage);
	harness_write_file(&h, "/garbage", garbage, sizeof garbage);
	assert_int_equal(harness_unlink(&h, "/garbage"), 0);
}

static void appends_and_fills_gaps_with_zeros(void **state)
{
	(void)state;
	static uint8_t expect[20000];
	struct vnode *v;

	harness_mount(&h, false);
	leave_garbage_in_free_clusters();
	assert_int_equal(harness_create(&h, "/gaps.bin", VFS_S_IFREG | 0644, &v), 0);
	assert_int_equal(v->ops->write(v, "abc", 3, 0), 3);
	assert_int_equal(v->ops->write(v, "def", 3, 3), 3);
	assert_int_equal(v->ops->write(v, "XYZ", 3, 10000), 3);
	assert_int_equal(v->ops->write(v, "end", 3, 19997), 3);
	memcpy(expect, "abcdef", 6);
	memcpy(expect + 10000, "XYZ", 3);
	memcpy(expect + 19997, "end", 3);
	uint8_t buf[64];
	assert_int_equal(v->ops->read(v, buf, sizeof buf, 19990), 10);
	assert_int_equal(v->ops->read(v, buf, sizeof buf, 20000), 0);
	vnode_put(v);
	expect_file("/gaps.bin", expect, sizeof expect);
	check_on_host("gaps.bin", expect, sizeof expect);
}

/* Two files grown in turns: their clusters interleave on the disk. */
static void interleaved_files(void **state)
{
	(void)state;
	static uint8_t a[60000], b[60000];
	struct vnode *va, *vb;

	harness_pattern(a, sizeof a, 11);
	harness_pattern(b, sizeof b, 12);
	harness_mount(&h, false);
	assert_int_equal(harness_create(&h, "/a.bin", VFS_S_IFREG | 0644, &va), 0);
	assert_int_equal(harness_create(&h, "/b.bin", VFS_S_IFREG | 0644, &vb), 0);
	for (size_t off = 0; off < sizeof a; off += 700) {
		size_t n = sizeof a - off < 700 ? sizeof a - off : 700;
		assert_int_equal(va->ops->write(va, a + off, n, off), (long)n);
		assert_int_equal(vb->ops->write(vb, b + off, n, off), (long)n);
	}
	vnode_put(va);
	vnode_put(vb);
	expect_file("/a.bin", a, sizeof a);
	expect_file("/b.bin", b, sizeof b);
	check_on_host("a.bin", a, sizeof a);
	check_on_host("b.bin", b, sizeof b);
}

static void truncates_down_and_up(void **state)
{
	(void)state;
	static uint8_t data[50000];
	struct vnode *v;
	struct file_stat st;

	harness_pattern(data, sizeof data, 7);
	harness_mount(&h, false);
	leave_garbage_in_free_clusters();
	harness_write_file(&h, "/t.bin", data, sizeof data);
	struct vnode *neighbour;
	assert_int_equal(harness_create(&h, "/neighbour", VFS_S_IFREG | 0644, &neighbour), 0);
	assert_int_equal(neighbour->ops->write(neighbour, data, 10000, 0), 10000);
	vnode_put(neighbour);
	assert_int_equal(harness_walk(&h, "/t.bin", &v), 0);
	assert_int_equal(v->ops->truncate(v, 1000), 0);
	assert_int_equal(v->ops->stat(v, &st), 0);
	assert_int_equal(st.size, 1000);
	assert_int_equal(v->ops->truncate(v, 30000), 0);
	memset(data + 1000, 0, sizeof data - 1000);
	vnode_put(v);
	expect_file("/t.bin", data, 30000);
	check_on_host("t.bin", data, 30000);
	assert_int_equal(harness_walk(&h, "/t.bin", &v), 0);
	assert_int_equal(v->ops->truncate(v, 0), 0);
	vnode_put(v);
	check_on_host("t.bin", data, 0);
}

static uint64_t free_clusters(void)
{
	struct vfs_statfs s;

	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	return s.blocks_free;
}

static void unlinked_open_file_keeps_its_clusters(void **state)
{
	(void)state;
	static uint8_t data[30000];
	struct vnode *v;
	uint8_t back[sizeof data];

	harness_pattern(data, sizeof data, 3);
	harness_mount(&h, false);
	uint64_t before = free_clusters();
	harness_write_file(&h, "/victim.bin", data, sizeof data);
	assert_true(free_clusters() < before);
	assert_int_equal(harness_walk(&h, "/victim.bin", &v), 0);
	assert_int_equal(harness_unlink(&h, "/victim.bin"), 0);
	struct vnode *gone;
	assert_int_equal(harness_walk(&h, "/victim.bin", &gone), -ENOENT);
	assert_int_equal(v->ops->read(v, back, sizeof back, 0), (long)sizeof back);
	assert_memory_equal(back, data, sizeof data);
	assert_int_equal(v->ops->write(v, "more", 4, sizeof data), 4);
	harness_write_file(&h, "/newcomer.txt", "new", 3);
	assert_true(free_clusters() < before);
	vnode_put(v);
	assert_int_equal(harness_unlink(&h, "/newcomer.txt"), 0);
	assert_int_equal(free_clusters(), before);
	check_on_host(NULL, NULL, 0);
	assert_int_equal(harness_unlink(&h, "/victim.bin"), -ENOENT);
}

static void mkdir_rmdir_and_their_errors(void **state)
{
	(void)state;
	harness_mount(&h, false);
	assert_int_equal(harness_mkdir(&h, "/a"), 0);
	assert_int_equal(harness_mkdir(&h, "/a/Long Directory Name"), 0);
	assert_int_equal(harness_mkdir(&h, "/a/Long Directory Name/c"), 0);
	assert_int_equal(harness_mkdir(&h, "/A"), -EEXIST);
	harness_write_file(&h, "/a/Long Directory Name/c/f.txt", "x", 1);
	assert_int_equal(harness_rmdir(&h, "/a/Long Directory Name"), -ENOTEMPTY);
	assert_int_equal(harness_rmdir(&h, "/a/Long Directory Name/c/f.txt"), -ENOTDIR);
	assert_int_equal(harness_unlink(&h, "/a/Long Directory Name"), -EISDIR);
	check_on_host("a/Long Directory Name/c/f.txt", (const uint8_t *)"x", 1);
	assert_int_equal(harness_unlink(&h, "/a/Long Directory Name/c/f.txt"), 0);
	assert_int_equal(harness_rmdir(&h, "/a/Long Directory Name/c"), 0);
	assert_int_equal(harness_rmdir(&h, "/a/long directory name"), 0);
	check_on_host(NULL, NULL, 0);
	struct vnode *v;
	assert_int_equal(harness_walk(&h, "/a", &v), 0);
	uint64_t cookie = 0;
	struct vfs_dirent d;
	assert_int_equal(v->ops->readdir(v, &cookie, &d), 0);
	vnode_put(v);
}

static void renames(void **state)
{
	(void)state;
	harness_mount(&h, false);
	harness_write_file(&h, "/one.txt", "one", 3);
	harness_write_file(&h, "/two.txt", "two", 3);
	assert_int_equal(harness_mkdir(&h, "/d1"), 0);
	assert_int_equal(harness_mkdir(&h, "/d1/inner"), 0);
	assert_int_equal(harness_mkdir(&h, "/d2"), 0);
	harness_write_file(&h, "/d1/inner/deep.txt", "deep", 4);

	assert_int_equal(harness_rename(&h, "/one.txt", "/A much longer name.txt"), 0);
	expect_file("/A much longer name.txt", (const uint8_t *)"one", 3);
	assert_int_equal(harness_rename(&h, "/two.txt", "/a much longer NAME.txt"), 0);
	expect_file("/A much longer name.txt", (const uint8_t *)"two", 3);
	struct vnode *v;
	assert_int_equal(harness_walk(&h, "/two.txt", &v), -ENOENT);
	assert_int_equal(harness_rename(&h, "/d1/inner", "/d2/moved"), 0);
	expect_file("/d2/moved/deep.txt", (const uint8_t *)"deep", 4);
	assert_int_equal(harness_rename(&h, "/d2", "/d2/moved/x"), -EINVAL);
	assert_int_equal(harness_rename(&h, "/d2", "/d2/moved"), -EINVAL);
	assert_int_equal(harness_rename(&h, "/d1", "/d2"), -ENOTEMPTY);
	assert_int_equal(harness_rename(&h, "/d1", "/A much longer name.txt"), -ENOTDIR);
	assert_int_equal(harness_rename(&h, "/A much longer name.txt", "/d1"), -EISDIR);
	assert_int_equal(harness_rename(&h, "/nothing", "/d1/x"), -ENOENT);
	assert_int_equal(harness_rename(&h, "/d2/moved", "/d1"), 0); /* over an empty directory */
	expect_file("/d1/deep.txt", (const uint8_t *)"deep", 4);
	assert_int_equal(harness_rename(&h, "/d1/deep.txt", "/d1/DEEP.txt"), 0);
	assert_int_equal(harness_walk(&h, "/d1/DEEP.txt", &v), 0);
	vnode_put(v);
	check_on_host("d1/DEEP.txt", (const uint8_t *)"deep", 4);
	check_on_host("A much longer name.txt", (const uint8_t *)"two", 3);
	assert_int_equal(harness_sh("mdir -i '%s' ::d2/moved >/dev/null 2>&1", h.image) == 0, false);
}

static void open_file_follows_its_rename(void **state)
{
	(void)state;
	struct vnode *v, *w;

	harness_mount(&h, false);
	harness_write_file(&h, "/before.txt", "1234", 4);
	assert_int_equal(harness_mkdir(&h, "/sub"), 0);
	assert_int_equal(harness_walk(&h, "/before.txt", &v), 0);
	assert_int_equal(harness_rename(&h, "/before.txt", "/sub/after with a long name.txt"), 0);
	assert_int_equal(v->ops->write(v, "5678", 4, 4), 4);
	assert_int_equal(harness_walk(&h, "/sub/after with a long name.txt", &w), 0);
	assert_ptr_equal(v, w);
	vnode_put(w);
	vnode_put(v);
	check_on_host("sub/after with a long name.txt", (const uint8_t *)"12345678", 8);
}

static void names_case_and_short_aliases(void **state)
{
	(void)state;
	char path[80];
	struct vnode *v;

	harness_mount(&h, false);
	for (unsigned i = 0; i < 40; i++) {
		snprintf(path, sizeof path, "/Long name sharing a prefix %u.txt", i);
		harness_write_file(&h, path, path, strlen(path));
	}
	harness_write_file(&h, "/MixedCase.Txt", "m", 1);
	assert_int_equal(harness_create(&h, "/mixedcase.TXT", VFS_S_IFREG, &v), -EEXIST);
	assert_int_equal(harness_walk(&h, "/MIXEDCASE.TXT", &v), 0);
	vnode_put(v);
	harness_write_file(&h, "/lower.c", "l", 1);
	harness_write_file(&h, "/.hidden", "h", 1);
	harness_write_file(&h, "/with+plus;semi[1].txt", "p", 1);
	harness_write_file(&h, "/\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80.txt", "u", 1);
	harness_write_file(&h, "/\xc3\xa9t\xc3\xa9 long name.txt", "e", 1);
	assert_int_equal(harness_create(&h, "/bad:name", VFS_S_IFREG, &v), -EINVAL);
	assert_int_equal(harness_create(&h, "/trailing.", VFS_S_IFREG, &v), -EINVAL);
	assert_int_equal(harness_create(&h, "/bad\xff", VFS_S_IFREG, &v), -EINVAL);
	memset(path, 'n', sizeof path);
	char longest[300] = "/";
	memset(longest + 1, 'x', 255);
	assert_int_equal(harness_create(&h, longest, VFS_S_IFREG, &v), 0);
	vnode_put(v);
	longest[256] = 'y';
	assert_int_equal(harness_create(&h, longest, VFS_S_IFREG, &v), -ENAMETOOLONG);

	uint64_t cookie = 0;
	struct vfs_dirent d;
	bool mixed = false, lower = false, unicode = false;
	while (h.mount->root->ops->readdir(h.mount->root, &cookie, &d) == 1) {
		mixed |= !strcmp(d.name, "MixedCase.Txt");
		lower |= !strcmp(d.name, "lower.c");
		unicode |= !strcmp(d.name, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80.txt");
	}
	assert_true(mixed && lower && unicode);
	for (unsigned i = 0; i < 40; i += 13) {
		snprintf(path, sizeof path, "/Long name sharing a prefix %u.txt", i);
		check_on_host(path + 1, (const uint8_t *)path, strlen(path));
	}
	/* mtools cannot name characters outside the BMP: this one has none. */
	check_on_host("\xc3\xa9t\xc3\xa9 long name.txt", (const uint8_t *)"e", 1);
	check_on_host("lower.c", (const uint8_t *)"l", 1);
}

static void readdir_cookies_survive_changes(void **state)
{
	(void)state;
	char path[64];
	struct vfs_dirent d;
	struct vnode *dir;
	bool seen[30] = { 0 };

	harness_mount(&h, false);
	assert_int_equal(harness_mkdir(&h, "/many"), 0);
	for (unsigned i = 0; i < 30; i++) {
		snprintf(path, sizeof path, "/many/entry %02u", i);
		harness_write_file(&h, path, "", 0);
	}
	assert_int_equal(harness_walk(&h, "/many", &dir), 0);
	uint64_t cookie = 0;
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(dir->ops->readdir(dir, &cookie, &d), 1);
		seen[atoi(d.name + 6)] = true;
	}
	for (unsigned i = 0; i < 30; i += 3) {
		snprintf(path, sizeof path, "/many/entry %02u", i);
		if (!seen[i])
			assert_int_equal(harness_unlink(&h, path), 0);
	}
	harness_write_file(&h, "/many/late arrival", "", 0);
	unsigned total = 10;
	while (dir->ops->readdir(dir, &cookie, &d) == 1) {
		if (!strcmp(d.name, "late arrival"))
			continue;
		unsigned k = (unsigned)atoi(d.name + 6);
		assert_false(seen[k]);
		assert_true(k % 3 != 0);
		seen[k] = true;
		total++;
	}
	assert_int_equal(total, 24); /* 00-09 seen first; then 12, 15 ... 27 deleted */
	vnode_put(dir);
}

static void stat_statfs_and_times(void **state)
{
	(void)state;
	struct vnode *v;
	struct file_stat st;
	struct vfs_statfs s;

	fake_clock_ns = 42ull * 1000000000ull;
	harness_mount(&h, false);
	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	uint64_t free_before = s.blocks_free;
	assert_true(s.blocks_free > 0 && s.blocks_free <= s.blocks);
	assert_int_equal(s.type, 0x4d44);
	harness_write_file(&h, "/timed.txt", "0123456789", 10);
	assert_int_equal(harness_walk(&h, "/timed.txt", &v), 0);
	assert_int_equal(v->ops->stat(v, &st), 0);
	assert_int_equal(st.size, 10);
	assert_int_equal(st.mode, VFS_S_IFREG | 0644);
	assert_int_equal(st.mtime, (int64_t)(1718454896 + 42) / 2 * 2);
	struct file_stat root_st;
	assert_int_equal(h.mount->root->ops->stat(h.mount->root, &root_st), 0);
	assert_int_equal(root_st.mode & VFS_S_IFMT, VFS_S_IFDIR);
	assert_true(root_st.ino != st.ino);
	assert_int_equal(h.mount->ops->statfs(h.mount, &s), 0);
	assert_int_equal(s.blocks_free, free_before - 1);
	unsigned flushes = h.disk->flushes;
	assert_int_equal(v->ops->fsync(v, false), 0);
	assert_int_equal(h.disk->flushes, flushes + 1);
	assert_int_equal(block_cache_stats().dirty, 0);
	vnode_put(v);
	fake_clock_ns = 0;
	assert_int_equal(harness_sh("mdir -i '%s' ::timed.txt | grep -q '2024-06-15  12:35'", h.image), 0);
}

#define ON_ALL_KINDS(test)                                                                  \
	cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)&fat12_kind), \
	cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)&fat16_kind), \
	cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)&fat32_kind)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL_KINDS(reads_what_mtools_wrote),
		ON_ALL_KINDS(writes_mtools_reads),
		ON_ALL_KINDS(appends_and_fills_gaps_with_zeros),
		ON_ALL_KINDS(interleaved_files),
		ON_ALL_KINDS(truncates_down_and_up),
		ON_ALL_KINDS(unlinked_open_file_keeps_its_clusters),
		ON_ALL_KINDS(mkdir_rmdir_and_their_errors),
		ON_ALL_KINDS(renames),
		ON_ALL_KINDS(open_file_follows_its_rename),
		ON_ALL_KINDS(names_case_and_short_aliases),
		ON_ALL_KINDS(readdir_cookies_survive_changes),
		ON_ALL_KINDS(stat_statfs_and_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
