/*
 * tcp_input.c: TCP segments arriving: each is checked and parsed once
 * into a struct tcp_segment, matched to its connection, and taken through
 * the state machine: opens (passive, and active's SYN-ACK), the ACK with
 * its RTT sample and congestion window, data in order and ahead of a hole,
 * the FIN, resets. PAWS and window checks come first (RFC 9293, 3.10.7.4;
 * RFC 7323).
 *
 * Segments that arrive ahead of a hole are kept (up to TCP_AHEAD_MAX
 * ranges) and answered at once with a duplicate ACK, which drives the
 * peer's fast retransmit. Timestamps matter under loss: without them an
 * ACK of retransmitted data gives the peer no RTT sample (Karn), and Linux
 * then never resets its RTO backoff while every segment it sends is a
 * retransmission.
 */
#include "inet/tcp_private.h"

#include "lib/errno.h"

#define RTO_MIN (200 * MS)
#define DELAYED_ACK (40 * MS)
/* RFC 7323, 5.5: a timestamp this old may have wrapped; PAWS forgets it. */
#define PAWS_IDLE_MAX (24ULL * 24 * 3600 * 1000 * MS)

static void parse_sack_blocks(const uint8_t *p, unsigned count, struct tcp_options *o)
{
	if (count > SACK_BLOCKS_MAX)
		count = SACK_BLOCKS_MAX;
	for (unsigned i = 0; i < count; i++)
		o->sack[i] = (struct tcp_range){ get32(p + 8 * i), get32(p + 8 * i + 4) };
	o->sack_blocks = count;
}

/* A segment's options: MSS, window scale and SACK-permitted count only in a SYN
 * (apply_syn_options), timestamps in every segment once both SYNs had
 * them. */
static void parse_options(const uint8_t *raw, size_t header, struct tcp_options *o)
{
	*o = (struct tcp_options){ .mss = -1, .wscale = -1 };
	for (size_t i = TCP_HEADER; i < header;) {
		uint8_t kind = raw[i];
		if (kind == OPTION_END)
			break;
		if (kind == OPTION_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= header || raw[i + 1] < 2 || i + raw[i + 1] > header)
			break;
		if (kind == OPTION_MSS && raw[i + 1] == 4) {
			o->mss = get16(raw + i + 2);
		} else if (kind == OPTION_WSCALE && raw[i + 1] == 3) {
			o->wscale = raw[i + 2];
		} else if (kind == OPTION_TIMESTAMP && raw[i + 1] == TIMESTAMP_SPACE - 2) {
			o->timestamp = true;
			o->ts_value = get32(raw + i + 2);
			o->ts_echo = get32(raw + i + 6);
		} else if (kind == OPTION_SACK_PERMITTED && raw[i + 1] == 2) {
			o->sack_permitted = true;
		} else if (kind == OPTION_SACK && raw[i + 1] >= 10 && (raw[i + 1] - 2) % 8 == 0) {
			parse_sack_blocks(raw + i + 2, (raw[i + 1] - 2u) / 8, o);
		}
		i += raw[i + 1];
	}
}

/* Checks a segment's length and checksum, counting a drop if they fail,
 * and reads its header and options. */
static bool parse_segment(uint32_t src, uint32_t dst, const uint8_t *raw, size_t len,
			  struct tcp_segment *seg)
{
	if (len < TCP_HEADER) {
		inet_stats.drop_malformed++;
		return false;
	}
	size_t header = (size_t)(raw[12] >> 4) * 4;
	if (header < TCP_HEADER || header > len) {
		inet_stats.drop_malformed++;
		return false;
	}
	if (inet_fold(inet_sum(raw, len, inet_pseudo_sum(src, dst, IP_PROTO_TCP, (uint16_t)len)))) {
		inet_stats.drop_checksum++;
		return false;
	}
	*seg = (struct tcp_segment){ .src = src, .dst = dst, .sport = get16(raw),
				     .dport = get16(raw + 2), .seq = get32(raw + 4),
				     .ack = get32(raw + 8), .window = get16(raw + 14),
				     .flags = raw[13], .data = raw + header, .len = len - header };
	parse_options(raw, header, &seg->opts);
	return true;
}

static void take_timestamp(struct tcp_control *t, uint32_t value)
{
	t->ts_recent = value;
	t->ts_recent_ns = inet_clock_ns();
}

/* The peer's SYN: what it offers, and so what the connection uses. */
static void apply_syn_options(struct tcp_control *t, const struct tcp_options *o)
{
	if (o->mss >= 0)
		t->mss = o->mss < 64 ? 64 : o->mss > (int)OUR_MSS ? OUR_MSS : (uint16_t)o->mss;
	t->wscale = o->wscale >= 0;
	t->snd_shift = !t->wscale ? 0 : o->wscale > WSCALE_MAX ? WSCALE_MAX : (uint8_t)o->wscale;
	t->sack = o->sack_permitted;
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
	       inet_clock_ns() - t->ts_recent_ns < PAWS_IDLE_MAX;
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

/* One sample a round trip. An echoed timestamp dates the segment that was
 * ACKed, retransmitted or not; without one, only data sent once can be
 * timed (Karn). */
static void time_round_trip(struct tcp_control *t, const struct tcp_segment *seg)
{
	if (t->timestamps && seg->opts.timestamp && seg->opts.ts_echo) {
		if (seq_lt(t->rtt_seq, seg->ack)) {
			uint32_t rtt_ms = tcp_timestamp_now() - seg->opts.ts_echo;
			if (rtt_ms <= RTO_MAX / MS)
				rtt_sample(t, rtt_ms * MS);
			t->rtt_seq = t->snd_nxt;
			t->rtt_timing = false;
		}
	} else if (t->rtt_timing && seq_lt(t->rtt_seq, seg->ack)) {
		rtt_sample(t, inet_clock_ns() - t->rtt_start_ns);
		t->rtt_timing = false;
	}
}

/* In recovery, the next retransmission: the scoreboard's next hole; or,
 * without a scoreboard and if `or_first`, the first unacknowledged segment
 * (NewReno). */
static void repair(struct inet_socket *s, bool or_first)
{
	bool known = false;

	if (s->tcp.sack && tcp_sack_retransmit_hole(s, &known))
		return;
	if (!known && or_first)
		tcp_retransmit_first(s);
}

/* An ACK of new data: the bytes leave the send buffer, and the congestion
 * window grows, or recovery goes on or ends. */
static void ack_new_data(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;
	uint32_t acked = seg->ack - t->snd_una;

	if (tcp_fin_sent(t) && seg->ack == t->snd_nxt)
		acked--; /* the FIN's sequence number */
	if (acked > s->sndbuf.len)
		acked = (uint32_t)s->sndbuf.len;
	ring_drop(&s->sndbuf, acked);
	t->snd_una = seg->ack;
	time_round_trip(t, seg);
	t->retries = 0;
	t->dupacks = 0;
	tcp_timer_set(s, TCP_TIMER_RETRANSMIT, 0);
	if (t->in_recovery && seq_lt(seg->ack, t->recover)) {
		/* Partial ACK (RFC 6582): the next hole is at snd_una (or, with
		 * SACK, wherever the scoreboard shows one); fill it now rather
		 * than after another timeout. */
		repair(s, true);
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
		tcp_timer_arm_in(s, TCP_TIMER_RETRANSMIT, t->rto_ns);
	socket_changed(s); /* send buffer space */
}

/* The acknowledgement field of an acceptable segment, and its window. */
static void process_ack(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;

	if (t->sack)
		tcp_sack_update(t, seg);
	if (seq_lt(t->snd_una, seg->ack) && seq_le(seg->ack, t->snd_nxt)) {
		ack_new_data(s, seg);
	} else if (seg->ack == t->snd_una && !seg->window) {
		/* A closed window: whatever is out was not taken, not lost.
		 * The peer answered, so a probe's retransmissions are no sign
		 * of a dead connection: probing goes on as long as it answers
		 * (RFC 9293, 3.8.6.1). */
		t->retries = 0;
	} else if (seg->ack == t->snd_una && !seg->len && seg->window == t->snd_wnd &&
		   in_flight(s)) {
		if (++t->dupacks == 3 && !t->in_recovery) { /* fast retransmit */
			tcp_enter_recovery(t);
			repair(s, true);
			t->cwnd = t->ssthresh + 3u * t->mss;
		} else if (t->dupacks > 3 && t->in_recovery) {
			t->cwnd += t->mss;
			repair(s, false);
		}
	}
	if (seq_lt(t->snd_wl1, seg->seq) || (t->snd_wl1 == seg->seq && seq_le(t->snd_wl2, seg->ack))) {
		t->snd_wnd = seg->window;
		t->snd_wl1 = seg->seq;
		t->snd_wl2 = seg->ack;
		if (seg->window)
			tcp_timer_set(s, TCP_TIMER_PERSIST, 0);
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
	if (tcp_ranges_add(t->ahead, &t->ahead_count, TCP_AHEAD_MAX, seq, seq + (uint32_t)len))
		ring_put_at(&s->rcvbuf, offset, data, len);
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

/* The peer filled (to within a segment) a window offered while the
 * application kept up: the window is what limits it, so offer more. */
static void grow_receive_buffer(struct inet_socket *s, uint32_t end)
{
	struct tcp_control *t = &s->tcp;
	size_t limit = tcp_buffer_limit(s->rcvbuf_size), most = (size_t)0xffff << t->rcv_shift;

	if (t->wscale && t->rcv_adv_wide && seq_le(t->rcv_adv, end + OUR_MSS) &&
	    tcp_grow_buffer(&s->rcvbuf, limit < most ? limit : most))
		t->rcv_adv_wide = false;
}

static void accept_data(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;
	const uint8_t *data = seg->data;
	size_t len = seg->len;
	uint32_t seq = seg->seq;

	/* Drop what we have already; keep only what follows rcv_nxt. */
	if (seq_lt(seq, t->rcv_nxt)) {
		uint32_t dup = t->rcv_nxt - seq;
		if (dup >= len) {
			tcp_send_ack(s);
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
		tcp_send_ack(s);
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
	grow_receive_buffer(s, end);
	/* ACK every second full segment at once, others within 40 ms; and at
	 * once when a hole was filled, so the peer's recovery ends. */
	if (++t->unacked_segments >= 2 || taken < len || filled_hole)
		tcp_send_ack(s);
	else if (!tcp_timer_armed(s, TCP_TIMER_DELAYED_ACK))
		tcp_timer_arm_in(s, TCP_TIMER_DELAYED_ACK, DELAYED_ACK);
}

/* A child of listener l for the SYN seg, as on Linux a copy of the
 * listener; NULL if memory is short. */
static struct inet_socket *new_child(struct inet_socket *l, const struct tcp_segment *seg)
{
	struct inet_socket *c = socket_alloc(l->type);

	if (!c)
		return NULL;
	c->rcvbuf_size = l->rcvbuf_size;
	c->sndbuf_size = l->sndbuf_size;
	if (!tcp_init_buffers(c)) {
		socket_free(c);
		return NULL;
	}
	c->local_addr = seg->dst;
	c->local_port = l->local_port;
	c->remote_addr = seg->src;
	c->remote_port = seg->sport;
	c->nodelay = l->nodelay;
	c->cork = l->cork;
	c->reuse_addr = l->reuse_addr;
	c->keepalive = l->keepalive;
	return c;
}

static void passive_open(struct inet_socket *l, const struct tcp_segment *seg)
{
	if (l->pending >= l->backlog) {
		inet_stats.drop_queue_full++; /* a SYN flood cannot exhaust memory */
		return;
	}
	struct inet_socket *c = new_child(l, seg);
	if (!c) {
		inet_stats.drop_no_memory++;
		return;
	}
	tcp_init_connection(c);
	c->tcp.irs = seg->seq;
	c->tcp.rcv_nxt = c->tcp.irs + 1;
	c->tcp.rcv_adv = c->tcp.rcv_nxt;
	c->tcp.snd_wnd = seg->window;
	c->tcp.snd_wl1 = c->tcp.irs;
	apply_syn_options(&c->tcp, &seg->opts);
	c->tcp.state = TCP_SYN_RECEIVED;
	c->tcp.listener = l;
	l->pending++;
	list_push_back(&tcp_sockets, &c->link);
	tcp_lookup_add(c);
	tcp_send_segment(c, c->tcp.iss, TCP_SYN | TCP_ACK, 0, 0);
	tcp_timer_arm_in(c, TCP_TIMER_RETRANSMIT, c->tcp.rto_ns);
}

/* An established child of a listener goes on its accept queue, unless
 * the listener defers accepting (TCP_DEFER_ACCEPT) and nothing has come
 * yet: then the child waits, out of the queue, for data, a FIN or the end
 * of the deferral (`expired`). A server woken for a connection then finds
 * its request there, which saves it a wake-up per connection. */
void tcp_offer_for_accept(struct inet_socket *s, bool expired)
{
	struct tcp_control *t = &s->tcp;
	struct inet_socket *l = t->listener;

	if (!expired && l->defer_accept_s > 0 && !s->rcvbuf.len && !tcp_fin_received(t)) {
		if (!tcp_timer_armed(s, TCP_TIMER_DEFER_ACCEPT))
			tcp_timer_arm_in(s, TCP_TIMER_DEFER_ACCEPT,
					 (uint64_t)l->defer_accept_s * 1000 * MS);
		return;
	}
	tcp_timer_set(s, TCP_TIMER_DEFER_ACCEPT, 0);
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

static void listen_input(struct inet_socket *l, const struct tcp_segment *seg)
{
	if (seg->flags & TCP_RST)
		return;
	if (seg->flags & TCP_ACK)
		tcp_send_reset_for(seg);
	else if (seg->flags & TCP_SYN)
		passive_open(l, seg);
}

static void syn_sent_input(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;
	uint8_t flags = seg->flags;
	bool ack_ok = (flags & TCP_ACK) && seg->ack == t->iss + 1;

	if ((flags & TCP_ACK) && !ack_ok) {
		if (!(flags & TCP_RST))
			tcp_send_segment(s, seg->ack, TCP_RST, 0, 0);
		return;
	}
	if (flags & TCP_RST) {
		if (ack_ok)
			tcp_enter_closed(s, ECONNREFUSED);
		return;
	}
	if (!(flags & TCP_SYN) || !ack_ok)
		return; /* simultaneous open is not supported */
	t->irs = seg->seq;
	t->rcv_nxt = seg->seq + 1;
	t->rcv_adv = t->rcv_nxt;
	t->snd_una = seg->ack;
	t->snd_wnd = seg->window;
	t->snd_wl1 = seg->seq;
	t->snd_wl2 = seg->ack;
	apply_syn_options(t, &seg->opts);
	handshake_done(t);
	tcp_timer_set(s, TCP_TIMER_RETRANSMIT, 0);
	t->retries = 0;
	tcp_send_ack(s);
	socket_changed(s);
}

/* A new connection on the old one's ports, with sequence numbers past the
 * old ones, ends a TIME_WAIT (RFC 9293, 3.6.1): a client that reuses its
 * port soon would otherwise be answered with ACKs until TIME_WAIT ends.
 * True if the segment was that. */
static bool reopened_from_time_wait(struct inet_socket *s, const struct tcp_segment *seg)
{
	if (s->tcp.state != TCP_TIME_WAIT ||
	    (seg->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN || !seq_lt(s->tcp.rcv_nxt, seg->seq))
		return false;
	tcp_enter_closed(s, 0);
	struct inet_socket *l = tcp_find_socket(seg->src, seg->sport, seg->dst, seg->dport);
	if (l && l->tcp.state == TCP_LISTEN)
		passive_open(l, seg);
	return true;
}

/* Whether a segment passes PAWS and overlaps the receive window (RFC 9293,
 * 3.10.7.4); answers those that do not. */
static bool acceptable(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;
	uint8_t flags = seg->flags;
	/* A bare ACK is let through whatever its timestamp, as Linux does: a
	 * reordered one is harmless, and answering it would send the peer
	 * duplicate ACKs, which it takes for loss. */
	bool bare_ack = !seg->len && !(flags & (TCP_SYN | TCP_FIN | TCP_RST));
	if (t->timestamps && seg->opts.timestamp && !bare_ack && !(flags & TCP_RST) &&
	    timestamp_too_old(t, seg->opts.ts_value)) {
		inet_stats.drop_old_timestamp++;
		tcp_send_ack(s);
		return false;
	}
	uint32_t rwnd = receive_window(s), seq = seg->seq;
	uint32_t seg_len = (uint32_t)seg->len + ((flags & TCP_FIN) ? 1 : 0);
	if (seg_len == 0 ? seq_le(t->rcv_nxt, seq) && seq_lt(seq, t->rcv_nxt + rwnd + 1)
			 : seq_lt(seq, t->rcv_nxt + rwnd) && seq_lt(t->rcv_nxt, seq + seg_len + 1))
		return true;
	/* With our window closed no segment is acceptable, but its ACK still
	 * counts (RFC 9293, 3.10.7.4): a peer that sent past the window would
	 * otherwise never see our data acknowledged, and we would never read
	 * to reopen the window. */
	if (!rwnd && (flags & TCP_ACK) && !(flags & (TCP_RST | TCP_SYN)) &&
	    t->state != TCP_SYN_RECEIVED) {
		struct tcp_segment ack_only = *seg;
		ack_only.len = 0;
		process_ack(s, &ack_only);
		tcp_output(s);
	}
	if (!(flags & TCP_RST))
		tcp_send_ack(s);
	return false;
}

/* In TIME_WAIT a reset is ignored (RFC 1337: it would cut the wait
 * short); once both FINs are out it ends the connection without an error,
 * since the application has all its data. */
static void reset_input(struct inet_socket *s)
{
	enum tcp_state st = s->tcp.state;

	if (st == TCP_TIME_WAIT)
		return;
	bool finished = st == TCP_CLOSING || st == TCP_LAST_ACK;
	tcp_enter_closed(s, finished ? 0 : st == TCP_SYN_RECEIVED ? ECONNREFUSED : ECONNRESET);
}

/* Our FIN acknowledged: the next state; false if the connection ended. */
static bool fin_acked(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	if (!tcp_fin_sent(t) || t->snd_una != t->snd_nxt)
		return true;
	if (t->state == TCP_FIN_WAIT_1) {
		t->state = TCP_FIN_WAIT_2;
	} else if (t->state == TCP_CLOSING) {
		tcp_enter_time_wait(s);
	} else if (t->state == TCP_LAST_ACK) {
		tcp_enter_closed(s, 0);
		return false;
	}
	return true;
}

static void fin_input(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;
	uint32_t end = seg->seq + (uint32_t)seg->len;

	if (!(seg->flags & TCP_FIN))
		return;
	if (end == t->rcv_nxt && !tcp_fin_received(t)) {
		if (t->state == TCP_ESTABLISHED)
			t->state = TCP_CLOSE_WAIT;
		else if (t->state == TCP_FIN_WAIT_1)
			t->state = TCP_CLOSING;
		t->rcv_nxt++;
		tcp_send_ack(s);
		socket_changed(s);
		if (t->state == TCP_FIN_WAIT_2)
			tcp_enter_time_wait(s);
	} else if (tcp_fin_received(t) && end + 1 == t->rcv_nxt) {
		/* The FIN again: our ACK of it was lost. Without a new one the
		 * peer retransmits until it gives up; in TIME_WAIT the wait
		 * starts over (RFC 9293, 3.10.7.4). */
		tcp_send_ack(s);
		if (t->state == TCP_TIME_WAIT)
			tcp_enter_time_wait(s);
	}
}

/* A segment for a synchronized connection (SYN_RECEIVED on). */
static void synchronized_input(struct inet_socket *s, const struct tcp_segment *seg)
{
	struct tcp_control *t = &s->tcp;

	if (reopened_from_time_wait(s, seg) || !acceptable(s, seg))
		return;
	if (seg->flags & TCP_RST) {
		reset_input(s);
		return;
	}
	if (seg->flags & TCP_SYN) { /* a SYN in a synchronized state: challenge ACK */
		tcp_send_ack(s);
		return;
	}
	if (!(seg->flags & TCP_ACK))
		return;
	/* The timestamp to echo: the one of the segment that our last ACK
	 * answered, or of a later one (RFC 7323, 4.3); never one of a reset or
	 * a stray SYN, which would make PAWS drop what follows. */
	if (t->timestamps && seg->opts.timestamp && seq_le(seg->seq, t->last_ack_sent))
		take_timestamp(t, seg->opts.ts_value);
	if (t->state == TCP_SYN_RECEIVED) {
		if (!seq_lt(t->snd_una, seg->ack) || !seq_le(seg->ack, t->snd_nxt)) {
			tcp_send_segment(s, seg->ack, TCP_RST, 0, 0);
			return;
		}
		handshake_done(t);
		t->snd_wnd = seg->window;
		t->snd_wl1 = seg->seq;
		t->snd_wl2 = seg->ack;
	}
	process_ack(s, seg);
	if (!fin_acked(s))
		return;
	/* New data for a socket the application has closed can never be read:
	 * say so with a reset (RFC 1122, 4.2.2.13; Linux does the same) rather
	 * than let the window close on a sender that would wait forever. */
	if (seg->len && !s->file && !t->listener &&
	    seq_lt(t->rcv_nxt, seg->seq + (uint32_t)seg->len)) {
		tcp_abort_lost_data(s);
		return;
	}
	if (seg->len && tcp_can_receive(t))
		accept_data(s, seg);
	fin_input(s, seg);
	if (t->listener && t->state != TCP_SYN_RECEIVED && !list_linked(&t->accept_link))
		tcp_offer_for_accept(s, false);
	tcp_output(s);
}

void tcp_input(uint32_t src, uint32_t dst, const uint8_t *raw, size_t len)
{
	struct tcp_segment seg;

	if (!parse_segment(src, dst, raw, len, &seg))
		return;
	struct inet_socket *s = tcp_find_socket(seg.src, seg.sport, seg.dst, seg.dport);
	if (!s || s->tcp.state == TCP_CLOSED) {
		inet_stats.drop_no_socket++;
		tcp_send_reset_for(&seg);
		return;
	}
	/* Windows in SYNs are never scaled (RFC 7323, 2.2). */
	if (s->tcp.wscale && !(seg.flags & TCP_SYN) && s->tcp.state != TCP_SYN_SENT)
		seg.window <<= s->tcp.snd_shift;
	if (s->tcp.state == TCP_LISTEN)
		listen_input(s, &seg);
	else if (s->tcp.state == TCP_SYN_SENT)
		syn_sent_input(s, &seg);
	else
		synchronized_input(s, &seg);
}
