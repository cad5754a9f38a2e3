/*
 * tcp.c: TCP (RFC 9293), with retransmission timing per RFC 6298 and
 * congestion control per RFC 5681 (slow start, congestion avoidance, fast
 * retransmit and recovery).
 *
 * Options: MSS, and window scaling and timestamps (RFC 7323) when both
 * SYNs carry them; others (SACK) are ignored. Timestamps matter under
 * loss: without them an ACK of retransmitted data gives the peer no RTT
 * sample (Karn), and Linux then never resets its RTO backoff while every
 * segment it sends is a retransmission. Segments that arrive ahead of a
 * hole are kept (up to TCP_AHEAD_MAX ranges) and answered at once with a
 * duplicate ACK, which drives the peer's fast retransmit.
 *
 * Buffers start at 64 KiB each, which is all that 1000 quiet connections
 * should cost, and double up to SO_SNDBUF/SO_RCVBUF (256 KiB by default)
 * when they are what limits a connection: the send buffer when the windows
 * would let more than half of it be in flight, the receive buffer when the
 * peer fills the whole window we offered while the application keeps up.
 *
 * The send buffer holds every byte from snd_una on: unacknowledged bytes
 * first, then bytes not yet sent. SYN and FIN take a sequence number but no
 * buffer space.
 */
#include "inet/inet.h"
#include "inet/socket.h"

#include "arch.h"
#include "lib/errno.h"

#include <string.h>

#define TCP_HEADER 20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define OPTION_END 0
#define OPTION_NOP 1
#define OPTION_MSS 2
#define OPTION_WSCALE 3
#define OPTION_TIMESTAMP 8
#define WSCALE_MAX 14 /* RFC 7323, 2.3 */
#define TIMESTAMP_SPACE 12 /* two NOPs, kind, length, value, echo */

#define OUR_MSS (ETH_MTU - IP_HEADER - TCP_HEADER)
#define DEFAULT_PEER_MSS 536
#define BUFFER_INITIAL 65536
#define BUFFER_LIMIT_MAX (4u << 20) /* the most SO_SNDBUF/SO_RCVBUF may ask */
#define INITIAL_WINDOW_SEGMENTS 10
#define MS 1000000ULL
#define RTO_INITIAL (1000 * MS)
#define RTO_MIN (200 * MS)
#define RTO_MAX (60000 * MS)
#define DELAYED_ACK (40 * MS)
#define TIME_WAIT_TIME (2000 * MS) /* 2 MSL, with a short MSL of one second */
#define TIME_WAIT_GRAIN (250 * MS)
#define CORK_MAX (200 * MS) /* as Linux: a corked partial segment waits no longer */
#define MAX_RETRIES 8
#define PERSIST_MAX (60000 * MS)
/* RFC 7323, 5.5: a timestamp this old may have wrapped; PAWS forgets it. */
#define PAWS_IDLE_MAX (24ULL * 24 * 3600 * 1000 * MS)

/* What a segment's options say. */
struct tcp_options {
	int mss, wscale; /* -1: absent */
	bool timestamp;
	uint32_t ts_value, ts_echo;
};

/* Sequence-number comparisons modulo 2^32. */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static uint32_t receive_window(const struct inet_socket *s)
{
	return (uint32_t)ring_free_space(&s->rcvbuf);
}

static uint32_t in_flight(const struct inet_socket *s)
{
	return s->tcp.snd_nxt - s->tcp.snd_una;
}

/* The bytes of the send buffer that are in flight: the FIN, once sent,
 * takes a sequence number but no byte. */
static uint32_t data_in_flight(const struct inet_socket *s)
{
	return in_flight(s) - (s->tcp.fin_sent ? 1 : 0);
}

/* Our timestamp clock: milliseconds, from a random start (RFC 7323,
 * 7.1). One start for every connection, not one each: a client that reuses
 * its port then sends a SYN whose timestamp is past the old connection's,
 * which a peer still in TIME_WAIT accepts (RFC 6191). */
static uint32_t timestamp_now(void)
{
	static uint32_t offset;
	static bool chosen;

	if (!chosen) {
		offset = inet_random();
		chosen = true;
	}
	return (uint32_t)(arch_clock_ns() / MS) + offset;
}

/* The window field of a segment we send; SYNs carry it unscaled (RFC 7323,
 * 2.2). Scaling rounds it down, never up: an offer past the buffer's end
 * would let the peer's sequence numbers, even those of its bare ACKs, run
 * past the window we accept, and its ACKs would be dropped. Rounding down
 * can move the offered edge back by less than one unit of scale, but never
 * behind the buffer's end, so nothing sent within an earlier offer turns
 * unacceptable. */
static uint16_t window_field(struct inet_socket *s, uint8_t flags)
{
	struct tcp_control *t = &s->tcp;

	if (flags & TCP_RST)
		return 0;
	unsigned shift = (flags & TCP_SYN) || !t->wscale ? 0 : t->rcv_shift;
	uint32_t space = receive_window(s), most = 0xffffu << shift;
	if (space > most)
		space = most;
	space = space >> shift << shift;
	if (seq_lt(t->rcv_adv, t->rcv_nxt + space)) {
		t->rcv_adv = t->rcv_nxt + space;
		t->rcv_adv_wide = space > s->rcvbuf.size / 2;
	}
	return (uint16_t)(space >> shift);
}

/* Writes and sends one segment. Data, if any, comes from the send buffer
 * at `offset` bytes past snd_una. */
static void send_segment(struct inet_socket *s, uint32_t seq, uint8_t flags, size_t offset,
			 size_t len)
{
	static uint8_t frame[ETH_HEADER + ETH_MTU];
	uint8_t *tcp = frame + ETH_HEADER + IP_HEADER;
	bool syn = flags & TCP_SYN;
	bool timestamp = s->tcp.timestamps && !(flags & TCP_RST);
	size_t header = TCP_HEADER + (syn ? 4 : 0) + (syn && s->tcp.wscale ? 4 : 0) +
			(timestamp ? TIMESTAMP_SPACE : 0);

	put16(tcp, s->local_port);
	put16(tcp + 2, s->remote_port);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & TCP_ACK) ? s->tcp.rcv_nxt : 0);
	tcp[12] = (uint8_t)(header / 4) << 4;
	tcp[13] = flags;
	put16(tcp + 14, window_field(s, flags));
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (syn) {
		tcp[20] = OPTION_MSS;
		tcp[21] = 4;
		put16(tcp + 22, OUR_MSS);
	}
	if (syn && s->tcp.wscale) {
		tcp[24] = OPTION_NOP;
		tcp[25] = OPTION_WSCALE;
		tcp[26] = 3;
		tcp[27] = s->tcp.rcv_shift;
	}
	if (timestamp) {
		uint8_t *o = tcp + header - TIMESTAMP_SPACE;
		o[0] = o[1] = OPTION_NOP;
		o[2] = OPTION_TIMESTAMP;
		o[3] = TIMESTAMP_SPACE - 2;
		put32(o + 4, timestamp_now());
		put32(o + 8, (flags & TCP_ACK) ? s->tcp.ts_recent : 0);
	}
	if (len)
		ring_peek(&s->sndbuf, offset, tcp + header, len);
	uint32_t sum = inet_pseudo_sum(inet_if.addr, s->remote_addr, IP_PROTO_TCP,
				       (uint16_t)(header + len));
	put16(tcp + 16, inet_fold(inet_sum(tcp, header + len, sum)));
	if (flags & TCP_ACK) {
		s->tcp.last_ack_sent = s->tcp.rcv_nxt;
		s->tcp.unacked_segments = 0;
		s->tcp.delack_deadline = 0;
	}
	ipv4_send(frame + ETH_HEADER, s->remote_addr, IP_PROTO_TCP, header + len);
}

static void send_ack(struct inet_socket *s)
{
	send_segment(s, s->tcp.snd_nxt, TCP_ACK, 0, 0);
}

/* A reset for a segment that belongs to no connection (RFC 9293, 3.10.7.1). */
static void send_reset_for(uint32_t src, uint32_t dst, const uint8_t *seg, size_t data_len)
{
	struct inet_socket tmp = { .local_addr = dst, .remote_addr = src,
				   .local_port = get16(seg + 2), .remote_port = get16(seg) };
	uint8_t flags = seg[13];
	uint32_t seq = get32(seg + 4), ack = get32(seg + 8);

	if (flags & TCP_RST)
		return;
	inet_stats.tcp_resets_sent++;
	if (flags & TCP_ACK) {
		send_segment(&tmp, ack, TCP_RST, 0, 0);
	} else {
		tmp.tcp.rcv_nxt = seq + (uint32_t)data_len + ((flags & TCP_SYN) ? 1 : 0) +
				  ((flags & TCP_FIN) ? 1 : 0);
		send_segment(&tmp, 0, TCP_RST | TCP_ACK, 0, 0);
	}
}

static void request_timer(uint64_t deadline)
{
	if (deadline)
		inet_timer_request(deadline);
}

static void arm_retransmit(struct inet_socket *s)
{
	s->tcp.rto_deadline = arch_clock_ns() + s->tcp.rto_ns;
	request_timer(s->tcp.rto_deadline);
}

/* Ends a connection: the socket goes when its file has gone too. */
static void enter_closed(struct inet_socket *s, int error)
{
	s->tcp.state = TCP_CLOSED;
	s->tcp.rto_deadline = s->tcp.delack_deadline = s->tcp.persist_deadline = 0;
	s->tcp.cork_deadline = s->tcp.defer_deadline = 0;
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
static void abort_lost_data(struct inet_socket *s)
{
	inet_stats.tcp_resets_sent++;
	send_segment(s, s->tcp.snd_nxt, TCP_RST | TCP_ACK, 0, 0);
	enter_closed(s, 0);
}

/*
 * TIME_WAIT only answers retransmitted FINs: every byte we sent is
 * acknowledged, so the send buffer goes at once, and the receive buffer
 * too unless the application may still read from it. A server that closes
 * a thousand connections a second keeps two thousand in TIME_WAIT; with
 * their buffers they would take 256 MiB, more than a small guest has, and
 * new connections would find no memory.
 */
static void release_buffers(struct inet_socket *s)
{
	if (s->sndbuf.data)
		ring_destroy(&s->sndbuf);
	if (s->rcvbuf.data && (!s->file || !s->rcvbuf.len))
		ring_destroy(&s->rcvbuf);
}

static void enter_time_wait(struct inet_socket *s)
{
	s->tcp.state = TCP_TIME_WAIT;
	release_buffers(s);
	s->tcp.rto_deadline = s->tcp.persist_deadline = s->tcp.cork_deadline = 0;
	/* Rounded up to a multiple of TIME_WAIT_GRAIN, so that the TIME_WAITs
	 * of a burst of connections end together, at a few timer interrupts
	 * (each a walk over every socket), not one each. */
	uint64_t end = arch_clock_ns() + TIME_WAIT_TIME;
	s->tcp.timewait_deadline = end + TIME_WAIT_GRAIN - 1 - (end + TIME_WAIT_GRAIN - 1) % TIME_WAIT_GRAIN;
	request_timer(s->tcp.timewait_deadline);
	socket_changed(s);
}

/* The FIN is sent (on its own or on the last data segment). */
static void fin_sent(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	t->snd_nxt++;
	t->fin_sent = true;
	if (t->state == TCP_ESTABLISHED)
		t->state = TCP_FIN_WAIT_1;
	else if (t->state == TCP_CLOSE_WAIT)
		t->state = TCP_LAST_ACK;
	if (!t->rto_deadline)
		arm_retransmit(s);
}

/* Whether a partial segment must wait: Nagle's rule while data is in
 * flight, or TCP_CORK until CORK_MAX has passed (the FIN ends both: a
 * closing connection sends what it has, and a response and its FIN then
 * share one segment). Once lifted, the cork holds nothing until everything
 * queued is sent. */
static bool hold_partial(struct inet_socket *s, uint32_t flight)
{
	struct tcp_control *t = &s->tcp;

	if (t->fin_pending)
		return false;
	if (s->cork && !t->cork_lifted) {
		uint64_t now = arch_clock_ns();
		if (!t->cork_deadline) {
			t->cork_deadline = now + CORK_MAX;
			request_timer(t->cork_deadline);
		}
		if (now < t->cork_deadline)
			return true;
		t->cork_lifted = true;
		t->cork_deadline = 0;
	}
	return !s->nodelay && flight;
}

/* Sends what the windows allow; then the FIN, if one is due. */
static void output(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	if (t->state != TCP_ESTABLISHED && t->state != TCP_CLOSE_WAIT &&
	    t->state != TCP_FIN_WAIT_1 && t->state != TCP_LAST_ACK && t->state != TCP_CLOSING)
		return;
	for (;;) {
		uint32_t flight = data_in_flight(s);
		size_t unsent = s->sndbuf.len - flight;
		uint32_t window = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;
		if (!unsent || t->fin_sent)
			break;
		if (window <= flight) {
			if (!t->snd_wnd && !flight && !t->persist_deadline) {
				t->persist_deadline = arch_clock_ns() + t->rto_ns;
				request_timer(t->persist_deadline);
			}
			break;
		}
		size_t len = unsent;
		if (len > window - flight)
			len = window - flight;
		if (len > t->mss)
			len = t->mss;
		if (len < t->mss && hold_partial(s, flight))
			break;
		bool with_fin = t->fin_pending && len == unsent;
		send_segment(s, t->snd_nxt, TCP_ACK | TCP_PSH | (with_fin ? TCP_FIN : 0), flight, len);
		if (!t->rtt_timing) {
			t->rtt_timing = true;
			t->rtt_seq = t->snd_nxt;
			t->rtt_start_ns = arch_clock_ns();
		}
		t->snd_nxt += (uint32_t)len;
		if (!t->rto_deadline)
			arm_retransmit(s);
		if (with_fin)
			fin_sent(s);
	}
	if (data_in_flight(s) == s->sndbuf.len) {
		t->cork_deadline = 0;
		t->cork_lifted = false;
	}
	if (t->fin_pending && !t->fin_sent && in_flight(s) == s->sndbuf.len) {
		send_segment(s, t->snd_nxt, TCP_FIN | TCP_ACK, 0, 0);
		fin_sent(s);
	}
}

void tcp_set_cork(struct inet_socket *s, bool on)
{
	s->cork = on;
	if (!on)
		output(s);
}

void tcp_set_nodelay(struct inet_socket *s, bool on)
{
	s->nodelay = on;
	if (on && (s->tcp.state == TCP_ESTABLISHED || s->tcp.state == TCP_CLOSE_WAIT)) {
		s->tcp.cork_lifted = true; /* for what is queued now; output clears it */
		output(s);
	}
}

/* A buffer's limit: what SO_SNDBUF or SO_RCVBUF asked, within bounds. */
static size_t buffer_limit(int requested)
{
	if (requested < (int)BUFFER_INITIAL)
		return BUFFER_INITIAL;
	return (unsigned)requested > BUFFER_LIMIT_MAX ? BUFFER_LIMIT_MAX : (size_t)requested;
}

/* Doubles a buffer, up to `limit`; false if it is there already or memory
 * is short (the connection then carries on as it was). */
static bool grow_buffer(struct ring *r, size_t limit)
{
	if (r->size >= limit)
		return false;
	return ring_grow(r, r->size * 2 < limit ? r->size * 2 : limit);
}

/* The send buffer holds what is in flight and what replaces it as ACKs
 * come: grown when the windows would let more than half of it fly. */
static bool grow_send_buffer(struct inet_socket *s)
{
	const struct tcp_control *t = &s->tcp;
	uint64_t window = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;

	return 2 * window > s->sndbuf.size && grow_buffer(&s->sndbuf, buffer_limit(s->sndbuf_size));
}

static bool init_buffers(struct inet_socket *s)
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

static void init_connection(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	size_t limit = buffer_limit(s->rcvbuf_size);

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

static void lookup_add(struct inet_socket *s)
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

static struct inet_socket *find_socket(uint32_t src, uint16_t sport, uint32_t dst,
				       uint16_t dport)
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

long tcp_connect(struct inet_socket *s)
{
	if (s->tcp.state != TCP_CLOSED)
		return s->tcp.state == TCP_SYN_SENT ? -EALREADY : -EISCONN;
	if (!init_buffers(s))
		return -ENOMEM;
	init_connection(s);
	/* offered; kept if the SYN-ACK carries them too */
	s->tcp.wscale = s->tcp.timestamps = true;
	s->tcp.state = TCP_SYN_SENT;
	list_push_back(&tcp_sockets, &s->link);
	lookup_add(s);
	send_segment(s, s->tcp.iss, TCP_SYN, 0, 0);
	arm_retransmit(s);
	return 0;
}

long tcp_listen(struct inet_socket *s, int backlog)
{
	if (s->tcp.state != TCP_CLOSED && s->tcp.state != TCP_LISTEN)
		return -EINVAL;
	s->backlog = backlog < 1 ? 1 : backlog > 1024 ? 1024 : (unsigned)backlog;
	if (s->tcp.state == TCP_CLOSED) {
		s->tcp.state = TCP_LISTEN;
		list_push_back(&tcp_sockets, &s->link);
		lookup_add(s);
	}
	return 0;
}

struct inet_socket *tcp_accept(struct inet_socket *s)
{
	struct list_node *n = list_pop_front(&s->accept_queue);
	if (!n)
		return NULL;
	struct inet_socket *child = container_of(n, struct inet_socket, tcp.accept_link);
	child->tcp.listener = NULL;
	s->pending--;
	return child;
}

long tcp_send(struct inet_socket *s, const void *buf, size_t len)
{
	enum tcp_state st = s->tcp.state;

	if (s->error) {
		long e = -s->error;
		s->error = 0;
		return e;
	}
	if (st == TCP_SYN_SENT || st == TCP_SYN_RECEIVED)
		return -EAGAIN;
	if (s->shut_write || (st != TCP_ESTABLISHED && st != TCP_CLOSE_WAIT))
		return st == TCP_CLOSED || st == TCP_LISTEN ? -ENOTCONN : -EPIPE;
	size_t n = ring_write(&s->sndbuf, buf, len);
	if (n < len && grow_send_buffer(s))
		n += ring_write(&s->sndbuf, (const char *)buf + n, len - n);
	if (!n)
		return -EAGAIN;
	output(s);
	return (long)n;
}

long tcp_recv(struct inet_socket *s, void *buf, size_t len, bool peek)
{
	size_t n = len < s->rcvbuf.len ? len : s->rcvbuf.len;

	if (n) {
		bool window_was_small = receive_window(s) < s->tcp.mss;
		ring_peek(&s->rcvbuf, 0, buf, n);
		if (!peek)
			ring_drop(&s->rcvbuf, n);
		if (!s->rcvbuf.len && s->tcp.state == TCP_TIME_WAIT)
			release_buffers(s);
		/* Tell a peer that saw a (nearly) closed window that it opened. */
		if (!peek && window_was_small && receive_window(s) >= s->tcp.mss &&
		    s->tcp.state != TCP_CLOSED)
			send_ack(s);
		return (long)n;
	}
	if (s->error) {
		long e = -s->error;
		s->error = 0;
		return e;
	}
	if (!s->tcp.opened)
		return -ENOTCONN;
	if (s->tcp.fin_received || s->shut_read || s->tcp.state == TCP_CLOSED)
		return 0; /* end of stream */
	return -EAGAIN;
}

void tcp_shutdown_write(struct inet_socket *s)
{
	if (s->tcp.state == TCP_ESTABLISHED || s->tcp.state == TCP_CLOSE_WAIT) {
		s->tcp.fin_pending = true;
		output(s);
	}
}

void tcp_close(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	s->file = NULL;
	switch (t->state) {
	case TCP_LISTEN:
		/* Children never accepted are reset. */
		while (!list_empty(&s->accept_queue)) {
			struct inet_socket *child = tcp_accept(s);
			send_segment(child, child->tcp.snd_nxt, TCP_RST, 0, 0);
			enter_closed(child, 0);
		}
		for (struct list_node *n = tcp_sockets.next; n != &tcp_sockets;) {
			struct inet_socket *c = container_of(n, struct inet_socket, link);
			n = n->next;
			if (c->tcp.listener == s) {
				send_segment(c, c->tcp.snd_nxt, TCP_RST, 0, 0);
				enter_closed(c, 0);
			}
		}
		enter_closed(s, 0);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (s->rcvbuf.len) { /* unread data: abort, as RFC 2525 advises */
			abort_lost_data(s);
		} else {
			t->fin_pending = true;
			output(s);
		}
		break;
	case TCP_SYN_SENT:
	case TCP_CLOSED:
		enter_closed(s, 0);
		break;
	case TCP_TIME_WAIT:
		release_buffers(s);
		break;
	default: /* already closing: finish on our own */
		break;
	}
}

unsigned tcp_poll(struct inet_socket *s)
{
	const struct tcp_control *t = &s->tcp;
	unsigned ready = 0;

	if (t->state == TCP_LISTEN)
		return list_empty(&s->accept_queue) ? 0 : SOCKET_READABLE;
	if (s->rcvbuf.len || t->fin_received || s->shut_read)
		ready |= SOCKET_READABLE;
	/* As Linux: the receive side is shut by a FIN, shutdown(SHUT_RD) or
	 * the connection's end (below). */
	if (t->fin_received || s->shut_read)
		ready |= SOCKET_READ_HANGUP;
	if ((t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT) &&
	    ring_free_space(&s->sndbuf) && !s->shut_write)
		ready |= SOCKET_WRITABLE;
	if (s->error)
		ready |= SOCKET_ERROR;
	if (t->state == TCP_CLOSED && t->opened)
		ready |= SOCKET_HANGUP | SOCKET_READ_HANGUP | SOCKET_READABLE; /* a connection that was */
	if (t->fin_received && s->shut_write)
		ready |= SOCKET_HANGUP;
	return ready;
}

/* A segment's options: MSS and window scale count only in a SYN
 * (apply_syn_options), timestamps in every segment once both SYNs had
 * them. */
static void parse_options(const uint8_t *seg, size_t header, struct tcp_options *o)
{
	*o = (struct tcp_options){ .mss = -1, .wscale = -1 };
	for (size_t i = TCP_HEADER; i < header;) {
		uint8_t kind = seg[i];
		if (kind == OPTION_END)
			break;
		if (kind == OPTION_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= header || seg[i + 1] < 2 || i + seg[i + 1] > header)
			break;
		if (kind == OPTION_MSS && seg[i + 1] == 4) {
			o->mss = get16(seg + i + 2);
		} else if (kind == OPTION_WSCALE && seg[i + 1] == 3) {
			o->wscale = seg[i + 2];
		} else if (kind == OPTION_TIMESTAMP && seg[i + 1] == TIMESTAMP_SPACE - 2) {
			o->timestamp = true;
			o->ts_value = get32(seg + i + 2);
			o->ts_echo = get32(seg + i + 6);
		}
		i += seg[i + 1];
	}
}

static void take_timestamp(struct tcp_control *t, uint32_t value)
{
	t->ts_recent = value;
	t->ts_recent_ns = arch_clock_ns();
}

/* The peer's SYN: what it offers, and so what the connection uses. */
static void apply_syn_options(struct tcp_control *t, const struct tcp_options *o)
{
	if (o->mss >= 0)
		t->mss = o->mss < 64 ? 64 : o->mss > (int)OUR_MSS ? OUR_MSS : (uint16_t)o->mss;
	t->wscale = o->wscale >= 0;
	t->snd_shift = !t->wscale ? 0 : o->wscale > WSCALE_MAX ? WSCALE_MAX : (uint8_t)o->wscale;
	t->timestamps = o->timestamp;
	if (t->timestamps) {
		take_timestamp(t, o->ts_value);
		t->mss -= TIMESTAMP_SPACE; /* every segment carries them */
	}
}

/* PAWS (RFC 7323, 5.3): a timestamp older than the last one taken marks an
 * old duplicate, unless the last one is so old that the clock may have
 * wrapped since. */
static bool timestamp_too_old(const struct tcp_control *t, uint32_t value)
{
	return (int32_t)(value - t->ts_recent) < 0 &&
	       arch_clock_ns() - t->ts_recent_ns < PAWS_IDLE_MAX;
}

static void rtt_sample(struct tcp_control *t, uint64_t r)
{
	if (!t->srtt_ns) {
		t->srtt_ns = r;
		t->rttvar_ns = r / 2;
	} else {
		uint64_t diff = t->srtt_ns > r ? t->srtt_ns - r : r - t->srtt_ns;
		t->rttvar_ns = (3 * t->rttvar_ns + diff) / 4;
		t->srtt_ns = (7 * t->srtt_ns + r) / 8;
	}
	t->rto_ns = t->srtt_ns + (4 * t->rttvar_ns > MS ? 4 * t->rttvar_ns : MS);
	if (t->rto_ns < RTO_MIN)
		t->rto_ns = RTO_MIN;
	if (t->rto_ns > RTO_MAX)
		t->rto_ns = RTO_MAX;
}

/* Loss detected (three duplicate ACKs or a timeout): halve the threshold,
 * and retransmit hole after hole until everything sent so far is ACKed. */
static void enter_recovery(struct tcp_control *t)
{
	uint32_t flight = t->snd_nxt - t->snd_una, half = flight / 2;

	t->ssthresh = half > 2u * t->mss ? half : 2u * t->mss;
	t->recover = t->snd_nxt;
	t->in_recovery = true;
}

static void retransmit_first(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	/* Only bytes sent before: a retransmission that reached past snd_nxt
	 * would be ACKed beyond it, and such ACKs are ignored. */
	size_t len = data_in_flight(s);

	if (len > t->mss)
		len = t->mss;
	inet_stats.tcp_retransmits++;
	t->rtt_timing = false; /* Karn: no samples from retransmitted data */
	if (t->state == TCP_SYN_SENT)
		send_segment(s, t->iss, TCP_SYN, 0, 0);
	else if (t->state == TCP_SYN_RECEIVED)
		send_segment(s, t->iss, TCP_SYN | TCP_ACK, 0, 0);
	else if (len)
		send_segment(s, t->snd_una,
			     TCP_ACK | TCP_PSH | (t->fin_sent && len == data_in_flight(s) ? TCP_FIN : 0),
			     0, len);
	else if (t->fin_sent)
		send_segment(s, t->snd_nxt - 1, TCP_FIN | TCP_ACK, 0, 0);
}

/* The acknowledgement field of an acceptable segment. */
static void process_ack(struct inet_socket *s, uint32_t ack, uint32_t window, uint32_t seq,
			size_t data_len, const struct tcp_options *o)
{
	struct tcp_control *t = &s->tcp;

	if (seq_lt(t->snd_una, ack) && seq_le(ack, t->snd_nxt)) {
		uint32_t acked = ack - t->snd_una;
		if (t->fin_sent && ack == t->snd_nxt)
			acked--; /* the FIN's sequence number */
		if (acked > s->sndbuf.len)
			acked = (uint32_t)s->sndbuf.len;
		ring_drop(&s->sndbuf, acked);
		t->snd_una = ack;
		/* One sample a round trip. An echoed timestamp dates the
		 * segment that was ACKed, retransmitted or not; without one,
		 * only data sent once can be timed (Karn). */
		if (t->timestamps && o->timestamp && o->ts_echo) {
			if (seq_lt(t->rtt_seq, ack)) {
				uint32_t rtt_ms = timestamp_now() - o->ts_echo;
				if (rtt_ms <= RTO_MAX / MS)
					rtt_sample(t, rtt_ms * MS);
				t->rtt_seq = t->snd_nxt;
				t->rtt_timing = false;
			}
		} else if (t->rtt_timing && seq_lt(t->rtt_seq, ack)) {
			rtt_sample(t, arch_clock_ns() - t->rtt_start_ns);
			t->rtt_timing = false;
		}
		t->retries = 0;
		t->dupacks = 0;
		t->rto_deadline = 0;
		if (t->in_recovery && seq_lt(ack, t->recover)) {
			/* Partial ACK (RFC 6582): the next hole is at snd_una;
			 * fill it now rather than after another timeout. */
			retransmit_first(s);
			t->cwnd = (t->cwnd > acked ? t->cwnd - acked : 0) + t->mss;
		} else if (t->in_recovery) {
			t->in_recovery = false;
			if (t->cwnd > t->ssthresh)
				t->cwnd = t->ssthresh;
		} else if (t->cwnd < t->ssthresh) {
			t->cwnd += acked < t->mss ? acked : t->mss; /* slow start */
		} else {
			t->cwnd += (uint32_t)t->mss * t->mss / t->cwnd + 1; /* avoidance */
		}
		if (t->snd_una != t->snd_nxt)
			arm_retransmit(s);
		socket_changed(s); /* send buffer space */
	} else if (ack == t->snd_una && !window) {
		/* A closed window: whatever is out was not taken, not lost.
		 * The peer answered, so a probe's retransmissions are no sign
		 * of a dead connection: probing goes on as long as it answers
		 * (RFC 9293, 3.8.6.1). */
		t->retries = 0;
	} else if (ack == t->snd_una && !data_len && window == t->snd_wnd && in_flight(s)) {
		if (++t->dupacks == 3 && !t->in_recovery) { /* fast retransmit */
			enter_recovery(t);
			retransmit_first(s);
			t->cwnd = t->ssthresh + 3u * t->mss;
		} else if (t->dupacks > 3 && t->in_recovery) {
			t->cwnd += t->mss;
		}
	}
	if (seq_lt(t->snd_wl1, seq) || (t->snd_wl1 == seq && seq_le(t->snd_wl2, ack))) {
		t->snd_wnd = window;
		t->snd_wl1 = seq;
		t->snd_wl2 = ack;
		if (window)
			t->persist_deadline = 0;
	}
}

/* Keeps a segment that arrived ahead of a hole, in the ring's free space
 * where it will sit once the hole is filled. */
static void keep_ahead(struct inet_socket *s, const uint8_t *data, size_t len, uint32_t seq)
{
	struct tcp_control *t = &s->tcp;
	uint32_t offset = seq - t->rcv_nxt, window = receive_window(s);

	if (s->shut_read || offset >= window)
		return;
	if (len > window - offset)
		len = window - offset;
	uint32_t start = seq, end = seq + (uint32_t)len;
	/* Merge with every range it touches. */
	for (unsigned i = 0; i < t->ahead_count;) {
		struct tcp_range *r = &t->ahead[i];
		if (seq_lt(end, r->start) || seq_lt(r->end, start)) {
			i++;
			continue;
		}
		if (seq_lt(r->start, start))
			start = r->start;
		if (seq_lt(end, r->end))
			end = r->end;
		*r = t->ahead[--t->ahead_count];
	}
	if (t->ahead_count == TCP_AHEAD_MAX)
		return;
	ring_put_at(&s->rcvbuf, offset, data, len);
	t->ahead[t->ahead_count++] = (struct tcp_range){ start, end };
}

/* rcv_nxt moved: swallows the ranges kept ahead that now join it. */
static void join_ahead(struct tcp_control *t, uint32_t *end)
{
	for (bool joined = true; joined;) {
		joined = false;
		for (unsigned i = 0; i < t->ahead_count; i++) {
			struct tcp_range *r = &t->ahead[i];
			if (seq_le(r->start, *end)) {
				if (seq_lt(*end, r->end))
					*end = r->end;
				*r = t->ahead[--t->ahead_count];
				joined = true;
				break;
			}
		}
	}
}

static void accept_data(struct inet_socket *s, const uint8_t *data, size_t len, uint32_t seq)
{
	struct tcp_control *t = &s->tcp;

	/* Drop what we have already; keep only what follows rcv_nxt. */
	if (seq_lt(seq, t->rcv_nxt)) {
		uint32_t dup = t->rcv_nxt - seq;
		if (dup >= len) {
			send_ack(s);
			return;
		}
		data += dup;
		len -= dup;
		seq = t->rcv_nxt;
	}
	if (seq != t->rcv_nxt) {
		/* A hole before it: keep it, and say at once what we still need
		 * (the duplicate ACK that starts the peer's fast retransmit). */
		keep_ahead(s, data, len, seq);
		send_ack(s);
		return;
	}
	/* After shutdown(SHUT_RD) data is acknowledged and thrown away. */
	size_t space = ring_free_space(&s->rcvbuf);
	size_t taken = s->shut_read ? len : len < space ? len : space;
	bool filled_hole = t->ahead_count > 0;
	uint32_t end = seq + (uint32_t)taken;
	if (!s->shut_read) {
		ring_put_at(&s->rcvbuf, 0, data, taken);
		join_ahead(t, &end);
		ring_commit(&s->rcvbuf, end - t->rcv_nxt);
	}
	t->rcv_nxt = end;
	if (taken)
		socket_changed(s);
	/* The peer filled (to within a segment) a window offered while the
	 * application kept up: the window is what limits it, so offer more. */
	size_t limit = buffer_limit(s->rcvbuf_size), most = (size_t)0xffff << t->rcv_shift;
	if (t->wscale && t->rcv_adv_wide && seq_le(t->rcv_adv, end + OUR_MSS) &&
	    grow_buffer(&s->rcvbuf, limit < most ? limit : most))
		t->rcv_adv_wide = false;
	/* ACK every second full segment at once, others within 40 ms; and at
	 * once when a hole was filled, so the peer's recovery ends. */
	if (++t->unacked_segments >= 2 || taken < len || filled_hole) {
		send_ack(s);
	} else if (!t->delack_deadline) {
		t->delack_deadline = arch_clock_ns() + DELAYED_ACK;
		request_timer(t->delack_deadline);
	}
}

static void passive_open(struct inet_socket *l, uint32_t src, uint32_t dst, const uint8_t *seg,
			 const struct tcp_options *o)
{
	if (l->pending >= l->backlog) {
		inet_stats.drop_queue_full++; /* a SYN flood cannot exhaust memory */
		return;
	}
	struct inet_socket *c = socket_alloc(l->type);
	if (c) {
		c->rcvbuf_size = l->rcvbuf_size;
		c->sndbuf_size = l->sndbuf_size;
	}
	if (!c || !init_buffers(c)) {
		if (c)
			socket_free(c);
		inet_stats.drop_no_memory++;
		return;
	}
	c->local_addr = dst;
	c->local_port = l->local_port;
	c->remote_addr = src;
	c->remote_port = get16(seg);
	c->nodelay = l->nodelay;
	c->cork = l->cork; /* as on Linux, where the child is a copy of the listener */
	c->reuse_addr = l->reuse_addr;
	c->keepalive = l->keepalive;
	init_connection(c);
	c->tcp.irs = get32(seg + 4);
	c->tcp.rcv_nxt = c->tcp.irs + 1;
	c->tcp.rcv_adv = c->tcp.rcv_nxt;
	c->tcp.snd_wnd = get16(seg + 14);
	c->tcp.snd_wl1 = c->tcp.irs;
	apply_syn_options(&c->tcp, o);
	c->tcp.state = TCP_SYN_RECEIVED;
	c->tcp.listener = l;
	l->pending++;
	list_push_back(&tcp_sockets, &c->link);
	lookup_add(c);
	send_segment(c, c->tcp.iss, TCP_SYN | TCP_ACK, 0, 0);
	arm_retransmit(c);
}

/* An established child of a listener goes on its accept queue, unless
 * the listener defers accepting (TCP_DEFER_ACCEPT) and nothing has come
 * yet: then the child waits, out of the queue, for data, a FIN or the end
 * of the deferral (`expired`). A server woken for a connection then finds
 * its request there, which saves it a wake-up per connection. */
static void offer_for_accept(struct inet_socket *s, bool expired)
{
	struct tcp_control *t = &s->tcp;
	struct inet_socket *l = t->listener;

	if (!expired && l->defer_accept_s > 0 && !s->rcvbuf.len && !t->fin_received) {
		if (!t->defer_deadline) {
			t->defer_deadline = arch_clock_ns() + (uint64_t)l->defer_accept_s * 1000 * MS;
			request_timer(t->defer_deadline);
		}
		return;
	}
	t->defer_deadline = 0;
	list_push_back(&l->accept_queue, &t->accept_link);
	socket_changed(l);
}

static void handshake_done(struct tcp_control *t)
{
	t->state = TCP_ESTABLISHED;
	/* RFC 5681, 3.1: after a lost SYN or SYN-ACK, start with one segment. */
	if (t->retries)
		t->cwnd = t->mss;
}

static void syn_sent_input(struct inet_socket *s, uint8_t flags, uint32_t seq, uint32_t ack,
			   uint32_t window, const struct tcp_options *o)
{
	struct tcp_control *t = &s->tcp;
	bool ack_ok = (flags & TCP_ACK) && ack == t->iss + 1;

	if ((flags & TCP_ACK) && !ack_ok) {
		if (!(flags & TCP_RST))
			send_segment(s, ack, TCP_RST, 0, 0);
		return;
	}
	if (flags & TCP_RST) {
		if (ack_ok)
			enter_closed(s, ECONNREFUSED);
		return;
	}
	if (!(flags & TCP_SYN) || !ack_ok)
		return; /* simultaneous open is not supported */
	t->irs = seq;
	t->rcv_nxt = seq + 1;
	t->rcv_adv = t->rcv_nxt;
	t->snd_una = ack;
	t->snd_wnd = window;
	t->snd_wl1 = seq;
	t->snd_wl2 = ack;
	apply_syn_options(t, o);
	handshake_done(t);
	t->rto_deadline = 0;
	t->retries = 0;
	send_ack(s);
	socket_changed(s);
}

void tcp_input(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
	if (len < TCP_HEADER) {
		inet_stats.drop_malformed++;
		return;
	}
	size_t header = (size_t)(seg[12] >> 4) * 4;
	if (header < TCP_HEADER || header > len) {
		inet_stats.drop_malformed++;
		return;
	}
	if (inet_fold(inet_sum(seg, len, inet_pseudo_sum(src, dst, IP_PROTO_TCP, (uint16_t)len)))) {
		inet_stats.drop_checksum++;
		return;
	}
	uint8_t flags = seg[13];
	uint32_t seq = get32(seg + 4), ack = get32(seg + 8), window = get16(seg + 14);
	const uint8_t *data = seg + header;
	size_t data_len = len - header;
	struct inet_socket *s = find_socket(src, get16(seg), dst, get16(seg + 2));

	if (!s || s->tcp.state == TCP_CLOSED) {
		inet_stats.drop_no_socket++;
		send_reset_for(src, dst, seg, data_len);
		return;
	}
	struct tcp_control *t = &s->tcp;
	struct tcp_options opts;
	parse_options(seg, header, &opts);
	/* Windows in SYNs are never scaled (RFC 7323, 2.2). */
	if (t->wscale && !(flags & TCP_SYN) && t->state != TCP_SYN_SENT)
		window <<= t->snd_shift;
	if (t->state == TCP_LISTEN) {
		if (flags & TCP_RST)
			return;
		if (flags & TCP_ACK)
			send_reset_for(src, dst, seg, data_len);
		else if (flags & TCP_SYN)
			passive_open(s, src, dst, seg, &opts);
		return;
	}
	if (t->state == TCP_SYN_SENT) {
		syn_sent_input(s, flags, seq, ack, window, &opts);
		return;
	}

	if (t->state == TCP_TIME_WAIT && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    seq_lt(t->rcv_nxt, seq)) {
		/* A new connection on the old one's ports, with sequence numbers
		 * past the old ones: the old one is over (RFC 9293, 3.6.1). A
		 * client that reuses its port soon would otherwise be answered
		 * with ACKs until TIME_WAIT ends. */
		enter_closed(s, 0);
		struct inet_socket *l = find_socket(src, get16(seg), dst, get16(seg + 2));
		if (l && l->tcp.state == TCP_LISTEN)
			passive_open(l, src, dst, seg, &opts);
		return;
	}
	/* A bare ACK is let through whatever its timestamp, as Linux does: a
	 * reordered one is harmless, and answering it would send the peer
	 * duplicate ACKs, which it takes for loss. */
	bool timestamped = t->timestamps && opts.timestamp;
	bool bare_ack = !data_len && !(flags & (TCP_SYN | TCP_FIN | TCP_RST));
	if (timestamped && !bare_ack && !(flags & TCP_RST) &&
	    timestamp_too_old(t, opts.ts_value)) {
		inet_stats.drop_old_timestamp++;
		send_ack(s);
		return;
	}
	/* Acceptable if it overlaps the receive window (RFC 9293, 3.10.7.4). */
	uint32_t rwnd = receive_window(s);
	uint32_t seg_len = (uint32_t)data_len + ((flags & TCP_FIN) ? 1 : 0);
	bool acceptable = seg_len == 0 ? seq_le(t->rcv_nxt, seq) && seq_lt(seq, t->rcv_nxt + rwnd + 1)
				       : seq_lt(seq, t->rcv_nxt + rwnd) &&
						 seq_lt(t->rcv_nxt, seq + seg_len + 1);
	if (!acceptable) {
		/* With our window closed no segment is acceptable, but its ACK
		 * still counts (RFC 9293, 3.10.7.4): a peer that sent past the
		 * window would otherwise never see our data acknowledged, and
		 * we would never read to reopen the window. */
		if (!rwnd && (flags & TCP_ACK) && !(flags & (TCP_RST | TCP_SYN)) &&
		    t->state != TCP_SYN_RECEIVED) {
			process_ack(s, ack, window, seq, 0, &opts);
			output(s);
		}
		if (!(flags & TCP_RST))
			send_ack(s);
		return;
	}
	if (flags & TCP_RST) {
		/* In TIME_WAIT a reset is ignored (RFC 1337: it would cut the
		 * wait short); once both FINs are out it ends the connection
		 * without an error, since the application has all its data. */
		if (t->state == TCP_TIME_WAIT)
			return;
		bool finished = t->state == TCP_CLOSING || t->state == TCP_LAST_ACK;
		enter_closed(s, finished ? 0 : t->state == TCP_SYN_RECEIVED ? ECONNREFUSED : ECONNRESET);
		return;
	}
	if (flags & TCP_SYN) { /* a SYN in a synchronized state: challenge ACK */
		send_ack(s);
		return;
	}
	if (!(flags & TCP_ACK))
		return;
	/* The timestamp to echo: the one of the segment that our last ACK
	 * answered, or of a later one (RFC 7323, 4.3); never one of a reset or
	 * a stray SYN, which would make PAWS drop what follows. */
	if (timestamped && seq_le(seq, t->last_ack_sent))
		take_timestamp(t, opts.ts_value);
	if (t->state == TCP_SYN_RECEIVED) {
		if (!seq_lt(t->snd_una, ack) || !seq_le(ack, t->snd_nxt)) {
			send_segment(s, ack, TCP_RST, 0, 0);
			return;
		}
		handshake_done(t);
		t->snd_wnd = window;
		t->snd_wl1 = seq;
		t->snd_wl2 = ack;
	}
	process_ack(s, ack, window, seq, data_len, &opts);
	if (t->fin_sent && t->snd_una == t->snd_nxt) {
		if (t->state == TCP_FIN_WAIT_1)
			t->state = TCP_FIN_WAIT_2;
		else if (t->state == TCP_CLOSING)
			enter_time_wait(s);
		else if (t->state == TCP_LAST_ACK) {
			enter_closed(s, 0);
			return;
		}
	}
	/* New data for a socket the application has closed can never be read:
	 * say so with a reset (RFC 1122, 4.2.2.13; Linux does the same) rather
	 * than let the window close on a sender that would wait forever. */
	if (data_len && !s->file && !t->listener && seq_lt(t->rcv_nxt, seq + (uint32_t)data_len)) {
		abort_lost_data(s);
		return;
	}
	if (data_len && (t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT_1 ||
			 t->state == TCP_FIN_WAIT_2))
		accept_data(s, data, data_len, seq);
	if ((flags & TCP_FIN) && seq + (uint32_t)data_len == t->rcv_nxt && !t->fin_received) {
		t->fin_received = true;
		t->rcv_nxt++;
		send_ack(s);
		socket_changed(s);
		if (t->state == TCP_ESTABLISHED || t->state == TCP_SYN_RECEIVED)
			t->state = TCP_CLOSE_WAIT;
		else if (t->state == TCP_FIN_WAIT_1)
			t->state = TCP_CLOSING;
		else if (t->state == TCP_FIN_WAIT_2)
			enter_time_wait(s);
	} else if ((flags & TCP_FIN) && t->fin_received &&
		   seq + (uint32_t)data_len + 1 == t->rcv_nxt) {
		/* The FIN again: our ACK of it was lost. Without a new one the
		 * peer retransmits until it gives up; in TIME_WAIT the wait
		 * starts over (RFC 9293, 3.10.7.4). */
		send_ack(s);
		if (t->state == TCP_TIME_WAIT)
			enter_time_wait(s);
	}
	if (t->listener && t->state != TCP_SYN_RECEIVED && !list_linked(&t->accept_link))
		offer_for_accept(s, false);
	output(s);
}

/* Runs one socket's due timers; returns its next deadline (0: none). */
static uint64_t socket_timers(struct inet_socket *s, uint64_t now, bool *freed)
{
	struct tcp_control *t = &s->tcp;

	*freed = false;
	if (t->timewait_deadline && now >= t->timewait_deadline) {
		t->timewait_deadline = 0;
		*freed = !s->file; /* enter_closed frees a socket nobody owns */
		enter_closed(s, 0);
		return 0;
	}
	if (t->delack_deadline && now >= t->delack_deadline)
		send_ack(s);
	if (t->rto_deadline && now >= t->rto_deadline) {
		if (++t->retries > MAX_RETRIES) {
			*freed = !s->file;
			enter_closed(s, ETIMEDOUT);
			return 0;
		}
		/* A probe into a closed window says nothing about congestion. */
		if (t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECEIVED && t->snd_wnd) {
			enter_recovery(t);
			t->cwnd = t->mss;
		}
		t->dupacks = 0;
		t->rto_ns = t->rto_ns * 2 > RTO_MAX ? RTO_MAX : t->rto_ns * 2;
		retransmit_first(s);
		t->rto_deadline = now + t->rto_ns;
	}
	if (t->defer_deadline && now >= t->defer_deadline) /* set only while deferred */
		offer_for_accept(s, true);
	if (t->cork_deadline && now >= t->cork_deadline) {
		t->cork_deadline = 0;
		t->cork_lifted = true; /* its time is up */
		output(s);
	}
	if (t->persist_deadline && now >= t->persist_deadline) {
		/* Zero-window probe: one byte past the window (RFC 9293, 3.8.6.1). */
		uint32_t flight = in_flight(s);
		if (s->sndbuf.len > flight) {
			send_segment(s, t->snd_nxt, TCP_ACK, flight, 1);
			t->snd_nxt++;
			if (!t->rto_deadline)
				t->rto_deadline = now + t->rto_ns;
		}
		t->persist_deadline = 0;
	}
	uint64_t next = 0;
	const uint64_t candidates[] = { t->rto_deadline, t->delack_deadline, t->timewait_deadline,
					t->persist_deadline, t->cork_deadline, t->defer_deadline };
	for (unsigned i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
		if (candidates[i] && (!next || candidates[i] < next))
			next = candidates[i];
	return next;
}

uint64_t tcp_timers(uint64_t now)
{
	uint64_t next = 0;

	for (struct list_node *n = tcp_sockets.next; n != &tcp_sockets;) {
		struct inet_socket *s = container_of(n, struct inet_socket, link);
		bool freed;
		n = n->next;
		uint64_t d = socket_timers(s, now, &freed);
		if (!freed && d && (!next || d < next))
			next = d;
	}
	return next;
}
