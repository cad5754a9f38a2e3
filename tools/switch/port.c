/* port.c: the port table: taking a slot for a new connection or the
 * uplink, stopping a port's queues and giving the slot back. */
#include "port.h"

#include "worker.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct port ports[PORT_MAX];

void ports_init(void)
{
	for (int i = 0; i < PORT_MAX; i++) {
		pthread_mutex_init(&ports[i].lock, NULL);
		ports[i].sock = -1;
		for (int q = 0; q < QUEUE_COUNT; q++)
			ports[i].queues[q].kick = ports[i].queues[q].call = -1;
	}
}

int port_add(enum port_kind kind, const char *name, int sock)
{
	int worker = worker_least_loaded();

	for (int i = 0; i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		pthread_mutex_lock(&p->lock);
		if (p->kind != PORT_FREE) {
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		p->generation++;
		snprintf(p->name, sizeof p->name, "%s", name);
		p->sock = sock;
		p->worker = worker;
		p->features = p->protocol_features = 0;
		memset(&p->counters, 0, sizeof p->counters);
		p->cpu_ns_seen = 0;
		__atomic_store_n(&p->kind, kind, __ATOMIC_RELEASE);
		if (kind == PORT_TAP)
			worker_watch_port(i);
		pthread_mutex_unlock(&p->lock);
		return i;
	}
	return -1;
}

void port_stop_queue(int index, int q)
{
	struct port *p = &ports[index];
	struct port_queue *pq = &p->queues[q];

	if (q == QUEUE_TX && pq->started)
		worker_unwatch_port(index);
	if (pq->kick >= 0)
		close(pq->kick);
	pq->kick = -1;
	pq->started = pq->attached = pq->need_call = false;
}

void port_reset(int index)
{
	struct port *p = &ports[index];

	for (int q = 0; q < QUEUE_COUNT; q++) {
		port_stop_queue(index, q);
		struct port_queue *pq = &p->queues[q];
		if (pq->call >= 0)
			close(pq->call);
		*pq = (struct port_queue){ .kick = -1, .call = -1 };
	}
	guest_memory_unmap(&p->mem);
}

void port_remove(int index)
{
	struct port *p = &ports[index];

	pthread_mutex_lock(&p->lock);
	if (p->kind == PORT_TAP)
		worker_unwatch_port(index);
	port_reset(index);
	close(p->sock);
	p->sock = -1;
	__atomic_store_n(&p->kind, PORT_FREE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
}
