/*
 * tcp_control.h: a TCP connection's own state, as it sits inside its
 * socket (socket.h embeds it, so its layout must be visible there). Only
 * the tcp_*.c files read or write it; the socket layer asks the queries
 * that socket.h declares, and tests may look.
 */
#ifndef LULL_INET_TCP_CONTROL_H
#define LULL_INET_TCP_CONTROL_H

#include "lib/list.h"

#include <stdbool.h>
#include <stdint.h>

/* Out-of-order ranges a connection keeps; more holes than this and later
 * segments are dropped (and retransmitted by the peer). */
#define TCP_AHEAD_MAX 8
/* Ranges the peer's SACK blocks reported that a connection remembers;
 * beyond that, what it SACKs counts as not received. */
#define TCP_SACKED_MAX 8

struct inet_socket;

enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* A connection's deadlines, in the order tcp_timer.c runs those that are
 * due: TIME_WAIT's end and a retransmission that gives up end the
 * connection, so nothing after them runs. */
enum tcp_timer {
	TCP_TIMER_TIME_WAIT,
	TCP_TIMER_DELAYED_ACK,
	TCP_TIMER_RETRANSMIT,
	TCP_TIMER_DEFER_ACCEPT, /* TCP_DEFER_ACCEPT: queued for accept by then */
	TCP_TIMER_CORK,         /* TCP_CORK holds a partial segment until then */
	TCP_TIMER_PERSIST,      /* the next zero-window probe */
	TCP_TIMER_COUNT,
};

struct tcp_control {
	enum tcp_state state;
	/* connect() or a passive open has begun; the buffers alone cannot
	 * tell, since TIME_WAIT gives them back (tcp_connection.c) */
	bool opened;
	uint32_t iss, irs;
	uint32_t snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2;
	uint32_t rcv_nxt;
	uint16_t mss; /* the peer's */
	/* Window scaling (RFC 7323): whether both SYNs carried the option (in
	 * SYN_SENT: whether ours does), and the shifts for the peer's windows
	 * and for ours. */
	bool wscale;
	uint8_t snd_shift, rcv_shift;
	/* Timestamps (RFC 7323): whether both SYNs carried the option (in
	 * SYN_SENT: whether ours does); the peer's value to echo, and when it
	 * was taken (PAWS); the ACK field we last sent. */
	bool timestamps;
	uint32_t ts_recent, last_ack_sent;
	uint64_t ts_recent_ns;
	/* SACK (RFC 2018): whether both SYNs carried SACK-permitted (in
	 * SYN_SENT: whether ours does). */
	bool sack;
	/* The right edge of the receive window we offered, and whether that
	 * window was more than half the buffer when the edge last moved. */
	uint32_t rcv_adv;
	bool rcv_adv_wide;
	uint32_t cwnd, ssthresh;
	unsigned dupacks;
	bool in_recovery; /* until snd_una reaches recover (RFC 6582) */
	uint32_t recover;
	bool fin_pending; /* the application is done sending: a FIN is due */
	/* RFC 6298 */
	uint64_t srtt_ns, rttvar_ns, rto_ns;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start_ns;
	unsigned retries;
	/* 0: not armed. Set only through tcp_timer_set (tcp_timer.c), which
	 * files the connection in the timer wheel under the earliest. */
	uint64_t deadline[TCP_TIMER_COUNT];
	struct list_node wheel_link; /* in a wheel slot, or the far list */
	uint64_t wheel_when;         /* the deadline it is filed under; 0: not filed */
	unsigned wheel_slot;         /* which slot (the slot count: the far list) */
	bool cork_lifted; /* the cork holds nothing: its time passed, or TCP_NODELAY was set */
	unsigned unacked_segments;
	/* Data received ahead of a hole, already in the receive ring's free
	 * space: sequence ranges [start, end), disjoint, unordered. */
	struct tcp_range {
		uint32_t start, end;
	} ahead[TCP_AHEAD_MAX];
	unsigned ahead_count;
	/* The scoreboard: what the peer's SACK blocks say it holds above
	 * snd_una, ranges as ahead's; and in recovery, where the next
	 * retransmission of a hole may start (RFC 6675's HighRxt). */
	struct tcp_range sacked[TCP_SACKED_MAX];
	unsigned sacked_count;
	uint32_t rexmit_next;
	/* passive open: the listener while in SYN_RECEIVED, deferred
	 * (TCP_DEFER_ACCEPT) or waiting in its accept queue */
	struct inet_socket *listener;
	struct list_node accept_link;
};

#endif
