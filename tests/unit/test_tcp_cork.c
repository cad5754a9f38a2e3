/* test_tcp_cork.c: TCP_CORK and the FIN on the last data segment in
 * kernel/inet/tcp_*.c: corked partial segments wait for uncorking, the FIN,
 * TCP_NODELAY or 200 ms; a FIN due when the last data goes rides on it, and
 * on its retransmission. */
// unit-under-test: tests/unit/tcp_harness.c tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "tcp_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define CORK_MAX_MS 200

/* An established connection with TCP_NODELAY and TCP_CORK on, as httpd
 * sets them. */
static void open_corked(struct conn *c)
{
	open_passive(c, PEER_DEFAULT);
	c->s->nodelay = true;
	socket_set_cork(c->s, true);
	assert_true(c->s->cork);
}

static void partial_segments_wait_for_uncork(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	assert_int_equal(app_send(&c, 100), 100);
	expect_nothing();
	/* Full segments go at once; the partial rest waits. */
	assert_int_equal(app_send(&c, 2000), 2000);
	expect_data(&c, STACK_MSS);
	expect_nothing();
	socket_set_cork(c.s, false);
	expect_data(&c, 2100 - STACK_MSS);
	expect_nothing();
	/* Uncorked, TCP_NODELAY rules again. */
	assert_int_equal(app_send(&c, 10), 10);
	expect_data(&c, 10);
}

static void cork_holds_at_most_200_ms(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	assert_int_equal(app_send(&c, 100), 100);
	advance_ms(CORK_MAX_MS - 1);
	expect_nothing();
	advance_ms(1);
	expect_data(&c, 100);
	assert_true(c.s->cork); /* the option stays on */
	assert_int_equal(app_send(&c, 50), 50);
	expect_nothing();
}

/* With Nagle's rule on, the ceiling ends the cork's hold, and the ACK that
 * Nagle waits for sends the rest: it does not cork it for 200 ms more. */
static void ceiling_then_nagle(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	c.s->nodelay = false;
	assert_int_equal(app_send(&c, STACK_MSS + 100), STACK_MSS + 100);
	expect_data(&c, STACK_MSS);
	advance_ms(CORK_MAX_MS + 50);
	expect_nothing(); /* a full segment is in flight: Nagle holds the rest */
	peer_ack(&c, c.ours, 65535);
	expect_data(&c, 100);
	/* All sent: the next partial segment is corked again. */
	assert_int_equal(app_send(&c, 10), 10);
	expect_nothing();
}

/* Setting TCP_NODELAY sends what is queued, corked or not (Linux's tcp(7));
 * the cork then holds again. */
static void nodelay_pushes_corked_data(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	assert_int_equal(app_send(&c, 100), 100);
	expect_nothing();
	socket_set_nodelay(c.s, true);
	expect_data(&c, 100);
	assert_int_equal(app_send(&c, 50), 50);
	expect_nothing();
}

static void response_and_fin_share_a_segment(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	assert_int_equal(app_send(&c, 300), 300);
	expect_nothing();
	assert_int_equal(socket_shutdown(c.s, 1), 0);
	expect(FIN | PSH | ACK, c.ours, c.theirs, 300);
	expect_nothing();
	assert_int_equal(c.s->tcp.state, TCP_FIN_WAIT_1);
	c.ours += 301;
	peer_ack(&c, c.ours, 65535);
	assert_int_equal(c.s->tcp.state, TCP_FIN_WAIT_2);
}

static void retransmission_carries_the_fin(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	assert_int_equal(app_send(&c, 300), 300);
	assert_int_equal(socket_shutdown(c.s, 1), 0);
	expect(FIN | PSH | ACK, c.ours, c.theirs, 300);
	advance_ms(c.s->tcp.rto_ns / MS);
	expect(FIN | PSH | ACK, c.ours, c.theirs, 300);
	/* Only the data arrived: what is resent next is the FIN alone. */
	peer_ack(&c, c.ours + 300, 65535);
	c.ours += 300;
	advance_ms(c.s->tcp.rto_ns / MS);
	expect(FIN | ACK, c.ours, c.theirs, 0);
}

static void fin_waits_behind_data_the_window_holds(void **state)
{
	(void)state;
	struct conn c;

	open_corked(&c);
	peer_ack(&c, c.ours, 1000); /* room for 1000 bytes */
	assert_int_equal(app_send(&c, 1500), 1500);
	assert_int_equal(socket_shutdown(c.s, 1), 0);
	expect_data(&c, 1000);
	expect_nothing(); /* the FIN belongs on the last 500 */
	peer_ack(&c, c.ours, 65535);
	expect(FIN | PSH | ACK, c.ours, c.theirs, 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(partial_segments_wait_for_uncork, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(cork_holds_at_most_200_ms, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(ceiling_then_nagle, harness_setup, harness_teardown),
		cmocka_unit_test_setup_teardown(nodelay_pushes_corked_data, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(response_and_fin_share_a_segment, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(retransmission_carries_the_fin, harness_setup,
						harness_teardown),
		cmocka_unit_test_setup_teardown(fin_waits_behind_data_the_window_holds,
						harness_setup, harness_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
