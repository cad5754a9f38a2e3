/* test_dhcp.c: the DHCP client, kernel/inet/dhcp.c, through the stack's
 * receive path: crafted OFFERs, ACKs and NAKs from a server, what the
 * client sends back, its retransmission and lease timers on a hand-moved
 * clock, and the replies it must ignore. */
// unit-under-test: tests/unit/peer_frames.c tests/net/host_platform.c kernel/inet/arp.c kernel/inet/checksum.c kernel/inet/dhcp.c kernel/inet/ethernet.c kernel/inet/ipv4.c kernel/inet/ring.c kernel/inet/socket.c kernel/inet/tcp_connection.c kernel/inet/tcp_input.c kernel/inet/tcp_output.c kernel/inet/tcp_sack.c kernel/inet/tcp_timer.c kernel/inet/tcp_user.c kernel/inet/udp.c
#include "peer_frames.h"

#include "inet/dhcp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define SECOND 1000000000ULL
#define SERVER 0x0a000202u  /* 10.0.2.2 */
#define OFFERED 0x0a00020fu /* 10.0.2.15 */
#define BROADCAST 0xffffffffu
#define QUEUE 16
#define BOOTP_OPTIONS 240

/* A socket's owner, as far as the stack cares. */
struct file {
	int unused;
};

static const uint8_t stack_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t server_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

static struct netdev dev;
static struct {
	uint8_t data[FRAME_MAX];
	size_t len;
} queue[QUEUE];
static unsigned queue_count;
static uint64_t clock_ns = 1000 * SECOND;

/* What the client sent, taken apart. */
struct sent {
	uint8_t eth_dst[6];
	uint32_t ip_src, ip_dst;
	uint16_t sport, dport;
	const uint8_t *msg;
	size_t len;
};

static bool capture(struct netdev *d, const void *frame, size_t len)
{
	(void)d;
	assert_true(queue_count < QUEUE);
	memcpy(queue[queue_count].data, frame, len);
	queue[queue_count++].len = len;
	return true;
}

static void advance_to(uint64_t ns)
{
	clock_ns = ns;
	host_clock_set(clock_ns);
	host_run_timers();
}

/* Each test: no lease, far past the last test's deadlines, a fresh start. */
static int setup(void **state)
{
	(void)state;
	dhcp_stop();
	advance_to(clock_ns + 100000 * SECOND);
	memcpy(dev.mac, stack_mac, 6);
	dev.mtu = ETH_MTU;
	dev.transmit = capture;
	host_random_fix(0x0123456789abcdefULL);
	host_stack_attach(&dev, 0, 0, 0);
	memset(&inet_stats, 0, sizeof inet_stats);
	queue_count = 0;
	dhcp_start();
	return 0;
}

/* Takes the oldest frame the stack sent, which must be a DHCP message. */
static struct sent take(void)
{
	static uint8_t frame[FRAME_MAX];
	struct sent s;

	assert_true(queue_count > 0);
	memcpy(frame, queue[0].data, queue[0].len);
	size_t len = queue[0].len;
	memmove(&queue[0], &queue[1], --queue_count * sizeof queue[0]);
	assert_true(len >= ETH_HEADER + IP_HEADER + 8 + BOOTP_OPTIONS);
	assert_int_equal(get16(frame + 12), ETH_TYPE_IPV4);
	const uint8_t *ip = frame + ETH_HEADER, *udp = ip + IP_HEADER;
	assert_int_equal(ip[9], IP_PROTO_UDP);
	assert_int_equal(inet_fold(inet_sum(ip, IP_HEADER, 0)), 0);
	memcpy(s.eth_dst, frame, 6);
	s.ip_src = get32(ip + 12);
	s.ip_dst = get32(ip + 16);
	s.sport = get16(udp);
	s.dport = get16(udp + 2);
	s.len = get16(udp + 4) - 8u;
	assert_int_equal(inet_fold(inet_sum(udp, s.len + 8, inet_pseudo_sum(s.ip_src, s.ip_dst,
				   IP_PROTO_UDP, (uint16_t)(s.len + 8)))), 0);
	s.msg = udp + 8;
	assert_int_equal(s.sport, 68);
	assert_int_equal(s.dport, 67);
	assert_int_equal(s.msg[0], 1); /* BOOTREQUEST */
	assert_memory_equal(s.msg + 28, stack_mac, 6);
	assert_int_equal(get32(s.msg + 236), 0x63825363u);
	return s;
}

/* An option's value in a sent message, or NULL; *n gets its length. */
static const uint8_t *option(const struct sent *s, uint8_t code, uint8_t *n)
{
	for (size_t i = BOOTP_OPTIONS; i < s->len && s->msg[i] != 255;) {
		if (s->msg[i] == 0) {
			i++;
			continue;
		}
		if (s->msg[i] == code) {
			*n = s->msg[i + 1];
			return s->msg + i + 2;
		}
		i += 2u + s->msg[i + 1];
	}
	return NULL;
}

static uint8_t message_type(const struct sent *s)
{
	uint8_t n;
	const uint8_t *v = option(s, 53, &n);
	assert_non_null(v);
	assert_int_equal(n, 1);
	return v[0];
}

static void expect_broadcast(const struct sent *s, uint8_t type)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_memory_equal(s->eth_dst, all, 6);
	assert_int_equal(s->ip_dst, BROADCAST);
	assert_int_equal(message_type(s), type);
}

static uint32_t xid_of(const struct sent *s)
{
	return get32(s->msg + 4);
}

/* A server's reply into m: BOOTP fields, then `opts` as they are; returns
 * its length. Tests may change it before delivering it. */
static size_t build_reply(uint8_t *m, uint32_t xid, uint32_t yiaddr, const uint8_t *opts,
			  size_t opts_len)
{
	memset(m, 0, BOOTP_OPTIONS);
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	put32(m + 4, xid);
	put16(m + 10, 0x8000);
	put32(m + 16, yiaddr);
	memcpy(m + 28, stack_mac, 6);
	put32(m + 236, 0x63825363u);
	memcpy(m + BOOTP_OPTIONS, opts, opts_len);
	return BOOTP_OPTIONS + opts_len;
}

/* Sends a message from the server's port 67 to ip_dst (the broadcast MAC
 * for the broadcast address, ours otherwise), checksums right. */
static void deliver(const uint8_t *msg, size_t msg_len, uint32_t ip_dst)
{
	uint8_t frame[FRAME_MAX] = { 0 };
	uint8_t *udp = frame + FRAME_PAYLOAD;
	size_t udp_len = 8 + msg_len;
	static const uint8_t broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(udp + 8, msg, msg_len);
	put16(udp, 67);
	put16(udp + 2, 68);
	put16(udp + 4, (uint16_t)udp_len);
	peer_frame_ipv4(&dev, frame, ip_dst == BROADCAST ? broadcast_mac : stack_mac, server_mac,
			SERVER, ip_dst, IP_PROTO_UDP, udp_len);
}

static void server_reply(uint32_t xid, uint32_t yiaddr, uint32_t ip_dst, const uint8_t *opts,
			 size_t opts_len)
{
	uint8_t m[ETH_MTU];
	deliver(m, build_reply(m, xid, yiaddr, opts, opts_len), ip_dst);
}

#define LEASE_OPTIONS(type, lease)                                                             \
	53, 1, type, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 51, 4,       \
		(uint8_t)((lease) >> 24), (uint8_t)((lease) >> 16), (uint8_t)((lease) >> 8),     \
		(uint8_t)(lease), 255

static void offer(uint32_t xid, uint32_t ip_dst)
{
	static const uint8_t opts[] = { LEASE_OPTIONS(2, 3600) };
	server_reply(xid, OFFERED, ip_dst, opts, sizeof opts);
}

static void ack(uint32_t xid, uint32_t lease_s)
{
	const uint8_t opts[] = { LEASE_OPTIONS(5, lease_s) };
	server_reply(xid, OFFERED, BROADCAST, opts, sizeof opts);
}

/* DISCOVER, OFFER, REQUEST, ACK; returns the time of the ACK. */
static uint64_t get_lease(uint32_t lease_s)
{
	struct sent d = take();
	offer(xid_of(&d), BROADCAST);
	struct sent r = take();
	ack(xid_of(&r), lease_s);
	assert_int_equal(dhcp_state(), DHCP_BOUND);
	return clock_ns;
}

/* Answers the stack's ARP request for the server, releasing what waits. */
static void answer_arp(void)
{
	assert_true(queue_count > 0);
	assert_int_equal(get16(queue[0].data + 12), ETH_TYPE_ARP);
	assert_int_equal(get32(queue[0].data + ETH_HEADER + 24), SERVER);
	memmove(&queue[0], &queue[1], --queue_count * sizeof queue[0]);
	peer_frame_arp(&dev, 2, server_mac, SERVER, stack_mac, inet_if.addr);
}

static void discover_is_broadcast_from_nowhere(void **state)
{
	(void)state;
	struct sent d = take();
	expect_broadcast(&d, 1);
	assert_int_equal(d.ip_src, 0);
	assert_int_equal(get16(d.msg + 10), 0x8000); /* broadcast flag */
	assert_int_equal(get32(d.msg + 12), 0);      /* ciaddr */
	uint8_t n;
	assert_null(option(&d, 54, &n));
	const uint8_t *wanted = option(&d, 55, &n);
	assert_non_null(wanted);
	assert_non_null(memchr(wanted, 1, n));
	assert_non_null(memchr(wanted, 3, n));
	assert_non_null(memchr(wanted, 51, n));
	assert_true(d.len >= 300);
	assert_int_equal(queue_count, 0);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	assert_true(dhcp_accepts_any_address());
}

static void offer_request_ack_configures_the_interface(void **state)
{
	(void)state;
	struct sent d = take();
	offer(xid_of(&d), BROADCAST);
	assert_int_equal(dhcp_state(), DHCP_REQUESTING);

	struct sent r = take();
	expect_broadcast(&r, 3);
	assert_int_equal(r.ip_src, 0);
	assert_int_equal(xid_of(&r), xid_of(&d));
	uint8_t n;
	const uint8_t *v = option(&r, 50, &n);
	assert_non_null(v);
	assert_int_equal(get32(v), OFFERED);
	v = option(&r, 54, &n);
	assert_non_null(v);
	assert_int_equal(get32(v), SERVER);
	assert_int_equal(inet_if.addr, 0); /* not before the ACK */

	ack(xid_of(&r), 3600);
	assert_int_equal(dhcp_state(), DHCP_BOUND);
	assert_int_equal(inet_if.addr, OFFERED);
	assert_int_equal(inet_if.mask, 0xffffff00u);
	assert_int_equal(inet_if.gateway, SERVER);
	const struct dhcp_lease *l = dhcp_lease();
	assert_int_equal(l->lease_s, 3600);
	assert_int_equal(l->t1_s, 1800);
	assert_int_equal(l->t2_s, 3150);
	assert_int_equal(l->server, SERVER);
	assert_false(dhcp_accepts_any_address());
	/* The only deadline left is T1 (the stack's timer may still hold the
	 * REQUEST's retransmission: an early run does nothing). */
	assert_int_equal(dhcp_timers(clock_ns), clock_ns + 1800 * SECOND);
	assert_int_equal(inet_stats.dhcp_sent, 2);
	assert_int_equal(inet_stats.dhcp_accepted, 2);
	assert_int_equal(queue_count, 0);
}

/* A server that ignores the broadcast flag sends to the offered address,
 * which is not ours yet: IPv4 must take it while DHCP asks. */
static void offer_to_the_offered_address_is_taken(void **state)
{
	(void)state;
	struct sent d = take();
	offer(xid_of(&d), OFFERED);
	assert_int_equal(dhcp_state(), DHCP_REQUESTING);
	assert_int_equal(inet_stats.drop_not_ours, 0);
}

static void discover_backs_off_exponentially(void **state)
{
	(void)state;
	uint64_t start = clock_ns, sent_at = clock_ns, interval = SECOND;

	take();
	for (int i = 0; i < 8; i++) {
		uint64_t due = host_timer_deadline();
		assert_true(due >= sent_at + interval && due < sent_at + interval + interval / 8);
		advance_to(due - 1);
		assert_int_equal(queue_count, 0);
		advance_to(due);
		struct sent d = take();
		expect_broadcast(&d, 1);
		assert_int_equal(get16(d.msg + 8), (clock_ns - start) / SECOND); /* secs */
		sent_at = due;
		interval = interval * 2 > 32 * SECOND ? 32 * SECOND : interval * 2;
	}
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
}

static void foreign_and_malformed_replies_are_ignored(void **state)
{
	(void)state;
	struct sent d = take();
	uint32_t xid = xid_of(&d);
	static const uint8_t overrun[] = { 53, 1, 2, 54, 9, 10, 0, 2, 2 };
	static const uint8_t bad_type_length[] = { 53, 2, 2, 2, 54, 4, 10, 0, 2, 2, 255 };
	static const uint8_t no_type[] = { 54, 4, 10, 0, 2, 2, 255 };
	static const uint8_t good[] = { LEASE_OPTIONS(2, 3600) };

	offer(xid ^ 1, BROADCAST);
	server_reply(xid, OFFERED, BROADCAST, overrun, sizeof overrun);
	server_reply(xid, OFFERED, BROADCAST, bad_type_length, sizeof bad_type_length);
	server_reply(xid, OFFERED, BROADCAST, no_type, sizeof no_type);
	server_reply(xid, 0, BROADCAST, good, sizeof good);          /* no address */
	server_reply(xid, 0x7f000001u, BROADCAST, good, sizeof good); /* loopback */
	uint8_t m[ETH_MTU];
	size_t len = build_reply(m, xid, OFFERED, good, sizeof good);
	m[28 + 5] ^= 1; /* another client's */
	deliver(m, len, BROADCAST);
	len = build_reply(m, xid, OFFERED, good, sizeof good);
	m[0] = 1; /* a request, not a reply */
	deliver(m, len, BROADCAST);
	deliver(m, 200, BROADCAST); /* cut short */
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	assert_int_equal(inet_stats.dhcp_ignored, 9);
	assert_int_equal(inet_stats.dhcp_accepted, 0);
	assert_int_equal(queue_count, 0);
	assert_int_equal(inet_if.addr, 0);

	/* An ACK while selecting is not what was asked for either. */
	ack(xid, 3600);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	assert_int_equal(inet_if.addr, 0);
}

static void request_retries_then_discovers_again(void **state)
{
	(void)state;
	struct sent d = take();
	offer(xid_of(&d), BROADCAST);
	take(); /* the first REQUEST */
	for (int i = 0; i < 3; i++) {
		advance_to(host_timer_deadline());
		struct sent r = take();
		expect_broadcast(&r, 3);
	}
	advance_to(host_timer_deadline());
	struct sent again = take();
	expect_broadcast(&again, 1);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
}

static void nak_sends_the_client_back_to_discover(void **state)
{
	(void)state;
	static const uint8_t nak[] = { 53, 1, 6, 54, 4, 10, 0, 2, 2, 255 };
	struct sent d = take();
	offer(xid_of(&d), BROADCAST);
	struct sent r = take();
	server_reply(xid_of(&r), 0, BROADCAST, nak, sizeof nak);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	struct sent again = take();
	expect_broadcast(&again, 1);
	assert_int_equal(inet_if.addr, 0);
}

static void renews_at_t1_by_unicast(void **state)
{
	(void)state;
	uint64_t bound = get_lease(100);
	advance_to(bound + 50 * SECOND - 1);
	assert_int_equal(queue_count, 0);
	advance_to(bound + 50 * SECOND);
	assert_int_equal(dhcp_state(), DHCP_RENEWING);
	answer_arp();
	struct sent r = take();
	assert_memory_equal(r.eth_dst, server_mac, 6);
	assert_int_equal(r.ip_src, OFFERED);
	assert_int_equal(r.ip_dst, SERVER);
	assert_int_equal(message_type(&r), 3);
	assert_int_equal(get32(r.msg + 12), OFFERED); /* ciaddr */
	assert_int_equal(get16(r.msg + 10), 0);        /* a unicast reply will do */
	uint8_t n;
	assert_null(option(&r, 50, &n));
	assert_null(option(&r, 54, &n));
	assert_int_equal(inet_if.addr, OFFERED); /* still ours meanwhile */

	ack(xid_of(&r), 200);
	assert_int_equal(dhcp_state(), DHCP_BOUND);
	assert_int_equal(dhcp_lease()->lease_s, 200);
	assert_int_equal(dhcp_timers(clock_ns), clock_ns + 100 * SECOND);
}

static void rebinds_at_t2_and_loses_the_address_at_expiry(void **state)
{
	(void)state;
	uint64_t bound = get_lease(100); /* T1 50 s, T2 87.5 s (87 s) */
	advance_to(bound + 50 * SECOND);
	answer_arp();
	take();
	/* Renewal retries wait at least a minute, so T2 comes first. */
	assert_int_equal(host_timer_deadline(), bound + 87 * SECOND);
	advance_to(bound + 87 * SECOND);
	assert_int_equal(dhcp_state(), DHCP_REBINDING);
	struct sent r = take();
	expect_broadcast(&r, 3);
	assert_int_equal(r.ip_src, OFFERED);
	assert_int_equal(get32(r.msg + 12), OFFERED);
	assert_int_equal(host_timer_deadline(), bound + 100 * SECOND);
	advance_to(bound + 100 * SECOND);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	assert_int_equal(inet_if.addr, 0);
	assert_int_equal(inet_if.gateway, 0);
	struct sent d = take();
	expect_broadcast(&d, 1);
	assert_int_equal(d.ip_src, 0);
}

/* Option overload (RFC 2132 9.3): the options field says that `file`
 * holds options too, and the message type and lease are there. */
static void options_in_the_file_field_are_read(void **state)
{
	(void)state;
	static const uint8_t main_opts[] = { 52, 1, 1, 54, 4, 10, 0, 2, 2, 255 };
	static const uint8_t file_opts[] = { 53, 1, 2, 51, 4, 0, 0, 0x0e, 0x10, 255 };
	struct sent d = take();
	uint8_t m[ETH_MTU];

	size_t len = build_reply(m, xid_of(&d), OFFERED, main_opts, sizeof main_opts);
	memcpy(m + 108, file_opts, sizeof file_opts);
	m[BOOTP_OPTIONS + 2] = 0; /* without the overload option: no type, ignored */
	deliver(m, len, BROADCAST);
	assert_int_equal(dhcp_state(), DHCP_SELECTING);
	m[BOOTP_OPTIONS + 2] = 1;
	deliver(m, len, BROADCAST);
	assert_int_equal(dhcp_state(), DHCP_REQUESTING);
}

static void stopped_client_leaves_port_68_to_sockets(void **state)
{
	(void)state;
	struct sent d = take();
	dhcp_stop();
	inet_if.addr = OFFERED;
	inet_if.mask = 0xffffff00u;
	struct inet_socket *s = socket_alloc(INET_SOCK_DGRAM);
	static struct file owner;
	assert_non_null(s);
	s->file = &owner;
	assert_int_equal(socket_bind(s, 0, 68), 0);
	offer(xid_of(&d), OFFERED);
	uint8_t buf[600];
	uint32_t addr;
	uint16_t port;
	assert_true(socket_recv(s, buf, sizeof buf, false, &addr, &port) > 0);
	assert_int_equal(addr, SERVER);
	udp_close(s);
	assert_int_equal(dhcp_state(), DHCP_OFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(discover_is_broadcast_from_nowhere, setup),
		cmocka_unit_test_setup(offer_request_ack_configures_the_interface, setup),
		cmocka_unit_test_setup(offer_to_the_offered_address_is_taken, setup),
		cmocka_unit_test_setup(discover_backs_off_exponentially, setup),
		cmocka_unit_test_setup(foreign_and_malformed_replies_are_ignored, setup),
		cmocka_unit_test_setup(request_retries_then_discovers_again, setup),
		cmocka_unit_test_setup(nak_sends_the_client_back_to_discover, setup),
		cmocka_unit_test_setup(renews_at_t1_by_unicast, setup),
		cmocka_unit_test_setup(rebinds_at_t2_and_loses_the_address_at_expiry, setup),
		cmocka_unit_test_setup(options_in_the_file_field_are_read, setup),
		cmocka_unit_test_setup(stopped_client_leaves_port_68_to_sockets, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
