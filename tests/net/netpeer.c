/*
 * netpeer: the Lull IPv4 stack (kernel/inet, built for the host) on a TAP
 * device, acting as a server or a client so that Linux's own TCP/IP, in a
 * network namespace, is its peer. tests/net/run.sh drives it.
 *
 *   netpeer [OPTIONS] serve-echo PORT        TCP and UDP echo
 *   netpeer [OPTIONS] serve-bytes PORT SIZE  HTTP/1.0: SIZE pattern bytes per request
 *   netpeer [OPTIONS] echo-client ADDR PORT CONNECTIONS BYTES
 *   netpeer print-pattern SEED SIZE          the pattern, to stdout
 *
 * With --dhcp the stack first gets its address from a DHCP server on the
 * link (kernel/inet/dhcp.c) and prints it.
 */
#include "host_platform.h"
#include "tap_netdev.h"

#include "inet/dhcp.h"
#include "lib/errno.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQUEST_MAX 4096

/* A connection of this program: the owner of a stack socket. */
struct file {
	struct inet_socket *sock;
	unsigned index;
	uint64_t sent, received, total; /* pattern bytes; total 0 for echo */
	unsigned char buf[16384];
	size_t buf_len, buf_off;
	bool request_done, closed, verified;
};

enum mode { SERVE_ECHO, SERVE_BYTES, SERVE_PIPELINE, ECHO_CLIENT };

static struct {
	enum mode mode;
	struct tap_netdev tap;
	uint32_t peer_addr;
	uint16_t port;
	uint64_t bytes;
	unsigned connections, exit_after, served, failed;
	struct inet_socket *listener, *udp;
	struct file **conns;
	unsigned conn_count, conn_cap;
	bool verbose;
} g;

/* Byte `offset` of the pattern stream `seed`: cheap, and different for
 * every connection so that crossed streams are caught. */
static unsigned char pattern_byte(uint64_t seed, uint64_t offset)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ (offset >> 3) * 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return (unsigned char)(x >> ((offset & 7) * 8));
}

static void fill_pattern(uint64_t seed, uint64_t offset, unsigned char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = pattern_byte(seed, offset + i);
}

static void die(const char *msg)
{
	fprintf(stderr, "netpeer: %s\n", msg);
	exit(2);
}

static struct file *conn_add(struct inet_socket *s, unsigned index)
{
	struct file *c = calloc(1, sizeof *c);
	if (!c)
		die("out of memory");
	if (g.conn_count == g.conn_cap) {
		g.conn_cap = g.conn_cap ? 2 * g.conn_cap : 64;
		g.conns = realloc(g.conns, g.conn_cap * sizeof *g.conns);
		if (!g.conns)
			die("out of memory");
	}
	c->sock = s;
	c->index = index;
	s->file = c;
	g.conns[g.conn_count++] = c;
	return c;
}

static void conn_close(struct file *c, bool ok)
{
	if (c->closed)
		return;
	c->closed = true;
	if (ok)
		g.served++;
	else
		g.failed++;
	if (g.verbose || !ok)
		fprintf(stderr, "netpeer: connection %u %s (%llu sent, %llu received)\n", c->index,
			ok ? "done" : "FAILED", (unsigned long long)c->sent,
			(unsigned long long)c->received);
	tcp_close(c->sock);
	c->sock = NULL;
}

/* Echo: what arrives goes back; the peer's FIN, once all is echoed, ends it. */
static void step_echo(struct file *c)
{
	for (;;) {
		if (c->buf_off < c->buf_len) {
			long n = socket_send(c->sock, c->buf + c->buf_off, c->buf_len - c->buf_off,
					     false, 0, 0);
			if (n == -EAGAIN)
				return;
			if (n < 0)
				return conn_close(c, false);
			c->buf_off += (size_t)n;
			c->sent += (uint64_t)n;
			continue;
		}
		long n = tcp_recv(c->sock, c->buf, sizeof c->buf, false);
		if (n == -EAGAIN)
			return;
		if (n <= 0)
			return conn_close(c, n == 0);
		c->buf_len = (size_t)n;
		c->buf_off = 0;
		c->received += (uint64_t)n;
	}
}

/* HTTP/1.0: read the request head, send a header and SIZE pattern bytes,
 * close. */
static void step_bytes(struct file *c)
{
	while (!c->request_done) {
		if (c->buf_len == REQUEST_MAX)
			return conn_close(c, false);
		long n = tcp_recv(c->sock, c->buf + c->buf_len, REQUEST_MAX - c->buf_len, false);
		if (n == -EAGAIN)
			return;
		if (n <= 0)
			return conn_close(c, false);
		c->buf_len += (size_t)n;
		c->received += (uint64_t)n;
		if (memmem(c->buf, c->buf_len, "\r\n\r\n", 4)) {
			c->request_done = true;
			c->buf_len = (size_t)snprintf((char *)c->buf, sizeof c->buf,
						      "HTTP/1.0 200 OK\r\nContent-Length: %llu\r\n"
						      "Content-Type: application/octet-stream\r\n\r\n",
						      (unsigned long long)g.bytes);
			c->buf_off = 0;
			c->total = g.bytes;
		}
	}
	while (c->buf_off < c->buf_len || c->sent < c->total) {
		if (c->buf_off == c->buf_len) {
			size_t n = sizeof c->buf;
			if (c->total - c->sent < n)
				n = (size_t)(c->total - c->sent);
			fill_pattern(0, c->sent, c->buf, n);
			c->sent += n;
			c->buf_len = n;
			c->buf_off = 0;
		}
		long n = socket_send(c->sock, c->buf + c->buf_off, c->buf_len - c->buf_off, false, 0,
				     0);
		if (n == -EAGAIN)
			return;
		if (n < 0)
			return conn_close(c, false);
		c->buf_off += (size_t)n;
	}
	conn_close(c, true);
}

/* Replies "+OK\r\n" to each line, in the manner of Redis: it goes on reading
 * while its replies cannot leave (they are owed, counted in c->total, not
 * held), and ends when the client, which has read them all, closes. */
static void step_pipeline(struct file *c)
{
	static const char reply[] = "+OK\r\n";
	const size_t reply_len = sizeof reply - 1;
	unsigned char out[16380];

	for (;;) {
		long n = tcp_recv(c->sock, c->buf, sizeof c->buf, false);
		if (n == -EAGAIN)
			break;
		if (n <= 0)
			return conn_close(c, n == 0 && c->sent == c->total);
		c->received += (uint64_t)n;
		for (long i = 0; i < n; i++)
			c->total += c->buf[i] == '\n' ? reply_len : 0;
	}
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = (unsigned char)reply[i % reply_len];
	while (c->sent < c->total) {
		size_t phase = (size_t)(c->sent % reply_len), n = sizeof out - phase;
		if (n > c->total - c->sent)
			n = (size_t)(c->total - c->sent);
		long w = socket_send(c->sock, out + phase, n, false, 0, 0);
		if (w == -EAGAIN)
			return;
		if (w < 0)
			return conn_close(c, false);
		c->sent += (uint64_t)w;
	}
}

/* Client: send BYTES of this connection's pattern, check what comes back. */
static void step_client(struct file *c)
{
	unsigned char chunk[16384], want[16384];

	if (c->sock->tcp.state == TCP_SYN_SENT)
		return;
	while (c->sent < c->total) {
		size_t n = sizeof chunk;
		if (c->total - c->sent < n)
			n = (size_t)(c->total - c->sent);
		fill_pattern(c->index, c->sent, chunk, n);
		long w = socket_send(c->sock, chunk, n, false, 0, 0);
		if (w == -EAGAIN)
			break;
		if (w < 0)
			return conn_close(c, false);
		c->sent += (uint64_t)w;
		if (c->sent == c->total)
			tcp_shutdown_write(c->sock);
	}
	for (;;) {
		long n = tcp_recv(c->sock, chunk, sizeof chunk, false);
		if (n == -EAGAIN)
			return;
		if (n < 0 || (n == 0 && c->received != c->total))
			return conn_close(c, false);
		if (n == 0)
			return conn_close(c, c->verified = true);
		fill_pattern(c->index, c->received, want, (size_t)n);
		if (c->received + (uint64_t)n > c->total || memcmp(chunk, want, (size_t)n)) {
			fprintf(stderr, "netpeer: connection %u: wrong bytes at offset %llu\n", c->index,
				(unsigned long long)c->received);
			return conn_close(c, false);
		}
		c->received += (uint64_t)n;
	}
}

static void accept_all(void)
{
	struct inet_socket *s;

	while ((s = tcp_accept(g.listener)))
		conn_add(s, g.conn_count);
}

static void echo_datagrams(void)
{
	unsigned char buf[2048];
	uint32_t addr;
	uint16_t port;
	long n;

	while ((n = socket_recv(g.udp, buf, sizeof buf, false, &addr, &port)) >= 0)
		socket_send(g.udp, buf, (size_t)n, true, addr, port);
}

/* One pass over every connection; false once the program's work is done. */
static bool step_all(void)
{
	if (g.listener)
		accept_all();
	if (g.udp)
		echo_datagrams();
	unsigned open = 0;
	for (unsigned i = 0; i < g.conn_count; i++) {
		struct file *c = g.conns[i];
		if (c->closed)
			continue;
		if (g.mode == SERVE_ECHO)
			step_echo(c);
		else if (g.mode == SERVE_BYTES)
			step_bytes(c);
		else if (g.mode == SERVE_PIPELINE)
			step_pipeline(c);
		else
			step_client(c);
		open += !c->closed;
	}
	if (g.mode == ECHO_CLIENT)
		return open > 0;
	return !g.exit_after || g.served + g.failed < g.exit_after;
}

static void start(void)
{
	if (g.mode == ECHO_CLIENT) {
		for (unsigned i = 0; i < g.connections; i++) {
			struct inet_socket *s = socket_alloc(INET_SOCK_STREAM);
			if (!s)
				die("out of memory");
			long r = socket_connect_start(s, g.peer_addr, g.port);
			if (r)
				die("cannot start a connection");
			struct file *c = conn_add(s, i);
			c->total = g.bytes;
		}
		return;
	}
	g.listener = socket_alloc(INET_SOCK_STREAM);
	if (!g.listener || socket_bind(g.listener, 0, g.port) || socket_listen(g.listener, 1024))
		die("cannot listen");
	static struct file listener_owner;
	g.listener->file = &listener_owner;
	if (g.mode == SERVE_ECHO) {
		g.udp = socket_alloc(INET_SOCK_DGRAM);
		if (!g.udp || socket_bind(g.udp, 0, g.port))
			die("cannot bind the UDP port");
	}
}

/* Sleeps on the TAP fd until a frame, a timer or a held frame is due. */
static void wait_for_work(void)
{
	uint64_t now = host_now_ns(), wake = now + 100000000u;
	uint64_t timer = host_timer_deadline(), held = tap_release(&g.tap, now);

	if (timer && timer < wake)
		wake = timer;
	if (held && held < wake)
		wake = held;
	int timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
	struct pollfd p = { .fd = g.tap.fd, .events = POLLIN };
	poll(&p, 1, timeout_ms);
}

/* Waits for one frame, timer or held frame, and lets the stack handle it. */
static void pump(void)
{
	wait_for_work();
	tap_receive(&g.tap);
	tap_release(&g.tap, host_now_ns());
	host_run_timers();
}

static void print_ipv4(const char *label, uint32_t a)
{
	printf("%s%u.%u.%u.%u", label, a >> 24, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff);
}

/* DISCOVER to ACK, as the kernel does at start-up without lull.ip=. */
static void acquire_address(uint64_t give_up)
{
	dhcp_start();
	while (dhcp_state() != DHCP_BOUND) {
		if (host_now_ns() > give_up)
			die("no DHCP lease");
		pump();
	}
	const struct dhcp_lease *l = dhcp_lease();
	print_ipv4("netpeer: dhcp ", l->addr);
	printf("/%d", __builtin_popcount(l->mask));
	print_ipv4(" gateway ", l->router);
	print_ipv4(" server ", l->server);
	printf(" lease %u s\n", l->lease_s);
}

/* Connections whose FIN or data still wait for the peer's ACK. */
static unsigned unacked_connections(void)
{
	unsigned n = 0;

	for (struct list_node *l = tcp_sockets.next; l != &tcp_sockets; l = l->next) {
		const struct tcp_control *t = &container_of(l, struct inet_socket, link)->tcp;
		n += t->state != TCP_LISTEN && t->state != TCP_TIME_WAIT && t->state != TCP_CLOSED;
	}
	return n;
}

static void print_stats(void)
{
	const struct netdev_stats *d = &g.tap.dev.stats;
	const struct inet_stats *n = &inet_stats;

	fprintf(stderr,
		"netpeer: %u done, %u failed; frames in %llu out %llu; impaired: lost %llu+%llu "
		"duplicated %llu+%llu reordered %llu+%llu; drops: malformed %llu checksum %llu "
		"queue-full %llu no-memory %llu old-timestamp %llu; tcp retransmits %llu (%llu bytes) resets %llu\n",
		g.served, g.failed, (unsigned long long)d->rx_packets,
		(unsigned long long)d->tx_packets, (unsigned long long)g.tap.to_stack.lost,
		(unsigned long long)g.tap.to_linux.lost, (unsigned long long)g.tap.to_stack.duplicated,
		(unsigned long long)g.tap.to_linux.duplicated,
		(unsigned long long)g.tap.to_stack.reordered,
		(unsigned long long)g.tap.to_linux.reordered, (unsigned long long)n->drop_malformed,
		(unsigned long long)n->drop_checksum, (unsigned long long)n->drop_queue_full,
		(unsigned long long)n->drop_no_memory, (unsigned long long)n->drop_old_timestamp,
		(unsigned long long)n->tcp_retransmits, (unsigned long long)n->tcp_retransmitted_bytes,
		(unsigned long long)n->tcp_resets_sent);
}

/* On a timeout: where each open connection is stuck. */
/* Milliseconds from now to a deadline; -1 if it is not armed. */
static long long ms_until(uint64_t deadline, uint64_t now)
{
	return deadline ? (long long)(deadline - now) / 1000000 : -1;
}

static void print_open_connections(void)
{
	uint64_t now = host_now_ns();

	for (unsigned i = 0; i < g.conn_count; i++) {
		const struct file *c = g.conns[i];
		if (c->closed)
			continue;
		const struct inet_socket *s = c->sock;
		const struct tcp_control *t = &s->tcp;
		fprintf(stderr,
			"netpeer: open %u: state %d sent %llu received %llu; una %u nxt %u wnd %u "
			"rcv_nxt %u cwnd %u ssthresh %u rto %llu ms retries %u rto-in %lld ms "
			"persist-in %lld ms; sndbuf %zu rcvbuf %zu\n",
			c->index, t->state, (unsigned long long)c->sent,
			(unsigned long long)c->received, t->snd_una - t->iss, t->snd_nxt - t->iss,
			t->snd_wnd, t->rcv_nxt - t->irs, t->cwnd, t->ssthresh,
			(unsigned long long)(t->rto_ns / 1000000), t->retries,
			ms_until(t->deadline[TCP_TIMER_RETRANSMIT], now),
			ms_until(t->deadline[TCP_TIMER_PERSIST], now),
			s->sndbuf.len, s->rcvbuf.len);
	}
}

static void usage(FILE *out, int status)
{
	fprintf(out,
		"usage: netpeer [OPTIONS] serve-echo PORT\n"
		"       netpeer [OPTIONS] serve-bytes PORT SIZE\n"
		"       netpeer [OPTIONS] serve-pipeline PORT   (\"+OK\\r\\n\" per line)\n"
		"       netpeer [OPTIONS] echo-client ADDR PORT CONNECTIONS BYTES\n"
		"       netpeer print-pattern SEED SIZE\n"
		"The Lull IPv4 stack on a TAP device, with Linux as its peer.\n"
		"  --tap IF          TAP interface to create or attach to (default lull0)\n"
		"  --ip A --mask M --gw G   the stack's address (default 10.9.1.2/24 via 10.9.1.1)\n"
		"  --dhcp            get the address from DHCP instead\n"
		"  --loss P --reorder P --duplicate P   impair both directions, in percent\n"
		"  --exit-after N    servers: exit after N connections\n"
		"  --timeout S       give up (exit 1) after S seconds (default 300)\n"
		"  -v                report every connection\n");
	exit(status);
}

static unsigned long long number(const char *text, const char *what)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (!*text || *end) {
		fprintf(stderr, "netpeer: %s must be a number, not '%s'\n", what, text);
		exit(2);
	}
	return v;
}

static void print_pattern(uint64_t seed, uint64_t size)
{
	unsigned char buf[65536];

	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		fill_pattern(seed, off, buf, n);
		if (fwrite(buf, 1, n, stdout) != n)
			exit(1);
		off += n;
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "tap", required_argument, 0, 't' },	    { "ip", required_argument, 0, 'i' },
		{ "mask", required_argument, 0, 'm' },	    { "gw", required_argument, 0, 'g' },
		{ "loss", required_argument, 0, 'l' },	    { "reorder", required_argument, 0, 'r' },
		{ "duplicate", required_argument, 0, 'd' }, { "exit-after", required_argument, 0, 'x' },
		{ "timeout", required_argument, 0, 'T' },   { "help", no_argument, 0, 'h' },
		{ "dhcp", no_argument, 0, 'D' },
		{ 0, 0, 0, 0 },
	};
	const char *tap = "lull0";
	uint32_t addr = 0x0a090102, mask = 0xffffff00, gw = 0x0a090101;
	struct impairment imp = { 0, 0, 0 };
	unsigned long long timeout_s = 300;
	bool dhcp = false, static_addr = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		switch (opt) {
		case 't': tap = optarg; break;
		case 'i': if (!host_parse_ipv4(optarg, &addr)) die("bad --ip"); static_addr = true; break;
		case 'm': if (!host_parse_ipv4(optarg, &mask)) die("bad --mask"); break;
		case 'g': if (!host_parse_ipv4(optarg, &gw)) die("bad --gw"); break;
		case 'l': imp.loss_pct = (unsigned)number(optarg, "--loss"); break;
		case 'r': imp.reorder_pct = (unsigned)number(optarg, "--reorder"); break;
		case 'd': imp.duplicate_pct = (unsigned)number(optarg, "--duplicate"); break;
		case 'x': g.exit_after = (unsigned)number(optarg, "--exit-after"); break;
		case 'T': timeout_s = number(optarg, "--timeout"); break;
		case 'D': dhcp = true; break;
		case 'v': g.verbose = true; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	char **args = argv + optind;
	int nargs = argc - optind;
	if (nargs == 3 && !strcmp(args[0], "print-pattern")) {
		print_pattern(number(args[1], "SEED"), number(args[2], "SIZE"));
		return 0;
	}
	if (nargs == 2 && !strcmp(args[0], "serve-echo")) {
		g.mode = SERVE_ECHO;
	} else if (nargs == 2 && !strcmp(args[0], "serve-pipeline")) {
		g.mode = SERVE_PIPELINE;
	} else if (nargs == 3 && !strcmp(args[0], "serve-bytes")) {
		g.mode = SERVE_BYTES;
		g.bytes = number(args[2], "SIZE");
	} else if (nargs == 5 && !strcmp(args[0], "echo-client")) {
		g.mode = ECHO_CLIENT;
		if (!host_parse_ipv4(args[1], &g.peer_addr))
			die("bad ADDR");
		g.connections = (unsigned)number(args[3], "CONNECTIONS");
		g.bytes = number(args[4], "BYTES");
	} else {
		usage(stderr, 2);
	}
	g.port = (uint16_t)number(args[g.mode == ECHO_CLIENT ? 2 : 1], "PORT");
	if (imp.loss_pct > 100 || imp.reorder_pct > 100 || imp.duplicate_pct > 100)
		die("impairments are percentages (0-100)");
	if (dhcp && static_addr)
		die("--dhcp and --ip exclude each other");

	int r = tap_open(&g.tap, tap, imp);
	if (r < 0) {
		fprintf(stderr, "netpeer: cannot open TAP device %s: %s (root needed)\n", tap,
			strerror(-r));
		return 2;
	}
	uint64_t give_up = host_now_ns() + timeout_s * 1000000000u;
	if (dhcp) {
		host_stack_attach(&g.tap.dev, 0, 0, 0);
		acquire_address(give_up);
	} else {
		host_stack_attach(&g.tap.dev, addr, mask, gw);
	}
	start();
	printf("netpeer: ready\n");
	fflush(stdout);

	while (step_all()) {
		if (host_now_ns() > give_up) {
			fprintf(stderr, "netpeer: timed out after %llu s\n", timeout_s);
			print_open_connections();
			print_stats();
			return 1;
		}
		pump();
	}
	/* Stay until every connection's last data and FIN are acknowledged
	 * (they may need retransmitting on an impaired link), for at most 20 s,
	 * then a little longer so the last ACKs get out. */
	for (uint64_t until = host_now_ns() + 20000000000u; unacked_connections() &&
	     host_now_ns() < until;)
		pump();
	for (uint64_t until = host_now_ns() + 300000000u; host_now_ns() < until;)
		pump();
	print_stats();
	return g.failed ? 1 : 0;
}
