/* datapath.c: moving frames between the ports' rings (or the tap
 * device) and the forwarding decision (see datapath.h).
 *
 * A frame is copied out of the sender's memory into the worker's buffer
 * before it is looked at, then into each receiver's memory: no guest sees
 * another's memory, a guest changing its buffer mid-way changes only its
 * own copy, and no two port locks are ever held together. */
#include "datapath.h"

#include "fdb.h"
#include "port.h"

#include <string.h>
#include <unistd.h>

/* struct virtio_net_hdr with VIRTIO_F_VERSION_1: num_buffers is always
 * there. Nothing is offloaded, so everything but num_buffers is 0. */
#define NET_HDR_LEN 12

static void mark_touched(port_set *touched, int index)
{
	*touched |= (port_set)1 << index;
}

/* The guest's transmit ring, lock held. */
static unsigned take_from_ring(struct port *p, int index, struct frame *frames, unsigned max,
			       unsigned *count, port_set *touched)
{
	struct port_queue *q = &p->queues[QUEUE_TX];
	struct vring_chain chain;
	unsigned work = 0;

	while (*count < max) {
		enum vring_status s = vring_pop_avail(&q->ring, &p->mem, false, &chain);
		if (s == VRING_EMPTY)
			break;
		work++;
		q->need_call = true;
		if (s != VRING_CHAIN) {
			port_count(&p->counters.bad_descriptors, 1);
			port_count(&p->counters.tx_drops, 1);
			continue;
		}
		vring_push_used(&q->ring, chain.head, 0);
		if (chain.total < NET_HDR_LEN + FRAME_MIN || chain.total > NET_HDR_LEN + FRAME_MAX) {
			port_count(&p->counters.tx_drops, 1);
			continue;
		}
		struct frame *f = &frames[(*count)++];
		f->len = vring_chain_read(&chain, NET_HDR_LEN, f->data, chain.total - NET_HDR_LEN);
		port_count(&p->counters.tx_packets, 1);
		port_count(&p->counters.tx_bytes, f->len);
	}
	if (work)
		mark_touched(touched, index);
	return work;
}

/* The uplink tap device (non-blocking), lock held. */
static unsigned take_from_tap(struct port *p, struct frame *frames, unsigned max, unsigned *count)
{
	unsigned work = 0;

	while (*count < max) {
		struct frame *f = &frames[*count];
		ssize_t n = read(p->sock, f->data, sizeof f->data);
		if (n < 0)
			break; /* EAGAIN: nothing more; a frame above FRAME_MAX is cut short */
		work++;
		if (n < FRAME_MIN) {
			port_count(&p->counters.tx_drops, 1);
			continue;
		}
		f->len = (size_t)n;
		(*count)++;
		port_count(&p->counters.tx_packets, 1);
		port_count(&p->counters.tx_bytes, (uint64_t)n);
	}
	return work;
}

unsigned datapath_take(int index, struct frame *frames, unsigned max, unsigned *count,
		       unsigned *generation, port_set *touched)
{
	struct port *p = &ports[index];
	unsigned work = 0;

	*count = 0;
	pthread_mutex_lock(&p->lock);
	*generation = p->generation;
	if (p->kind == PORT_TAP)
		work = take_from_tap(p, frames, max, count);
	else if (port_queue_ready(p, QUEUE_TX))
		work = take_from_ring(p, index, frames, max, count, touched);
	pthread_mutex_unlock(&p->lock);
	return work;
}

/* Into the guest's receive ring, lock held. */
static void put_into_ring(struct port *p, int index, const struct frame *f, port_set *touched)
{
	static const uint8_t header[NET_HDR_LEN] = { [10] = 1 }; /* num_buffers = 1 */
	struct port_queue *q = &p->queues[QUEUE_RX];
	struct vring_chain chain;

	if (!port_queue_ready(p, QUEUE_RX)) {
		port_count(&p->counters.rx_drops, 1);
		return;
	}
	enum vring_status s = vring_pop_avail(&q->ring, &p->mem, true, &chain);
	if (s == VRING_EMPTY) {
		port_count(&p->counters.rx_drops, 1); /* no buffer: the guest is behind */
		return;
	}
	q->need_call = true;
	mark_touched(touched, index);
	if (s != VRING_CHAIN) {
		port_count(&p->counters.bad_descriptors, 1);
		port_count(&p->counters.rx_drops, 1);
		return;
	}
	if (chain.total < NET_HDR_LEN + f->len) {
		vring_push_used(&q->ring, chain.head, 0);
		port_count(&p->counters.rx_drops, 1);
		return;
	}
	vring_chain_write(&chain, 0, header, NET_HDR_LEN);
	vring_chain_write(&chain, NET_HDR_LEN, f->data, f->len);
	vring_push_used(&q->ring, chain.head, (uint32_t)(NET_HDR_LEN + f->len));
	port_count(&p->counters.rx_packets, 1);
	port_count(&p->counters.rx_bytes, f->len);
}

/* Delivers to port `index` if it is still the port the decision was made
 * for (any generation when flooding). */
static void put(int index, const unsigned *generation, const struct frame *f, port_set *touched)
{
	struct port *p = &ports[index];

	pthread_mutex_lock(&p->lock);
	if (p->kind == PORT_FREE || (generation && p->generation != *generation)) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	if (p->kind == PORT_TAP) {
		if (write(p->sock, f->data, f->len) == (ssize_t)f->len) {
			port_count(&p->counters.rx_packets, 1);
			port_count(&p->counters.rx_bytes, f->len);
		} else {
			port_count(&p->counters.rx_drops, 1);
		}
	} else {
		put_into_ring(p, index, f, touched);
	}
	pthread_mutex_unlock(&p->lock);
}

void datapath_forward(int from, unsigned generation, const struct frame *f, port_set *touched)
{
	const uint8_t *dst = f->data, *src = f->data + 6;
	unsigned to_generation;

	fdb_learn(src, from, generation);
	int to = fdb_lookup(dst, &to_generation);
	if (to == from)
		return; /* both ends on one port: not ours to forward */
	if (to != FDB_FLOOD) {
		put(to, &to_generation, f, touched);
		return;
	}
	for (int i = 0; i < PORT_MAX; i++)
		if (i != from && __atomic_load_n(&ports[i].kind, __ATOMIC_RELAXED) != PORT_FREE)
			put(i, NULL, f, touched);
}

void datapath_flush_calls(port_set touched)
{
	static const uint64_t one = 1;

	while (touched) {
		int index = __builtin_ctzll(touched);
		touched &= touched - 1;
		struct port *p = &ports[index];
		pthread_mutex_lock(&p->lock);
		for (int qi = 0; qi < QUEUE_COUNT; qi++) {
			struct port_queue *q = &p->queues[qi];
			if (!q->need_call)
				continue;
			q->need_call = false;
			/* A failed write means QEMU is going away: nothing to do. */
			if (q->call >= 0 && port_queue_ready(p, qi) && vring_wants_interrupt(&q->ring))
				(void)!write(q->call, &one, sizeof one);
		}
		pthread_mutex_unlock(&p->lock);
	}
}
