/* test_tcp_timestamps.c: TCP timestamps (RFC 7323) in kernel/inet/tcp_*.c:
 * negotiation, echoing, RTT samples from retransmitted data, and PAWS. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define PEER_TIMESTAMPS                                                                   \
	((struct peer_syn){ .mss = 1460, .wscale = -1, .window = 65535, .timestamps = true, \
			    .clock = 5000 })
#define TIMESTAMP_SPACE 12
#define RTO_MIN_MS 200

static void offered_in_syn_and_used_when_answered(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_TIMESTAMPS);
	assert_true(c.handshake.timestamp);
	assert_int_equal(c.handshake.ts_echo, 0);
	assert_int_equal(app_send(&c, 10), 10);
	struct segment s = expect_data(&c, 10);
	assert_true(s.timestamp);
	assert_true(s.ts_value - c.handshake.ts_value < 10); /* milliseconds */
}

static void not_used_unless_both_syns_carry_them(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	assert_true(c.handshake.timestamp);
	assert_int_equal(app_send(&c, STACK_MSS), STACK_MSS);
	assert_false(expect_data(&c, STACK_MSS).timestamp);
}

/* Every segment echoes the value of the segment our last ACK answered,
 * and carries less data, so that it still fits the peer's MSS. */
static void echoed_and_counted_against_the_mss(void **state)
{
	(void)state;
	struct conn c;
	char buf[16];

	open_passive(&c, PEER_TIMESTAMPS);
	assert_int_equal(c.handshake.ts_echo, 5000);
	c.peer_clock = 5007;
	peer_data(&c, "hello", 5);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 5);
	size_t room = STACK_MSS - TIMESTAMP_SPACE;
	assert_int_equal(app_send(&c, 2 * room), 2 * room);
	assert_int_equal(expect_data(&c, room).ts_echo, 5007);
	expect_data(&c, room);
	expect_nothing();
}

/* The RTO backs off while a segment goes unanswered; the ACK of its third
 * retransmission echoes when that was sent, which gives an RTT sample
 * (Karn's rule forbids one without timestamps), so the RTO is back at its
 * floor at once. */
static void retransmission_gives_rtt_sample(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_TIMESTAMPS);
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	c.ours -= 100;
	struct segment last = { 0 };
	for (uint64_t wait = RTO_MIN_MS; wait <= 4 * RTO_MIN_MS; wait *= 2) {
		advance_ms(wait - 1);
		expect_nothing();
		advance_ms(1);
		last = expect(ACK | PSH, c.ours, c.theirs, 100);
	}
	c.ours += 100;
	advance_ms(10);
	c.echo = last.ts_value;
	c.peer_clock++;
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(app_send(&c, 50), 50);
	expect_data(&c, 50);
	advance_ms(RTO_MIN_MS - 1);
	expect_nothing();
	advance_ms(2);
	expect(ACK | PSH, c.ours - 50, c.theirs, 50);
}

/* PAWS: a segment whose timestamp is older than the last one taken is an
 * old duplicate; it is answered with an ACK and its data thrown away. */
static void older_timestamp_is_dropped(void **state)
{
	(void)state;
	struct conn c;
	char buf[16];

	open_passive(&c, PEER_TIMESTAMPS);
	c.peer_clock = 9100;
	peer_data(&c, "new", 3);
	expect_nothing(); /* the ACK is delayed */
	c.peer_clock = 9000;
	peer_data(&c, "old", 3);
	c.theirs -= 3;
	struct segment ack = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(ack.ts_echo, 9100);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 3);
	assert_memory_equal(buf, "new", 3);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), -EAGAIN);
}

/* A SYN inside the window gets a challenge ACK, and its timestamp is not
 * taken: a forged one far ahead would make PAWS drop every genuine segment
 * after it. */
static void forged_timestamp_in_syn_is_not_taken(void **state)
{
	(void)state;
	struct conn c;
	char buf[16];

	open_passive(&c, PEER_TIMESTAMPS);
	c.peer_clock = 5000 + 0x7fffff00u;
	peer_flags(&c, SYN | ACK, 65535);
	c.theirs--;
	expect(ACK, c.ours, c.theirs, 0); /* the challenge ACK */
	c.peer_clock = 5010;
	peer_data(&c, "real", 4);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 4);
	assert_memory_equal(buf, "real", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(offered_in_syn_and_used_when_answered,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(not_used_unless_both_syns_carry_them,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(echoed_and_counted_against_the_mss, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(retransmission_gives_rtt_sample, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(older_timestamp_is_dropped, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(forged_timestamp_in_syn_is_not_taken,
						harness_setup, harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
