/*
 * test_fat_block_cache.c: the sector cache under the FAT code: hits,
 * write-back only at eviction or sync, LRU eviction under a small
 * capacity, whole-sector transfers kept coherent with cached copies, and
 * write-back errors kept dirty, counted and reported by the next sync.
 */
// unit-under-test: kernel/fs/block_cache.c tests/unit/file_blockdev.c tests/unit/fake_kernel.c
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
#include "file_blockdev.h"
#include "fs/block_cache.h"
#include "lib/errno.h"

#define SECTORS 64

static struct file_blockdev *disk;
static char image[] = "/tmp/lull-cache-XXXXXX";

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(image);
	assert_true(fd >= 0);
	static uint8_t zeros[SECTORS * 512];
	assert_int_equal(write(fd, zeros, sizeof zeros), (ssize_t)sizeof zeros);
	close(fd);
	disk = file_blockdev_open(image, false);
	block_cache_set_capacity(8);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	disk->writes_left = -1;
	disk->fail_flush = false;
	block_cache_forget(&disk->dev);
	assert_int_equal(block_cache_stats().blocks, 0);
	file_blockdev_close(disk);
	unlink(image);
	strcpy(image, "/tmp/lull-cache-XXXXXX");
	return 0;
}

static uint8_t on_disk(uint64_t sector, unsigned byte)
{
	uint8_t b;
	assert_int_equal(pread(disk->fd, &b, 1, (off_t)(sector * 512 + byte)), 1);
	return b;
}

static void reads_are_cached_and_writes_wait_for_sync(void **state)
{
	(void)state;
	uint8_t b[4];

	assert_int_equal(block_cache_read(&disk->dev, 3, 0, b, 4), 0);
	assert_int_equal(block_cache_read(&disk->dev, 3, 100, b, 4), 0);
	assert_int_equal(disk->dev.stats.reads, 1);
	assert_int_equal(block_cache_write(&disk->dev, 3, 10, "abcd", 4), 0);
	assert_int_equal(on_disk(3, 10), 0);
	assert_int_equal(block_cache_read(&disk->dev, 3, 10, b, 4), 0);
	assert_memory_equal(b, "abcd", 4);
	assert_int_equal(block_cache_stats().dirty, 1);
	assert_int_equal(block_cache_sync(&disk->dev), 0);
	assert_int_equal(on_disk(3, 10), 'a');
	assert_int_equal(disk->flushes, 1);
	assert_int_equal(block_cache_stats().dirty, 0);
	assert_int_equal(block_cache_read(&disk->dev, SECTORS, 0, b, 1), -EINVAL);
	assert_int_equal(block_cache_read(&disk->dev, 0, 510, b, 4), -EINVAL);
}

static void eviction_writes_back_the_least_recently_used(void **state)
{
	(void)state;
	uint8_t b;
	uint64_t writebacks = block_cache_stats().writebacks;

	for (uint8_t s = 0; s < 8; s++)
		assert_int_equal(block_cache_write(&disk->dev, s, 0, &(uint8_t){ (uint8_t)(s + 1) }, 1), 0);
	assert_int_equal(block_cache_read(&disk->dev, 0, 0, &b, 1), 0); /* 0 is now recent */
	assert_int_equal(block_cache_read(&disk->dev, 20, 0, &b, 1), 0);
	assert_int_equal(on_disk(1, 0), 2); /* sector 1 was the oldest */
	assert_int_equal(on_disk(0, 0), 0);
	assert_int_equal(block_cache_stats().blocks, 8);
	assert_int_equal(block_cache_stats().writebacks, writebacks + 1);
}

static void whole_sector_transfers_stay_coherent(void **state)
{
	(void)state;
	uint8_t buf[3 * 512], sector[512];

	assert_int_equal(block_cache_write(&disk->dev, 11, 5, "dirty", 5), 0);
	assert_int_equal(block_cache_read_through(&disk->dev, 10, 3, buf), 0);
	assert_memory_equal(buf + 512 + 5, "dirty", 5);
	memset(buf, 'w', sizeof buf);
	assert_int_equal(block_cache_write_through(&disk->dev, 10, 3, buf), 0);
	assert_int_equal(block_cache_read(&disk->dev, 11, 0, sector, 512), 0);
	assert_int_equal(sector[5], 'w');
	assert_int_equal(block_cache_stats().dirty, 0);
	assert_int_equal(on_disk(11, 5), 'w');
}

static void failed_write_back_is_kept_and_reported_once(void **state)
{
	(void)state;
	uint8_t b;

	assert_int_equal(block_cache_write(&disk->dev, 0, 0, "x", 1), 0);
	disk->writes_left = 0;
	for (uint8_t s = 1; s < 12; s++)
		block_cache_read(&disk->dev, s, 0, &b, 1);
	assert_true(block_cache_stats().writeback_errors >= 1);
	assert_int_equal(block_cache_stats().dirty, 1); /* still held, not dropped */
	disk->writes_left = -1;
	assert_int_equal(block_cache_sync(&disk->dev), -EIO); /* the earlier failure */
	assert_int_equal(on_disk(0, 0), 'x');
	assert_int_equal(block_cache_sync(&disk->dev), 0);
	disk->writes_left = 0;
	assert_int_equal(block_cache_write(&disk->dev, 0, 0, "y", 1), 0);
	assert_int_equal(block_cache_sync(&disk->dev), -EIO);
	disk->writes_left = -1;
	disk->fail_flush = true;
	assert_int_equal(block_cache_sync(&disk->dev), -EIO);
	disk->fail_flush = false;
	assert_int_equal(block_cache_sync(&disk->dev), 0);
	assert_int_equal(on_disk(0, 0), 'y');
}

static void read_only_disk(void **state)
{
	(void)state;
	disk->dev.read_only = true;
	assert_int_equal(block_cache_write(&disk->dev, 0, 0, "x", 1), -EROFS);
	assert_int_equal(block_cache_write_through(&disk->dev, 0, 1, image), -EROFS);
	assert_int_equal(block_cache_sync(&disk->dev), 0);
	disk->dev.read_only = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reads_are_cached_and_writes_wait_for_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(eviction_writes_back_the_least_recently_used, setup, teardown),
		cmocka_unit_test_setup_teardown(whole_sector_transfers_stay_coherent, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_back_is_kept_and_reported_once, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_disk, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
