/* lull-test: status=0 smp=1,2,4
 * expect: ^epoll ok$
 */
/* eventfd counters, poll and epoll (level-triggered, edge-triggered,
 * one-shot), descriptor flags, and a wake-up across cores. Prints what
 * differs from Linux's behaviour and exits 1. */
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

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

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

static void poll_timeout_and_ready(void)
{
	int fd = eventfd(0, 0);
	struct pollfd p = { fd, POLLIN, 0 };
	double start = now_ms();
	CHECK(poll(&p, 1, 50) == 0);
	double took = now_ms() - start;
	CHECK(took >= 49.0 && took < 70.0);
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

static void wake_across_cores(void)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, out;
	pthread_t t;

	wake_fd = eventfd(0, 0);
	epoll_ctl(ep, EPOLL_CTL_ADD, wake_fd, &ev);
	lull_thread_create(&t, NULL, lull_cpu_count() - 1, late_writer, NULL);
	double start = now_ms();
	CHECK(epoll_wait(ep, &out, 1, -1) == 1 && out.data.u64 == 7);
	double took = now_ms() - start;
	/* Not before the write; and soon after it, though on a loaded host a
	 * vCPU can wait tens of ms for its thread to run (a 60 ms bound failed
	 * twice in a day's suite runs on a busy host). A lost wake-up never
	 * ends: there is no periodic interrupt to end the halt. */
	CHECK(took >= 29.0 && took < 250.0);
	pthread_join(t, NULL);
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
