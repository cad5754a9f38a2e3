/* lull-test: status=0 smp=1,2,4
 * expect: ^epoll ok$
 */
/* eventfd counters, poll and epoll (level-triggered, edge-triggered,
 * one-shot), descriptor flags, and a wake-up across cores. Prints what
 * differs from Linux's behaviour and exits 1. A late wait is tried again
 * (timing.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lull/lull.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "timing.h"

static void add(int fd, uint64_t n)
{
	CHECK(write(fd, &n, sizeof n) == sizeof n);
}

static uint64_t take(int fd)
{
	uint64_t n = 0;
	CHECK(read(fd, &n, sizeof n) == sizeof n);
	return n;
}

static void counters(void)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t n;
	CHECK(fd >= 3);
	CHECK(read(fd, &n, sizeof n) == -1 && errno == EAGAIN);
	add(fd, 3);
	add(fd, 4);
	CHECK(take(fd) == 7);
	close(fd);

	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(take(fd) == 1 && take(fd) == 1);
	CHECK(read(fd, &n, sizeof n) == -1 && errno == EAGAIN);
	CHECK(read(fd, &n, 4) == -1 && errno == EINVAL);
	close(fd);
	CHECK(close(fd) == -1 && errno == EBADF);
}

static void flags(void)
{
	int fd = eventfd(0, 0);
	uint64_t n;
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK(read(fd, &n, sizeof n) == -1 && errno == EAGAIN);
	int copy = dup(fd);
	CHECK(copy > fd);
	add(copy, 5);
	CHECK(take(fd) == 5);
	close(copy);
	close(fd);
}

static double poll_nothing_for_50(void *arg)
{
	struct pollfd p = { *(int *)arg, POLLIN, 0 };
	double start = now_ms();
	int r = poll(&p, 1, 50);
	double took = now_ms() - start;
	if (r == 0)
		return took;
	printf("poll on an empty eventfd returned %d\n", r);
	return -1;
}

static void poll_timeout_and_ready(void)
{
	int fd = eventfd(0, 0);
	struct pollfd p = { fd, POLLIN, 0 };
	CHECK(on_time("poll timeout 50 ms", 50.0, 70.0, poll_nothing_for_50, &fd));
	add(fd, 1);
	CHECK(poll(&p, 1, -1) == 1 && p.revents == POLLIN);
	struct pollfd bad = { 999, POLLIN, 0 };
	CHECK(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
	close(fd);
}

static void epoll_modes(void)
{
	int ep = epoll_create1(0), lt = eventfd(0, 0), et = eventfd(0, 0), one = eventfd(0, 0);
	struct epoll_event ev, out[4];
	CHECK(ep >= 0);

	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lt, &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lt, &ev) == -1 && errno == EEXIST);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 2 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, et, &ev) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, one, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);

	add(lt, 1);
	add(et, 1);
	add(one, 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 3);
	/* Level-triggered stays ready; edge-triggered and one-shot do not. */
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 1);
	add(et, 1);
	add(one, 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	take(lt);
	CHECK(epoll_wait(ep, out, 4, 0) == 0); /* the edge was reported once */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 3 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, one, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 3);

	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, lt, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, lt, NULL) == -1 && errno == ENOENT);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev) == -1 && errno == EBADF);
	close(et); /* still in the set: closing drops it */
	add(lt, 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	close(lt);
	close(one);
	close(ep);
}

static int wake_fd;

static void *late_writer(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 30000000L };
	nanosleep(&ts, NULL);
	add(wake_fd, 1);
	return NULL;
}

/* The writer runs on the last core and writes 30 ms after it starts; the
 * clock starts before it exists, so the wait cannot seem shorter. */
static double wait_for_late_writer(void *arg)
{
	int ep = *(int *)arg;
	struct epoll_event out;
	pthread_t t;
	double start = now_ms();
	lull_thread_create(&t, NULL, lull_cpu_count() - 1, late_writer, NULL);
	int n = epoll_wait(ep, &out, 1, -1);
	double took = now_ms() - start;
	pthread_join(t, NULL);
	take(wake_fd);
	if (n == 1 && out.data.u64 == 7)
		return took;
	printf("epoll_wait for the writer returned %d\n", n);
	return -1;
}

/* Not before the write; and soon after it. A lost wake-up never ends:
 * there is no periodic interrupt to end the halt. */
static void wake_across_cores(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };

	wake_fd = eventfd(0, 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev) == 0);
	CHECK(on_time("wake-up across cores", 30.0, 100.0, wait_for_late_writer, &ep));
	close(wake_fd);
	close(ep);
}

int main(void)
{
	counters();
	flags();
	poll_timeout_and_ready();
	epoll_modes();
	wake_across_cores();
	if (failures)
		return 1;
	printf("epoll ok\n");
	return 0;
}
