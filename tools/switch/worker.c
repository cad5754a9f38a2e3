/*
 * worker.c: the I/O worker threads and their polling policy.
 *
 * A worker makes passes over its ports: for each, it takes up to a batch
 * of frames from the transmit ring and forwards them. While passes find
 * work it keeps polling, with the guests asked not to kick
 * (VRING_USED_F_NO_NOTIFY): no guest exits, no wake-ups. After an empty
 * pass it spins SPIN_PASSES more, then sleeps, doubling the sleep from
 * SLEEP_MIN_US up to the ceiling (--sleep-max-us, like OVS's
 * pmd-sleep-max). When a pass after the longest sleep is still empty it
 * goes to sleep for good, without losing a kick:
 *   1. ask every guest to kick again (clear NO_NOTIFY, then a barrier);
 *   2. make one more pass: a frame published before step 1 took effect
 *      is seen here;
 *   3. only if that pass is empty, block in epoll_wait on the kick fds:
 *      a frame published after step 1 comes with a kick.
 * An idle switch is so blocked, with no timer: it costs no CPU.
 */
#include "worker.h"

#include "datapath.h"
#include "port.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SPIN_PASSES 32
#define SLEEP_MIN_US 8
#define WAKE_EVENT UINT64_MAX /* epoll data of the worker's own wake fd */

struct worker {
	int id;
	pthread_t thread;
	int epoll_fd;
	int wake_fd;
	bool polling; /* guests are asked not to kick */
	unsigned sleep_max_us;
	struct frame frames[DATAPATH_BATCH];
	uint64_t passes, sleeps, blocks;
};

static struct worker *workers;
static unsigned workers_started;

static uint64_t thread_cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static bool owned_by(const struct port *p, const struct worker *w)
{
	return __atomic_load_n(&p->kind, __ATOMIC_RELAXED) != PORT_FREE &&
	       __atomic_load_n(&p->worker, __ATOMIC_RELAXED) == w->id;
}

/* Whether the port may have frames for us; keeps its guest's kicks
 * suppressed while we poll. Receive kicks (new buffers) are never waited
 * for: a frame that finds no buffer is dropped, so they stay off. */
static bool port_may_have_work(struct port *p, const struct worker *w)
{
	bool pending = false;

	pthread_mutex_lock(&p->lock);
	if (p->worker == w->id && p->kind == PORT_TAP) {
		pending = true; /* only a read tells */
	} else if (p->worker == w->id && port_queue_ready(p, QUEUE_TX)) {
		vring_suppress_kicks(&p->queues[QUEUE_RX].ring, true);
		if (w->polling)
			vring_suppress_kicks(&p->queues[QUEUE_TX].ring, true);
		pending = vring_avail_pending(&p->queues[QUEUE_TX].ring);
	}
	pthread_mutex_unlock(&p->lock);
	return pending;
}

/* One pass over the worker's ports; returns the work it found. The CPU
 * time of each port's batch, forwarding included, is charged to it. */
static unsigned pass(struct worker *w)
{
	unsigned work = 0;

	__atomic_fetch_add(&w->passes, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		if (!owned_by(p, w) || !port_may_have_work(p, w))
			continue;
		uint64_t start = thread_cpu_ns();
		unsigned count, generation;
		port_set touched = 0;
		unsigned n = datapath_take(i, w->frames, DATAPATH_BATCH, &count, &generation, &touched);
		for (unsigned k = 0; k < count; k++)
			datapath_forward(i, generation, &w->frames[k], &touched);
		datapath_flush_calls(touched);
		if (n)
			port_count(&p->counters.cpu_ns, thread_cpu_ns() - start);
		work += n;
	}
	return work;
}

static void allow_kicks(struct worker *w)
{
	for (int i = 0; i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		if (!owned_by(p, w))
			continue;
		pthread_mutex_lock(&p->lock);
		if (p->worker == w->id && port_queue_ready(p, QUEUE_TX))
			vring_suppress_kicks(&p->queues[QUEUE_TX].ring, false);
		pthread_mutex_unlock(&p->lock);
	}
}

/* Empties the eventfd behind an epoll event (all are non-blocking). */
static void drain_event(struct worker *w, uint64_t data)
{
	uint64_t value;

	if (data == WAKE_EVENT) {
		(void)!read(w->wake_fd, &value, sizeof value);
		return;
	}
	struct port *p = &ports[data % PORT_MAX];
	pthread_mutex_lock(&p->lock);
	if (p->kind == PORT_VHOST && p->queues[QUEUE_TX].kick >= 0)
		(void)!read(p->queues[QUEUE_TX].kick, &value, sizeof value);
	pthread_mutex_unlock(&p->lock);
}

static void block(struct worker *w)
{
	struct epoll_event events[16];

	__atomic_fetch_add(&w->blocks, 1, __ATOMIC_RELAXED);
	int n = epoll_wait(w->epoll_fd, events, 16, -1);
	for (int k = 0; k < n; k++)
		drain_event(w, events[k].data.u64);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned empty_passes = 0, sleep_us = 0;
	char name[16];

	snprintf(name, sizeof name, "switch-w%d", w->id);
	prctl(PR_SET_NAME, name);
	prctl(PR_SET_TIMERSLACK, 1000UL); /* sleeps of microseconds mean it */
	w->polling = true;
	for (;;) {
		if (pass(w)) {
			empty_passes = 0;
			sleep_us = 0;
			continue;
		}
		if (++empty_passes < SPIN_PASSES)
			continue;
		if (sleep_us < w->sleep_max_us) {
			sleep_us = sleep_us ? 2 * sleep_us : SLEEP_MIN_US;
			if (sleep_us > w->sleep_max_us)
				sleep_us = w->sleep_max_us;
			__atomic_fetch_add(&w->sleeps, 1, __ATOMIC_RELAXED);
			nanosleep(&(struct timespec){ .tv_nsec = (long)sleep_us * 1000 }, NULL);
			continue;
		}
		w->polling = false;
		allow_kicks(w);
		if (!pass(w))
			block(w);
		w->polling = true;
		empty_passes = 0;
		sleep_us = 0;
	}
	return NULL;
}

int workers_start(unsigned count, unsigned sleep_max_us, char *err, size_t err_size)
{
	workers = calloc(count, sizeof *workers);
	if (!workers) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < count; i++) {
		struct worker *w = &workers[i];
		w->id = (int)i;
		w->sleep_max_us = sleep_max_us;
		w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE_EVENT };
		if (w->epoll_fd < 0 || w->wake_fd < 0 ||
		    epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev) < 0) {
			snprintf(err, err_size, "worker %u: %s", i, strerror(errno));
			return -1;
		}
		int e = pthread_create(&w->thread, NULL, worker_main, w);
		if (e) {
			snprintf(err, err_size, "cannot start worker %u: %s", i, strerror(e));
			return -1;
		}
		workers_started = i + 1;
	}
	return 0;
}

unsigned worker_count(void)
{
	return workers_started;
}

static void wake(int worker)
{
	static const uint64_t one = 1;
	(void)!write(workers[worker].wake_fd, &one, sizeof one);
}

static int watched_fd(const struct port *p)
{
	return p->kind == PORT_TAP ? p->sock : p->queues[QUEUE_TX].kick;
}

void worker_watch_port(int index)
{
	struct port *p = &ports[index];
	int fd = watched_fd(p);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)index };

	if (fd >= 0)
		epoll_ctl(workers[p->worker].epoll_fd, EPOLL_CTL_ADD, fd, &ev);
	wake(p->worker); /* frames may wait already, with their kick long gone */
}

void worker_unwatch_port(int index)
{
	struct port *p = &ports[index];
	int fd = watched_fd(p);

	/* QEMU holds the same open file: closing ours would not remove it. */
	if (fd >= 0)
		epoll_ctl(workers[p->worker].epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

/* CPU time charged to each worker's ports since the last rebalance. */
static void worker_loads(uint64_t *load, unsigned *port_count)
{
	memset(load, 0, workers_started * sizeof *load);
	memset(port_count, 0, workers_started * sizeof *port_count);
	for (int i = 0; i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		pthread_mutex_lock(&p->lock);
		if (p->kind != PORT_FREE) {
			load[p->worker] += port_counter(&p->counters.cpu_ns) - p->cpu_ns_seen;
			port_count[p->worker]++;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

int worker_least_loaded(void)
{
	uint64_t load[WORKER_MAX];
	unsigned count[WORKER_MAX];
	int best = 0;

	worker_loads(load, count);
	for (unsigned w = 1; w < workers_started; w++)
		if (load[w] < load[best] || (load[w] == load[best] && count[w] < count[best]))
			best = (int)w;
	return best;
}

void workers_rebalance(void)
{
	uint64_t load[WORKER_MAX];
	unsigned count[WORKER_MAX];
	int busiest = 0, idlest = 0;

	worker_loads(load, count);
	for (unsigned w = 1; w < workers_started; w++) {
		if (load[w] > load[busiest])
			busiest = (int)w;
		if (load[w] < load[idlest])
			idlest = (int)w;
	}
	/* The busiest worker's lightest busy port moves if that lowers the
	 * higher of the two loads. */
	int move = -1;
	uint64_t move_load = 0, gap = load[busiest] - load[idlest];
	for (int i = 0; busiest != idlest && count[busiest] > 1 && i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		pthread_mutex_lock(&p->lock);
		uint64_t l = port_counter(&p->counters.cpu_ns) - p->cpu_ns_seen;
		if (p->kind != PORT_FREE && p->worker == busiest && l && l < gap &&
		    (move < 0 || l < move_load)) {
			move = i;
			move_load = l;
		}
		pthread_mutex_unlock(&p->lock);
	}
	for (int i = 0; i < PORT_MAX; i++) {
		struct port *p = &ports[i];
		pthread_mutex_lock(&p->lock);
		p->cpu_ns_seen = port_counter(&p->counters.cpu_ns);
		if (i == move && p->kind != PORT_FREE) {
			bool watched = p->kind == PORT_TAP || p->queues[QUEUE_TX].started;
			if (watched)
				worker_unwatch_port(i);
			__atomic_store_n(&p->worker, idlest, __ATOMIC_RELAXED);
			if (watched)
				worker_watch_port(i);
			fprintf(stderr, "lull-switch: port %s moves from worker %d to worker %d\n", p->name,
				busiest, idlest);
		}
		pthread_mutex_unlock(&p->lock);
	}
}

void worker_stats(int worker, struct worker_stats *out)
{
	struct worker *w = &workers[worker];
	clockid_t clock;
	struct timespec t = { 0 };

	if (pthread_getcpuclockid(w->thread, &clock) == 0)
		clock_gettime(clock, &t);
	*out = (struct worker_stats){
		.cpu_ns = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec,
		.passes = __atomic_load_n(&w->passes, __ATOMIC_RELAXED),
		.sleeps = __atomic_load_n(&w->sleeps, __ATOMIC_RELAXED),
		.blocks = __atomic_load_n(&w->blocks, __ATOMIC_RELAXED),
	};
	for (int i = 0; i < PORT_MAX; i++)
		if (owned_by(&ports[i], w))
			out->ports++;
}
