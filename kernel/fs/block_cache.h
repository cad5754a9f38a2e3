/*
 * block_cache.h: a write-back cache of disk sectors shared by every file
 * system, keyed by (disk, sector).
 *
 * Callers copy bytes in and out of one sector at a time; nothing is pinned,
 * so no caller can leak a buffer. Writes mark the sector dirty and reach
 * the disk when the sector is evicted (least recently used first) or at
 * block_cache_sync. Runs of whole sectors (file data) may bypass the cache
 * with the *_through calls, which keep cached copies coherent.
 *
 * Dirty data is never dropped: a sector whose write-back fails stays dirty
 * (the cache tries another victim) and the error is remembered for the
 * disk, to be returned by its next block_cache_sync, and counted.
 *
 * Every call may block on the disk; one mutex serialises the cache, so a
 * file system may call in while holding its own lock (never the reverse).
 */
#ifndef LULL_FS_BLOCK_CACHE_H
#define LULL_FS_BLOCK_CACHE_H

#include "drivers/blockdev.h"

#include <stddef.h>
#include <stdint.h>

struct block_cache_stats {
	uint64_t hits, misses;
	uint64_t writebacks;        /* dirty sectors written to disk */
	uint64_t writeback_errors;  /* write-backs the disk failed */
	uint64_t blocks;            /* sectors held now */
	uint64_t dirty;             /* of which dirty */
};

/* Copies len bytes at byte `offset` of `sector` (offset + len <= 512). */
int block_cache_read(struct blockdev *d, uint64_t sector, uint32_t offset, void *buf, uint32_t len);
/* Changes len bytes of `sector` in the cache (reading it first unless the
 * whole sector is written); -EROFS on a read-only disk. */
int block_cache_write(struct blockdev *d, uint64_t sector, uint32_t offset, const void *buf,
		      uint32_t len);

/* Whole sectors straight between the disk and buf, seeing (read) or
 * updating (write) whatever the cache holds of them. */
int block_cache_read_through(struct blockdev *d, uint64_t sector, uint32_t count, void *buf);
int block_cache_write_through(struct blockdev *d, uint64_t sector, uint32_t count,
			      const void *buf);

/* Writes every dirty sector of d, then flushes the device. Returns the
 * first error of those writes, or of an earlier write-back of d that
 * failed since the last sync (reported once), or of the flush. */
int block_cache_sync(struct blockdev *d);

/* Forgets every sector of d after a sync (an unmount, a disk going away):
 * returns the sync's error; dirty sectors it could not write are dropped. */
int block_cache_forget(struct blockdev *d);

/* At most `blocks` sectors are held (at least 8); the default keeps 4 MiB. */
void block_cache_set_capacity(size_t blocks);

struct block_cache_stats block_cache_stats(void);

#endif
