/* lull-test: status=0 smp=1,2,4
 * expect: ^epoll exclusive ok$
 */
/* EPOLLEXCLUSIVE: of several epoll instances that watch one file with it
 * for the same events, a notification wakes one waiter, and the one on the
 * notifying core when there is one; without it, or with different events,
 * every waiter wakes. The flag's misuses are refused as Linux refuses
 * them. */
#define _GNU_SOURCE
#include <errno.h>
#include <lull/lull.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define WAITERS 2
#define WAIT_MS 1500

struct waiter {
	int ep;
	int result; /* epoll_wait's return */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void *wait_once(void *arg)
{
	struct waiter *w = arg;
	struct epoll_event ev;
	epoll_wait(w->ep, &ev, 1, 0); /* an edge-triggered item's first report */
	__atomic_store_n(&w->result, epoll_wait(w->ep, &ev, 1, WAIT_MS), __ATOMIC_RELEASE);
	return NULL;
}

static int fd_to_signal;

static void *signal_once(void *arg)
{
	(void)arg;
	uint64_t one = 1;
	CHECK(write(fd_to_signal, &one, sizeof one) == sizeof one);
	return NULL;
}

/* Waiters on cores 0 and last, each with its own instance watching one
 * eventfd for flags[i]; a thread on core `signaller` writes it once.
 * Returns how many waiters had woken 300 ms later and, in *woken, the
 * index of the last. */
static int wake_count_of(const uint32_t flags[WAITERS], int signaller, int *woken)
{
	struct waiter w[WAITERS];
	pthread_t threads[WAITERS], writer;
	int fd = eventfd(0, EFD_NONBLOCK), count = 0;
	int last_core = lull_cpu_count() - 1;

	for (int i = 0; i < WAITERS; i++) {
		struct epoll_event ev = { .events = flags[i], .data.u32 = (uint32_t)i };
		w[i] = (struct waiter){ .ep = epoll_create1(0), .result = -2 };
		CHECK(epoll_ctl(w[i].ep, EPOLL_CTL_ADD, fd, &ev) == 0);
		lull_thread_create(&threads[i], NULL, i ? last_core : 0, wait_once, &w[i]);
	}
	sleep_ms(100); /* both are blocked in epoll_wait */
	fd_to_signal = fd;
	lull_thread_create(&writer, NULL, signaller, signal_once, NULL);
	pthread_join(writer, NULL);
	sleep_ms(300);
	for (int i = 0; i < WAITERS; i++) {
		if (__atomic_load_n(&w[i].result, __ATOMIC_ACQUIRE) == 1) {
			count++;
			*woken = i;
		}
	}
	for (int i = 0; i < WAITERS; i++) {
		pthread_join(threads[i], NULL);
		CHECK(w[i].result == 0 || w[i].result == 1); /* the rest time out */
		close(w[i].ep);
	}
	close(fd);
	return count;
}

static int wake_count(uint32_t flags, int signaller, int *woken)
{
	const uint32_t both[WAITERS] = { EPOLLIN | flags, EPOLLIN | flags };
	return wake_count_of(both, signaller, woken);
}

static void misuse_refused(void)
{
	int ep = epoll_create1(0), fd = eventfd(0, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT };

	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1 && errno == EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE; /* checked before the lookup */
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == -1 && errno == EINVAL);
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == -1 && errno == EINVAL);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	ev.events = EPOLLIN | EPOLLOUT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == -1 && errno == EINVAL);
	close(fd);
	close(ep);
}

int main(void)
{
	int last_core = lull_cpu_count() - 1, woken = -1;

	misuse_refused();
	CHECK(wake_count(0, 0, &woken) == WAITERS);
	CHECK(wake_count(EPOLLEXCLUSIVE, 0, &woken) == 1);
	if (last_core > 0) {
		CHECK(woken == 0);
		CHECK(wake_count(EPOLLEXCLUSIVE, last_core, &woken) == 1);
		CHECK(woken == 1);
	}
	/* Waiting for different things, both are told: the one on the
	 * writer's core waits to write, and must not take the wake-up that
	 * the reader needs. */
	const uint32_t mixed[WAITERS] = { EPOLLOUT | EPOLLET | EPOLLEXCLUSIVE,
					  EPOLLIN | EPOLLEXCLUSIVE };
	CHECK(wake_count_of(mixed, 0, &woken) == WAITERS);
	if (failures)
		return 1;
	printf("epoll exclusive ok\n");
	return 0;
}
