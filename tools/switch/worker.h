/* worker.h: the shared I/O workers. Each serves the ports assigned to
 * it, polling while there is traffic and sleeping in epoll_wait on the
 * ports' kick eventfds when there is none (worker.c has the policy). */
#ifndef LULL_SWITCH_WORKER_H
#define LULL_SWITCH_WORKER_H

#include <stddef.h>
#include <stdint.h>

#define WORKER_MAX 64

struct worker_stats {
	uint64_t cpu_ns;  /* the thread's whole CPU time */
	uint64_t passes;  /* passes over its ports */
	uint64_t sleeps;  /* back-off sleeps after empty passes */
	uint64_t blocks;  /* times it blocked in epoll_wait */
	unsigned ports;
};

/* Starts `count` workers; sleep_max_us is the back-off ceiling. */
int workers_start(unsigned count, unsigned sleep_max_us, char *err, size_t err_size);
unsigned worker_count(void);

/* The worker that a new port should go to: the least loaded. */
int worker_least_loaded(void);

/* With the port's lock held: start or stop waiting on its wake-up fd
 * (the transmit kick, or the tap device) in its worker's epoll set. */
void worker_watch_port(int index);
void worker_unwatch_port(int index);

/* Moves at most one port from the busiest worker to the least busy one
 * when that evens their load (CPU time since the last call). */
void workers_rebalance(void);

void worker_stats(int worker, struct worker_stats *out);

#endif
