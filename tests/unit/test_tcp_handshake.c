/* test_tcp_handshake.c: TCP connection set-up in kernel/inet/tcp_*.c: active
 * and passive opens, the MSS and window scale options, SYN retransmission,
 * refusal, the bound on half-open connections, and TCP_DEFER_ACCEPT. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* Our shift for the default 256 KiB receive buffer: 65535 << 3 >= 256 KiB. */
#define DEFAULT_SHIFT 3

static void active_open_carries_options_and_honours_peer_mss(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.mss = 1000;
	open_active(&c, p);
	assert_int_equal(c.handshake.window, 65535);
	assert_int_equal(c.handshake.wscale, DEFAULT_SHIFT);
	assert_int_equal(c.s->tcp.mss, 1000);
	/* Segments are cut at the peer's MSS. */
	assert_int_equal(app_send(&c, 3000), 3000);
	expect_data(&c, 1000);
	expect_data(&c, 1000);
	expect_data(&c, 1000);
	expect_nothing();
}

static void passive_open_answers_with_options(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.mss = 536;
	open_passive(&c, p);
	/* The peer did not offer window scaling, so neither do we. */
	assert_int_equal(c.handshake.wscale, -1);
	assert_int_equal(c.handshake.window, 65535);
	assert_int_equal(c.s->tcp.mss, 536);
	assert_false(c.s->tcp.wscale);
	assert_int_equal(c.listener->pending, 0);
	assert_int_equal(app_send(&c, 1072), 1072);
	expect_data(&c, 536);
	expect_data(&c, 536);
	expect_nothing();
	/* Data from the peer reaches the accepted socket. */
	peer_data(&c, "hello", 5);
	char buf[16];
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 5);
	assert_memory_equal(buf, "hello", 5);
}

static void syn_retransmitted_with_backoff(void **state)
{
	(void)state;
	struct inet_socket *s = socket_alloc(INET_SOCK_STREAM);

	s->file = &test_owner;
	assert_int_equal(socket_connect_start(s, PEER_ADDR, PEER_PORT), 0);
	struct segment syn = take();
	assert_int_equal(syn.flags, SYN);
	/* 1 s initial RTO, then 2 s, then 4 s: at 1, 3 and 7 seconds. */
	const uint64_t at[] = { 1000, 3000, 7000 };
	for (unsigned i = 0; i < 3; i++) {
		advance_ms(at[i] - 1 - now_ms());
		expect_nothing();
		advance_ms(1);
		struct segment again = expect(SYN, syn.seq, 0, 0);
		assert_int_equal(again.mss, STACK_MSS);
		assert_int_equal(again.wscale, DEFAULT_SHIFT);
	}
	/* After a lost SYN the connection starts with one segment (RFC 5681). */
	struct segment synack = { .sport = PEER_PORT, .dport = syn.sport, .flags = SYN | ACK,
				  .seq = PEER_ISS, .ack = syn.seq + 1, .window = 65535,
				  .mss = 1460, .wscale = -1 };
	peer_send(&synack);
	expect(ACK, syn.seq + 1, PEER_ISS + 1, 0);
	assert_int_equal(s->tcp.state, TCP_ESTABLISHED);
	assert_int_equal(s->tcp.cwnd, 1460);
}

static void reset_refuses_connection(void **state)
{
	(void)state;
	struct inet_socket *s = socket_alloc(INET_SOCK_STREAM);

	s->file = &test_owner;
	assert_int_equal(socket_connect_start(s, PEER_ADDR, PEER_PORT), 0);
	struct segment syn = take();
	struct segment rst = { .sport = PEER_PORT, .dport = syn.sport, .flags = RST | ACK,
			       .seq = 0, .ack = syn.seq + 1, .mss = -1, .wscale = -1 };
	peer_send(&rst);
	assert_int_equal(s->tcp.state, TCP_CLOSED);
	assert_int_equal(tcp_send(s, "x", 1), -ECONNREFUSED);
	/* No more SYNs once refused. */
	advance_ms(5000);
	expect_nothing();
}

static void window_scaling_active_both_sides(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 2;
	p.window = 1000;
	open_active(&c, p);
	assert_true(c.s->tcp.wscale);
	assert_int_equal(c.s->tcp.snd_shift, 2);
	assert_int_equal(c.s->tcp.rcv_shift, DEFAULT_SHIFT);
	/* The SYN-ACK's window is not scaled... */
	assert_int_equal(c.s->tcp.snd_wnd, 1000);
	/* ...later ones are. */
	peer_ack(&c, c.ours, 1000);
	assert_int_equal(c.s->tcp.snd_wnd, 4000);
	/* Ours is scaled too: the 64 KiB buffer, shifted by 3, rounded down. */
	peer_data(&c, "ab", 2);
	advance_ms(40);
	struct segment ack = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(ack.window, (65536 - 2) >> DEFAULT_SHIFT);
}

static void window_scaling_needs_both_sides(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.window = 1000;
	open_active(&c, p); /* our SYN offered it; the SYN-ACK did not */
	assert_false(c.s->tcp.wscale);
	peer_ack(&c, c.ours, 1000);
	assert_int_equal(c.s->tcp.snd_wnd, 1000);
	peer_data(&c, "ab", 2);
	advance_ms(40);
	struct segment ack = expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(ack.window, 65534);
}

static void window_scaling_passive(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 7;
	p.window = 100; /* in the SYN: 100 bytes; in the ACK: 12800 */
	open_passive(&c, p);
	assert_int_equal(c.handshake.wscale, DEFAULT_SHIFT);
	assert_int_equal(c.handshake.window, 65535); /* unscaled in a SYN-ACK */
	assert_int_equal(c.s->tcp.snd_wnd, 100 << 7);
}

static void window_scale_shift_limited_to_14(void **state)
{
	(void)state;
	struct conn c;
	struct peer_syn p = PEER_DEFAULT;

	p.wscale = 20;
	open_active(&c, p);
	assert_int_equal(c.s->tcp.snd_shift, 14);
	peer_ack(&c, c.ours, 2);
	assert_int_equal(c.s->tcp.snd_wnd, 2u << 14);
}

static void larger_receive_buffer_larger_shift(void **state)
{
	(void)state;
	struct inet_socket *l = socket_alloc(INET_SOCK_STREAM);

	/* SO_RCVBUF of 4 MiB: 65535 << 6 is short of it, << 7 is not. The
	 * listener's size passes to its connections. */
	l->file = &test_owner;
	l->rcvbuf_size = 4 << 20;
	assert_int_equal(socket_bind(l, 0, SERVER_PORT), 0);
	assert_int_equal(socket_listen(l, 4), 0);
	struct segment syn = { .sport = PEER_PORT, .dport = SERVER_PORT, .flags = SYN,
			       .seq = PEER_ISS, .window = 65535, .mss = 1460, .wscale = 0 };
	peer_send(&syn);
	struct segment synack = take();
	assert_int_equal(synack.flags, SYN | ACK);
	assert_int_equal(synack.wscale, 7);
}

static void syn_flood_bounded_by_backlog(void **state)
{
	(void)state;
	struct inet_socket *l = socket_alloc(INET_SOCK_STREAM);

	l->file = &test_owner;
	assert_int_equal(socket_bind(l, 0, SERVER_PORT), 0);
	assert_int_equal(socket_listen(l, 4), 0);
	for (unsigned i = 0; i < 200; i++) {
		struct segment syn = { .sport = (uint16_t)(1000 + i), .dport = SERVER_PORT,
				       .flags = SYN, .seq = PEER_ISS + i * 1000, .window = 65535,
				       .mss = 1460, .wscale = -1 };
		peer_send(&syn);
	}
	/* The listener and four half-open connections, nothing more. */
	assert_int_equal(tcp_socket_count(), 5);
	assert_int_equal(l->pending, 4);
	assert_int_equal(inet_stats.drop_queue_full, 196);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(take().flags, SYN | ACK);
	expect_nothing();
	/* The half-open ones give up after their SYN-ACK retransmissions, and
	 * the listener takes connections again. */
	for (unsigned i = 0; i < 300; i++)
		advance_ms(1000);
	drain();
	assert_int_equal(tcp_socket_count(), 1);
	assert_int_equal(l->pending, 0);
	struct segment syn = { .sport = 5000, .dport = SERVER_PORT, .flags = SYN, .seq = 77,
			       .window = 65535, .mss = 1460, .wscale = -1 };
	peer_send(&syn);
	assert_int_equal(take().flags, SYN | ACK);
	assert_int_equal(tcp_socket_count(), 2);
}

static void accept_queue_counts_toward_backlog(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT); /* backlog 16; one accepted */
	for (unsigned i = 0; i < 20; i++) {
		struct segment syn = { .sport = (uint16_t)(2000 + i), .dport = SERVER_PORT,
				       .flags = SYN, .seq = 5000, .window = 65535, .mss = 1460,
				       .wscale = -1 };
		peer_send(&syn);
		if (pending()) {
			struct segment synack = take();
			struct segment ack = { .sport = syn.sport, .dport = SERVER_PORT, .flags = ACK,
					       .seq = 5001, .ack = synack.seq + 1, .window = 65535,
					       .mss = -1, .wscale = -1 };
			peer_send(&ack);
		}
	}
	/* Sixteen wait to be accepted; the other four SYNs were dropped. */
	assert_int_equal(c.listener->pending, 16);
	assert_int_equal(tcp_socket_count(), 2 + 16);
	assert_int_equal(inet_stats.drop_queue_full, 4);
	struct inet_socket *child = tcp_accept(c.listener);
	assert_non_null(child);
	assert_int_equal(child->remote_port, 2000);
	assert_int_equal(c.listener->pending, 15);
}

/* The established child of a deferring listener is accepted once data
 * comes, with the data ready to read. */
static void deferred_accept_waits_for_data(void **state)
{
	(void)state;
	struct conn c;
	char buf[8];

	handshake_passive(&c, PEER_DEFAULT, 5);
	assert_null(tcp_accept(c.listener));
	assert_int_equal(tcp_poll(c.listener) & SOCKET_READABLE, 0);
	advance_ms(4000);
	assert_null(tcp_accept(c.listener));
	peer_data(&c, "GET", 3);
	assert_int_equal(tcp_poll(c.listener) & SOCKET_READABLE, SOCKET_READABLE);
	struct inet_socket *child = tcp_accept(c.listener);
	assert_non_null(child);
	child->file = &test_owner;
	assert_int_equal(tcp_recv(child, buf, sizeof buf, false), 3);
	assert_memory_equal(buf, "GET", 3);
	assert_int_equal(c.listener->pending, 0);
	advance_ms(2000); /* the deferral's end finds nothing to do */
	assert_null(tcp_accept(c.listener));
}

/* A peer that says nothing is accepted when the deferral ends, and one
 * that closes at once when its FIN comes. */
static void deferred_accept_ends_with_time_or_fin(void **state)
{
	(void)state;
	struct conn c;

	handshake_passive(&c, PEER_DEFAULT, 2);
	advance_ms(1999);
	assert_null(tcp_accept(c.listener));
	advance_ms(1);
	struct inet_socket *child = tcp_accept(c.listener);
	assert_non_null(child);
	assert_int_equal(child->tcp.state, TCP_ESTABLISHED);

	struct segment syn = { .sport = 3000, .dport = SERVER_PORT, .flags = SYN, .seq = 7000,
			       .window = 65535, .mss = 1460, .wscale = -1 };
	peer_send(&syn);
	struct segment synack = take();
	struct segment fin = { .sport = 3000, .dport = SERVER_PORT, .flags = FIN | ACK, .seq = 7001,
			       .ack = synack.seq + 1, .window = 65535, .mss = -1, .wscale = -1 };
	peer_send(&fin);
	child = tcp_accept(c.listener);
	assert_non_null(child);
	assert_int_equal(child->remote_port, 3000);
	assert_int_equal(child->tcp.state, TCP_CLOSE_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(active_open_carries_options_and_honours_peer_mss,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(passive_open_answers_with_options, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(syn_retransmitted_with_backoff, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(reset_refuses_connection, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(window_scaling_active_both_sides, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(window_scaling_needs_both_sides, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(window_scaling_passive, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(window_scale_shift_limited_to_14, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(larger_receive_buffer_larger_shift, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(syn_flood_bounded_by_backlog, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(deferred_accept_waits_for_data, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(deferred_accept_ends_with_time_or_fin, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(accept_queue_counts_toward_backlog, harness_setup,
						harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
