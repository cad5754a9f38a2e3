/*
 * virtio_net.c: the virtio network device (virtio 1.x, section 5.1).
 *
 * Receive is interrupt-driven in the NAPI manner: the interrupt handler
 * only suppresses further interrupts and schedules the queue's poll as
 * deferred work (sched/deferred.h); the poll, in thread context, drains
 * and refills the ring, handing each frame to the stack, then re-enables
 * interrupts and checks the ring once more, so a burst of packets costs
 * one interrupt and no frame that arrives meanwhile is missed. Transmit copies each frame into a buffer of
 * its own; the device is notified once per batch of frames (flush);
 * completions are reclaimed from their interrupt and on the next transmit.
 */
#include "drivers/virtio/virtio_net.h"

#include "arch.h"
#include "console.h"
#include "drivers/netdev.h"
#include "lib/format.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "sched/deferred.h"
#include "sync/spinlock.h"

#include <string.h>

#define NET_F_MAC (1ULL << 5)
#define NET_F_MRG_RXBUF (1ULL << 15)
#define NET_F_STATUS (1ULL << 16)
#define NET_S_LINK_UP 1
#define CONFIG_MAC 0
#define CONFIG_STATUS 6

#define RX_QUEUE 0
#define TX_QUEUE 1
#define BUFFER_SIZE 2048 /* header + a full 1514-byte frame, two per page */
#define ETHERNET_MAX_FRAME 1514
/* Frames one poll takes before it lets the core's threads run: the
 * application must get to read what the stack queued for it. */
#define RX_POLL_BUDGET 64

/* struct virtio_net_hdr with VERSION_1 (num_buffers always present). */
struct net_header {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

struct virtio_net {
	struct netdev netdev;
	struct virtio_device *vdev;
	struct virtq rx, tx;
	struct spinlock rx_lock, tx_lock;
	struct deferred_work rx_poll_work;
	void *tx_free; /* buffers back from the device, linked through their first word */
	bool tx_unnotified; /* frames queued since the last notification */
};

static unsigned device_count;

/* Buffers are halves of pages from the page allocator: their virtual
 * address is their physical address (RAM is identity-mapped). */
static bool alloc_buffer_pair(void **a, void **b)
{
	uintptr_t page = page_alloc();
	if (!page)
		return false;
	*a = (void *)page;
	*b = (void *)(page + BUFFER_SIZE);
	return true;
}

static bool post_rx_buffer(struct virtio_net *n, void *buf)
{
	struct virtq_buffer b = { (uintptr_t)buf, BUFFER_SIZE, true };
	return virtq_add(&n->rx, &b, 1, buf);
}

/* Notifications are never skipped on the device's word (avail_event):
 * QEMU 7.2 (Debian 12's), short of receive buffers, can leave avail_event
 * behind, so that a driver that trusts it never notifies again and receive
 * stalls for good (seen with 20 concurrent transfers; later QEMU fixes the
 * re-check in virtio_net_has_buffers); transmit stalled the same way now
 * and then. Batching keeps them few instead: one per batch of transmitted
 * frames, and one per receive interrupt that gave buffers back (see
 * rx_interrupt). A device that polls and says so with the used ring's
 * NO_NOTIFY flag (lull-switch while busy) is not notified at all. */
static void notify_device(struct virtio_net *n, struct virtq *q)
{
	if (!virtq_device_wants_notification(q))
		return; /* it polls the ring: a notification would only cost an exit */
	n->vdev->ops->notify(n->vdev, q);
	__atomic_fetch_add(&n->netdev.stats.kicks, 1, __ATOMIC_RELAXED);
}

/* Takes up to `budget` frames off the used ring, hands each to the stack
 * and gives its buffer back; returns how many it took. */
static unsigned receive_frames(struct virtio_net *n, unsigned budget)
{
	void *buf;
	uint32_t len;
	unsigned taken = 0;

	while (taken < budget && (buf = virtq_pop_used(&n->rx, &len))) {
		taken++;
		const struct net_header *h = buf;
		if (len < sizeof *h || len > BUFFER_SIZE || h->num_buffers != 1) {
			n->netdev.stats.rx_dropped++;
		} else {
			n->netdev.stats.rx_packets++;
			n->netdev.stats.rx_bytes += len - sizeof *h;
			if (n->netdev.receive)
				n->netdev.receive(&n->netdev, (const char *)buf + sizeof *h,
						  len - sizeof *h);
		}
		post_rx_buffer(n, buf);
	}
	return taken;
}

/*
 * The device waits for a notification once it finds the available ring
 * empty, so every poll that gave buffers back notifies, after the last
 * one. Notifying only after a large batch is not enough: the device fills
 * buffers while the poll runs, and can take the last available one just
 * as the poll finishes. The poll then misses that frame, the device finds
 * the ring empty at its next frame and waits, and the next poll takes a
 * batch of one: with a rule on the batch's size it gives the buffer back
 * silently and receive stalls for good (one run in about 45 of 20
 * concurrent transfers on one core).
 *
 * A poll that used up its budget leaves interrupts off and schedules
 * itself again: the frames left are taken by the next run.
 */
static void rx_poll(void *ctx)
{
	struct virtio_net *n = ctx;
	unsigned taken = 0;
	bool more;

	spin_lock(&n->rx_lock);
	do {
		virtq_disable_interrupts(&n->rx);
		taken += receive_frames(n, RX_POLL_BUDGET - taken);
		more = taken == RX_POLL_BUDGET;
	} while (!more && virtq_enable_interrupts(&n->rx));
	if (taken)
		notify_device(n, &n->rx);
	spin_unlock(&n->rx_lock);
	if (more)
		deferred_schedule(&n->rx_poll_work);
}

static void rx_interrupt(void *ctx)
{
	struct virtio_net *n = ctx;

	spin_lock(&n->rx_lock);
	n->netdev.stats.interrupts++;
	virtq_disable_interrupts(&n->rx);
	spin_unlock(&n->rx_lock);
	deferred_schedule(&n->rx_poll_work);
}

/* Called with tx_lock held. */
static void reclaim_tx(struct virtio_net *n)
{
	void *buf;
	uint32_t len;

	while ((buf = virtq_pop_used(&n->tx, &len))) {
		*(void **)buf = n->tx_free;
		n->tx_free = buf;
	}
}

static void tx_interrupt(void *ctx)
{
	struct virtio_net *n = ctx;

	spin_lock(&n->tx_lock);
	n->netdev.stats.interrupts++;
	do {
		virtq_disable_interrupts(&n->tx);
		reclaim_tx(n);
	} while (virtq_enable_interrupts(&n->tx));
	spin_unlock(&n->tx_lock);
}

static bool transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct virtio_net *n = (struct virtio_net *)dev;
	bool sent = false;

	if (len > ETHERNET_MAX_FRAME) {
		dev->stats.tx_dropped++;
		return false;
	}
	spin_lock(&n->tx_lock);
	reclaim_tx(n);
	void *buf = n->tx_free;
	if (buf) {
		n->tx_free = *(void **)buf;
		memset(buf, 0, sizeof(struct net_header));
		memcpy((char *)buf + sizeof(struct net_header), frame, len);
		struct virtq_buffer b = { (uintptr_t)buf, (uint32_t)(sizeof(struct net_header) + len),
					  false };
		sent = virtq_add(&n->tx, &b, 1, buf);
		if (sent) {
			/* A batch that takes every buffer cannot wait for its
			 * end: the device must start freeing them now. */
			n->tx_unnotified = n->tx_free != NULL;
			if (!n->tx_free)
				notify_device(n, &n->tx);
			dev->stats.tx_packets++;
			dev->stats.tx_bytes += len;
		} else {
			*(void **)buf = n->tx_free;
			n->tx_free = buf;
		}
	}
	if (!sent)
		dev->stats.tx_dropped++;
	spin_unlock(&n->tx_lock);
	return sent;
}

/* One notification for the frames of a batch (see notify_device). */
static void flush(struct netdev *dev)
{
	struct virtio_net *n = (struct virtio_net *)dev;

	spin_lock(&n->tx_lock);
	bool unnotified = n->tx_unnotified;
	n->tx_unnotified = false;
	spin_unlock(&n->tx_lock);
	/* Outside the lock: telling the device is an exit to the hypervisor,
	 * which can take long, and transmit() on other cores would wait. The
	 * frames are in the ring already; any added meanwhile are told again. */
	if (unnotified)
		notify_device(n, &n->tx);
}

static bool fill_rings(struct virtio_net *n)
{
	for (unsigned i = 0; i < n->rx.size; i += 2) {
		void *a, *b;
		if (!alloc_buffer_pair(&a, &b) || !post_rx_buffer(n, a) || !post_rx_buffer(n, b))
			return false;
	}
	for (unsigned i = 0; i < n->tx.size; i += 2) {
		void *a, *b;
		if (!alloc_buffer_pair(&a, &b))
			return false;
		*(void **)a = b;
		*(void **)b = n->tx_free;
		n->tx_free = a;
	}
	return true;
}

void virtio_net_probe(struct virtio_device *d)
{
	struct virtio_net *n = kmalloc(sizeof *n);

	if (!n)
		return;
	n->vdev = d;
	n->rx_poll_work.fn = rx_poll;
	n->rx_poll_work.ctx = n;
	if (!virtio_start(d, NET_F_MAC | NET_F_STATUS | NET_F_MRG_RXBUF | VIRTIO_F_EVENT_IDX) ||
	    !virtio_setup_queue(d, &n->rx, RX_QUEUE, rx_interrupt, n) ||
	    !virtio_setup_queue(d, &n->tx, TX_QUEUE, tx_interrupt, n) || !fill_rings(n)) {
		kprintf("lull: virtio-net over %s: start-up failed\n", d->transport_name);
		virtio_fail(d);
		return;
	}
	struct netdev *dev = &n->netdev;
	format_string(dev->name, sizeof dev->name, "eth%u", device_count++);
	dev->mtu = 1500;
	dev->transmit = transmit;
	dev->flush = flush;
	for (unsigned i = 0; i < 6; i++)
		dev->mac[i] = d->features & NET_F_MAC ? d->ops->config_read8(d, CONFIG_MAC + i)
						      : (uint8_t)(i == 0 ? 0x02 : i);
	dev->link_up = !(d->features & NET_F_STATUS) ||
		       (d->ops->config_read8(d, CONFIG_STATUS) & NET_S_LINK_UP);
	virtio_ready(d);
	notify_device(n, &n->rx);
	netdev_register(dev);
}
