/* lull-test: status=0 smp=1,2
 * expect: ^pipe ok$
 */
/* Pipes (pipe, pipe2): data both ways through two pipes with a thread
 * echoing, blocking reads woken from another thread (and core), the
 * capacity and O_NONBLOCK's EAGAIN, PIPE_BUF atomicity, poll and epoll
 * readiness of both ends, end of file once the writer is closed (also for a
 * reader already blocked), EPIPE and POLLERR once the reader is closed,
 * descriptor modes and bad arguments. Prints what differs from Linux and
 * exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "check.h"

#define CAPACITY 65536
#define ECHO_ROUNDS 200

static int to_echo[2], from_echo[2];

/* Reads blocking from one pipe and writes everything back on the other,
 * until end of file. */
static void *echo(void *arg)
{
	char buf[512];
	long n;

	(void)arg;
	while ((n = read(to_echo[0], buf, sizeof buf)) > 0)
		if (write(from_echo[1], buf, (size_t)n) != n)
			break;
	close(from_echo[1]);
	return NULL;
}

static void both_ways(void)
{
	pthread_t t;
	char out[300], in[300];

	CHECK(pipe(to_echo) == 0 && pipe(from_echo) == 0);
	CHECK(pthread_create(&t, NULL, echo, NULL) == 0);
	for (int round = 0; round < ECHO_ROUNDS; round++) {
		size_t len = 1 + (size_t)round % sizeof out;
		memset(out, 'a' + round % 26, len);
		CHECK(write(to_echo[1], out, len) == (long)len);
		size_t got = 0;
		while (got < len) {
			long n = read(from_echo[0], in + got, len - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		CHECK(got == len && memcmp(in, out, len) == 0);
	}
	close(to_echo[1]);
	/* The echo thread sees end of file and closes its end: so do we. */
	CHECK(read(from_echo[0], in, sizeof in) == 0);
	pthread_join(t, NULL);
	close(to_echo[0]);
	close(from_echo[0]);
}

static unsigned revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, 0) == 1 ? (unsigned)p.revents : 0;
}

static void nonblocking_and_capacity(void)
{
	int p[2];
	char buf[CAPACITY];
	long n, total = 0;

	CHECK(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
	CHECK(fcntl(p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK));
	CHECK(fcntl(p[1], F_GETFL) == (O_WRONLY | O_NONBLOCK));
	errno = 0;
	CHECK(read(p[0], buf, 10) == -1 && errno == EAGAIN);
	CHECK(revents(p[0], POLLIN) == 0);
	CHECK(revents(p[1], POLLOUT) == POLLOUT);
	/* The wrong direction on each end. */
	errno = 0;
	CHECK(write(p[0], "x", 1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(read(p[1], buf, 1) == -1 && errno == EBADF);

	memset(buf, 'z', sizeof buf);
	while ((n = write(p[1], buf, 1000)) > 0)
		total += n;
	/* 65 writes of 1000 fit in the 64 KiB ring; the 66th would be split,
	 * and writes of at most PIPE_BUF bytes are not. (Linux keeps 16 pages
	 * and starts a page for a write that does not fit the last one: 64.) */
	CHECK(n == -1 && errno == EAGAIN);
	CHECK(total == 65000);
	CHECK(revents(p[1], POLLOUT) == 0);
	CHECK(write(p[1], buf, 536) == 536);
	errno = 0;
	CHECK(write(p[1], buf, 1) == -1 && errno == EAGAIN);
	CHECK(revents(p[0], POLLIN) == POLLIN);
	/* Room for PIPE_BUF bytes makes the write end writable again. */
	CHECK(read(p[0], buf, 4095) == 4095);
	CHECK(revents(p[1], POLLOUT) == 0);
	CHECK(read(p[0], buf, 1) == 1);
	CHECK(revents(p[1], POLLOUT) == POLLOUT);
	CHECK(read(p[0], buf, sizeof buf) == CAPACITY - 4096);
	close(p[0]);
	close(p[1]);
}

static void *write_later(void *arg)
{
	usleep(20000);
	CHECK(write(*(int *)arg, "late", 4) == 4);
	return NULL;
}

static void epoll_readiness(void)
{
	int p[2], ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, got[2];
	pthread_t t;
	char buf[8];

	CHECK(pipe(p) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, got, 2, 0) == 0);
	/* A blocking wait woken by a write from another thread. */
	CHECK(pthread_create(&t, NULL, write_later, &p[1]) == 0);
	CHECK(epoll_wait(ep, got, 2, 5000) == 1 && got[0].events == EPOLLIN && got[0].data.u32 == 7);
	pthread_join(t, NULL);
	/* Level-triggered: still ready until read. */
	CHECK(epoll_wait(ep, got, 2, 0) == 1);
	CHECK(read(p[0], buf, sizeof buf) == 4);
	CHECK(epoll_wait(ep, got, 2, 0) == 0);

	/* The write end: writable, then an error once the reader is gone. */
	ev.events = EPOLLOUT;
	ev.data.u32 = 8;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
	CHECK(epoll_wait(ep, got, 2, 0) == 1 && got[0].events == EPOLLOUT);
	close(p[0]);
	CHECK(epoll_wait(ep, got, 2, 0) == 1 && got[0].events == (EPOLLOUT | EPOLLERR));
	errno = 0;
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	CHECK(revents(p[1], POLLOUT) == (POLLOUT | POLLERR));
	close(p[1]);
	close(ep);
}

static void *close_later(void *arg)
{
	usleep(20000);
	close(*(int *)arg);
	return NULL;
}

static void end_of_file(void)
{
	int p[2];
	pthread_t t;
	char buf[8];

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "ab", 2) == 2);
	close(p[1]);
	/* What was written is read before end of file. */
	CHECK(revents(p[0], POLLIN) == (POLLIN | POLLHUP));
	CHECK(read(p[0], buf, sizeof buf) == 2 && memcmp(buf, "ab", 2) == 0);
	CHECK(read(p[0], buf, sizeof buf) == 0);
	CHECK(revents(p[0], POLLIN) == POLLHUP);
	close(p[0]);

	/* A reader already blocked is woken by the close. */
	CHECK(pipe(p) == 0);
	CHECK(pthread_create(&t, NULL, close_later, &p[1]) == 0);
	CHECK(read(p[0], buf, sizeof buf) == 0);
	pthread_join(t, NULL);
	close(p[0]);
}

static void bad_arguments(void)
{
	int p[2], *volatile unmapped = (int *)16;

	errno = 0;
	CHECK(pipe2(p, O_APPEND) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(pipe(unmapped) == -1 && errno == EFAULT);
}

int main(void)
{
	both_ways();
	nonblocking_and_capacity();
	epoll_readiness();
	end_of_file();
	bad_arguments();
	if (failures)
		return 1;
	puts("pipe ok");
	return 0;
}
