/*
 * test_fat_many_files.c: 1,000 files in nested folders on each FAT size,
 * written, half renamed, a quarter deleted, through a small block cache
 * (so that eviction and write-back run all the time); then fsck.fat -n
 * must find the image clean and mcopy -s must give back every file byte
 * for byte.
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

#include "fake_kernel.h"
#include "fat_harness.h"
#include "fs/block_cache.h"
#include "lib/errno.h"

#define FILES 1000
#define DIRS 10
#define SUBDIRS 5

static struct harness h;
/* FAT12 as large as it goes, for 1,000 files of a cluster or two. */
static const struct fat_kind big_fat12_kind = { "FAT12", 8000, "-F 12 -s 4" };

static void file_path(char *out, size_t size, unsigned i, bool renamed)
{
	snprintf(out, size, "/Folder %u/sub%u/%s %04u.dat", i % DIRS, i / DIRS % SUBDIRS,
		 renamed ? "Renamed file with a long name" : "file", i);
}

static size_t file_size(unsigned i)
{
	return (i * 131u) % 3000;
}

static void thousand_files(void **state)
{
	char path[128];
	static uint8_t data[3000], *got;

	harness_format(&h, *state, "many.img");
	block_cache_set_capacity(64);
	harness_mount(&h, false);
	for (unsigned d = 0; d < DIRS; d++) {
		snprintf(path, sizeof path, "/Folder %u", d);
		assert_int_equal(harness_mkdir(&h, path), 0);
		for (unsigned s = 0; s < SUBDIRS; s++) {
			snprintf(path, sizeof path, "/Folder %u/sub%u", d, s);
			assert_int_equal(harness_mkdir(&h, path), 0);
		}
	}
	for (unsigned i = 0; i < FILES; i++) {
		file_path(path, sizeof path, i, false);
		harness_pattern(data, file_size(i), i);
		harness_write_file(&h, path, data, file_size(i));
	}
	for (unsigned i = 0; i < FILES; i += 2) {
		char to[128];
		file_path(path, sizeof path, i, false);
		file_path(to, sizeof to, i, true);
		assert_int_equal(harness_rename(&h, path, to), 0);
	}
	for (unsigned i = 0; i < FILES; i += 4) {
		file_path(path, sizeof path, i, true);
		assert_int_equal(harness_unlink(&h, path), 0);
	}
	for (unsigned i = 1; i < FILES; i += 50) {
		file_path(path, sizeof path, i, i % 2 == 0);
		harness_pattern(data, file_size(i), i);
		assert_int_equal(harness_read_file(&h, path, &got), (long)file_size(i));
		assert_memory_equal(got, data, file_size(i));
		free(got);
	}
	harness_unmount(&h);
	block_cache_set_capacity(8192);
	assert_true(harness_fsck_clean(&h));

	const char *out = harness_path("many-out");
	assert_int_equal(harness_sh("rm -rf '%s' && mkdir '%s' && mcopy -s -n -i '%s' ::* '%s'",
				    out, out, h.image, out), 0);
	unsigned present = 0;
	for (unsigned i = 0; i < FILES; i++) {
		char host[512];
		if (i % 4 == 0)
			continue;
		file_path(path, sizeof path, i, i % 2 == 0);
		snprintf(host, sizeof host, "%s%s", out, path);
		FILE *f = fopen(host, "rb");
		if (!f)
			fail_msg("%s is missing", path);
		size_t n = fread(data, 1, sizeof data, f);
		fclose(f);
		uint8_t expect[3000];
		harness_pattern(expect, file_size(i), i);
		assert_int_equal(n, file_size(i));
		assert_memory_equal(data, expect, n);
		present++;
	}
	assert_int_equal(present, FILES - FILES / 4);
	assert_int_equal(harness_sh("test $(find '%s' -type f | wc -l) -eq %u", out, present), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(thousand_files, (void *)&big_fat12_kind),
		cmocka_unit_test_prestate(thousand_files, (void *)&fat16_kind),
		cmocka_unit_test_prestate(thousand_files, (void *)&fat32_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
