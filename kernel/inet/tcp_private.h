/*
 * tcp_private.h: what the files of TCP share and nobody else sees: the
 * wire format's constants, a parsed segment, the names of the state sets,
 * and what each file offers the others.
 *
 *   tcp_connection.c  a connection's life: opening, lookup, buffers, closing
 *   tcp_input.c       segments arriving: parsing, the state machine, ACKs, data
 *   tcp_output.c      segments leaving: what the windows allow, retransmission
 *   tcp_sack.c        SACK: the blocks we send, the scoreboard of those we get
 *   tcp_timer.c       deadlines, and the wheel that finds the due ones
 *   tcp_user.c        the socket layer's calls and queries (socket.h)
 *
 * TCP (RFC 9293), with retransmission timing per RFC 6298 and congestion
 * control per RFC 5681 (slow start, congestion avoidance, fast retransmit
 * and recovery). Options: MSS, and window scaling and timestamps (RFC 7323)
 * and SACK (RFC 2018, tcp_sack.c) when both SYNs carry them.
 *
 * The send buffer holds every byte from snd_una on: unacknowledged bytes
 * first, then bytes not yet sent. SYN and FIN take a sequence number but no
 * buffer space.
 */
#ifndef LULL_INET_TCP_PRIVATE_H
#define LULL_INET_TCP_PRIVATE_H

#include "inet/inet.h"
#include "inet/socket.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define OPTION_SACK_PERMITTED 4
#define OPTION_SACK 5
#define OPTION_TIMESTAMP 8
#define WSCALE_MAX 14 /* RFC 7323, 2.3 */
#define TIMESTAMP_SPACE 12 /* two NOPs, kind, length, value, echo */

#define OUR_MSS (ETH_MTU - IP_HEADER - TCP_HEADER)
#define MS 1000000ULL
#define RTO_MAX (60000 * MS)

/* The most SACK blocks one segment carries (RFC 2018, 3: four fit in the
 * option space, three beside timestamps). */
#define SACK_BLOCKS_MAX 4

/* What a segment's options say. */
struct tcp_options {
	int mss, wscale; /* -1: absent */
	bool timestamp;
	uint32_t ts_value, ts_echo;
	bool sack_permitted;
	unsigned sack_blocks;
	struct tcp_range sack[SACK_BLOCKS_MAX];
};

/* An arriving segment, its header read once (tcp_input.c). */
struct tcp_segment {
	uint32_t src, dst; /* addresses, host byte order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t window; /* scaled, once the connection says by how much */
	uint8_t flags;
	struct tcp_options opts;
	const uint8_t *data;
	size_t len; /* of the data */
};

/* Sequence-number comparisons modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* The state sets. The application may still queue data: */
static inline bool tcp_can_send(const struct tcp_control *t)
{
	return t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT;
}

/* Data and a FIN may go out (or be retransmitted): */
static inline bool tcp_may_transmit(const struct tcp_control *t)
{
	return tcp_can_send(t) || t->state == TCP_FIN_WAIT_1 || t->state == TCP_CLOSING ||
	       t->state == TCP_LAST_ACK;
}

/* The peer's data is still taken: */
static inline bool tcp_can_receive(const struct tcp_control *t)
{
	return t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT_1 ||
	       t->state == TCP_FIN_WAIT_2;
}

static inline bool tcp_handshaking(const struct tcp_control *t)
{
	return t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED;
}

/* Our FIN has its sequence number: every state after ESTABLISHED and
 * CLOSE_WAIT that sending it leads to. */
static inline bool tcp_fin_sent(const struct tcp_control *t)
{
	return t->state == TCP_FIN_WAIT_1 || t->state == TCP_FIN_WAIT_2 ||
	       t->state == TCP_CLOSING || t->state == TCP_LAST_ACK || t->state == TCP_TIME_WAIT;
}

/* The peer's FIN was taken (in CLOSED it no longer matters). */
static inline bool tcp_fin_received(const struct tcp_control *t)
{
	return t->state == TCP_CLOSE_WAIT || t->state == TCP_CLOSING ||
	       t->state == TCP_LAST_ACK || t->state == TCP_TIME_WAIT;
}

static inline uint32_t receive_window(const struct inet_socket *s)
{
	return (uint32_t)ring_free_space(&s->rcvbuf);
}

static inline uint32_t in_flight(const struct inet_socket *s)
{
	return s->tcp.snd_nxt - s->tcp.snd_una;
}

/* The bytes of the send buffer that are in flight: the FIN, once sent,
 * takes a sequence number but no byte. */
static inline uint32_t data_in_flight(const struct inet_socket *s)
{
	return in_flight(s) - (tcp_fin_sent(&s->tcp) ? 1 : 0);
}

/* tcp_connection.c */
bool tcp_init_buffers(struct inet_socket *s);
void tcp_init_connection(struct inet_socket *s);
size_t tcp_buffer_limit(int requested);
bool tcp_grow_buffer(struct ring *r, size_t limit);
void tcp_lookup_add(struct inet_socket *s);
struct inet_socket *tcp_find_socket(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);
void tcp_enter_closed(struct inet_socket *s, int error);
void tcp_abort_lost_data(struct inet_socket *s);
void tcp_release_buffers(struct inet_socket *s);
void tcp_enter_time_wait(struct inet_socket *s);
void tcp_enter_recovery(struct tcp_control *t);

/* tcp_output.c */
uint32_t tcp_timestamp_now(void);
/* Writes and sends one segment. Data, if any, comes from the send buffer
 * at `offset` bytes past snd_una. */
void tcp_send_segment(struct inet_socket *s, uint32_t seq, uint8_t flags, size_t offset,
		      size_t len);
void tcp_send_ack(struct inet_socket *s);
/* A reset for a segment that belongs to no connection. */
void tcp_send_reset_for(const struct tcp_segment *seg);
/* Sends what the windows allow; then the FIN, if one is due. */
void tcp_output(struct inet_socket *s);
/* Sends the oldest unacknowledged segment again (SYN, data or FIN). */
void tcp_retransmit_first(struct inet_socket *s);
/* Zero-window probe: one byte past the window (RFC 9293, 3.8.6.1). */
void tcp_probe_window(struct inet_socket *s);

/* tcp_timer.c: a deadline of 0 disarms; arming asks the stack's timer to
 * run by then. */
void tcp_timer_set(struct inet_socket *s, enum tcp_timer which, uint64_t deadline);
void tcp_timer_arm_in(struct inet_socket *s, enum tcp_timer which, uint64_t delay_ns);
/* Disarms the timers whose bits (1 << enum tcp_timer) are in `mask`. */
void tcp_timers_stop(struct inet_socket *s, unsigned mask);
#define TCP_TIMERS_ALL ((1u << TCP_TIMER_COUNT) - 1)

static inline bool tcp_timer_armed(const struct inet_socket *s, enum tcp_timer which)
{
	return s->tcp.deadline[which] != 0;
}

/* tcp_sack.c */
/* Adds [start, end) to a set of disjoint ranges, merged with those it
 * touches; false if it touches none and the set is full. */
bool tcp_ranges_add(struct tcp_range *ranges, unsigned *count, unsigned max, uint32_t start,
		    uint32_t end);
/* Writes the SACK option of a bare ACK (the ranges held ahead of a hole,
 * in the room the other options leave) at o; returns its length, 0 if
 * there is nothing to say. */
size_t tcp_sack_write(const struct tcp_control *t, uint8_t *o);
/* An acceptable ACK's SACK blocks go on the scoreboard, which forgets what
 * the ACK covers. */
void tcp_sack_update(struct tcp_control *t, const struct tcp_segment *seg);
/* In recovery: retransmits the next hole the scoreboard shows (data not
 * SACKed, below data that is, not yet retransmitted); false if it shows
 * none or the scoreboard is empty (`known` says which). */
bool tcp_sack_retransmit_hole(struct inet_socket *s, bool *known);

/* tcp_input.c */
void tcp_offer_for_accept(struct inet_socket *s, bool expired);

#endif
