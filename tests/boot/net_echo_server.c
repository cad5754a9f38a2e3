/* lull-test: status=0 smp=2
 * lull-args: -p|@PORT@:7
 * args: 7|100
 * ready: ^echo server ready
 * host-after: python3 tests/net/linux_peer.py echo-client 127.0.0.1 @PORT@ 100 10000000 600
 * expect: ^served 100 connections, 2000000000 bytes$
 */
/* A guest TCP echo server, one epoll loop per core, for 100 concurrent
 * host clients that each echo 10 MB through QEMU's port forward; the host
 * checks every byte. Exits after ARGV[2] connections. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORKERS 2
#define BUFFER 16384

/* A connection's bytes read but not yet written back. */
struct conn {
	int fd;
	char buf[BUFFER];
	size_t len, off;
};

static int listener;
static long limit;
static atomic_long accepted, finished, bytes;

static void die(const char *what)
{
	printf("echo server: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void finish(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	finished++;
}

/* Echoes until the socket would block; false once the connection ended. */
static bool serve(int ep, struct conn *c)
{
	for (;;) {
		if (c->off < c->len) {
			ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
			if (n < 0 && errno == EAGAIN) {
				struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				return true;
			}
			if (n <= 0)
				return false;
			c->off += (size_t)n;
			bytes += n;
			continue;
		}
		ssize_t n = read(c->fd, c->buf, sizeof c->buf);
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return true;
		}
		if (n <= 0)
			return false;
		bytes += n;
		c->len = (size_t)n;
		c->off = 0;
	}
}

static void *worker(void *arg)
{
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	(void)arg;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev))
		die("epoll");
	while (finished < limit) {
		struct epoll_event events[32];
		int n = epoll_wait(ep, events, 32, 200);
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			if (c) {
				if (!serve(ep, c))
					finish(ep, c);
				continue;
			}
			int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
			if (fd < 0) {
				if (errno == EAGAIN)
					continue;
				die("accept4");
			}
			accepted++;
			c = calloc(1, sizeof *c);
			if (!c)
				die("calloc");
			c->fd = fd;
			struct epoll_event cev = { .events = EPOLLIN, .data.ptr = c };
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev))
				die("epoll_ctl");
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7;
	int one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	limit = argc > 2 ? atol(argv[2]) : 1;
	listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 128))
		die("listen");
	printf("echo server ready on %d\n", port);
	fflush(stdout);
	pthread_t threads[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&threads[i], NULL, worker, NULL))
			die("pthread_create");
	for (int i = 0; i < WORKERS; i++)
		pthread_join(threads[i], NULL);
	/* The last replies may still sit in the stack's send buffers: give
	 * them a moment to leave before the VM powers off. */
	sleep(1);
	printf("served %ld connections, %ld bytes\n", (long)finished, (long)bytes);
	return finished == limit ? 0 : 1;
}
