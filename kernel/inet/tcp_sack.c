/*
 * tcp_sack.c: selective acknowledgements (RFC 2018), used when both SYNs
 * carry SACK-permitted.
 *
 * As receiver: the ACKs sent while data waits ahead of a hole (the
 * duplicate ACKs that tell the peer of a loss) carry the ranges held,
 * newest first, so the peer resends only what is missing.
 *
 * As sender: the blocks of the peer's ACKs make a scoreboard of what it
 * holds above snd_una. In recovery each ACK lets the next hole go (RFC
 * 6675's NextSeg, simplified: data below the highest SACKed byte that is
 * neither SACKed nor retransmitted in this recovery), so several losses in
 * one window are repaired in one round trip instead of one a round trip
 * (NewReno, which is what remains without SACK), and nothing the peer
 * holds is sent again. SACKed data stays in the send buffer until it is
 * acknowledged: a peer may forget what it SACKed (RFC 2018, 8), and the
 * retransmission timeout then sends it from snd_una.
 */
#include "inet/tcp_private.h"

#define OPTION_SPACE 40 /* the most a TCP header holds */

bool tcp_ranges_add(struct tcp_range *ranges, unsigned *count, unsigned max, uint32_t start,
		    uint32_t end)
{
	/* Merge with every range it touches. */
	for (unsigned i = 0; i < *count;) {
		struct tcp_range *r = &ranges[i];
		if (seq_lt(end, r->start) || seq_lt(r->end, start)) {
			i++;
			continue;
		}
		if (seq_lt(r->start, start))
			start = r->start;
		if (seq_lt(end, r->end))
			end = r->end;
		*r = ranges[--*count];
	}
	if (*count == max)
		return false;
	ranges[(*count)++] = (struct tcp_range){ start, end };
	return true;
}

size_t tcp_sack_write(const struct tcp_control *t, uint8_t *o)
{
	size_t room = OPTION_SPACE - (t->timestamps ? TIMESTAMP_SPACE : 0);

	if (!t->sack || !t->ahead_count)
		return 0;
	unsigned n = (unsigned)(room - 4) / 8; /* after two NOPs, kind and length */
	if (n > SACK_BLOCKS_MAX)
		n = SACK_BLOCKS_MAX;
	if (n > t->ahead_count)
		n = t->ahead_count;
	o[0] = o[1] = OPTION_NOP;
	o[2] = OPTION_SACK;
	o[3] = (uint8_t)(2 + 8 * n);
	/* keep_ahead puts the range it last grew at the end */
	for (unsigned i = 0; i < n; i++) {
		const struct tcp_range *r = &t->ahead[t->ahead_count - 1 - i];
		put32(o + 4 + 8 * i, r->start);
		put32(o + 8 + 8 * i, r->end);
	}
	return 4 + 8 * n;
}

/* The scoreboard forgets what lies below `una`. */
static void forget_below(struct tcp_control *t, uint32_t una)
{
	for (unsigned i = 0; i < t->sacked_count;) {
		struct tcp_range *r = &t->sacked[i];
		if (seq_le(r->end, una)) {
			*r = t->sacked[--t->sacked_count];
			continue;
		}
		if (seq_lt(r->start, una))
			r->start = una;
		i++;
	}
}

void tcp_sack_update(struct tcp_control *t, const struct tcp_segment *seg)
{
	bool advances = seq_lt(t->snd_una, seg->ack) && seq_le(seg->ack, t->snd_nxt);
	uint32_t una = advances ? seg->ack : t->snd_una;

	forget_below(t, una);
	for (unsigned i = 0; i < seg->opts.sack_blocks; i++) {
		uint32_t start = seg->opts.sack[i].start, end = seg->opts.sack[i].end;
		/* Only what was sent and is not yet acknowledged: a block below
		 * the ACK (a D-SACK) or past snd_nxt says nothing of use. */
		if (!seq_lt(start, end) || !seq_lt(una, end) || seq_lt(t->snd_nxt, end))
			continue;
		if (seq_lt(start, una))
			start = una;
		tcp_ranges_add(t->sacked, &t->sacked_count, TCP_SACKED_MAX, start, end);
	}
}

/* The first sequence number at or after seq that the scoreboard does not
 * cover. */
static uint32_t past_sacked(const struct tcp_control *t, uint32_t seq)
{
	for (bool moved = true; moved;) {
		moved = false;
		for (unsigned i = 0; i < t->sacked_count; i++) {
			const struct tcp_range *r = &t->sacked[i];
			if (seq_le(r->start, seq) && seq_lt(seq, r->end)) {
				seq = r->end;
				moved = true;
			}
		}
	}
	return seq;
}

bool tcp_sack_retransmit_hole(struct inet_socket *s, bool *known)
{
	struct tcp_control *t = &s->tcp;

	*known = t->sacked_count > 0;
	uint32_t seq = past_sacked(t, seq_lt(t->rexmit_next, t->snd_una) ? t->snd_una
									  : t->rexmit_next);
	/* A hole ends where SACKed data begins; with none above, it is no
	 * hole, only data still on its way. */
	bool bounded = false;
	uint32_t end = 0;
	for (unsigned i = 0; i < t->sacked_count; i++) {
		uint32_t start = t->sacked[i].start;
		if (seq_lt(seq, start) && (!bounded || seq_lt(start, end))) {
			end = start;
			bounded = true;
		}
	}
	uint32_t offset = seq - t->snd_una, data = data_in_flight(s);
	if (!bounded || offset >= data)
		return false;
	size_t len = end - seq;
	if (len > data - offset)
		len = data - offset;
	if (len > t->mss)
		len = t->mss;
	inet_stats.tcp_retransmits++;
	inet_stats.tcp_retransmitted_bytes += len;
	t->rtt_timing = false; /* Karn */
	tcp_send_segment(s, seq, TCP_ACK | TCP_PSH, offset, len);
	t->rexmit_next = seq + (uint32_t)len;
	return true;
}
