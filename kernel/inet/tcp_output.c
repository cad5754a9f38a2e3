/*
 * tcp_output.c: TCP segments leaving: the header and options of each,
 * what the peer's window and the congestion window let go (with Nagle's
 * rule and TCP_CORK), the FIN, retransmission of the oldest segment, and
 * zero-window probes.
 */
#include "inet/tcp_private.h"

#define CORK_MAX (200 * MS) /* as Linux: a corked partial segment waits no longer */

/* Our timestamp clock: milliseconds, from a random start (RFC 7323,
 * 7.1). One start for every connection, not one each: a client that reuses
 * its port then sends a SYN whose timestamp is past the old connection's,
 * which a peer still in TIME_WAIT accepts (RFC 6191). */
uint32_t tcp_timestamp_now(void)
{
	static uint32_t offset;
	static bool chosen;

	if (!chosen) {
		offset = inet_random();
		chosen = true;
	}
	return (uint32_t)(inet_clock_ns() / MS) + offset;
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

/* The options of a segment carrying `len` bytes, after the fixed header;
 * returns their length. The SACK option goes on bare ACKs only: on data
 * it would take room the MSS counts on. */
static size_t write_options(struct inet_socket *s, uint8_t *o, uint8_t flags, size_t len)
{
	bool syn = flags & TCP_SYN;
	size_t n = 0;

	if (syn) {
		o[n++] = OPTION_MSS;
		o[n++] = 4;
		put16(o + n, OUR_MSS);
		n += 2;
	}
	if (syn && s->tcp.wscale) {
		o[n++] = OPTION_NOP;
		o[n++] = OPTION_WSCALE;
		o[n++] = 3;
		o[n++] = s->tcp.rcv_shift;
	}
	if (syn && s->tcp.sack) {
		o[n++] = OPTION_NOP;
		o[n++] = OPTION_NOP;
		o[n++] = OPTION_SACK_PERMITTED;
		o[n++] = 2;
	}
	if (s->tcp.timestamps && !(flags & TCP_RST)) {
		o[n++] = OPTION_NOP;
		o[n++] = OPTION_NOP;
		o[n++] = OPTION_TIMESTAMP;
		o[n++] = TIMESTAMP_SPACE - 2;
		put32(o + n, tcp_timestamp_now());
		put32(o + n + 4, (flags & TCP_ACK) ? s->tcp.ts_recent : 0);
		n += 8;
	}
	if ((flags & (TCP_ACK | TCP_SYN | TCP_RST)) == TCP_ACK && !len)
		n += tcp_sack_write(&s->tcp, o + n);
	return n;
}

void tcp_send_segment(struct inet_socket *s, uint32_t seq, uint8_t flags, size_t offset,
		      size_t len)
{
	static uint8_t frame[ETH_HEADER + ETH_MTU];
	uint8_t *tcp = frame + ETH_HEADER + IP_HEADER;
	size_t header = TCP_HEADER + write_options(s, tcp + TCP_HEADER, flags, len);

	put16(tcp, s->local_port);
	put16(tcp + 2, s->remote_port);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & TCP_ACK) ? s->tcp.rcv_nxt : 0);
	tcp[12] = (uint8_t)(header / 4) << 4;
	tcp[13] = flags;
	put16(tcp + 14, window_field(s, flags));
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (len)
		ring_peek(&s->sndbuf, offset, tcp + header, len);
	uint32_t sum = inet_pseudo_sum(inet_if.addr, s->remote_addr, IP_PROTO_TCP,
				       (uint16_t)(header + len));
	put16(tcp + 16, inet_fold(inet_sum(tcp, header + len, sum)));
	if (flags & TCP_ACK) {
		s->tcp.last_ack_sent = s->tcp.rcv_nxt;
		s->tcp.unacked_segments = 0;
		tcp_timer_set(s, TCP_TIMER_DELAYED_ACK, 0);
	}
	ipv4_send(frame + ETH_HEADER, s->remote_addr, IP_PROTO_TCP, header + len);
}

/* Into a closed window the peer takes only SEG.SEQ = RCV.NXT (RFC 9293,
 * 3.10.7.4): after a zero-window probe, snd_nxt is one past that. */
void tcp_send_ack(struct inet_socket *s)
{
	tcp_send_segment(s, s->tcp.snd_wnd ? s->tcp.snd_nxt : s->tcp.snd_una, TCP_ACK, 0, 0);
}

/* RFC 9293, 3.10.7.1: the reset takes its sequence number from the
 * segment's ACK, or else acknowledges all the segment occupied. */
void tcp_send_reset_for(const struct tcp_segment *seg)
{
	struct inet_socket tmp = { .local_addr = seg->dst, .remote_addr = seg->src,
				   .local_port = seg->dport, .remote_port = seg->sport };

	if (seg->flags & TCP_RST)
		return;
	inet_stats.tcp_resets_sent++;
	if (seg->flags & TCP_ACK) {
		tcp_send_segment(&tmp, seg->ack, TCP_RST, 0, 0);
	} else {
		tmp.tcp.rcv_nxt = seg->seq + (uint32_t)seg->len + ((seg->flags & TCP_SYN) ? 1 : 0) +
				  ((seg->flags & TCP_FIN) ? 1 : 0);
		tcp_send_segment(&tmp, 0, TCP_RST | TCP_ACK, 0, 0);
	}
}

/* The FIN is sent (on its own or on the last data segment): it takes a
 * sequence number, and the state says it is out. */
static void fin_sent(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	t->snd_nxt++;
	if (t->state == TCP_ESTABLISHED)
		t->state = TCP_FIN_WAIT_1;
	else if (t->state == TCP_CLOSE_WAIT)
		t->state = TCP_LAST_ACK;
	if (!tcp_timer_armed(s, TCP_TIMER_RETRANSMIT))
		tcp_timer_arm_in(s, TCP_TIMER_RETRANSMIT, t->rto_ns);
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
		if (!tcp_timer_armed(s, TCP_TIMER_CORK))
			tcp_timer_arm_in(s, TCP_TIMER_CORK, CORK_MAX);
		if (inet_clock_ns() < t->deadline[TCP_TIMER_CORK])
			return true;
		t->cork_lifted = true;
		tcp_timer_set(s, TCP_TIMER_CORK, 0);
	}
	return !s->nodelay && flight;
}

/* Sends one segment of new data if the windows and hold_partial let it
 * go; false when nothing more can go now. */
static bool send_new_data(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	uint32_t flight = data_in_flight(s);
	size_t unsent = s->sndbuf.len - flight;
	uint32_t window = t->snd_wnd < t->cwnd ? t->snd_wnd : t->cwnd;

	if (!unsent || tcp_fin_sent(t))
		return false;
	if (window <= flight) {
		if (!t->snd_wnd && !flight && !tcp_timer_armed(s, TCP_TIMER_PERSIST))
			tcp_timer_arm_in(s, TCP_TIMER_PERSIST, t->rto_ns);
		return false;
	}
	size_t len = unsent;
	if (len > window - flight)
		len = window - flight;
	if (len > t->mss)
		len = t->mss;
	if (len < t->mss && hold_partial(s, flight))
		return false;
	bool with_fin = t->fin_pending && len == unsent;
	tcp_send_segment(s, t->snd_nxt, TCP_ACK | TCP_PSH | (with_fin ? TCP_FIN : 0), flight, len);
	if (!t->rtt_timing) {
		t->rtt_timing = true;
		t->rtt_seq = t->snd_nxt;
		t->rtt_start_ns = inet_clock_ns();
	}
	t->snd_nxt += (uint32_t)len;
	if (!tcp_timer_armed(s, TCP_TIMER_RETRANSMIT))
		tcp_timer_arm_in(s, TCP_TIMER_RETRANSMIT, t->rto_ns);
	if (with_fin)
		fin_sent(s);
	return true;
}

void tcp_output(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;

	if (!tcp_may_transmit(t))
		return;
	while (send_new_data(s))
		;
	if (data_in_flight(s) == s->sndbuf.len) {
		tcp_timer_set(s, TCP_TIMER_CORK, 0);
		t->cork_lifted = false;
	}
	if (t->fin_pending && !tcp_fin_sent(t) && in_flight(s) == s->sndbuf.len) {
		tcp_send_segment(s, t->snd_nxt, TCP_FIN | TCP_ACK, 0, 0);
		fin_sent(s);
	}
}

void tcp_retransmit_first(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	/* Only bytes sent before: a retransmission that reached past snd_nxt
	 * would be ACKed beyond it, and such ACKs are ignored. */
	size_t len = data_in_flight(s);
	bool fin = tcp_fin_sent(t);

	if (len > t->mss)
		len = t->mss;
	if (seq_lt(t->rexmit_next, t->snd_una + (uint32_t)len))
		t->rexmit_next = t->snd_una + (uint32_t)len; /* for tcp_sack.c */
	inet_stats.tcp_retransmits++;
	t->rtt_timing = false; /* Karn: no samples from retransmitted data */
	if (t->state == TCP_SYN_SENT) {
		tcp_send_segment(s, t->iss, TCP_SYN, 0, 0);
	} else if (t->state == TCP_SYN_RECEIVED) {
		tcp_send_segment(s, t->iss, TCP_SYN | TCP_ACK, 0, 0);
	} else if (len) {
		inet_stats.tcp_retransmitted_bytes += len;
		tcp_send_segment(s, t->snd_una,
				 TCP_ACK | TCP_PSH | (fin && len == data_in_flight(s) ? TCP_FIN : 0),
				 0, len);
	} else if (fin) {
		tcp_send_segment(s, t->snd_nxt - 1, TCP_FIN | TCP_ACK, 0, 0);
	}
}

void tcp_probe_window(struct inet_socket *s)
{
	struct tcp_control *t = &s->tcp;
	uint32_t flight = in_flight(s);

	if (s->sndbuf.len <= flight)
		return;
	tcp_send_segment(s, t->snd_nxt, TCP_ACK, flight, 1);
	t->snd_nxt++;
	if (!tcp_timer_armed(s, TCP_TIMER_RETRANSMIT))
		tcp_timer_arm_in(s, TCP_TIMER_RETRANSMIT, t->rto_ns);
}
