/*
 * linux_peer.c: the Linux guest's side of the switch check between a Lull
 * VM and a Linux guest (tests/switch/checks.sh), run as /peer by the
 * guest's /init (bench/linux-guest/init.c, run= and args=).
 *
 * usage: peer LULL_ADDR LULL_PORT OWN_PORT BYTES
 *   1. pings LULL_ADDR (ICMP echo over a raw socket) until 3 replies come
 *      back, for at most 30 s;
 *   2. sends BYTES of a pattern to LULL_ADDR:LULL_PORT (a Lull echo
 *      server) and checks every byte that comes back;
 *   3. meanwhile serves SERVED_CONNECTIONS TCP echo connections, one
 *      after the other, on OWN_PORT (for a Lull echo client), announced
 *      by "peer: serving on PORT".
 * Prints one line per step; exits 0 when all three succeeded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PINGS_WANTED 3
#define PING_SECONDS 30
#define CONNECT_SECONDS 30
#define CHUNK 8192
#define SERVED_CONNECTIONS 2 /* tests/boot/net_echo_client.c's, as checks.sh runs it */

static struct sockaddr_in lull_addr(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "peer: %s: not an IPv4 address\n", addr);
		exit(2);
	}
	return sin;
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* An echo request a second until PINGS_WANTED replies of ours came back. */
static bool ping(struct sockaddr_in to)
{
	int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (s < 0) {
		perror("peer: raw socket");
		return false;
	}
	uint16_t id = (uint16_t)getpid();
	int replies = 0, seq;
	for (seq = 0; seq < PING_SECONDS && replies < PINGS_WANTED; seq++) {
		struct icmphdr req = { .type = ICMP_ECHO };
		req.un.echo.id = htons(id);
		req.un.echo.sequence = htons((uint16_t)seq);
		req.checksum = icmp_checksum(&req, sizeof req);
		if (sendto(s, &req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) < 0)
			perror("peer: sendto"); /* no ARP answer yet: try again */
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		time_t end = time(NULL) + 1;
		while (time(NULL) < end && poll(&pfd, 1, 1000) > 0) {
			uint8_t in[1500];
			ssize_t n = recv(s, in, sizeof in, 0);
			if (n < (ssize_t)sizeof(struct iphdr))
				continue;
			size_t ihl = (size_t)(in[0] & 0xf) * 4;
			const struct icmphdr *rep = (const struct icmphdr *)(in + ihl);
			if ((size_t)n >= ihl + sizeof *rep && rep->type == ICMP_ECHOREPLY &&
			    ntohs(rep->un.echo.id) == id && ntohs(rep->un.echo.sequence) == seq) {
				replies++;
				break;
			}
		}
	}
	close(s);
	printf("peer: ping %s: %d replies to %d requests\n", inet_ntoa(to.sin_addr), replies, seq);
	return replies == PINGS_WANTED;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 13));
}

struct sender {
	int fd;
	size_t bytes;
};

static void *send_pattern(void *arg)
{
	struct sender *s = arg;
	uint8_t buf[CHUNK];
	for (size_t done = 0; done < s->bytes;) {
		size_t n = s->bytes - done < CHUNK ? s->bytes - done : CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(done + i);
		ssize_t w = send(s->fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/* The Lull VM boots alongside: retry the connection while it is refused. */
static int connect_retrying(struct sockaddr_in to)
{
	for (int tries = 0; tries < CONNECT_SECONDS * 4; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(250000);
	}
	return -1;
}

/* Sends BYTES (from a thread, so that neither side's buffers fill with
 * the other waiting) and checks what comes back. */
static bool echo_client(struct sockaddr_in to, size_t bytes)
{
	int fd = connect_retrying(to);
	if (fd < 0) {
		perror("peer: connect");
		return false;
	}
	struct sender s = { fd, bytes };
	pthread_t t;
	pthread_create(&t, NULL, send_pattern, &s);
	uint8_t buf[CHUNK];
	size_t got = 0, wrong = 0;
	ssize_t n;
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			wrong += buf[i] != pattern(got + (size_t)i);
		got += (size_t)n;
	}
	pthread_join(t, NULL);
	close(fd);
	printf("peer: echo from %s: %zu of %zu bytes back, %zu wrong\n", inet_ntoa(to.sin_addr), got,
	       bytes, wrong);
	return got == bytes && !wrong;
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 || listen(fd, 4) != 0) {
		perror("peer: listen");
		exit(1);
	}
	return fd;
}

struct server {
	int listen_fd;
	unsigned served; /* connections echoed to their end */
};

/* Echoes one accepted connection back to its end; true if it got there. */
static bool echo_connection(int fd)
{
	uint8_t buf[CHUNK];
	size_t echoed = 0;
	ssize_t n;
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
			if (w <= 0)
				return false;
			off += w;
		}
		echoed += (size_t)n;
	}
	printf("peer: echoed %zu bytes for a client\n", echoed);
	return n == 0;
}

/* The close lingers until the client has acknowledged the whole echo:
 * init powers the guest off once this program exits, which would lose
 * the segments still waiting for their ACK (or a retransmission). */
static void *serve(void *arg)
{
	struct server *srv = arg;
	struct linger linger = { .l_onoff = 1, .l_linger = 30 };
	for (unsigned i = 0; i < SERVED_CONNECTIONS; i++) {
		int fd = accept(srv->listen_fd, NULL, NULL);
		if (fd < 0)
			break;
		srv->served += echo_connection(fd);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: peer LULL_ADDR LULL_PORT OWN_PORT BYTES\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct server srv = { .listen_fd = listen_on(atoi(argv[3])) };
	pthread_t t;
	pthread_create(&t, NULL, serve, &srv);
	printf("peer: serving on %s\n", argv[3]);
	bool pinged = ping(lull_addr(argv[1], 0));
	bool echoed = echo_client(lull_addr(argv[1], atoi(argv[2])), strtoul(argv[4], NULL, 10));
	pthread_join(t, NULL);
	return pinged && echoed && srv.served == SERVED_CONNECTIONS ? 0 : 1;
}
