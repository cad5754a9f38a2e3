/* test_tcp_sack.c: selective acknowledgements (RFC 2018) in
 * kernel/inet/tcp_sack.c: negotiated only when both SYNs offer them, SACK
 * blocks on the ACKs of data ahead of a hole, and holes retransmitted from
 * the peer's blocks, all in one round trip and none of what it holds. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define SEGMENT 1460
#define PEER_SACK ((struct peer_syn){ .mss = 1460, .wscale = -1, .window = 65535, .sack = true })

static void negotiated_only_when_both_offer(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	assert_false(c.s->tcp.sack);
	open_active(&c, PEER_SACK);
	assert_true(c.s->tcp.sack);
	/* Passive: the SYN-ACK answers the offer, and only an offer. */
	open_passive(&c, PEER_SACK);
	assert_true(c.s->tcp.sack);
}

/* The peer sends `len` bytes at `offset` past its next sequence number,
 * without moving it: data ahead of a hole. */
static void peer_data_at(struct conn *c, uint32_t offset, size_t len)
{
	struct segment seg = peer_segment(c, ACK | PSH);

	seg.seq = c->theirs + offset;
	seg.len = len;
	memset(seg.data, 'x', len);
	peer_send(&seg);
}

static void expect_block(const struct segment *s, unsigned i, uint32_t start, uint32_t end)
{
	assert_true(i < s->sack_blocks);
	assert_int_equal(s->sack[i][0], start);
	assert_int_equal(s->sack[i][1], end);
}

static void data_ahead_of_a_hole_is_sacked(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_SACK);
	uint32_t base = c.theirs;
	peer_data_at(&c, 100, 100);
	struct segment ack = expect(ACK, c.ours, base, 0);
	assert_int_equal(ack.sack_blocks, 1);
	expect_block(&ack, 0, base + 100, base + 200);
	/* The newest range first, then the older. */
	peer_data_at(&c, 300, 100);
	ack = expect(ACK, c.ours, base, 0);
	assert_int_equal(ack.sack_blocks, 2);
	expect_block(&ack, 0, base + 300, base + 400);
	expect_block(&ack, 1, base + 100, base + 200);
	/* The first hole filled: the ACK moves, one range is left. */
	peer_data_at(&c, 0, 100);
	ack = expect(ACK, c.ours, base + 200, 0);
	assert_int_equal(ack.sack_blocks, 1);
	expect_block(&ack, 0, base + 300, base + 400);
	/* Without SACK, the same duplicate ACK says nothing more. */
	open_active(&c, PEER_DEFAULT);
	peer_data_at(&c, 100, 100);
	ack = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(ack.sack_blocks, 0);
}

/* A duplicate ACK of `first` from the peer, with the given blocks
 * (offsets past `first`, in segments). */
static void peer_sack(struct conn *c, uint32_t first, unsigned blocks, const unsigned (*b)[2])
{
	struct segment seg = peer_segment(c, ACK);

	seg.ack = first;
	seg.sack_blocks = blocks;
	for (unsigned i = 0; i < blocks; i++) {
		seg.sack[i][0] = first + b[i][0] * SEGMENT;
		seg.sack[i][1] = first + b[i][1] * SEGMENT;
	}
	peer_send(&seg);
}

/* A connection with SACK and `n` full segments in flight; returns the
 * first one's sequence number. */
static uint32_t segments_in_flight(struct conn *c, unsigned n)
{
	open_active(c, PEER_SACK);
	c->s->nodelay = true;
	uint32_t first = c->ours;
	assert_int_equal(app_send(c, n * SEGMENT), n * SEGMENT);
	for (unsigned i = 0; i < n; i++)
		expect_data(c, SEGMENT);
	return first;
}

/* Eight segments out; the peer lost the first and the fourth. */
static void both_holes_in_one_round_trip(void **state)
{
	(void)state;
	struct conn c;
	uint32_t first = segments_in_flight(&c, 8);

	/* Segments 2, 3, 5, 6, 7, 8 arrive, each drawing a duplicate ACK. */
	peer_sack(&c, first, 1, (const unsigned[][2]){ { 1, 2 } });
	peer_sack(&c, first, 1, (const unsigned[][2]){ { 1, 3 } });
	expect_nothing();
	/* The third: fast retransmit of the first hole. */
	peer_sack(&c, first, 2, (const unsigned[][2]){ { 4, 5 }, { 1, 3 } });
	expect(ACK | PSH, first, c.theirs, SEGMENT);
	/* The fourth: the second hole at once, not a round trip later. */
	peer_sack(&c, first, 2, (const unsigned[][2]){ { 4, 6 }, { 1, 3 } });
	expect(ACK | PSH, first + 3 * SEGMENT, c.theirs, SEGMENT);
	/* No more holes: what the peer holds is never sent again. */
	peer_sack(&c, first, 2, (const unsigned[][2]){ { 4, 7 }, { 1, 3 } });
	peer_sack(&c, first, 2, (const unsigned[][2]){ { 4, 8 }, { 1, 3 } });
	expect_nothing();
	assert_int_equal(inet_stats.tcp_retransmits, 2);
	assert_int_equal(inet_stats.tcp_retransmitted_bytes, 2 * SEGMENT);
	/* The retransmissions arrive: everything is acknowledged. */
	peer_ack(&c, first + 3 * SEGMENT, 65535);
	expect_nothing();
	peer_ack(&c, c.ours, 65535);
	assert_false(c.s->tcp.in_recovery);
	assert_int_equal(c.s->tcp.sacked_count, 0);
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_RETRANSMIT], 0);
	expect_nothing();
}

/* Blocks outside what is in flight, or below the ACK (D-SACK), are not
 * believed. */
static void implausible_blocks_ignored(void **state)
{
	(void)state;
	struct conn c;
	uint32_t first = segments_in_flight(&c, 2);

	peer_sack(&c, first, 2, (const unsigned[][2]){ { 1, 3 }, { 2, 1 } });
	assert_int_equal(c.s->tcp.sacked_count, 0);
	struct segment seg = peer_segment(&c, ACK);
	seg.ack = first + SEGMENT;
	seg.sack_blocks = 1;
	seg.sack[0][0] = first;
	seg.sack[0][1] = first + SEGMENT;
	peer_send(&seg);
	assert_int_equal(c.s->tcp.sacked_count, 0);
	assert_int_equal(c.s->tcp.snd_una, first + SEGMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(negotiated_only_when_both_offer, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(data_ahead_of_a_hole_is_sacked, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(both_holes_in_one_round_trip, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(implausible_blocks_ignored, harness_setup,
						harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
