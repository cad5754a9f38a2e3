/* test_tcp_data.c: TCP data transfer in kernel/inet/tcp_*.c: ACKs (delayed
 * and immediate), segments out of order, Nagle and TCP_NODELAY, the zero
 * window and its probes, and buffers that grow past 64 KiB in flight. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static uint8_t bytes[1 << 20];

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static void data_both_ways(void **state)
{
	(void)state;
	struct conn c;
	uint8_t in[300], out[300];

	open_active(&c, PEER_DEFAULT);
	fill(out, sizeof out, 1);
	assert_int_equal(tcp_send(c.s, out, 300), 300);
	struct segment seg = expect_data(&c, 300);
	assert_memory_equal(seg.data, out, 300);
	assert_int_equal(c.s->sndbuf.len, 300); /* kept until ACKed */
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->sndbuf.len, 0);
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_RETRANSMIT], 0);

	fill(out, sizeof out, 2);
	peer_data(&c, out, 300);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, true), 300); /* peek */
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), 300);
	assert_memory_equal(in, out, 300);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), -EAGAIN);
}

static void delayed_ack_after_40ms(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	peer_data(&c, "one", 3);
	expect_nothing();
	advance_ms(39);
	expect_nothing();
	advance_ms(1);
	expect(ACK, c.ours, c.theirs, 0);
	advance_ms(1000);
	expect_nothing();
}

static void every_second_segment_acked_at_once(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	fill(bytes, 1460, 3);
	peer_data(&c, bytes, 1460);
	expect_nothing();
	peer_data(&c, bytes, 1460);
	expect(ACK, c.ours, c.theirs, 0);
	/* The count starts again, and the delayed ACK was cancelled. */
	peer_data(&c, bytes, 1460);
	expect_nothing();
	advance_ms(40);
	expect(ACK, c.ours, c.theirs, 0);
	advance_ms(100);
	expect_nothing();
}

static void data_rides_on_ack(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	peer_data(&c, "request", 7);
	/* The reply carries the ACK: no separate one when the timer fires. */
	assert_int_equal(app_send(&c, 10), 10);
	struct segment seg = expect_data(&c, 10);
	assert_int_equal(seg.ack, c.theirs);
	advance_ms(40);
	expect_nothing();
}

static void out_of_order_kept_until_hole_filled(void **state)
{
	(void)state;
	struct conn c;
	uint8_t in[4000];

	open_active(&c, PEER_DEFAULT);
	fill(bytes, 3000, 4);
	uint32_t start = c.theirs;
	/* Bytes 1000-1999 and 2000-2999 first: each is answered at once with
	 * a duplicate ACK naming the hole. */
	c.theirs = start + 2000;
	peer_data(&c, bytes + 2000, 1000);
	expect(ACK, c.ours, start, 0);
	c.theirs = start + 1000;
	peer_data(&c, bytes + 1000, 1000);
	expect(ACK, c.ours, start, 0);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), -EAGAIN);
	/* The hole's bytes: everything is delivered, ACKed at once. */
	c.theirs = start;
	peer_data(&c, bytes, 1000);
	expect(ACK, c.ours, start + 3000, 0);
	assert_int_equal(c.s->tcp.ahead_count, 0);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), 3000);
	assert_memory_equal(in, bytes, 3000);
	c.theirs = start + 3000;
	/* A duplicate of old data is ACKed and dropped. */
	c.theirs = start + 1000;
	peer_data(&c, bytes + 1000, 1000);
	expect(ACK, c.ours, start + 3000, 0);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), -EAGAIN);
}

static void two_holes(void **state)
{
	(void)state;
	struct conn c;
	uint8_t in[5000];

	open_active(&c, PEER_DEFAULT);
	fill(bytes, 5000, 5);
	uint32_t start = c.theirs;
	const unsigned order[] = { 4, 1, 3, 0, 2 }; /* 1000-byte pieces */
	for (unsigned i = 0; i < 5; i++) {
		c.theirs = start + order[i] * 1000;
		peer_data(&c, bytes + order[i] * 1000, 1000);
	}
	drain();
	assert_int_equal(c.s->tcp.rcv_nxt, start + 5000);
	assert_int_equal(tcp_recv(c.s, in, sizeof in, false), 5000);
	assert_memory_equal(in, bytes, 5000);
}

static void nagle_holds_small_segments(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	assert_false(c.s->nodelay);
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100); /* nothing in flight: sent at once */
	assert_int_equal(app_send(&c, 100), 100);
	assert_int_equal(app_send(&c, 100), 100);
	expect_nothing(); /* small, and data in flight */
	peer_ack(&c, c.ours, 65535);
	expect_data(&c, 200); /* both, as one segment */
	/* A full segment goes even with data in flight. */
	assert_int_equal(app_send(&c, 1460), 1460);
	expect_data(&c, 1460);
	expect_nothing();
}

static void nodelay_sends_at_once(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	c.s->nodelay = true;
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(app_send(&c, 100), 100);
		expect_data(&c, 100);
	}
	expect_nothing();
}

static void zero_window_probed_then_reopened(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	peer_ack(&c, c.ours, 0);
	assert_int_equal(app_send(&c, 1000), 1000);
	expect_nothing();
	/* The persist timer: a one-byte probe after the RTO (1 s). */
	advance_ms(999);
	expect_nothing();
	advance_ms(1);
	expect(ACK, c.ours, c.theirs, 1);
	/* Still closed: the probe is sent again after the RTO, then after
	 * twice that. */
	peer_ack(&c, c.ours, 0);
	advance_ms(999);
	expect_nothing();
	advance_ms(1);
	expect(ACK | PSH, c.ours, c.theirs, 1);
	peer_ack(&c, c.ours, 0);
	advance_ms(1999);
	expect_nothing();
	advance_ms(1);
	expect(ACK | PSH, c.ours, c.theirs, 1);
	/* The window opens, taking the probe's byte: the rest goes at once. */
	c.ours++;
	peer_ack(&c, c.ours, 65535);
	expect_data(&c, 999);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->sndbuf.len, 0);
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_PERSIST], 0);
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_RETRANSMIT], 0);
}

static void zero_window_for_long_while_peer_answers(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	c.s->nodelay = true;
	peer_ack(&c, c.ours, 0);
	assert_int_equal(app_send(&c, 10), 10);
	uint32_t cwnd = c.s->tcp.cwnd;
	/* Ten minutes of a closed window: the peer answers every probe, so
	 * the connection must not time out, and probes keep coming. */
	unsigned probes = 0;
	for (unsigned i = 0; i < 600; i++) {
		advance_ms(1000);
		while (pending()) {
			struct segment s = take();
			assert_int_equal(s.seq, c.ours);
			assert_int_equal(s.len, 1);
			probes++;
			peer_ack(&c, c.ours, 0);
		}
	}
	assert_int_equal(c.s->tcp.state, TCP_ESTABLISHED);
	assert_true(probes >= 10);
	expect_nothing();
	/* Neither those ACKs nor the probes' timeouts were losses: no
	 * recovery, and the congestion window is what it was. */
	assert_int_equal(c.s->tcp.in_recovery, false);
	assert_int_equal(c.s->tcp.cwnd, cwnd);
	peer_ack(&c, c.ours + 1, 65535);
	c.ours++;
	expect_data(&c, 9);
}

static void receiver_window_closes_and_reopens(void **state)
{
	(void)state;
	struct conn c;
	static uint8_t in[65536];

	open_active(&c, PEER_DEFAULT); /* no window scaling: 65535 at most */
	fill(bytes, 65536, 6);
	size_t sent = 0;
	while (sent < 65535) {
		size_t n = 65535 - sent < 1460 ? 65535 - sent : 1460;
		peer_data(&c, bytes + sent, n);
		sent += n;
	}
	advance_ms(40);
	struct segment last = { 0 };
	while (pending())
		last = take();
	assert_int_equal(last.ack, c.theirs);
	assert_int_equal(last.window, 1); /* the 64 KiB buffer's last byte */
	peer_data(&c, bytes + 65535, 1);
	advance_ms(40);
	last = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(last.window, 0);
	/* Beyond the window: not taken. */
	peer_data(&c, "x", 1);
	c.theirs--;
	expect(ACK, c.ours, c.theirs, 0);
	/* Reading opens it, and the peer is told at once. */
	assert_int_equal(tcp_recv(c.s, in, 10000, false), 10000);
	struct segment update = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(update.window, 10000);
	assert_int_equal(tcp_recv(c.s, in + 10000, sizeof in - 10000, false), 55536);
	assert_memory_equal(in, bytes, 65536);
}

/* The peer ACKs everything the stack has sent so far, every second
 * segment as a receiver would. */
static size_t ack_all(struct conn *c, uint16_t window)
{
	size_t got = 0;

	for (unsigned n = 1; pending(); n++) {
		struct segment s = take();
		assert_int_equal(s.seq, c->ours);
		c->ours += (uint32_t)s.len;
		got += s.len;
		if (n % 2 == 0 || !pending())
			peer_ack(c, c->ours, window);
	}
	return got;
}

static void more_than_64k_in_flight(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 5;
	open_active(&c, p);
	peer_ack(&c, c.ours, 65535); /* 2 MiB, scaled */
	uint32_t most = 0;
	size_t written = 0, acked = 0;
	for (unsigned round = 0; round < 50 && acked < (1 << 20); round++) {
		while (written < (1 << 20)) {
			long n = app_send(&c, (1 << 20) - written);
			if (n <= 0)
				break;
			written += (size_t)n;
		}
		uint32_t flight = c.s->tcp.snd_nxt - c.s->tcp.snd_una;
		if (flight > most)
			most = flight;
		acked += ack_all(&c, 65535);
		advance_ms(1);
	}
	assert_int_equal(acked, 1 << 20);
	assert_true(most > 65536);
	assert_int_equal(c.s->sndbuf.size, 256 * 1024);
}

static void quiet_connection_keeps_small_buffers(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 5;
	open_active(&c, p);
	/* A small window: filling the buffer is no reason to grow it. */
	peer_ack(&c, c.ours, 100);
	for (unsigned i = 0; i < 100; i++) {
		ack_all(&c, 100);
		app_send(&c, 65536);
	}
	assert_int_equal(c.s->sndbuf.len, 65536); /* full */
	assert_int_equal(c.s->sndbuf.size, 65536);
	assert_int_equal(c.s->rcvbuf.size, 65536);
}

static void receive_buffer_grows_for_fast_peer(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;
	static uint8_t in[1 << 18];

	p.wscale = 5;
	open_active(&c, p);
	uint32_t window = 65536, widest = 0; /* offered in the handshake's ACK */
	/* The peer fills every window; the application reads it all. */
	for (unsigned round = 0; round < 6; round++) {
		uint32_t edge = c.theirs + window;
		while (c.theirs != edge) {
			uint32_t n = edge - c.theirs < 1460 ? edge - c.theirs : 1460;
			peer_data(&c, bytes, n);
		}
		drain();
		while (tcp_recv(c.s, in, sizeof in, false) > 0)
			;
		peer_data(&c, bytes, 1); /* draws an ACK with the new window */
		advance_ms(40);
		struct segment ack = { 0 };
		while (pending())
			ack = take();
		assert_int_equal(ack.ack, c.theirs);
		window = (uint32_t)ack.window << 3;
		if (window > widest)
			widest = window;
		while (tcp_recv(c.s, in, sizeof in, false) > 0)
			;
	}
	assert_int_equal(c.s->rcvbuf.size, 256 * 1024);
	assert_true(widest > 200 * 1024);
}

static void peer_filling_offered_window_stays_acceptable(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 0;
	open_active(&c, p);
	assert_int_equal(app_send(&c, 100), 100);
	expect_data(&c, 100); /* not yet ACKed */
	/* The peer sends up to every edge the stack offers (1001-byte pieces,
	 * so the space left is no multiple of the scale), the application
	 * reading nothing. */
	uint32_t edge = c.theirs + (65536 >> 3 << 3), una = c.ours - 100;
	fill(bytes, 1001, 7);
	for (unsigned round = 0; round < 100 && c.theirs != edge; round++) {
		while (c.theirs != edge) {
			uint32_t n = edge - c.theirs < 1001 ? edge - c.theirs : 1001;
			struct segment seg = { .sport = PEER_PORT, .dport = c.port, .flags = ACK,
					       .seq = c.theirs, .ack = una, .window = 65535,
					       .mss = -1, .wscale = -1, .len = n };
			memcpy(seg.data, bytes, n);
			peer_send(&seg);
			c.theirs += n;
		}
		advance_ms(40);
		struct segment ack = { 0 };
		while (pending()) {
			ack = take();
			uint32_t offered = ack.ack + ((uint32_t)ack.window << 3);
			if ((int32_t)(offered - edge) > 0)
				edge = offered;
		}
		assert_int_equal(ack.ack, c.theirs); /* all of it was taken */
	}
	assert_true(ring_free_space(&c.s->rcvbuf) < 8); /* full, to the scale's unit */
	/* The peer's ACK, with the sequence number it has reached, counts. */
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->sndbuf.len, 0);
	assert_int_equal(c.s->tcp.snd_una, c.ours);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(data_both_ways, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(delayed_ack_after_40ms, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(every_second_segment_acked_at_once, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(data_rides_on_ack, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(out_of_order_kept_until_hole_filled, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(two_holes, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(nagle_holds_small_segments, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(nodelay_sends_at_once, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(zero_window_probed_then_reopened, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(zero_window_for_long_while_peer_answers,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(receiver_window_closes_and_reopens, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(more_than_64k_in_flight, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(quiet_connection_keeps_small_buffers, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(receive_buffer_grows_for_fast_peer, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(peer_filling_offered_window_stays_acceptable,
						harness_setup, harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
