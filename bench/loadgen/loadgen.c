/*
 * loadgen.c: the HTTP/1.1 load generator of `make bench-http`.
 *
 * Open loop: request i of a burst is due at burst start + i/RATE whatever
 * happened to earlier requests, and its latency is counted from that due
 * time, not from when a connection was free to send it. A server that
 * stalls therefore shows its stall in every request that was due meanwhile
 * (no coordinated omission). With --rate 0 it is closed loop instead: each
 * of --connections clients sends its next request when the last one
 * returns, which measures the highest rate the server sustains.
 *
 * Load comes in --cycles bursts of --on seconds, each followed by --off
 * seconds of silence. Each request uses a new connection (default) or one
 * of a pool of keep-alive connections (--keep-alive). The run is bounded:
 * cycles * (on + off) seconds, plus at most --timeout for the last answers.
 * Only loopback addresses are accepted as targets.
 *
 * stdout gets one line of key=value pairs; stderr a summary for people.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEADER_MAX 16384
#define READ_CHUNK 65536
#define PROBE_INTERVAL 0.01 /* seconds between --wait-ready probes */

static const char usage[] =
	"usage: loadgen [OPTIONS] HOST:PORT\n"
	"\n"
	"Sends HTTP/1.1 GET requests to a server on this machine (a loopback or\n"
	"private address, such as a VM on a tap device) on a fixed schedule and\n"
	"reports the achieved rate, errors and latency.\n"
	"\n"
	"  -r, --rate R          requests per second during a burst (open loop);\n"
	"                        0: closed loop, each connection sends its next\n"
	"                        request when the previous answer is in (default 100)\n"
	"      --on S            seconds of load per burst (default 5)\n"
	"      --off S           seconds of silence after each burst (default 0)\n"
	"      --cycles N        number of bursts (default 1); 0 with --wait-ready\n"
	"                        only waits\n"
	"  -c, --connections N   at most N connections open at once (default 256;\n"
	"                        the number of clients with --rate 0)\n"
	"  -k, --keep-alive      reuse connections (default: one per request)\n"
	"  -t, --timeout S       a request not answered S seconds after it was due\n"
	"                        fails (default 2)\n"
	"      --path PATH       the path to request (default /)\n"
	"      --wait-ready S    first send a request every 10 ms (overlapping, each\n"
	"                        allowed --timeout) until one is answered 200, for\n"
	"                        at most S seconds; prints ready_ms\n"
	"  -h, --help            this text\n"
	"\n"
	"Output: one line of key=value pairs on stdout (ready_ms, scheduled, ok,\n"
	"achieved_rps, err_*, p50_ms, p99_ms, p999_ms, max_ms, bursts=START:END,...\n"
	"in seconds since the epoch), and a summary on stderr. A request that fails\n"
	"counts as infinitely slow in the percentiles (printed as inf).\n"
	"Errors: connect (refused or failed), reset (closed before a whole answer),\n"
	"timeout, status (an answer other than 200), proto (an unreadable answer).\n"
	"\n"
	"Exit status: 0 when the run completed (whatever the errors), 1 when\n"
	"--wait-ready gave up or the run could not start, 2 for a usage error.\n"
	"\n"
	"example: loadgen --rate 1000 --on 5 --off 5 --cycles 3 127.0.0.1:8080\n";

enum err { ERR_CONNECT, ERR_RESET, ERR_TIMEOUT, ERR_STATUS, ERR_PROTO, ERR_COUNT };
static const char *const err_names[ERR_COUNT] = { "connect", "reset", "timeout", "status", "proto" };

struct options {
	double rate, on, off, timeout, wait_ready;
	long cycles, connections;
	bool keep_alive;
	const char *path;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char target[300];
};

/* A response being read: headers up to HEADER_MAX, then the body, counted
 * but not kept. */
struct response {
	char head[HEADER_MAX];
	size_t head_len;
	bool head_done;
	int status;
	long long body_left; /* -1: the body runs until the server closes */
	bool server_closes;
};

enum feed_result { FEED_MORE, FEED_DONE, FEED_BAD };

enum conn_state { CONN_FREE, CONN_CONNECTING, CONN_SENDING, CONN_READING, CONN_IDLE };

struct conn {
	int fd;
	enum conn_state state;
	double due; /* the current request's due time */
	size_t sent;
	struct response resp;
	struct conn *prev, *next; /* in the in-flight list (in due order) or the idle list */
	struct conn *next_free;
};

static struct options opt;
static char request[1024];
static size_t request_len;

static struct conn *free_stack;
static struct conn inflight = { .prev = &inflight, .next = &inflight };
static struct conn idle = { .prev = &idle, .next = &idle }; /* kept-alive, between requests */
static int epfd;
static double load_start; /* monotonic time of the first burst */

static double *lat; /* ms per finished request, INFINITY for a failure */
static size_t lat_len, lat_cap;
static long errors[ERR_COUNT];
static long ok_count;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "loadgen: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "loadgen: ");
	fprintf(stderr, fmt, arg);
	fputs(" (see loadgen --help)\n", stderr);
	exit(2);
}

static void record(double latency_ms)
{
	if (lat_len == lat_cap) {
		lat_cap = lat_cap ? 2 * lat_cap : 4096;
		lat = realloc(lat, lat_cap * sizeof *lat);
		if (!lat)
			die("out of memory for %s", "latencies");
	}
	lat[lat_len++] = latency_ms;
}

static void fail(enum err e)
{
	errors[e]++;
	record(INFINITY);
}

/* ---- parsing answers ---- */

static void response_reset(struct response *r)
{
	r->head_len = 0;
	r->head_done = false;
	r->status = 0;
	r->body_left = -1;
	r->server_closes = false;
}

static bool header_is(const char *line, size_t len, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return false;
	*value = line + n + 1;
	while (**value == ' ' || **value == '\t')
		(*value)++;
	return true;
}

/* Parses the status line and the headers this client cares about. */
static bool parse_head(struct response *r)
{
	char *p = r->head, *end = r->head + r->head_len;
	int major, minor, status;
	char sp;

	if (sscanf(p, "HTTP/%d.%d %3d%c", &major, &minor, &status, &sp) != 4 || major != 1 || sp != ' ')
		return false;
	r->status = status;
	r->server_closes = minor == 0;
	for (p = strstr(p, "\r\n") + 2; p < end - 2; p = strstr(p, "\r\n") + 2) {
		size_t len = (size_t)(strstr(p, "\r\n") - p);
		const char *v;
		if (header_is(p, len, "Content-Length", &v)) {
			char *num_end;
			errno = 0;
			long long n = strtoll(v, &num_end, 10);
			if (errno || num_end == v || n < 0)
				return false;
			r->body_left = n;
		} else if (header_is(p, len, "Transfer-Encoding", &v)) {
			return false; /* the benchmark's server never chunks */
		} else if (header_is(p, len, "Connection", &v)) {
			r->server_closes = !strncasecmp(v, "close", 5);
		}
	}
	/* No body for 1xx, 204 and 304 whatever the headers say. */
	if ((status >= 100 && status < 200) || status == 204 || status == 304)
		r->body_left = 0;
	return true;
}

static enum feed_result feed(struct response *r, const char *data, size_t n)
{
	if (!r->head_done) {
		size_t room = sizeof r->head - 1 - r->head_len;
		size_t take = n < room ? n : room;
		memcpy(r->head + r->head_len, data, take);
		size_t old_len = r->head_len;
		r->head_len += take;
		r->head[r->head_len] = '\0';
		/* The end of the head may straddle two reads: search a little before. */
		char *from = r->head + (old_len > 3 ? old_len - 3 : 0);
		char *blank = strstr(from, "\r\n\r\n");
		if (!blank)
			return r->head_len == sizeof r->head - 1 ? FEED_BAD : FEED_MORE;
		size_t head_end = (size_t)(blank + 4 - r->head);
		r->head_len = head_end;
		r->head[head_end] = '\0';
		r->head_done = true;
		if (!parse_head(r))
			return FEED_BAD;
		data += head_end - old_len; /* what follows the head is body */
		n -= head_end - old_len;
	}
	if (r->body_left < 0)
		return FEED_MORE;
	if ((long long)n > r->body_left)
		return FEED_BAD; /* more than announced: the client sent one request */
	r->body_left -= (long long)n;
	return r->body_left ? FEED_MORE : FEED_DONE;
}

/* What an end of stream means for a response in progress. */
static enum feed_result feed_eof(const struct response *r)
{
	return r->head_done && r->body_left < 0 ? FEED_DONE : FEED_BAD;
}

/* ---- connections ---- */

static void list_add_tail(struct conn *head, struct conn *c)
{
	c->prev = head->prev;
	c->next = head;
	head->prev->next = c;
	head->prev = c;
}

static void list_remove(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void conn_close(struct conn *c)
{
	if (c->prev)
		list_remove(c);
	close(c->fd);
	c->fd = -1;
	c->state = CONN_FREE;
	c->next_free = free_stack;
	free_stack = c;
}

/* Ends the current request of c, successfully or not. */
static void conn_finish(struct conn *c, int err)
{
	double t = now();
	if (err >= 0) {
		fail((enum err)err);
		conn_close(c);
		return;
	}
	if (c->resp.status == 200) {
		ok_count++;
		record((t - c->due) * 1e3);
	} else {
		fail(ERR_STATUS);
	}
	if (!opt.keep_alive || c->resp.server_closes) {
		conn_close(c);
		return;
	}
	list_remove(c);
	c->state = CONN_IDLE;
	list_add_tail(&idle, c);
}

/* Writes what is left of the request; moves on to reading once it is out. */
static void conn_send(struct conn *c)
{
	while (c->sent < request_len) {
		ssize_t n = send(c->fd, request + c->sent, request_len - c->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_finish(c, ERR_RESET);
			return;
		}
		c->sent += (size_t)n;
	}
	c->state = CONN_READING;
}

static void conn_read(struct conn *c)
{
	static char buf[READ_CHUNK];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, 0);
		enum feed_result r;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_finish(c, ERR_RESET);
			return;
		}
		r = n ? feed(&c->resp, buf, (size_t)n) : feed_eof(&c->resp);
		if (r == FEED_BAD) {
			conn_finish(c, c->resp.head_done || n ? ERR_PROTO : ERR_RESET);
			return;
		}
		if (r == FEED_DONE) {
			if (!n)
				c->resp.server_closes = true;
			conn_finish(c, -1);
			return;
		}
	}
}

static void start_on(struct conn *c, double due)
{
	c->due = due;
	c->sent = 0;
	response_reset(&c->resp);
	list_add_tail(&inflight, c);
}

/* Starts the request due at `due` (it may fail at once and be counted);
 * false when every connection is busy. */
static bool start_request(double due)
{
	struct conn *c = idle.next;
	if (c != &idle) {
		list_remove(c);
		start_on(c, due);
		c->state = CONN_SENDING;
		conn_send(c);
		return true;
	}
	if (!free_stack)
		return false;
	c = free_stack;
	int fd = socket(opt.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(ERR_CONNECT);
		return true;
	}
	free_stack = c->next_free;
	c->fd = fd;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c };
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	c->state = CONN_CONNECTING;
	start_on(c, due);
	if (connect(c->fd, (struct sockaddr *)&opt.addr, opt.addr_len) == 0) {
		c->state = CONN_SENDING;
		conn_send(c);
	} else if (errno != EINPROGRESS) {
		conn_finish(c, ERR_CONNECT);
	}
	return true;
}

static void on_event(struct conn *c, unsigned events)
{
	if (c->state == CONN_IDLE) {
		/* The server closed a kept-alive connection between requests: not
		 * an error, the pool opens another when it needs one. */
		conn_close(c);
		return;
	}
	if (c->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			conn_finish(c, ERR_CONNECT);
			return;
		}
		if (!(events & (EPOLLOUT | EPOLLIN)))
			return;
		c->state = CONN_SENDING;
	}
	if (c->state == CONN_SENDING)
		conn_send(c);
	if (c->state == CONN_READING)
		conn_read(c);
}

/* ---- the schedule ---- */

static void raise_fd_limit(long need)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)need) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < (rlim_t)need) {
		char text[64];
		snprintf(text, sizeof text, "%ld", need);
		die("--connections needs %s open files; raise `ulimit -n`", text);
	}
}

static int wait_ms(double until)
{
	double d = until - now();
	if (d <= 0)
		return 0;
	return (int)ceil(d * 1e3);
}

struct schedule {
	long cycle;     /* the burst in progress or next */
	long next;      /* index of its next request (open loop) */
	long per_burst; /* requests per burst (open loop) */
};

static double burst_start(long k)
{
	return load_start + (double)k * (opt.on + opt.off);
}

/* Starts every request that is due; returns the time something next falls due. */
static double dispatch(struct schedule *s, double t)
{
	while (s->cycle < opt.cycles) {
		double b0 = burst_start(s->cycle), b1 = b0 + opt.on;
		if (t < b0)
			return b0;
		if (opt.rate == 0) {
			if (t >= b1) {
				s->cycle++;
				continue;
			}
			/* Bounded: a request that fails at once frees its connection. */
			for (long i = 0; i < opt.connections && start_request(t); i++)
				;
			return b1;
		}
		if (s->next >= s->per_burst) {
			s->cycle++;
			s->next = 0;
			continue;
		}
		double due = b0 + (double)s->next / opt.rate;
		if (due > t)
			return due;
		if (due + opt.timeout <= t) {
			fail(ERR_TIMEOUT); /* it waited for a connection too long */
			s->next++;
			continue;
		}
		if (!start_request(due))
			return t + 1e-3; /* every connection is busy: look again soon */
		s->next++;
	}
	return INFINITY;
}

static void expire(double t)
{
	while (inflight.next != &inflight && inflight.next->due + opt.timeout <= t)
		conn_finish(inflight.next, ERR_TIMEOUT);
}

static void run_load(void)
{
	struct epoll_event events[256];
	struct schedule s = { .per_burst = opt.rate > 0 ? (long)floor(opt.on * opt.rate + 0.5) : 0 };
	double end = burst_start(opt.cycles);

	for (;;) {
		double t = now();
		expire(t);
		double next = dispatch(&s, t);
		bool busy = inflight.next != &inflight;
		if (t >= end && (!busy || t >= end + opt.timeout))
			break;
		double until = next < end ? next : end;
		if (busy && inflight.next->due + opt.timeout < until)
			until = inflight.next->due + opt.timeout;
		int n = epoll_wait(epfd, events, 256, wait_ms(until));
		for (int i = 0; i < n; i++)
			on_event(events[i].data.ptr, events[i].events);
	}
	/* Anything still in flight has run out of time with the run. */
	while (inflight.next != &inflight)
		conn_finish(inflight.next, ERR_TIMEOUT);
}

/* ---- waiting for the server ---- */

/* Sends a new request every PROBE_INTERVAL, each allowed --timeout, until
 * one is answered 200. Probes overlap rather than follow one another: one
 * sent before the guest was up waits for a SYN retransmission (QEMU's user
 * networking accepts on the host at once and retries towards the guest), so
 * a single probe at a time would measure its timeout rather than the guest. */
static bool wait_ready(double t0, double *ready_ms)
{
	struct epoll_event events[64];
	double next_probe = now();

	while (ok_count == 0) {
		double t = now();
		if (t - t0 >= opt.wait_ready)
			return false;
		expire(t);
		if (t >= next_probe) {
			start_request(t);
			next_probe = t + PROBE_INTERVAL;
		}
		int n = epoll_wait(epfd, events, 64, wait_ms(next_probe));
		for (int i = 0; i < n; i++)
			on_event(events[i].data.ptr, events[i].events);
	}
	*ready_ms = (now() - t0) * 1e3;
	while (inflight.next != &inflight)
		conn_close(inflight.next);
	while (idle.next != &idle)
		conn_close(idle.next);
	ok_count = 0;
	lat_len = 0;
	memset(errors, 0, sizeof errors);
	return true;
}

/* ---- options and report ---- */

static double parse_seconds(const char *name, const char *s, double lo, double hi)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		char text[160];
		snprintf(text, sizeof text, "%s %s: expected a number from %g to %g", name, s, lo, hi);
		usage_error("%s", text);
	}
	return v;
}

/* Loopback, or a private address (RFC 1918, RFC 4193) such as a VM's on a
 * tap device: never a server elsewhere on the Internet. */
static bool is_local_target(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET) {
		uint32_t v4 = ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr);
		return v4 >> 24 == 127 || v4 >> 24 == 10 || v4 >> 20 == 0xac1 || v4 >> 16 == 0xc0a8;
	}
	if (a->ss_family != AF_INET6)
		return false;
	const struct in6_addr *v6 = &((const struct sockaddr_in6 *)a)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(v6) || (v6->s6_addr[0] & 0xfe) == 0xfc;
}

/* HOST:PORT or [V6]:PORT; the host must resolve to a local address. */
static void parse_target(const char *arg)
{
	char host[256];
	const char *colon = strrchr(arg, ':'), *port;
	size_t hl;

	if (!colon || !colon[1])
		usage_error("%s: expected HOST:PORT", arg);
	port = colon + 1;
	hl = (size_t)(colon - arg);
	if (hl >= 2 && arg[0] == '[' && arg[hl - 1] == ']') {
		arg++;
		hl -= 2;
	}
	if (!hl || hl >= sizeof host)
		usage_error("%s: expected HOST:PORT", arg);
	memcpy(host, arg, hl);
	host[hl] = '\0';

	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		usage_error("%s", gai_strerror(rc));
	memcpy(&opt.addr, res->ai_addr, res->ai_addrlen);
	opt.addr_len = res->ai_addrlen;
	freeaddrinfo(res);
	if (!is_local_target(&opt.addr))
		usage_error("%s: only loopback and private targets (127.0.0.0/8, 10.0.0.0/8, "
			    "172.16.0.0/12, 192.168.0.0/16, ::1, fc00::/7) are allowed", host);
	snprintf(opt.target, sizeof opt.target, "%s:%s", host, port);
	snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lull-loadgen\r\n%s\r\n",
		 opt.path, opt.target, opt.keep_alive ? "" : "Connection: close\r\n");
	request_len = strlen(request);
}

static void parse_options(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "rate", required_argument, NULL, 'r' },	 { "on", required_argument, NULL, 'O' },
		{ "off", required_argument, NULL, 'F' },	 { "cycles", required_argument, NULL, 'C' },
		{ "connections", required_argument, NULL, 'c' }, { "keep-alive", no_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },	 { "path", required_argument, NULL, 'P' },
		{ "wait-ready", required_argument, NULL, 'W' },	 { "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int ch;

	opt = (struct options){ .rate = 100, .on = 5, .off = 0, .timeout = 2, .cycles = 1,
				.connections = 256, .path = "/" };
	while ((ch = getopt_long(argc, argv, "r:c:kt:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'r': opt.rate = parse_seconds("--rate", optarg, 0, 1e6); break;
		case 'O': opt.on = parse_seconds("--on", optarg, 0.001, 3600); break;
		case 'F': opt.off = parse_seconds("--off", optarg, 0, 3600); break;
		case 'C': opt.cycles = (long)parse_seconds("--cycles", optarg, 0, 1000); break;
		case 'c': opt.connections = (long)parse_seconds("--connections", optarg, 1, 60000); break;
		case 'k': opt.keep_alive = true; break;
		case 't': opt.timeout = parse_seconds("--timeout", optarg, 0.001, 600); break;
		case 'P': opt.path = optarg; break;
		case 'W': opt.wait_ready = parse_seconds("--wait-ready", optarg, 0.001, 3600); break;
		case 'h': fputs(usage, stdout); exit(0);
		default: fputs("(see loadgen --help)\n", stderr); exit(2);
		}
	}
	if (optind != argc - 1)
		usage_error("%s", optind < argc ? "expected exactly one HOST:PORT" : "no HOST:PORT given");
	if (opt.path[0] != '/' || strpbrk(opt.path, " \r\n") || strlen(opt.path) > 512)
		usage_error("--path %s: expected an absolute path without spaces", opt.path);
	if (opt.rate * opt.on * (double)opt.cycles > 5e7)
		usage_error("%s", "more than 50 million requests: lower --rate, --on or --cycles");
	if (opt.cycles == 0 && opt.wait_ready == 0)
		usage_error("%s", "--cycles 0 only makes sense with --wait-ready");
	parse_target(argv[optind]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The q-quantile by nearest rank; INFINITY when it falls on a failure. */
static double quantile(double q)
{
	if (!lat_len)
		return NAN;
	size_t rank = (size_t)ceil(q * (double)lat_len);
	return lat[rank ? rank - 1 : 0];
}

static void print_ms(FILE *f, const char *key, double v)
{
	if (isinf(v))
		fprintf(f, " %s=inf", key);
	else if (isnan(v))
		fprintf(f, " %s=nan", key);
	else
		fprintf(f, " %s=%.3f", key, v);
}

int main(int argc, char **argv)
{
	double t0 = now(), wall0 = wall_now() - t0;
	double ready_ms = -1;

	parse_options(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(opt.connections + 16);
	struct conn *conns = calloc((size_t)opt.connections, sizeof *conns);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || epfd < 0)
		die("cannot start: %s", strerror(errno));
	for (long i = opt.connections - 1; i >= 0; i--) {
		conns[i].fd = -1;
		conns[i].next_free = free_stack;
		free_stack = &conns[i];
	}
	if (opt.wait_ready > 0 && !wait_ready(t0, &ready_ms)) {
		fprintf(stderr, "loadgen: %s did not answer 200 within %g s\n", opt.target, opt.wait_ready);
		return 1;
	}

	load_start = now() + 0.01;
	if (opt.cycles)
		run_load();

	qsort(lat, lat_len, sizeof *lat, cmp_double);
	double burst_seconds = (double)opt.cycles * opt.on;
	double achieved = burst_seconds > 0 ? (double)ok_count / burst_seconds : 0;
	long failed = 0;
	for (int e = 0; e < ERR_COUNT; e++)
		failed += errors[e];

	printf("target=%s mode=%s rate=%g on_s=%g off_s=%g cycles=%ld connections=%ld", opt.target,
	       opt.keep_alive ? "keep-alive" : "close", opt.rate, opt.on, opt.off, opt.cycles,
	       opt.connections);
	if (ready_ms >= 0)
		printf(" ready_ms=%.1f", ready_ms);
	printf(" scheduled=%zu ok=%ld achieved_rps=%.1f errors=%ld", lat_len, ok_count, achieved, failed);
	for (int e = 0; e < ERR_COUNT; e++)
		printf(" err_%s=%ld", err_names[e], errors[e]);
	print_ms(stdout, "p50_ms", quantile(0.5));
	print_ms(stdout, "p99_ms", quantile(0.99));
	print_ms(stdout, "p999_ms", quantile(0.999));
	print_ms(stdout, "max_ms", lat_len ? lat[lat_len - 1] : NAN);
	printf(" bursts=");
	for (long k = 0; k < opt.cycles; k++) {
		double b0 = wall0 + burst_start(k);
		printf("%s%.3f:%.3f", k ? "," : "", b0, b0 + opt.on);
	}
	putchar('\n');

	if (ready_ms >= 0)
		fprintf(stderr, "loadgen: %s answered 200 after %.1f ms\n", opt.target, ready_ms);
	if (opt.cycles) {
		if (opt.rate > 0)
			fprintf(stderr, "loadgen: %ld x %g s at %g/s", opt.cycles, opt.on, opt.rate);
		else
			fprintf(stderr, "loadgen: %ld x %g s, closed loop with %ld clients", opt.cycles,
				opt.on, opt.connections);
		fprintf(stderr, " (%s): %zu requests, %ld ok (%.1f/s), %ld failed",
			opt.keep_alive ? "keep-alive" : "a connection each", lat_len, ok_count, achieved,
			failed);
		for (int e = 0; e < ERR_COUNT; e++)
			if (errors[e])
				fprintf(stderr, ", %s %ld", err_names[e], errors[e]);
		fprintf(stderr, "\nloadgen: latency from due time:");
		print_ms(stderr, "p50", quantile(0.5));
		print_ms(stderr, "p99", quantile(0.99));
		print_ms(stderr, "p99.9", quantile(0.999));
		print_ms(stderr, "max", lat_len ? lat[lat_len - 1] : NAN);
		fputc('\n', stderr);
	}
	return 0;
}
