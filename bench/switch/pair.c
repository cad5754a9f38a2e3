/*
 * pair.c: the guest program of `make bench-switch` (bench/switch.sh), one
 * half of a pair of VMs exchanging traffic through the network back end
 * under test.
 *
 *   pair server BARRIER_CLIENTS
 *   pair client SERVER_IP BARRIER_IP RR_SECONDS BULK_SECONDS MESSAGE_BYTES
 *
 * The server echoes on port 7000 (request/response), discards on 7001
 * (bulk) and, with BARRIER_CLIENTS > 0, is the barrier on 7100: it answers
 * each round of BARRIER_CLIENTS connections once all have arrived, so that
 * every pair's client starts each phase within a round trip of the others
 * (they boot seconds apart under TCG, and a pair alone on the host would
 * run faster than with its neighbours).
 *
 * The client, after each barrier: "rr begin", round trips of MESSAGE_BYTES
 * for RR_SECONDS (one outstanding, as netperf's TCP_RR), "rr end", then
 * "rr COUNT requests in NS ns hist BUCKET:COUNT ..." (latency histogram,
 * 8 buckets per power of two of nanoseconds, for the host to merge across
 * pairs); "bulk begin", a stream to the discard port for BULK_SECONDS,
 * then until the server has read it all and closed, "bulk end", then
 * "bulk BYTES bytes in NS ns"; it exits 2 s later. The host stamps the begin/end lines with
 * its clock and the CPU time of every process of the back end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ECHO_PORT 7000
#define DISCARD_PORT 7001
#define BARRIER_PORT 7100
#define MAX_BARRIER 64
#define BUCKETS (64 * 8)
#define BULK_CHUNK 65536

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int listen_on(int port)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, 128)) {
		perror("pair: cannot listen");
		exit(1);
	}
	return fd;
}

/* Connects to IP:PORT, retrying for a while: the peer's ARP answer or
 * listener may not be there yet. */
static int connect_to(const char *ip, int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;

	if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) {
		fprintf(stderr, "pair: %s: not an IPv4 address\n", ip);
		exit(2);
	}
	for (int attempt = 0; attempt < 300; attempt++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			return fd;
		}
		close(fd);
		usleep(100000);
	}
	fprintf(stderr, "pair: cannot connect to %s:%d\n", ip, port);
	exit(1);
}

/* Reads or writes all of buf: 0, or -1 when the connection ends first. */
static int transfer_all(int fd, char *buf, size_t len, int writing)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = writing ? write(fd, buf + off, len - off) : read(fd, buf + off, len - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* The echo and discard services: one thread per connection, which reads
 * until EOF and sends back what it read (echo) or nothing (discard). */
static void pump(int fd, int echo)
{
	char *buf = malloc(BULK_CHUNK);
	ssize_t n;

	while (buf && (n = read(fd, buf, BULK_CHUNK)) > 0)
		if (echo && transfer_all(fd, buf, (size_t)n, 1))
			break;
	free(buf);
	close(fd);
}

static void *serve_echo(void *fd)
{
	pump((int)(intptr_t)fd, 1);
	return NULL;
}

static void *serve_discard(void *fd)
{
	pump((int)(intptr_t)fd, 0);
	return NULL;
}

static void *accept_loop(void *port)
{
	int listener = listen_on((int)(intptr_t)port);
	void *(*serve)(void *) = (intptr_t)port == ECHO_PORT ? serve_echo : serve_discard;

	for (;;) {
		int fd = accept(listener, NULL, NULL), one = 1;
		pthread_t thread;
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)fd))
			close(fd);
		else
			pthread_detach(thread);
	}
	return NULL;
}

/* Rounds of `clients` connections, each answered with one byte once the
 * last has arrived. */
static void barrier_loop(int clients)
{
	int listener = listen_on(BARRIER_PORT), waiting[MAX_BARRIER];
	char go = 'g';

	for (;;) {
		for (int i = 0; i < clients; i++)
			while ((waiting[i] = accept(listener, NULL, NULL)) < 0)
				;
		for (int i = 0; i < clients; i++) {
			if (transfer_all(waiting[i], &go, 1, 1))
				fprintf(stderr, "pair: barrier client %d went away\n", i);
			close(waiting[i]);
		}
	}
}

static int run_server(int barrier_clients)
{
	pthread_t echo, discard;

	if (barrier_clients > MAX_BARRIER) {
		fprintf(stderr, "pair: at most %d barrier clients\n", MAX_BARRIER);
		return 2;
	}
	if (pthread_create(&echo, NULL, accept_loop, (void *)(intptr_t)ECHO_PORT) ||
	    pthread_create(&discard, NULL, accept_loop, (void *)(intptr_t)DISCARD_PORT)) {
		perror("pair: pthread_create");
		return 1;
	}
	printf("pair: serving\n");
	fflush(stdout);
	if (barrier_clients > 0)
		barrier_loop(barrier_clients);
	pthread_join(echo, NULL);
	return 0;
}

static void barrier(const char *ip)
{
	int fd = connect_to(ip, BARRIER_PORT);
	char go;

	if (transfer_all(fd, &go, 1, 0)) {
		fprintf(stderr, "pair: the barrier at %s closed\n", ip);
		exit(1);
	}
	close(fd);
}

/* 8 buckets per power of two: the bucket's lower bound is
 * (8 + sub) << (power - 3) ns. */
static unsigned bucket_of(uint64_t ns)
{
	if (ns < 8)
		return (unsigned)ns;
	unsigned power = 63 - (unsigned)__builtin_clzll(ns);
	return power * 8 + (unsigned)((ns >> (power - 3)) & 7);
}

static void request_response(int fd, unsigned seconds, size_t bytes)
{
	static uint64_t hist[BUCKETS];
	char *msg = calloc(1, bytes), *reply = malloc(bytes);
	uint64_t count = 0;

	if (!msg || !reply) {
		fprintf(stderr, "pair: out of memory\n");
		exit(1);
	}
	printf("rr begin\n");
	fflush(stdout);
	uint64_t start = now_ns(), end = start + seconds * 1000000000ull, t = start;
	while (t < end) {
		if (transfer_all(fd, msg, bytes, 1) || transfer_all(fd, reply, bytes, 0)) {
			fprintf(stderr, "pair: the echo connection broke\n");
			exit(1);
		}
		uint64_t done = now_ns();
		hist[bucket_of(done - t)]++;
		count++;
		t = done;
	}
	printf("rr end\n");
	printf("rr %llu requests in %llu ns hist", (unsigned long long)count,
	       (unsigned long long)(t - start));
	for (unsigned b = 0; b < BUCKETS; b++)
		if (hist[b])
			printf(" %u:%llu", b, (unsigned long long)hist[b]);
	printf("\n");
	fflush(stdout);
	close(fd);
	free(msg);
	free(reply);
}

static void bulk(int fd, unsigned seconds)
{
	static char chunk[BULK_CHUNK];
	uint64_t sent = 0;

	printf("bulk begin\n");
	fflush(stdout);
	uint64_t start = now_ns(), end = start + seconds * 1000000000ull;
	while (now_ns() < end) {
		if (transfer_all(fd, chunk, sizeof chunk, 1)) {
			fprintf(stderr, "pair: the stream broke\n");
			exit(1);
		}
		sent += sizeof chunk;
	}
	/* Done when the server has read everything: it closes on our EOF. */
	shutdown(fd, SHUT_WR);
	while (read(fd, chunk, sizeof chunk) > 0)
		;
	uint64_t took = now_ns() - start;
	printf("bulk end\n");
	printf("bulk %llu bytes in %llu ns\n", (unsigned long long)sent, (unsigned long long)took);
	fflush(stdout);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "server"))
		return run_server(atoi(argv[2]));
	if (argc == 7 && !strcmp(argv[1], "client")) {
		unsigned rr_seconds = (unsigned)atoi(argv[4]), bulk_seconds = (unsigned)atoi(argv[5]);
		long bytes = atol(argv[6]);
		if (bytes < 1 || bytes > 65536) {
			fprintf(stderr, "pair: MESSAGE_BYTES %ld: expected 1 to 65536\n", bytes);
			return 2;
		}
		/* Connected before each barrier, so that the phases start
		 * together. */
		int echo = connect_to(argv[2], ECHO_PORT);
		barrier(argv[3]);
		if (rr_seconds)
			request_response(echo, rr_seconds, (size_t)bytes);
		int discard = connect_to(argv[2], DISCARD_PORT);
		barrier(argv[3]);
		if (bulk_seconds)
			bulk(discard, bulk_seconds);
		/* The host stamps the phase's end while every VM still runs
		 * (a VM's CPU time goes with its process). */
		sleep(2);
		return 0;
	}
	fprintf(stderr, "usage: pair server BARRIER_CLIENTS\n"
			"       pair client SERVER_IP BARRIER_IP RR_SECONDS BULK_SECONDS MESSAGE_BYTES\n");
	return 2;
}
