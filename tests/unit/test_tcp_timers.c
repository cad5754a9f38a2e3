/* test_tcp_timers.c: TCP retransmission in kernel/inet/tcp_*.c: the RTO
 * (RFC 6298: initial value, backoff, RTT samples, Karn's rule), fast
 * retransmit and NewReno partial ACKs (RFC 5681, 6582), and giving up. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* Nothing until `ms` from now, then a retransmission of `len` bytes at
 * `seq`. */
static void expect_retransmission_after(struct conn *c, uint64_t ms, uint32_t seq, size_t len)
{
	advance_ms(ms - 1);
	expect_nothing();
	advance_ms(1);
	expect(ACK | PSH, seq, c->theirs, len);
}

static void initial_rto_and_backoff(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	assert_int_equal(c.s->tcp.rto_ns, 1000 * MS);
	uint32_t seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	expect_retransmission_after(&c, 1000, seq, 100);
	expect_retransmission_after(&c, 2000, seq, 100);
	expect_retransmission_after(&c, 4000, seq, 100);
	expect_retransmission_after(&c, 8000, seq, 100);
	assert_int_equal(inet_stats.tcp_retransmits, 4);
	/* The RTO collapsed the congestion window to one segment. */
	assert_int_equal(c.s->tcp.cwnd, 1460);
}

static void rtt_samples_set_rto(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	c.s->nodelay = true;
	/* First sample R = 100 ms: SRTT = R, RTTVAR = R/2, RTO = SRTT +
	 * 4 RTTVAR = 300 ms. */
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	advance_ms(100);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.srtt_ns, 100 * MS);
	assert_int_equal(c.s->tcp.rttvar_ns, 50 * MS);
	assert_int_equal(c.s->tcp.rto_ns, 300 * MS);
	/* Second, R = 200 ms: RTTVAR = 3/4 50 + 1/4 |100 - 200| = 62.5 ms,
	 * SRTT = 7/8 100 + 1/8 200 = 112.5 ms, RTO = 362.5 ms. */
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	advance_ms(200);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.rttvar_ns, 62500000);
	assert_int_equal(c.s->tcp.srtt_ns, 112500000);
	assert_int_equal(c.s->tcp.rto_ns, 362500000);
	/* The timer uses it: no retransmission before 362.5 ms. */
	uint32_t seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	advance_ms(362);
	expect_nothing();
	advance_ms(1);
	expect(ACK | PSH, seq, c.theirs, 100);
}

static void rto_has_a_floor(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	advance_ms(1);
	peer_ack(&c, c.ours, 65535);
	/* 1 ms + max(1 ms clock granularity, 4 * 0.5 ms), raised to 200 ms. */
	assert_int_equal(c.s->tcp.rto_ns, 200 * MS);
}

static void karn_no_sample_from_retransmission(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	c.s->nodelay = true;
	uint32_t seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	expect_retransmission_after(&c, 1000, seq, 100);
	/* The ACK could be for either transmission: no sample, and the
	 * backed-off RTO stays. */
	advance_ms(50);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.srtt_ns, 0);
	assert_int_equal(c.s->tcp.rto_ns, 2000 * MS);
	seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	expect_retransmission_after(&c, 2000, seq, 100);
	/* New data sent once gives a sample again. */
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	advance_ms(80);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.srtt_ns, 80 * MS);
	assert_int_equal(c.s->tcp.rto_ns, 240 * MS);
}

/* Five full segments in flight, the first lost. */
static uint32_t five_segments(struct conn *c)
{
	uint32_t first = c->ours;

	c->s->nodelay = true;
	assert_int_equal(app_send(c, 5 * 1460), 5 * 1460);
	for (unsigned i = 0; i < 5; i++)
		expect_data(c, 1460);
	expect_nothing();
	return first;
}

static void fast_retransmit_after_three_duplicates(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	uint32_t first = five_segments(&c);
	uint32_t cwnd = c.s->tcp.cwnd;
	peer_ack(&c, first, 65535);
	peer_ack(&c, first, 65535);
	expect_nothing();
	peer_ack(&c, first, 65535);
	/* At once, not after the RTO. */
	expect(ACK | PSH, first, c.theirs, 1460);
	expect_nothing();
	assert_true(c.s->tcp.in_recovery);
	/* ssthresh = half the flight (5 segments), cwnd = ssthresh + 3 MSS. */
	assert_int_equal(c.s->tcp.ssthresh, 5 * 1460 / 2);
	assert_int_equal(c.s->tcp.cwnd, 5 * 1460 / 2 + 3 * 1460);
	assert_true(c.s->tcp.cwnd < cwnd);
	/* Each further duplicate inflates the window by a segment. */
	peer_ack(&c, first, 65535);
	assert_int_equal(c.s->tcp.cwnd, 5 * 1460 / 2 + 4 * 1460);
	/* Everything ACKed: recovery ends with cwnd = ssthresh. */
	peer_ack(&c, c.ours, 65535);
	assert_false(c.s->tcp.in_recovery);
	assert_int_equal(c.s->tcp.cwnd, 5 * 1460 / 2);
}

static void newreno_partial_ack_fills_next_hole(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	/* Segments 1 and 3 lost. */
	uint32_t first = five_segments(&c);
	for (unsigned i = 0; i < 3; i++)
		peer_ack(&c, first, 65535);
	expect(ACK | PSH, first, c.theirs, 1460);
	/* The retransmission fills the first hole; the ACK stops at the
	 * second, short of what was sent before recovery: a partial ACK,
	 * and the next hole goes at once. */
	peer_ack(&c, first + 2 * 1460, 65535);
	expect(ACK | PSH, first + 2 * 1460, c.theirs, 1460);
	expect_nothing();
	assert_true(c.s->tcp.in_recovery);
	peer_ack(&c, c.ours, 65535);
	assert_false(c.s->tcp.in_recovery);
	expect_nothing();
	/* No timeout left behind. */
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_RETRANSMIT], 0);
}

static void gives_up_with_etimedout(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	uint32_t seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	/* Eight retransmissions, backing off from 1 s to the 60 s ceiling:
	 * at 1, 3, 7, 15, 31, 63, 123 and 183 s. */
	const uint64_t at[] = { 1, 3, 7, 15, 31, 63, 123, 183 };
	uint64_t start = now_ms();
	for (unsigned i = 0; i < 8; i++) {
		advance_ms(start + at[i] * 1000 - now_ms() - 1);
		expect_nothing();
		advance_ms(1);
		expect(ACK | PSH, seq, c.theirs, 100);
	}
	/* The ninth timeout, at 243 s, ends it. */
	advance_ms(59999);
	assert_int_equal(c.s->tcp.state, TCP_ESTABLISHED);
	advance_ms(1);
	expect_nothing();
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
	assert_int_equal(tcp_send(c.s, "x", 1), -ETIMEDOUT);
	char buf[4];
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 0);
	advance_ms(600000);
	expect_nothing();
}

#define CROWD 64
static struct conn crowd[2 * CROWD];

/* The connections a retransmission timeout visits beside `quiet`
 * established connections with no deadline and as many in TIME_WAIT
 * (crowd's odd ones). */
static uint64_t visits_for_one_timeout(unsigned quiet)
{
	struct conn c;

	assert_true(quiet <= CROWD);
	for (unsigned i = 0; i < 2 * quiet; i++) {
		open_active(&crowd[i], PEER_DEFAULT);
		if (i % 2)
			close_to_time_wait(&crowd[i]);
	}
	open_active(&c, PEER_DEFAULT);
	uint32_t seq = c.ours;
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100);
	uint64_t before = inet_stats.tcp_timer_visits;
	expect_retransmission_after(&c, 1000, seq, 100);
	return inet_stats.tcp_timer_visits - before;
}

/* The timer wheel visits the connections whose deadlines came, however
 * many others there are; the TIME_WAITs still end, each visited once. */
static void timeout_cost_ignores_idle_connections(void **state)
{
	(void)state;
	uint64_t alone = visits_for_one_timeout(0);
	harness_teardown(state);
	harness_setup(state);
	uint64_t crowded = visits_for_one_timeout(CROWD);
	assert_int_equal(alone, 1);
	assert_int_equal(crowded, alone);
	uint64_t before = inet_stats.tcp_timer_visits;
	advance_ms(2250 - 1000);
	for (unsigned i = 0; i < 2 * CROWD; i++)
		assert_int_equal(crowd[i].s->tcp.state, i % 2 ? TCP_CLOSED : TCP_ESTABLISHED);
	/* the TIME_WAITs, and the retransmission's next timeout (at 3 s) not yet */
	assert_int_equal(inet_stats.tcp_timer_visits - before, CROWD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(initial_rto_and_backoff, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(rtt_samples_set_rto, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(rto_has_a_floor, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(karn_no_sample_from_retransmission, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(fast_retransmit_after_three_duplicates,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(newreno_partial_ack_fills_next_hole, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(gives_up_with_etimedout, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(timeout_cost_ignores_idle_connections,
						harness_setup, harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
