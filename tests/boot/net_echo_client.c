/* lull-test: status=0 smp=1,2
 * lull-args: --net|user
 * args: 10.0.2.2|@PORT@|20|1000000
 * host-before: python3 tests/net/linux_peer.py echo-server @PORT@ 20
 * expect: ^echo client: 20 connections, 20000000 bytes back intact$
 */
/* A guest TCP client against an echo server on the host (reached through
 * QEMU's user network at 10.0.2.2): CONNECTIONS connections spread over
 * two threads (so over the cores), each sending BYTES of its own pattern
 * and checking every byte that comes back, with poll() and non-blocking
 * sockets. Usage: ADDR PORT CONNECTIONS BYTES. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define THREADS 2
#define MAX_CONNS 64
#define CHUNK 8192

struct conn {
	int fd;
	unsigned index;
	size_t sent, received;
	bool done;
};

static struct sockaddr_in server;
static unsigned connections;
static size_t total;
static atomic_uint good;
static atomic_size_t echoed;

/* Byte `offset` of connection `index`'s stream: differs per connection,
 * so crossed streams are caught. */
static unsigned char pattern(unsigned index, size_t offset)
{
	uint32_t x = (uint32_t)(offset / 7) * 2654435761u ^ (index + 1) * 40503u;
	return (unsigned char)(x >> 13 ^ offset);
}

static bool step(struct conn *c, short revents)
{
	unsigned char buf[CHUNK];

	if ((revents & POLLOUT) && c->sent < total) {
		size_t n = total - c->sent < CHUNK ? total - c->sent : CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(c->index, c->sent + i);
		ssize_t w = write(c->fd, buf, n);
		if (w < 0 && errno != EAGAIN) {
			printf("connection %u: write: %s\n", c->index, strerror(errno));
			return false;
		}
		if (w > 0 && (c->sent += (size_t)w) == total)
			shutdown(c->fd, SHUT_WR);
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(c->fd, buf, sizeof buf);
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0) {
			printf("connection %u: read: %s\n", c->index, strerror(errno));
			return false;
		}
		if (n == 0) {
			if (c->received != total)
				printf("connection %u: %zu of %zu bytes back\n", c->index, c->received, total);
			c->done = true;
			return c->received == total;
		}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(c->index, c->received + (size_t)i)) {
				printf("connection %u: wrong byte at %zu\n", c->index, c->received + (size_t)i);
				return false;
			}
		c->received += (size_t)n;
		echoed += (size_t)n;
	}
	return true;
}

static void *client(void *arg)
{
	unsigned first = (unsigned)(uintptr_t)arg, count = 0;
	struct conn conns[MAX_CONNS];
	struct pollfd fds[MAX_CONNS];

	for (unsigned i = first; i < connections; i += THREADS, count++) {
		conns[count] = (struct conn){ .index = i };
		conns[count].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (conns[count].fd < 0 ||
		    (connect(conns[count].fd, (struct sockaddr *)&server, sizeof server) &&
		     errno != EINPROGRESS)) {
			printf("connection %u: connect: %s\n", i, strerror(errno));
			return NULL;
		}
	}
	for (unsigned open = count; open;) {
		for (unsigned i = 0; i < count; i++) {
			fds[i].fd = conns[i].done ? -1 : conns[i].fd;
			fds[i].events = (short)(POLLIN | (conns[i].sent < total ? POLLOUT : 0));
		}
		if (poll(fds, count, 30000) <= 0) {
			printf("poll: nothing for 30 s (%s)\n", strerror(errno));
			return NULL;
		}
		for (unsigned i = 0; i < count; i++) {
			if (conns[i].done || !fds[i].revents)
				continue;
			bool ok = step(&conns[i], fds[i].revents);
			if (!ok || conns[i].done) {
				good += ok;
				conns[i].done = true;
				close(conns[i].fd);
				open--;
			}
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5 || inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
		printf("usage: ADDR PORT CONNECTIONS BYTES\n");
		return 2;
	}
	server.sin_family = AF_INET;
	server.sin_port = htons((uint16_t)atoi(argv[2]));
	connections = (unsigned)atoi(argv[3]);
	total = (size_t)atol(argv[4]);
	if (connections > THREADS * MAX_CONNS) {
		printf("at most %d connections\n", THREADS * MAX_CONNS);
		return 2;
	}
	pthread_t threads[THREADS];
	for (uintptr_t t = 0; t < THREADS; t++)
		pthread_create(&threads[t], NULL, client, (void *)t);
	for (unsigned t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	printf("echo client: %u connections, %zu bytes back%s\n", (unsigned)good, (size_t)echoed,
	       good == connections ? " intact" : "");
	return good == connections ? 0 : 1;
}
