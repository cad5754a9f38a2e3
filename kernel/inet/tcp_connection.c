/*
 * tcp_connection.c: a TCP connection's life apart from its segments: its
 * buffers and first sequence numbers, the table that finds it for an
 * arriving segment, and its end (TIME_WAIT, CLOSED).
 *
 * Buffers start at 64 KiB each, which is all that 1000 quiet connections
 * should cost, and double up to SO_SNDBUF/SO_RCVBUF (256 KiB by default)
 * when they are what limits a connection: the send buffer when the windows
 * would let more than half of it be in flight, the receive buffer when the
 * peer fills the whole window we offered while the application keeps up.
 */
#include "inet/tcp_private.h"

#define DEFAULT_PEER_MSS 536
#define BUFFER_INITIAL 65536
#define BUFFER_LIMIT_MAX (4u << 20) /* the most SO_SNDBUF/SO_RCVBUF may ask */
#define INITIAL_WINDOW_SEGMENTS 10
#define RTO_INITIAL (1000 * MS)
#define TIME_WAIT_TIME (2000 * MS) /* 2 MSL, with a short MSL of one second */
#define TIME_WAIT_GRAIN (250 * MS)

size_t tcp_buffer_limit(int requested)
{
	if (requested < (int)BUFFER_INITIAL)
		return BUFFER_INITIAL;
	return (unsigned)requested > BUFFER_LIMIT_MAX ? BUFFER_LIMIT_MAX : (size_t)requested;
}

/* Doubles a buffer, up to `limit`; false if it is there already or memory
 * is short (the connection then carries on as it was). */
bool tcp_grow_buffer(struct ring *r, size_t limit)
{
	if (r->size >= limit)
		return false;
	return ring_grow(r, r->size * 2 < limit ? r->size * 2 : limit);
}

bool tcp_init_buffers(struct inet_socket *s)
{
	if (!ring_init(&s->sndbuf, BUFFER_INITIAL))
		return false;
	if (!ring_init(&s->rcvbuf, BUFFER_INITIAL)) {
		ring_destroy(&s->sndbuf);
		return false;
	}
	s->tcp.opened = true;
	return true;
}

void tcp_init_connection(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	size_t limit = tcp_buffer_limit(s->rcvbuf_size);

	/* The smallest shift that can offer the largest receive buffer. */
	t->rcv_shift = 0;
	while (t->rcv_shift < WSCALE_MAX && limit >> t->rcv_shift > 0xffff)
		t->rcv_shift++;
	t->iss = inet_random();
	t->rtt_seq = t->iss;
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->mss = DEFAULT_PEER_MSS;
	t->cwnd = INITIAL_WINDOW_SEGMENTS * OUR_MSS;
	t->ssthresh = 0xffffffff;
	t->rto_ns = RTO_INITIAL;
}

/*
 * Finding the socket of an incoming segment. Connections are kept in
 * buckets by their remote address and ports, listeners on a list of their
 * own: a server that closes a thousand connections a second keeps two
 * thousand in TIME_WAIT, and every segment used to walk them all.
 */
#define LOOKUP_BUCKETS 1024

static struct list_node connections[LOOKUP_BUCKETS];
static struct list_node listeners = { &listeners, &listeners };

static struct list_node *bucket_of(uint32_t remote_addr, uint16_t remote_port, uint16_t local_port)
{
	uint32_t key = remote_addr ^ ((uint32_t)remote_port << 16 | local_port);
	struct list_node *b = &connections[(key * 0x9e3779b1u) >> 22];

	if (!b->next) /* first use */
		list_init(b);
	return b;
}

void tcp_lookup_add(struct inet_socket *s)
{
	if (list_linked(&s->lookup_link))
		list_remove(&s->lookup_link);
	if (s->tcp.state == TCP_LISTEN)
		list_push_back(&listeners, &s->lookup_link);
	else
		list_push_back(bucket_of(s->remote_addr, s->remote_port, s->local_port),
			       &s->lookup_link);
}

static bool local_matches(const struct inet_socket *s, uint32_t dst, uint16_t dport)
{
	return s->local_port == dport && (!s->local_addr || s->local_addr == dst);
}

struct inet_socket *tcp_find_socket(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct list_node *b = bucket_of(src, sport, dport);

	for (struct list_node *n = b->next; n != b; n = n->next) {
		struct inet_socket *s = container_of(n, struct inet_socket, lookup_link);
		if (local_matches(s, dst, dport) && s->remote_addr == src &&
		    s->remote_port == sport &&
		    s->tcp.state != TCP_CLOSED) /* closed ones wait only for close() */
			return s;
	}
	for (struct list_node *n = listeners.next; n != &listeners; n = n->next) {
		struct inet_socket *s = container_of(n, struct inet_socket, lookup_link);
		if (local_matches(s, dst, dport) && s->tcp.state == TCP_LISTEN)
			return s;
	}
	return NULL;
}

/* Ends a connection: the socket goes when its file has gone too. */
void tcp_enter_closed(struct inet_socket *s, int error)
{
	s->tcp.state = TCP_CLOSED;
	tcp_timers_stop(s, TCP_TIMERS_ALL);
	s->tcp.cork_lifted = false;
	if (error && !s->error)
		s->error = error;
	socket_changed(s);
	if (s->tcp.listener) { /* never accepted */
		s->tcp.listener->pending--;
		if (list_linked(&s->tcp.accept_link))
			list_remove(&s->tcp.accept_link);
		s->tcp.listener = NULL;
	}
	if (!s->file)
		socket_free(s);
}

/* Data the application will never read is lost: a reset tells the peer so
 * (RFC 1122, 4.2.2.13), and the connection ends. */
void tcp_abort_lost_data(struct inet_socket *s)
{
	inet_stats.tcp_resets_sent++;
	tcp_send_segment(s, s->tcp.snd_nxt, TCP_RST | TCP_ACK, 0, 0);
	tcp_enter_closed(s, 0);
}

/*
 * TIME_WAIT only answers retransmitted FINs: every byte we sent is
 * acknowledged, so the send buffer goes at once, and the receive buffer
 * too unless the application may still read from it. A server that closes
 * a thousand connections a second keeps two thousand in TIME_WAIT; with
 * their buffers they would take 256 MiB, more than a small guest has, and
 * new connections would find no memory.
 */
void tcp_release_buffers(struct inet_socket *s)
{
	if (s->sndbuf.data)
		ring_destroy(&s->sndbuf);
	if (s->rcvbuf.data && (!s->file || !s->rcvbuf.len))
		ring_destroy(&s->rcvbuf);
}

void tcp_enter_time_wait(struct inet_socket *s)
{
	s->tcp.state = TCP_TIME_WAIT;
	tcp_release_buffers(s);
	tcp_timers_stop(s, 1u << TCP_TIMER_RETRANSMIT | 1u << TCP_TIMER_PERSIST |
				   1u << TCP_TIMER_CORK);
	/* Rounded up to a multiple of TIME_WAIT_GRAIN, so that the TIME_WAITs
	 * of a burst of connections end together: they share a slot of the
	 * timer wheel, and one timer interrupt ends them all. */
	uint64_t end = inet_clock_ns() + TIME_WAIT_TIME + TIME_WAIT_GRAIN - 1;
	tcp_timer_set(s, TCP_TIMER_TIME_WAIT, end - end % TIME_WAIT_GRAIN);
	socket_changed(s);
}

/* Loss detected (three duplicate ACKs or a timeout): halve the threshold,
 * and retransmit hole after hole until everything sent so far is ACKed. */
void tcp_enter_recovery(struct tcp_control *t)
{
	uint32_t flight = t->snd_nxt - t->snd_una, half = flight / 2;

	t->ssthresh = half > 2u * t->mss ? half : 2u * t->mss;
	t->recover = t->snd_nxt;
	t->in_recovery = true;
	t->rexmit_next = t->snd_una;
}
