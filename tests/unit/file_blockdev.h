/*
 * file_blockdev.h: a struct blockdev backed by a host file, for unit tests
 * of file systems: it counts requests, can refuse writes (a read-only
 * disk) and can fail requests on demand (I/O errors).
 */
#ifndef LULL_TEST_FILE_BLOCKDEV_H
#define LULL_TEST_FILE_BLOCKDEV_H

#include "drivers/blockdev.h"

#include <stdbool.h>

struct file_blockdev {
	struct blockdev dev;
	int fd;
	/* Requests that succeed before every later one of that kind fails
	 * with -EIO; -1 for never. */
	long reads_left, writes_left;
	bool fail_flush;
	unsigned flushes;
};

/* Opens path as a disk (its size rounded down to sectors); NULL if it
 * cannot be opened. */
struct file_blockdev *file_blockdev_open(const char *path, bool read_only);
void file_blockdev_close(struct file_blockdev *d);

#endif
