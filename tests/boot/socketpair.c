/* lull-test: status=0 smp=1,2
 * expect: ^socketpair ok$
 */
/* socketpair(AF_UNIX, SOCK_STREAM): data both ways, with a thread echoing
 * from blocking reads; SOCK_NONBLOCK's EAGAIN; nginx's probe for
 * EPOLLRDHUP (an edge-triggered epoll item sees EPOLLIN|EPOLLRDHUP once the
 * peer is closed); end of file, POLLHUP and EPIPE after the peer's close;
 * the domains, types and protocols refused. Prints what differs from Linux
 * and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

#define ECHO_ROUNDS 100

/* Writes back everything read from its end until end of file. */
static void *echo(void *arg)
{
	int fd = *(int *)arg;
	char buf[256];
	long n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

static void check_echo(void)
{
	int sv[2];
	pthread_t t;
	char out[64], in[64];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pthread_create(&t, NULL, echo, &sv[1]) == 0);
	for (int i = 0; i < ECHO_ROUNDS; i++) {
		int n = snprintf(out, sizeof out, "round %d", i);
		long got = 0, r;
		CHECK(write(sv[0], out, (size_t)n) == n);
		while (got < n && (r = read(sv[0], in + got, (size_t)(n - got))) > 0)
			got += r;
		CHECK(got == n && !memcmp(in, out, (size_t)n));
	}
	CHECK(shutdown(sv[0], SHUT_WR) == -1); /* not an inet socket: ENOTSOCK */
	close(sv[0]);
	pthread_join(t, NULL);
}

static void check_peer_closed(void)
{
	int sv[2], ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLET | EPOLLIN | EPOLLRDHUP }, got;
	char c;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	errno = 0;
	CHECK(read(sv[0], &c, 1) == -1 && errno == EAGAIN);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0);
	CHECK(epoll_wait(ep, &got, 1, 0) == 0);
	CHECK(write(sv[1], "q", 1) == 1);
	CHECK(close(sv[1]) == 0);
	CHECK(epoll_wait(ep, &got, 1, 1000) == 1);
	CHECK((got.events & (EPOLLIN | EPOLLRDHUP)) == (EPOLLIN | EPOLLRDHUP));
	CHECK(epoll_wait(ep, &got, 1, 0) == 0); /* edge-triggered: once */
	CHECK(read(sv[0], &c, 1) == 1 && c == 'q');
	CHECK(read(sv[0], &c, 1) == 0);
	struct pollfd p = { .fd = sv[0], .events = POLLIN | POLLOUT | POLLRDHUP };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP | POLLRDHUP)) ==
					     (POLLIN | POLLHUP | POLLRDHUP));
	errno = 0;
	CHECK(write(sv[0], "r", 1) == -1 && errno == EPIPE);
	close(sv[0]);
	close(ep);
}

int main(void)
{
	int sv[2] = { -1, -1 };

	check_echo();
	check_peer_closed();
	errno = 0;
	CHECK(socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == -1 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 6, sv) == -1 && errno == EPROTONOSUPPORT);
	errno = 0;
	int *volatile unmapped = (int *)16;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, unmapped) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(socketpair(12345, SOCK_STREAM, 0, sv) == -1 && errno == EAFNOSUPPORT);
	if (failures)
		return 1;
	printf("socketpair ok\n");
	return 0;
}
