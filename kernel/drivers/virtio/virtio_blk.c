/*
 * virtio_blk.c: the virtio block device (virtio 1.x, section 5.2), as a
 * disk of blockdev.h.
 *
 * A request is one chain: a header the device reads, the data (one
 * descriptor per physically contiguous run of the caller's buffer, which
 * the device reads or writes in place), and a status byte it writes. The
 * calling thread sleeps on its request's wait queue until the interrupt
 * handler finds the chain on the used ring, so its core halts meanwhile.
 * Any number of threads may have requests in flight; when the ring lacks
 * descriptors, a thread waits until completions give some back. Transfers
 * are cut into chunks the ring can hold, and one call keeps a few of its
 * chunks in flight at once, so that the host works on them in parallel.
 *
 * The device reads and writes the caller's pages directly: they must stay
 * mapped until the call returns (a page that is not mapped, or not
 * writable for a read, fails the call with -EFAULT before it reaches the
 * device).
 */
#include "drivers/virtio/virtio_blk.h"

#include "arch.h"
#include "console.h"
#include "drivers/blockdev.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "sched/waitq.h"
#include "sync/spinlock.h"

#include <stddef.h>

#define BLK_F_SIZE_MAX (1ULL << 1)
#define BLK_F_SEG_MAX (1ULL << 2)
#define BLK_F_RO (1ULL << 5)
#define BLK_F_FLUSH (1ULL << 9)
#define CONFIG_CAPACITY 0
#define CONFIG_SIZE_MAX 8
#define CONFIG_SEG_MAX 12

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define S_NONE 0xff /* not written by the device: also a failure */

#define REQUEST_QUEUE 0
#define MAX_SEGMENTS 32 /* data descriptors per request */
#define CHUNK_MAX (MAX_SEGMENTS * PAGE_SIZE)
#define CHUNKS_IN_FLIGHT 4

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* The device reads the header and writes the status: both in 32 aligned
 * bytes, so that they never straddle a page and one translation finds
 * them wherever the request lives (on the caller's kernel stack). */
struct request_dma {
	struct blk_header header;
	uint8_t status;
} __attribute__((aligned(32)));

struct request {
	struct request_dma dma;
	bool done; /* under the disk's lock */
	struct waitq wait;
};

struct virtio_blk {
	struct blockdev disk;
	struct virtio_device *vdev;
	struct virtq vq;
	struct spinlock lock; /* the queue and the requests' done flags */
	struct waitq room;    /* threads waiting for free descriptors */
	unsigned max_segments;
	uint32_t max_segment_size;
	bool flush_warned;
};

static struct virtio_blk *of(struct blockdev *d)
{
	return (struct virtio_blk *)d;
}

/* The device completes requests in any order: each wakes only its own
 * thread, and threads short of descriptors try again. */
static void queue_interrupt(void *ctx)
{
	struct virtio_blk *b = ctx;
	struct request *r;
	uint32_t len;
	bool freed = false;

	spin_lock(&b->lock);
	do {
		virtq_disable_interrupts(&b->vq);
		while ((r = virtq_pop_used(&b->vq, &len))) {
			r->done = true;
			waitq_wake_all(&r->wait);
			freed = true;
		}
	} while (virtq_enable_interrupts(&b->vq));
	if (freed)
		waitq_wake_all(&b->room);
	spin_unlock(&b->lock);
}

/* Offers the request whose data descriptors are bufs[1..data_count] (bufs[0]
 * and the one after the data are for the header and the status) and tells
 * the device. The caller then waits with wait_request. */
static void submit(struct virtio_blk *b, struct request *r, struct virtq_buffer *bufs,
		   unsigned data_count, uint32_t type, uint64_t sector)
{
	uintptr_t pa;

	r->dma.header = (struct blk_header){ .type = type, .sector = sector };
	r->dma.status = S_NONE;
	r->done = false;
	waitq_init(&r->wait);
	arch_translate((uintptr_t)&r->dma, &pa); /* the stack is mapped */
	bufs[0] = (struct virtq_buffer){ pa, sizeof r->dma.header, false };
	bufs[data_count + 1] = (struct virtq_buffer){ pa + offsetof(struct request_dma, status), 1,
						      true };

	spin_lock(&b->lock);
	while (!virtq_add(&b->vq, bufs, data_count + 2, r))
		waitq_wait(&b->room, &b->lock, 0);
	spin_unlock(&b->lock);
	/* Outside the lock: the notification is an exit to the hypervisor, and
	 * the interrupt handler and other submitters need the lock meanwhile. */
	b->vdev->ops->notify(b->vdev, &b->vq);
}

static int wait_request(struct virtio_blk *b, struct request *r)
{
	spin_lock(&b->lock);
	while (!r->done)
		waitq_wait(&r->wait, &b->lock, 0);
	spin_unlock(&b->lock);
	return r->dma.status == S_OK ? 0 : -EIO;
}

/*
 * Describes the next chunk of the buffer [va, va + len) as physically
 * contiguous segments in segs, within the device's limits and CHUNK_MAX;
 * returns its length in bytes, whole sectors. 0 when a page of it is not
 * mapped, or not writable when the device is to write it.
 */
static uint32_t map_chunk(const struct virtio_blk *b, uintptr_t va, size_t len,
			  bool device_writes, struct virtq_buffer *segs, unsigned *count)
{
	unsigned n = 0;
	uint32_t total = 0;

	if (len > CHUNK_MAX)
		len = CHUNK_MAX;
	while (total < len) {
		uintptr_t pa;
		uint32_t piece = (uint32_t)(PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		if (piece > len - total)
			piece = (uint32_t)(len - total);
		if (piece > b->max_segment_size)
			piece = b->max_segment_size;
		if (!arch_translate(va, &pa) || (device_writes && !arch_access_ok(va, true)))
			return 0;
		struct virtq_buffer *last = n ? &segs[n - 1] : NULL;
		if (last && last->addr + last->len == pa && last->len + piece <= b->max_segment_size)
			last->len += piece;
		else if (n < b->max_segments)
			segs[n++] = (struct virtq_buffer){ pa, piece, device_writes };
		else
			break;
		va += piece;
		total += piece;
	}
	/* Out of segments mid-sector: the rest of that sector goes with the
	 * next chunk (at least one whole sector fits, see probe). */
	uint32_t excess = total % BLOCKDEV_SECTOR_SIZE;
	total -= excess;
	while (excess) {
		struct virtq_buffer *last = &segs[n - 1];
		uint32_t cut = excess < last->len ? excess : last->len;
		last->len -= cut;
		excess -= cut;
		if (!last->len)
			n--;
	}
	*count = n;
	return total;
}

/* Reads or writes `count` sectors from `sector` in chunks, up to
 * CHUNKS_IN_FLIGHT of them at the device at once. Returns only when none
 * is left there: they point into buf and into this stack frame. */
static int transfer(struct virtio_blk *b, uint32_t type, uint64_t sector, uintptr_t va,
		    uint32_t count)
{
	struct request requests[CHUNKS_IN_FLIGHT];
	struct virtq_buffer bufs[MAX_SEGMENTS + 2];
	size_t left = (size_t)count * BLOCKDEV_SECTOR_SIZE;
	unsigned issued = 0, completed = 0;
	int result = 0;

	while (completed < issued || (left && !result)) {
		if (left && !result && issued - completed < CHUNKS_IN_FLIGHT) {
			unsigned segments;
			uint32_t bytes = map_chunk(b, va, left, type == T_IN, bufs + 1, &segments);
			if (!bytes) {
				result = -EFAULT;
				continue;
			}
			submit(b, &requests[issued++ % CHUNKS_IN_FLIGHT], bufs, segments, type, sector);
			va += bytes;
			left -= bytes;
			sector += bytes / BLOCKDEV_SECTOR_SIZE;
			continue;
		}
		int r = wait_request(b, &requests[completed++ % CHUNKS_IN_FLIGHT]);
		if (r && !result)
			result = r;
	}
	return result;
}

static void count_request(struct blockdev *d, int result, uint64_t *requests, uint64_t *sectors,
			  uint32_t count)
{
	if (result == -EIO) {
		__atomic_fetch_add(&d->stats.errors, 1, __ATOMIC_RELAXED);
		return;
	}
	if (result)
		return;
	__atomic_fetch_add(requests, 1, __ATOMIC_RELAXED);
	if (sectors)
		__atomic_fetch_add(sectors, count, __ATOMIC_RELAXED);
}

static bool in_range(const struct blockdev *d, uint64_t sector, uint32_t count)
{
	return count && sector < d->sectors && count <= d->sectors - sector;
}

static int blk_read(struct blockdev *d, uint64_t sector, void *buf, uint32_t count)
{
	if (!in_range(d, sector, count))
		return -EINVAL;
	int result = transfer(of(d), T_IN, sector, (uintptr_t)buf, count);
	count_request(d, result, &d->stats.reads, &d->stats.sectors_read, count);
	return result;
}

static int blk_write(struct blockdev *d, uint64_t sector, const void *buf, uint32_t count)
{
	if (d->read_only)
		return -EROFS;
	if (!in_range(d, sector, count))
		return -EINVAL;
	int result = transfer(of(d), T_OUT, sector, (uintptr_t)buf, count);
	count_request(d, result, &d->stats.writes, &d->stats.sectors_written, count);
	return result;
}

/* Without VIRTIO_BLK_F_FLUSH the device has no volatile cache to flush
 * (section 5.2.5.1: the driver may assume write-through), or it cannot
 * tell us of one; either way there is nothing to send. */
static int blk_flush(struct blockdev *d)
{
	struct virtio_blk *b = of(d);
	struct request r;
	struct virtq_buffer bufs[2];

	if (!(b->vdev->features & BLK_F_FLUSH)) {
		if (!__atomic_exchange_n(&b->flush_warned, true, __ATOMIC_RELAXED))
			kprintf("lull: %s: the device offers no flush (VIRTIO_BLK_F_FLUSH); "
				"flushes do nothing\n", d->name);
		return 0;
	}
	submit(b, &r, bufs, 0, T_FLUSH, 0);
	int result = wait_request(b, &r);
	count_request(d, result, &d->stats.flushes, NULL, 0);
	return result;
}

/* The device's limits on a request's data, within ours. At least two
 * segments of a sector each: a sector spans two pages at most, so every
 * chunk then holds one whole (map_chunk). */
static void read_limits(struct virtio_blk *b)
{
	struct virtio_device *d = b->vdev;

	b->max_segments = MAX_SEGMENTS;
	if (b->max_segments > b->vq.size - 2u)
		b->max_segments = b->vq.size - 2u;
	if (d->features & BLK_F_SEG_MAX) {
		uint32_t seg_max = d->ops->config_read32(d, CONFIG_SEG_MAX);
		if (seg_max && seg_max < b->max_segments)
			b->max_segments = seg_max;
	}
	if (b->max_segments < 2)
		b->max_segments = 2;
	b->max_segment_size = CHUNK_MAX;
	if (d->features & BLK_F_SIZE_MAX) {
		uint32_t size_max = d->ops->config_read32(d, CONFIG_SIZE_MAX);
		if (size_max && size_max < b->max_segment_size)
			b->max_segment_size = size_max;
	}
	if (b->max_segment_size < BLOCKDEV_SECTOR_SIZE)
		b->max_segment_size = BLOCKDEV_SECTOR_SIZE;
}

void virtio_blk_probe(struct virtio_device *d)
{
	if (blockdev_count() == BLOCKDEV_MAX) {
		kprintf("lull: virtio-blk over %s: %d disks already; ignored\n", d->transport_name,
			BLOCKDEV_MAX);
		return;
	}
	struct virtio_blk *b = kmalloc(sizeof *b);
	if (!b)
		return;
	b->vdev = d;
	waitq_init(&b->room);
	if (!virtio_start(d, BLK_F_SIZE_MAX | BLK_F_SEG_MAX | BLK_F_RO | BLK_F_FLUSH |
				     VIRTIO_F_EVENT_IDX) ||
	    !virtio_setup_queue(d, &b->vq, REQUEST_QUEUE, 0, queue_interrupt, b) ||
	    b->vq.size < 3) {
		kprintf("lull: virtio-blk over %s: start-up failed\n", d->transport_name);
		virtio_fail(d);
		return;
	}
	read_limits(b);
	struct blockdev *disk = &b->disk;
	disk->sectors = virtio_config_read64(d, CONFIG_CAPACITY);
	disk->read_only = d->features & BLK_F_RO;
	disk->read = blk_read;
	disk->write = blk_write;
	disk->flush = blk_flush;
	disk->driver = b;
	virtio_ready(d);
	blockdev_register(disk);
	uint64_t kib = disk->sectors / 2;
	kprintf("lull: %s: virtio-blk, %lu sectors (%lu %s), %s%s\n", disk->name,
		(unsigned long)disk->sectors, (unsigned long)(kib >= 1024 ? kib / 1024 : kib),
		kib >= 1024 ? "MiB" : "KiB", disk->read_only ? "read-only" : "read-write",
		d->features & BLK_F_FLUSH ? "" : ", no flush");
}
