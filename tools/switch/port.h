/* port.h: a switch port (one VM's vhost-user connection, or the uplink
 * tap device), the table of them, and the per-port counters.
 *
 * Ports live in a fixed table and are never freed, only reused: a worker
 * holding an index can always take the port's lock and see, from `sock`
 * and `generation`, whether it still serves what it meant to. The lock
 * guards the rings, the memory table and the fds; counters are atomics,
 * so that `stats` reads them without stopping traffic. */
#ifndef LULL_SWITCH_PORT_H
#define LULL_SWITCH_PORT_H

#include "guest_memory.h"
#include "vring.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PORT_MAX 64
#define PORT_NAME_MAX 107 /* sun_path's 108 less the terminating NUL */

/* Virtqueue indices of virtio-net's first queue pair. */
enum { QUEUE_RX = 0, QUEUE_TX = 1, QUEUE_COUNT = 2 };

struct port_queue {
	struct vring ring;
	unsigned num;
	uint64_t desc_user, avail_user, used_user;
	uint16_t base;
	int kick, call; /* eventfds from QEMU, -1 if none */
	bool started;   /* kick fd given, not stopped by GET_VRING_BASE */
	bool enabled;   /* SET_VRING_ENABLE (always, without protocol features) */
	bool attached;  /* ring found in memory: the worker may use it */
	bool need_call; /* used entries published since the last interrupt */
};

/* Counters, from the VM's side: tx is what the VM sent into the switch,
 * rx what the switch delivered to it. */
struct port_counters {
	uint64_t tx_packets, tx_bytes, tx_drops;
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t bad_descriptors;
	uint64_t cpu_ns; /* worker CPU time spent on this port's traffic */
};

enum port_kind { PORT_FREE, PORT_VHOST, PORT_TAP };

struct port {
	pthread_mutex_t lock;
	enum port_kind kind;
	unsigned generation; /* bumped each time the slot is reused */
	char name[PORT_NAME_MAX + 1];
	int sock;            /* the vhost-user connection, or the tap fd */
	int worker;          /* which worker serves it */
	uint64_t features, protocol_features;
	struct guest_memory mem;
	struct port_queue queues[QUEUE_COUNT];
	struct port_counters counters;
	/* The control thread's view of cpu_ns at its last rebalance. */
	uint64_t cpu_ns_seen;
};

extern struct port ports[PORT_MAX];

void ports_init(void);

/* Takes a free slot for a vhost-user connection or the tap device `sock`
 * and gives it to the least loaded worker: its index, or -1 when all
 * PORT_MAX are taken. */
int port_add(enum port_kind kind, const char *name, int sock);

/* With the port's lock held: stops queue q (GET_VRING_BASE), or every
 * queue and the memory table (RESET_OWNER, a closed connection). */
void port_stop_queue(int index, int q);
void port_reset(int index);

/* Stops everything, closes the connection and frees the slot. */
void port_remove(int index);

/* Adds n to a counter; any thread, no lock. */
static inline void port_count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline uint64_t port_counter(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Whether the port's queue may be used by the data path (lock held). */
static inline bool port_queue_ready(const struct port *p, int q)
{
	const struct port_queue *pq = &p->queues[q];
	return p->kind == PORT_VHOST && pq->started && pq->enabled && pq->attached;
}

#endif
