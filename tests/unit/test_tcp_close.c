/* test_tcp_close.c: TCP connection teardown in kernel/inet/tcp_*.c: FINs in
 * both directions through FIN_WAIT_1/2, CLOSING, TIME_WAIT, CLOSE_WAIT and
 * LAST_ACK, and resets. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include "lib/errno.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define TIME_WAIT_MS 2000
/* TIME_WAIT ends at the first multiple of this after 2 s (tcp_connection.c). */
#define TIME_WAIT_GRAIN_MS 250

static void active_close_through_time_wait(void **state)
{
	(void)state;
	struct conn c;
	char buf[8];

	open_active(&c, PEER_DEFAULT);
	send_fin(&c);
	assert_int_equal(tcp_send(c.s, "x", 1), -EPIPE);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.state, TCP_FIN_WAIT_2);
	/* Data still flows towards us, then the peer's FIN, ACKed at once. */
	peer_data(&c, "bye", 3);
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 3);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 0);
	/* Two MSL, then closed. */
	advance_ms(TIME_WAIT_MS - 1);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	advance_ms(TIME_WAIT_GRAIN_MS + 1);
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
	expect_nothing();
	/* Anything more from the peer now draws a reset. */
	peer_data(&c, "late", 4);
	assert_int_equal(take().flags & RST, RST);
}

static void fin_retransmitted_until_acked(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	send_fin(&c);
	advance_ms(999);
	expect_nothing();
	advance_ms(1);
	expect(FIN | ACK, c.ours - 1, c.theirs, 0);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.state, TCP_FIN_WAIT_2);
	advance_ms(10000);
	expect_nothing();
}

static void fin_after_data_waits_for_it(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	peer_ack(&c, c.ours, 0); /* closed window: the data waits */
	assert_int_equal(app_send(&c, 100), 100);
	assert_int_equal(socket_shutdown(c.s, 1), 0);
	expect_nothing(); /* the FIN follows the data, on its segment */
	peer_ack(&c, c.ours, 65535);
	expect(FIN | PSH | ACK, c.ours, c.theirs, 100);
	c.ours += 101;
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.state, TCP_FIN_WAIT_2);
}

static void simultaneous_close_through_closing(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	send_fin(&c);
	/* The peer's FIN crosses ours: it does not ACK our FIN yet. */
	struct segment fin = { .sport = PEER_PORT, .dport = c.port, .flags = FIN | ACK,
			       .seq = c.theirs, .ack = c.ours - 1, .window = 65535, .mss = -1,
			       .wscale = -1 };
	peer_send(&fin);
	c.theirs++;
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_CLOSING);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	advance_ms(TIME_WAIT_MS + TIME_WAIT_GRAIN_MS);
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
}

static void passive_close_through_last_ack(void **state)
{
	(void)state;
	struct conn c;
	char buf[8];

	open_passive(&c, PEER_DEFAULT);
	assert_int_equal(tcp_socket_count(), 2);
	assert_int_equal(tcp_poll(c.s) & SOCKET_READ_HANGUP, 0);
	peer_flags(&c, FIN | ACK, 65535);
	/* EPOLLRDHUP from the FIN on (nginx relies on it once a socket pair
	 * reports it). */
	assert_true(tcp_poll(c.s) & SOCKET_READ_HANGUP);
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 0); /* end of stream */
	assert_true(tcp_poll(c.s) & SOCKET_READABLE);
	/* We may still send. */
	assert_int_equal(app_send(&c, 10), 10);
	expect_data(&c, 10);
	/* close(): the FIN goes; the socket lives on without its file until
	 * the FIN is ACKed. */
	tcp_close(c.s);
	expect(FIN | ACK, c.ours, c.theirs, 0);
	c.ours++;
	assert_int_equal(c.s->tcp.state, TCP_LAST_ACK);
	assert_int_equal(tcp_socket_count(), 2);
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(tcp_socket_count(), 1); /* freed */
	expect_nothing();
}

static void last_ack_gives_up_eventually(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT);
	peer_flags(&c, FIN | ACK, 65535);
	drain();
	tcp_close(c.s);
	drain();
	/* The peer vanished: the FIN is retransmitted, then the orphaned
	 * socket is freed. */
	for (unsigned i = 0; i < 400; i++)
		advance_ms(1000);
	assert_int_equal(tcp_socket_count(), 1);
}

/* TIME_WAIT keeps no buffer, but for data the application has yet to
 * read: two thousand such sockets must not hold 256 MiB. */
static void time_wait_gives_buffers_back(void **state)
{
	(void)state;
	struct conn c;
	char buf[8];

	open_active(&c, PEER_DEFAULT);
	send_fin(&c);
	peer_ack(&c, c.ours, 65535);
	peer_data(&c, "late", 4);
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	assert_null(c.s->sndbuf.data);
	assert_non_null(c.s->rcvbuf.data);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 4);
	assert_memory_equal(buf, "late", 4);
	assert_null(c.s->rcvbuf.data);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 0);
	tcp_close(c.s);
	/* It still answers a retransmitted FIN. */
	c.theirs--;
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	advance_ms(TIME_WAIT_MS + TIME_WAIT_GRAIN_MS);
	assert_int_equal(tcp_socket_count(), 0);
}

static void retransmitted_fin_acked_in_time_wait(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	close_to_time_wait(&c);
	/* Our ACK was lost: the peer sends its FIN again, and must get the
	 * ACK again, and the wait starts over (RFC 9293, 3.10.7.4). */
	advance_ms(1500);
	c.theirs--;
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	advance_ms(TIME_WAIT_MS - 1);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	advance_ms(TIME_WAIT_GRAIN_MS + 1);
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
}

static void retransmitted_fin_acked_in_close_wait(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT);
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	c.theirs--;
	peer_flags(&c, FIN | ACK, 65535);
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_CLOSE_WAIT);
}

static void reset_reports_econnreset(void **state)
{
	(void)state;
	struct conn c;
	char buf[8];

	open_active(&c, PEER_DEFAULT);
	peer_data(&c, "data", 4);
	peer_flags(&c, RST, 0);
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
	assert_true(tcp_poll(c.s) & SOCKET_ERROR);
	assert_true(tcp_poll(c.s) & SOCKET_HANGUP);
	assert_true(tcp_poll(c.s) & SOCKET_READ_HANGUP);
	/* Data that arrived before the reset is still read, then the error,
	 * once. */
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 4);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), -ECONNRESET);
	assert_int_equal(tcp_recv(c.s, buf, sizeof buf, false), 0);
	assert_int_equal(c.s->tcp.deadline[TCP_TIMER_RETRANSMIT], 0);
	advance_ms(10000);
	expect_nothing();
}

static void reset_outside_window_ignored(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	struct segment rst = { .sport = PEER_PORT, .dport = c.port, .flags = RST,
			       .seq = c.theirs + 1000000, .mss = -1, .wscale = -1 };
	peer_send(&rst);
	assert_int_equal(c.s->tcp.state, TCP_ESTABLISHED);
	expect_nothing();
}

static void reset_ignored_in_time_wait(void **state)
{
	(void)state;
	struct conn c;

	open_active(&c, PEER_DEFAULT);
	close_to_time_wait(&c);
	advance_ms(500);
	peer_flags(&c, RST, 0);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);
	assert_int_equal(c.s->error, 0);
	advance_ms(TIME_WAIT_MS - 500 + TIME_WAIT_GRAIN_MS);
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
}

/* A new SYN on the ports of a connection in TIME_WAIT, past its sequence
 * numbers, opens a new connection at once; one at an old sequence number
 * is only answered with an ACK. */
static void syn_in_time_wait_opens_new_connection(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT);
	close_to_time_wait(&c);
	unsigned sockets = tcp_socket_count();

	struct segment old = { .sport = PEER_PORT, .dport = SERVER_PORT, .flags = SYN,
			       .seq = c.theirs - 10, .window = 65535, .mss = 1460, .wscale = -1 };
	peer_send(&old);
	expect(ACK, c.ours, c.theirs, 0);
	assert_int_equal(c.s->tcp.state, TCP_TIME_WAIT);

	struct segment syn = old;
	syn.seq = c.theirs + 100000;
	peer_send(&syn);
	struct segment answer = take();
	assert_int_equal(answer.flags, SYN | ACK);
	assert_int_equal(answer.ack, syn.seq + 1);
	/* The old connection (still owned by its file) is closed; the new
	 * one waits in the listener's queue. */
	assert_int_equal(c.s->tcp.state, TCP_CLOSED);
	assert_int_equal(tcp_socket_count(), sockets + 1);
}

static void close_with_unread_data_resets(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT);
	peer_data(&c, "unread", 6);
	tcp_close(c.s);
	expect(RST | ACK, c.ours, c.theirs, 0);
	assert_int_equal(tcp_socket_count(), 1);
}

/* Data that arrives after the application closed cleanly can never be
 * read: a reset tells the sender (Redis's "protocol desync" tests wait
 * for it), where an ever smaller window would stall it for good. */
static void data_after_close_resets(void **state)
{
	(void)state;
	struct conn c;

	open_passive(&c, PEER_DEFAULT);
	tcp_close(c.s);
	expect(FIN | ACK, c.ours, c.theirs, 0);
	c.ours++;
	peer_ack(&c, c.ours, 65535);
	peer_data(&c, "more", 4);
	expect(RST | ACK, c.ours, c.theirs - 4, 0); /* "more" was not taken */
	assert_int_equal(tcp_socket_count(), 1);
}

/* Redis, told to bind again, closes its listener and listens anew on the
 * same port while the connections it accepted live on: SO_REUSEADDR on
 * both sides allows it, as on Linux; a live listener, or a side without
 * the option, still holds the port. */
static void listen_again_beside_accepted_connections(void **state)
{
	(void)state;
	struct conn c;

	listener_reuse_addr = true;
	open_passive(&c, PEER_DEFAULT);
	struct inet_socket *again = socket_alloc(INET_SOCK_STREAM), *plain = socket_alloc(INET_SOCK_STREAM);
	again->file = plain->file = &test_owner;
	again->reuse_addr = true;
	assert_int_equal(socket_bind(again, 0, SERVER_PORT), -EADDRINUSE); /* the listener lives */
	tcp_close(c.listener);
	assert_int_equal(socket_bind(plain, 0, SERVER_PORT), -EADDRINUSE);
	assert_int_equal(socket_bind(again, 0, SERVER_PORT), 0);
	assert_int_equal(socket_listen(again, 16), 0);
	assert_int_equal(c.s->tcp.state, TCP_ESTABLISHED);
	socket_free(plain); /* never bound: on no list the harness empties */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(syn_in_time_wait_opens_new_connection, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(active_close_through_time_wait, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(fin_retransmitted_until_acked, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(fin_after_data_waits_for_it, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(simultaneous_close_through_closing, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(passive_close_through_last_ack, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(last_ack_gives_up_eventually, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(time_wait_gives_buffers_back, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(retransmitted_fin_acked_in_time_wait, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(retransmitted_fin_acked_in_close_wait,
						harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(reset_reports_econnreset, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(reset_outside_window_ignored, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(reset_ignored_in_time_wait, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(close_with_unread_data_resets, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(data_after_close_resets, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(listen_again_beside_accepted_connections, harness_setup,
						harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
