/*
 * tcp_harness.h: the TCP unit tests' side of the wire. The stack (the
 * portable kernel/inet files on tests/net/host_platform.c) sits on a fake
 * network device that keeps every frame it sends; the test plays the peer,
 * crafting segments with correct checksums and reading back the stack's,
 * and moves the clock by hand.
 */
#ifndef LULL_TEST_TCP_HARNESS_H
#define LULL_TEST_TCP_HARNESS_H

#include "peer_frames.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS 1000000ULL
#define STACK_ADDR 0x0a000002u /* 10.0.0.2 */
#define PEER_ADDR 0x0a000001u  /* 10.0.0.1, on the same subnet */
#define PEER_PORT 40000
#define SERVER_PORT 80
#define PEER_ISS 0x10000000u
#define STACK_MSS 1460
#define TCP_HEADER_BYTES 20

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

/* A socket's owner, as far as the stack cares: non-NULL s->file. */
struct file {
	int unused;
};
extern struct file test_owner;
/* SO_REUSEADDR on the listeners handshake_passive makes; false again at
 * each harness_setup. */
extern bool listener_reuse_addr;

/* A segment, as the peer sends it or as the stack sent it. */
struct segment {
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t window;
	int mss;    /* MSS option, -1: none */
	int wscale; /* window scale option, -1: none */
	bool timestamp; /* timestamps option (RFC 7323) */
	uint32_t ts_value, ts_echo;
	bool sack_permitted; /* SACK-permitted option (RFC 2018) */
	unsigned sack_blocks; /* SACK option: this many [start, end) blocks */
	uint32_t sack[4][2];
	size_t len;
	uint8_t data[1500];
};

/* cmocka setup and teardown: a fresh stack, clock and wire per test. */
int harness_setup(void **state);
int harness_teardown(void **state);

/* The clock, in nanoseconds since the test began. */
uint64_t now_ms(void);
/* Moves the clock on and runs the stack's timers that are due. */
void advance_ms(uint64_t ms);

/* Frames the stack has sent and the test has not read. */
unsigned pending(void);
/* Takes the oldest frame (which must be a TCP segment). */
struct segment take(void);
/* Takes the oldest frame, which must have these flags, sequence and
 * acknowledgement numbers (ack ignored without ACK) and length. */
struct segment expect(uint8_t flags, uint32_t seq, uint32_t ack, size_t len);
void expect_nothing(void);
/* Throws away what was sent. */
void drain(void);

/* The peer sends a segment: port, options, data and all. */
void peer_send(const struct segment *seg);

/* A connection between the stack and the peer, and where each side's
 * sequence numbers stand: `ours` is the stack's next sequence number,
 * `theirs` the peer's. */
struct conn {
	struct inet_socket *s, *listener;
	uint16_t port; /* the stack's */
	uint32_t ours, theirs;
	uint16_t peer_window; /* the window field of the peer's segments */
	/* With timestamps: what the peer's segments carry (its clock, and
	 * the stack's value it echoes). */
	bool timestamps;
	uint32_t peer_clock, echo;
	struct segment handshake; /* the stack's SYN or SYN-ACK */
};

/* Options the peer puts in its SYN or SYN-ACK (-1: leave out). */
struct peer_syn {
	int mss, wscale;
	uint16_t window;
	bool timestamps, sack;
	uint32_t clock; /* the peer's first timestamp */
};
#define PEER_DEFAULT ((struct peer_syn){ .mss = 1460, .wscale = -1, .window = 65535 })

/* connect() from the stack; the peer answers with a SYN-ACK carrying `p`;
 * the handshake's ACK is checked and taken. */
void open_active(struct conn *c, struct peer_syn p);
/* listen() on SERVER_PORT (backlog 16), SYN from the peer, SYN-ACK
 * checked, the peer's ACK; the child is accepted and owned. */
void open_passive(struct conn *c, struct peer_syn p);
/* The same up to the peer's ACK, with the listener's TCP_DEFER_ACCEPT set
 * to defer_accept_s; nothing is accepted (c->s stays NULL). */
void handshake_passive(struct conn *c, struct peer_syn p, int defer_accept_s);

/* The peer sends data (with ACK of all the stack sent) or a bare ACK. */
void peer_data(struct conn *c, const void *data, size_t len);
void peer_ack(struct conn *c, uint32_t ack, uint16_t window);
/* Flags with the peer's current sequence number and an ACK of c->ours. */
void peer_flags(struct conn *c, uint8_t flags, uint16_t window);
/* The segment the peer would send with these flags, to change and send. */
struct segment peer_segment(struct conn *c, uint8_t flags);

/* Data the stack sends: the next segment must carry `len` bytes at
 * c->ours (flags ACK|PSH); c->ours moves past them. */
struct segment expect_data(struct conn *c, size_t len);

/* tcp_send of len pattern bytes; returns what the call returned. */
long app_send(struct conn *c, size_t len);

/* shutdown(SHUT_WR): the FIN goes, and the state is FIN_WAIT_1. */
void send_fin(struct conn *c);
/* Our FIN, the peer's ACK, then its FIN, which the stack ACKs: TIME_WAIT. */
void close_to_time_wait(struct conn *c);

unsigned tcp_socket_count(void);

#endif
