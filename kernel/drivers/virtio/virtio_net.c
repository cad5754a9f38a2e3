/*
 * virtio_net.c: the virtio network device (virtio 1.x, section 5.1).
 *
 * Receive is interrupt-driven in the NAPI manner: the interrupt handler
 * only suppresses further interrupts and schedules the queue's poll as
 * deferred work (sched/deferred.h); the poll, in thread context, drains
 * and refills the ring, handing each frame to the stack, then re-enables
 * interrupts and checks the ring once more, so a burst of packets costs
 * one interrupt and no frame that arrives meanwhile is missed. Transmit
 * copies each frame into a buffer of its own; the device is notified once
 * per batch of frames (flush); completions are reclaimed from their
 * interrupt and on the next transmit.
 *
 * Multiqueue (VIRTIO_NET_F_MQ, section 5.1.6.5.5): where the device offers
 * several queue pairs and the transport gives each queue an interrupt of
 * its own sent to a chosen core (virtio-pci's MSI-X), pair N belongs to
 * core N: its interrupts go there, so its frames are handled by that
 * core's deferred thread, and that core's sends use its transmit queue.
 * The device spreads connections over the receive queues by a hash of
 * their addresses, so a connection's frames, its timers' effects and (with
 * epoll's EPOLLEXCLUSIVE preferring a waiter on the notifying core) its
 * application thread stay on one core. Without MQ there is one pair, on
 * the boot processor.
 */
#include "drivers/virtio/virtio_net.h"

#include "arch.h"
#include "console.h"
#include "drivers/netdev.h"
#include "lib/format.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "sched/deferred.h"
#include "sched/sched.h"
#include "sync/spinlock.h"

#include <string.h>

#define NET_F_MAC (1ULL << 5)
#define NET_F_MRG_RXBUF (1ULL << 15)
#define NET_F_STATUS (1ULL << 16)
#define NET_F_CTRL_VQ (1ULL << 17)
#define NET_F_MQ (1ULL << 22)
#define NET_S_LINK_UP 1
#define CONFIG_MAC 0
#define CONFIG_STATUS 6
#define CONFIG_MAX_PAIRS 8
#define CTRL_MQ 4
#define CTRL_MQ_VQ_PAIRS_SET 0
#define CTRL_OK 0
#define CTRL_TIMEOUT_NS 1000000000ULL

#define MAX_PAIRS 16
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

/* A receive queue and a transmit queue: queues 2N and 2N+1, core N's. */
struct queue_pair {
	struct virtio_net *n;
	struct virtq rx, tx;
	struct spinlock rx_lock, tx_lock;
	struct deferred_work rx_poll_work;
	void *tx_free; /* buffers back from the device, linked through their first word */
	bool tx_unnotified; /* frames queued since the last notification */
};

struct virtio_net {
	struct netdev netdev;
	struct virtio_device *vdev;
	unsigned pair_count;
	struct queue_pair *pairs;
	struct virtq ctrl; /* with MQ: the control queue */
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

/* Counters are shared by the pairs, which run on different cores. */
static void count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static bool post_rx_buffer(struct queue_pair *p, void *buf)
{
	struct virtq_buffer b = { (uintptr_t)buf, BUFFER_SIZE, true };
	return virtq_add(&p->rx, &b, 1, buf);
}

/* Notifications are never skipped on the device's word (avail_event):
 * QEMU 7.2 (Debian 12's), short of receive buffers, can leave avail_event
 * behind, so that a driver that trusts it never notifies again and receive
 * stalls for good (seen with 20 concurrent transfers; later QEMU fixes the
 * re-check in virtio_net_has_buffers); transmit stalled the same way now
 * and then. Batching keeps them few instead: one per batch of transmitted
 * frames, and one per receive poll that gave buffers back (see
 * rx_poll). A device that polls and says so with the used ring's
 * NO_NOTIFY flag (lull-switch while busy) is not notified at all. */
static void notify_device(struct virtio_net *n, struct virtq *q)
{
	if (!virtq_device_wants_notification(q))
		return; /* it polls the ring: a notification would only cost an exit */
	n->vdev->ops->notify(n->vdev, q);
	count(&n->netdev.stats.kicks, 1);
}

/* Takes up to `budget` frames off the used ring, hands each to the stack
 * and gives its buffer back; returns how many it took. */
static unsigned receive_frames(struct queue_pair *p, unsigned budget)
{
	struct netdev *dev = &p->n->netdev;
	void *buf;
	uint32_t len;
	unsigned taken = 0;

	while (taken < budget && (buf = virtq_pop_used(&p->rx, &len))) {
		taken++;
		const struct net_header *h = buf;
		if (len < sizeof *h || len > BUFFER_SIZE || h->num_buffers != 1) {
			count(&dev->stats.rx_dropped, 1);
		} else {
			count(&dev->stats.rx_packets, 1);
			count(&dev->stats.rx_bytes, len - sizeof *h);
			if (dev->receive)
				dev->receive(dev, (const char *)buf + sizeof *h, len - sizeof *h);
		}
		post_rx_buffer(p, buf);
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
	struct queue_pair *p = ctx;
	unsigned taken = 0;
	bool more;

	spin_lock(&p->rx_lock);
	do {
		virtq_disable_interrupts(&p->rx);
		taken += receive_frames(p, RX_POLL_BUDGET - taken);
		more = taken == RX_POLL_BUDGET;
	} while (!more && virtq_enable_interrupts(&p->rx));
	if (taken)
		notify_device(p->n, &p->rx);
	spin_unlock(&p->rx_lock);
	if (more)
		deferred_schedule(&p->rx_poll_work);
}

static void rx_interrupt(void *ctx)
{
	struct queue_pair *p = ctx;

	count(&p->n->netdev.stats.interrupts, 1);
	spin_lock(&p->rx_lock);
	virtq_disable_interrupts(&p->rx);
	spin_unlock(&p->rx_lock);
	deferred_schedule(&p->rx_poll_work);
}

/* Puts a transmit buffer on p's free list. */
static void free_tx_buffer(struct queue_pair *p, void *buf)
{
	*(void **)buf = p->tx_free;
	p->tx_free = buf;
}

/* Called with tx_lock held. */
static void reclaim_tx(struct queue_pair *p)
{
	void *buf;
	uint32_t len;

	while ((buf = virtq_pop_used(&p->tx, &len)))
		free_tx_buffer(p, buf);
}

static void tx_interrupt(void *ctx)
{
	struct queue_pair *p = ctx;

	count(&p->n->netdev.stats.interrupts, 1);
	spin_lock(&p->tx_lock);
	do {
		virtq_disable_interrupts(&p->tx);
		reclaim_tx(p);
	} while (virtq_enable_interrupts(&p->tx));
	spin_unlock(&p->tx_lock);
}

/* Copies the frame into a free buffer of p's transmit queue; false when
 * none is free. Called with p->tx_lock held. */
static bool queue_frame(struct queue_pair *p, const void *frame, size_t len)
{
	reclaim_tx(p);
	void *buf = p->tx_free;
	if (!buf)
		return false;
	p->tx_free = *(void **)buf;
	memset(buf, 0, sizeof(struct net_header));
	memcpy((char *)buf + sizeof(struct net_header), frame, len);
	struct virtq_buffer b = { (uintptr_t)buf, (uint32_t)(sizeof(struct net_header) + len), false };
	if (!virtq_add(&p->tx, &b, 1, buf)) {
		free_tx_buffer(p, buf);
		return false;
	}
	/* A batch that takes every buffer cannot wait for its end: the
	 * device must start freeing them now. */
	p->tx_unnotified = p->tx_free != NULL;
	if (!p->tx_free)
		notify_device(p->n, &p->tx);
	return true;
}

/* Each core sends on its own pair's transmit queue. */
static bool transmit(struct netdev *dev, const void *frame, size_t len)
{
	struct virtio_net *n = (struct virtio_net *)dev;
	struct queue_pair *p = &n->pairs[arch_cpu_id() % n->pair_count];

	if (len > ETHERNET_MAX_FRAME) {
		count(&dev->stats.tx_dropped, 1);
		return false;
	}
	spin_lock(&p->tx_lock);
	bool sent = queue_frame(p, frame, len);
	spin_unlock(&p->tx_lock);
	if (sent) {
		count(&dev->stats.tx_packets, 1);
		count(&dev->stats.tx_bytes, len);
	} else {
		count(&dev->stats.tx_dropped, 1);
	}
	return sent;
}

/* One notification for the frames of a batch (see notify_device), on
 * every pair that has some. */
static void flush(struct netdev *dev)
{
	struct virtio_net *n = (struct virtio_net *)dev;

	for (unsigned i = 0; i < n->pair_count; i++) {
		struct queue_pair *p = &n->pairs[i];
		spin_lock(&p->tx_lock);
		bool unnotified = p->tx_unnotified;
		p->tx_unnotified = false;
		spin_unlock(&p->tx_lock);
		/* Outside the lock: telling the device is an exit to the
		 * hypervisor, which can take long, and transmit() on other
		 * cores would wait. The frames are in the ring already; any
		 * added meanwhile are told again. */
		if (unnotified)
			notify_device(n, &p->tx);
	}
}

static bool fill_rings(struct queue_pair *p)
{
	for (unsigned i = 0; i < p->rx.size; i += 2) {
		void *a, *b;
		if (!alloc_buffer_pair(&a, &b) || !post_rx_buffer(p, a) || !post_rx_buffer(p, b))
			return false;
	}
	for (unsigned i = 0; i < p->tx.size; i += 2) {
		void *a, *b;
		if (!alloc_buffer_pair(&a, &b))
			return false;
		free_tx_buffer(p, b);
		free_tx_buffer(p, a);
	}
	return true;
}

/* Pair i: queues 2i and 2i+1, their interrupts on core i. */
static bool start_pair(struct virtio_net *n, unsigned i)
{
	struct queue_pair *p = &n->pairs[i];

	p->n = n;
	p->rx_poll_work.fn = rx_poll;
	p->rx_poll_work.ctx = p;
	return virtio_setup_queue(n->vdev, &p->rx, (uint16_t)(2 * i), i, rx_interrupt, p) &&
	       virtio_setup_queue(n->vdev, &p->tx, (uint16_t)(2 * i + 1), i, tx_interrupt, p) &&
	       fill_rings(p);
}

/* One pair per core, as many as the device has and the transport can give
 * an interrupt of their own (one vector per queue, and one for the control
 * queue); 1 without MQ. */
static unsigned pairs_to_use(struct virtio_device *d)
{
	if (!(d->features & NET_F_MQ))
		return 1;
	unsigned pairs = d->ops->config_read16(d, CONFIG_MAX_PAIRS);
	if (pairs > cpu_count)
		pairs = cpu_count;
	if (pairs > (d->queue_vectors - 1) / 2)
		pairs = (d->queue_vectors - 1) / 2;
	if (pairs > MAX_PAIRS)
		pairs = MAX_PAIRS;
	return pairs ? pairs : 1;
}

/* The control queue's completions are polled for, not waited on. */
static void ignore_interrupt(void *ctx)
{
	(void)ctx;
}

/* The control queue comes after the device's last pair. */
static bool setup_control_queue(struct virtio_net *n)
{
	struct virtio_device *d = n->vdev;
	uint16_t index = (uint16_t)(2 * d->ops->config_read16(d, CONFIG_MAX_PAIRS));

	if (!virtio_setup_queue(d, &n->ctrl, index, 0, ignore_interrupt, NULL))
		return false;
	virtq_disable_interrupts(&n->ctrl);
	return true;
}

/* Multiqueue starts disabled: VQ_PAIRS_SET turns n->pair_count pairs on.
 * Returns false if the device did not say OK in time. The command's page
 * is never given back: a device that answers late must not write into a
 * page in use. */
static bool enable_pairs(struct virtio_net *n)
{
	struct virtio_device *d = n->vdev;
	uintptr_t page = page_alloc();
	uint32_t len;

	if (!page)
		return false;
	uint8_t *cmd = (uint8_t *)page;
	cmd[0] = CTRL_MQ;
	cmd[1] = CTRL_MQ_VQ_PAIRS_SET;
	memcpy(cmd + 2, &(uint16_t){ (uint16_t)n->pair_count }, 2);
	cmd[4] = 0xff;
	const struct virtq_buffer chain[] = { { page, 2, false }, { page + 2, 2, false },
					      { page + 4, 1, true } };
	if (!virtq_add(&n->ctrl, chain, 3, cmd))
		return false;
	d->ops->notify(d, &n->ctrl);
	uint64_t deadline = arch_clock_ns() + CTRL_TIMEOUT_NS;
	while (!virtq_pop_used(&n->ctrl, &len) && arch_clock_ns() < deadline)
		arch_cpu_relax();
	return __atomic_load_n(&cmd[4], __ATOMIC_ACQUIRE) == CTRL_OK;
}

static void describe(struct virtio_net *n)
{
	struct virtio_device *d = n->vdev;
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
}

void virtio_net_probe(struct virtio_device *d)
{
	struct virtio_net *n = kmalloc(sizeof *n);
	uint64_t wanted = NET_F_MAC | NET_F_STATUS | NET_F_MRG_RXBUF | VIRTIO_F_EVENT_IDX;

	if (!n)
		return;
	n->vdev = d;
	/* Multiqueue only pays where each queue's interrupt can go to its core. */
	if (cpu_count > 1 && d->queue_vectors >= 5)
		wanted |= NET_F_CTRL_VQ | NET_F_MQ;
	bool started = virtio_start(d, wanted);
	if (started) {
		n->pair_count = pairs_to_use(d);
		n->pairs = kmalloc(n->pair_count * sizeof *n->pairs);
	}
	for (unsigned i = 0; started && n->pairs && i < n->pair_count; i++)
		started = start_pair(n, i);
	if (started && n->pairs && n->pair_count > 1 && !setup_control_queue(n))
		n->pair_count = 1;
	if (!started || !n->pairs) {
		kprintf("lull: virtio-net over %s: start-up failed\n", d->transport_name);
		virtio_fail(d);
		return;
	}
	describe(n);
	virtio_ready(d);
	if (n->pair_count > 1 && !enable_pairs(n)) {
		kprintf("lull: virtio-net: the device refused %u queue pairs; using one\n",
			n->pair_count);
		n->pair_count = 1;
	}
	for (unsigned i = 0; i < n->pair_count; i++)
		notify_device(n, &n->pairs[i].rx);
	netdev_register(&n->netdev);
	if (n->pair_count > 1)
		kprintf("lull: %s: %u queue pairs, one per core\n", n->netdev.name, n->pair_count);
}
