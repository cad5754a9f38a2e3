/*
 * tcp_harness.c: the fake wire, clock and peer of the TCP unit tests (see
 * tcp_harness.h).
 */
#include "tcp_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#define QUEUE 1024

struct file test_owner;
bool listener_reuse_addr;

static const uint8_t stack_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };

static struct netdev dev;
static struct {
	uint8_t data[FRAME_MAX];
	size_t len;
} queue[QUEUE];
static unsigned queue_head, queue_count;
/* Each test starts at a new time, far past every deadline of the last. */
static uint64_t test_start_ns = 1000000000000ULL, clock_ns;
static uint32_t pattern_next;

static bool capture(struct netdev *d, const void *frame, size_t len)
{
	(void)d;
	assert_true(queue_count < QUEUE);
	assert_true(len <= FRAME_MAX);
	unsigned slot = (queue_head + queue_count++) % QUEUE;
	memcpy(queue[slot].data, frame, len);
	queue[slot].len = len;
	return true;
}

/* An ARP packet from the peer to the stack; learning the peer from it
 * keeps the stack's cache entry fresh however far the clock moves. */
static void peer_arp(uint16_t op)
{
	peer_frame_arp(&dev, op, peer_mac, PEER_ADDR, stack_mac, STACK_ADDR);
}

static void free_all_sockets(void)
{
	while (tcp_sockets.next != &tcp_sockets)
		socket_free(container_of(tcp_sockets.next, struct inet_socket, link));
}

int harness_setup(void **state)
{
	(void)state;
	free_all_sockets();
	listener_reuse_addr = false;
	test_start_ns += 1000000ULL * MS;
	clock_ns = test_start_ns;
	host_clock_set(clock_ns);
	host_run_timers(); /* forgets the last test's deadline */
	host_random_fix(0x0123456789abcdefULL);
	memset(&dev, 0, sizeof dev);
	memcpy(dev.mac, stack_mac, 6);
	dev.mtu = ETH_MTU;
	dev.link_up = true;
	dev.transmit = capture;
	host_stack_attach(&dev, STACK_ADDR, 0xffffff00u, 0x0a0000feu);
	peer_arp(1); /* a request: the stack learns the peer and answers */
	queue_head = queue_count = 0;
	memset(&inet_stats, 0, sizeof inet_stats);
	return 0;
}

int harness_teardown(void **state)
{
	(void)state;
	free_all_sockets();
	return 0;
}

uint64_t now_ms(void)
{
	return (clock_ns - test_start_ns) / MS;
}

void advance_ms(uint64_t ms)
{
	clock_ns += ms * MS;
	host_clock_set(clock_ns);
	peer_arp(2);
	host_run_timers();
}

unsigned pending(void)
{
	return queue_count;
}

void drain(void)
{
	queue_head = queue_count = 0;
}

void expect_nothing(void)
{
	if (queue_count) {
		struct segment s = take();
		fail_msg("unexpected segment: flags %#x seq %u ack %u len %zu", s.flags, s.seq, s.ack,
			 s.len);
	}
}

static void parse_options(struct segment *s, const uint8_t *tcp, size_t header)
{
	for (size_t i = TCP_HEADER_BYTES; i < header;) {
		if (tcp[i] == 0)
			break;
		if (tcp[i] == 1) {
			i++;
			continue;
		}
		assert_true(i + 1 < header && tcp[i + 1] >= 2 && i + tcp[i + 1] <= header);
		if (tcp[i] == 2 && tcp[i + 1] == 4)
			s->mss = get16(tcp + i + 2);
		else if (tcp[i] == 3 && tcp[i + 1] == 3)
			s->wscale = tcp[i + 2];
		else if (tcp[i] == 8 && tcp[i + 1] == 10) {
			s->timestamp = true;
			s->ts_value = get32(tcp + i + 2);
			s->ts_echo = get32(tcp + i + 6);
		} else if (tcp[i] == 4 && tcp[i + 1] == 2) {
			s->sack_permitted = true;
		} else if (tcp[i] == 5) {
			assert_true(tcp[i + 1] >= 10 && (tcp[i + 1] - 2) % 8 == 0 && tcp[i + 1] <= 34);
			s->sack_blocks = (tcp[i + 1] - 2u) / 8;
			for (unsigned b = 0; b < s->sack_blocks; b++) {
				s->sack[b][0] = get32(tcp + i + 2 + 8 * b);
				s->sack[b][1] = get32(tcp + i + 6 + 8 * b);
			}
		}
		i += tcp[i + 1];
	}
}

struct segment take(void)
{
	struct segment s = { .mss = -1, .wscale = -1 };

	assert_true(queue_count > 0);
	const uint8_t *frame = queue[queue_head].data;
	size_t len = queue[queue_head].len;
	queue_head = (queue_head + 1) % QUEUE;
	queue_count--;

	assert_memory_equal(frame, peer_mac, 6);
	assert_int_equal(get16(frame + 12), ETH_TYPE_IPV4);
	const uint8_t *ip = frame + ETH_HEADER;
	size_t total = get16(ip + 2);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[9], IP_PROTO_TCP);
	assert_true(ETH_HEADER + total <= len);
	assert_int_equal(inet_fold(inet_sum(ip, IP_HEADER, 0)), 0);
	assert_int_equal(get32(ip + 12), STACK_ADDR);
	assert_int_equal(get32(ip + 16), PEER_ADDR);
	const uint8_t *tcp = ip + IP_HEADER;
	size_t tcp_len = total - IP_HEADER, header = (size_t)(tcp[12] >> 4) * 4;
	assert_true(header >= TCP_HEADER_BYTES && header <= tcp_len);
	assert_int_equal(inet_fold(inet_sum(tcp, tcp_len,
					    inet_pseudo_sum(STACK_ADDR, PEER_ADDR, IP_PROTO_TCP,
							    (uint16_t)tcp_len))),
			 0);
	s.sport = get16(tcp);
	s.dport = get16(tcp + 2);
	s.seq = get32(tcp + 4);
	s.ack = get32(tcp + 8);
	s.flags = tcp[13];
	s.window = get16(tcp + 14);
	parse_options(&s, tcp, header);
	s.len = tcp_len - header;
	assert_true(s.len <= sizeof s.data);
	memcpy(s.data, tcp + header, s.len);
	return s;
}

struct segment expect(uint8_t flags, uint32_t seq, uint32_t ack, size_t len)
{
	struct segment s = take();

	assert_int_equal(s.flags, flags);
	assert_int_equal(s.seq, seq);
	if (flags & ACK)
		assert_int_equal(s.ack, ack);
	assert_int_equal(s.len, len);
	return s;
}

void peer_send(const struct segment *seg)
{
	uint8_t frame[FRAME_MAX] = { 0 };
	uint8_t *tcp = frame + FRAME_PAYLOAD;
	size_t header = TCP_HEADER_BYTES;

	if (seg->mss >= 0) {
		tcp[header] = 2;
		tcp[header + 1] = 4;
		put16(tcp + header + 2, (uint16_t)seg->mss);
		header += 4;
	}
	if (seg->wscale >= 0) {
		tcp[header] = 1;
		tcp[header + 1] = 3;
		tcp[header + 2] = 3;
		tcp[header + 3] = (uint8_t)seg->wscale;
		header += 4;
	}
	if (seg->timestamp) {
		tcp[header] = tcp[header + 1] = 1;
		tcp[header + 2] = 8;
		tcp[header + 3] = 10;
		put32(tcp + header + 4, seg->ts_value);
		put32(tcp + header + 8, seg->ts_echo);
		header += 12;
	}
	if (seg->sack_permitted) {
		tcp[header] = tcp[header + 1] = 1;
		tcp[header + 2] = 4;
		tcp[header + 3] = 2;
		header += 4;
	}
	if (seg->sack_blocks) {
		tcp[header] = tcp[header + 1] = 1;
		tcp[header + 2] = 5;
		tcp[header + 3] = (uint8_t)(2 + 8 * seg->sack_blocks);
		for (unsigned b = 0; b < seg->sack_blocks; b++) {
			put32(tcp + header + 4 + 8 * b, seg->sack[b][0]);
			put32(tcp + header + 8 + 8 * b, seg->sack[b][1]);
		}
		header += 4 + 8 * seg->sack_blocks;
	}
	size_t tcp_len = header + seg->len;
	assert_true(IP_HEADER + tcp_len <= ETH_MTU);
	put16(tcp, seg->sport);
	put16(tcp + 2, seg->dport);
	put32(tcp + 4, seg->seq);
	put32(tcp + 8, seg->ack);
	tcp[12] = (uint8_t)(header / 4) << 4;
	tcp[13] = seg->flags;
	put16(tcp + 14, seg->window);
	memcpy(tcp + header, seg->data, seg->len);
	peer_frame_ipv4(&dev, frame, stack_mac, peer_mac, PEER_ADDR, STACK_ADDR, IP_PROTO_TCP,
			tcp_len);
}

struct segment peer_segment(struct conn *c, uint8_t flags)
{
	return (struct segment){ .sport = PEER_PORT, .dport = c->port, .flags = flags,
				 .seq = c->theirs, .ack = c->ours, .window = c->peer_window,
				 .mss = -1, .wscale = -1, .timestamp = c->timestamps,
				 .ts_value = c->peer_clock, .ts_echo = c->echo };
}

void open_active(struct conn *c, struct peer_syn p)
{
	memset(c, 0, sizeof *c);
	c->s = socket_alloc(INET_SOCK_STREAM);
	assert_non_null(c->s);
	c->s->file = &test_owner;
	assert_int_equal(socket_connect_start(c->s, PEER_ADDR, PEER_PORT), 0);
	c->handshake = take();
	assert_int_equal(c->handshake.flags, SYN);
	assert_int_equal(c->handshake.dport, PEER_PORT);
	assert_int_equal(c->handshake.mss, STACK_MSS);
	assert_true(c->handshake.sack_permitted); /* always offered */
	c->port = c->handshake.sport;
	c->ours = c->handshake.seq + 1;
	c->theirs = PEER_ISS;
	c->peer_window = p.window;
	c->timestamps = p.timestamps;
	c->peer_clock = p.clock;
	c->echo = c->handshake.ts_value;
	struct segment synack = peer_segment(c, SYN | ACK);
	synack.mss = p.mss;
	synack.wscale = p.wscale;
	synack.sack_permitted = p.sack;
	peer_send(&synack);
	c->theirs++;
	expect(ACK, c->ours, c->theirs, 0);
	assert_int_equal(c->s->tcp.state, TCP_ESTABLISHED);
	expect_nothing();
}

void handshake_passive(struct conn *c, struct peer_syn p, int defer_accept_s)
{
	memset(c, 0, sizeof *c);
	c->listener = socket_alloc(INET_SOCK_STREAM);
	assert_non_null(c->listener);
	c->listener->file = &test_owner;
	c->listener->defer_accept_s = defer_accept_s;
	c->listener->reuse_addr = listener_reuse_addr;
	assert_int_equal(socket_bind(c->listener, 0, SERVER_PORT), 0);
	assert_int_equal(socket_listen(c->listener, 16), 0);
	c->port = SERVER_PORT;
	c->theirs = PEER_ISS;
	c->peer_window = p.window;
	c->timestamps = p.timestamps;
	c->peer_clock = p.clock;
	struct segment syn = peer_segment(c, SYN);
	syn.ack = 0;
	syn.mss = p.mss;
	syn.wscale = p.wscale;
	syn.sack_permitted = p.sack;
	peer_send(&syn);
	c->theirs++;
	c->handshake = take();
	assert_int_equal(c->handshake.flags, SYN | ACK);
	assert_int_equal(c->handshake.ack, c->theirs);
	assert_int_equal(c->handshake.sport, SERVER_PORT);
	assert_int_equal(c->handshake.dport, PEER_PORT);
	assert_int_equal(c->handshake.mss, STACK_MSS);
	c->ours = c->handshake.seq + 1;
	assert_int_equal(c->handshake.timestamp, p.timestamps);
	assert_int_equal(c->handshake.sack_permitted, p.sack); /* answered only */
	c->echo = c->handshake.ts_value;
	assert_null(tcp_accept(c->listener)); /* not before the handshake's end */
	peer_flags(c, ACK, c->peer_window);
}

void open_passive(struct conn *c, struct peer_syn p)
{
	handshake_passive(c, p, 0);
	c->s = tcp_accept(c->listener);
	assert_non_null(c->s);
	assert_int_equal(c->s->tcp.state, TCP_ESTABLISHED);
	c->s->file = &test_owner;
	expect_nothing();
}

void peer_data(struct conn *c, const void *data, size_t len)
{
	struct segment seg = peer_segment(c, ACK | PSH);

	assert_true(len <= sizeof seg.data);
	memcpy(seg.data, data, len);
	seg.len = len;
	peer_send(&seg);
	c->theirs += (uint32_t)len;
}

void peer_ack(struct conn *c, uint32_t ack, uint16_t window)
{
	struct segment seg = peer_segment(c, ACK);

	seg.ack = ack;
	seg.window = window;
	peer_send(&seg);
}

void peer_flags(struct conn *c, uint8_t flags, uint16_t window)
{
	struct segment seg = peer_segment(c, flags);

	seg.window = window;
	peer_send(&seg);
	if (flags & (SYN | FIN))
		c->theirs++;
}

struct segment expect_data(struct conn *c, size_t len)
{
	struct segment s = expect(ACK | PSH, c->ours, c->theirs, len);

	c->ours += (uint32_t)len;
	return s;
}

long app_send(struct conn *c, size_t len)
{
	static uint8_t buf[1 << 20];

	assert_true(len <= sizeof buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(pattern_next++ * 7);
	return tcp_send(c->s, buf, len);
}

void send_fin(struct conn *c)
{
	assert_int_equal(socket_shutdown(c->s, 1), 0);
	expect(FIN | ACK, c->ours, c->theirs, 0);
	c->ours++;
	assert_int_equal(c->s->tcp.state, TCP_FIN_WAIT_1);
}

void close_to_time_wait(struct conn *c)
{
	send_fin(c);
	peer_ack(c, c->ours, 65535);
	peer_flags(c, FIN | ACK, 65535);
	expect(ACK, c->ours, c->theirs, 0);
	assert_int_equal(c->s->tcp.state, TCP_TIME_WAIT);
}

unsigned tcp_socket_count(void)
{
	unsigned n = 0;

	for (struct list_node *l = tcp_sockets.next; l != &tcp_sockets; l = l->next)
		n++;
	return n;
}
