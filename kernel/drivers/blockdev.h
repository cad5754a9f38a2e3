/*
 * blockdev.h: disks, as file systems see them: numbered 512-byte sectors,
 * read and written by a thread that blocks until the device has answered.
 * Several threads may have requests in flight on one disk at once.
 *
 * Drivers register their disks in the order the machine presents them;
 * they are named disk0, disk1... (at most BLOCKDEV_MAX).
 */
#ifndef LULL_DRIVERS_BLOCKDEV_H
#define LULL_DRIVERS_BLOCKDEV_H

#include <stdbool.h>
#include <stdint.h>

#define BLOCKDEV_SECTOR_SIZE 512
#define BLOCKDEV_MAX 4

struct blockdev_stats {
	uint64_t reads, writes, flushes; /* requests completed */
	uint64_t sectors_read, sectors_written;
	uint64_t errors;                 /* requests the device failed */
};

struct blockdev {
	char name[8];      /* "disk0"; set by blockdev_register */
	uint64_t sectors;  /* capacity */
	bool read_only;    /* the device refuses writes */
	/* Each blocks the calling thread (never an interrupt handler) until
	 * the device has answered, and returns 0; -EIO when the device failed
	 * the request; -EROFS for a write to a read-only disk; -EINVAL for
	 * sectors past the end or a count of 0. buf may be anywhere in the
	 * application's or kernel's memory. */
	int (*read)(struct blockdev *d, uint64_t sector, void *buf, uint32_t count);
	int (*write)(struct blockdev *d, uint64_t sector, const void *buf, uint32_t count);
	/* Makes every write completed so far durable: on the host's file once
	 * the device has answered (virtio-blk's FLUSH). */
	int (*flush)(struct blockdev *d);
	void *driver;
	struct blockdev_stats stats;
};

/* Adds a disk; false when BLOCKDEV_MAX are registered already. */
bool blockdev_register(struct blockdev *d);
/* Disk `index` (0 for disk0), or NULL. */
struct blockdev *blockdev_get(unsigned index);
unsigned blockdev_count(void);

#endif
