/*
 * fuzz_receive.c: libFuzzer target over the stack's receive path: Ethernet,
 * ARP, IPv4, ICMP, UDP and TCP parsing and the TCP state machine behind
 * them. The stack listens on TCP port 7 and UDP port 7 at 10.0.2.15; the
 * harness accepts connections, echoes what they receive and closes them at
 * end of stream, so that replies, timers and teardown run too. The DHCP
 * client is asking for an address at the start of every input (with the
 * harness's fixed random numbers its transaction id is always 0x829f9b97),
 * so that datagrams to port 68 reach its parser and state machine; an input
 * that gets a lease moves the address for its own remaining frames only.
 *
 * An input is a sequence of records:
 *   u8 flags (bit 0: fix the IPv4 and TCP/UDP/ICMP checksums first),
 *   u8 milliseconds to advance the clock before the frame,
 *   u16 frame length (big-endian), then the frame.
 * Fixing checksums lets mutations reach past them; frames with the bit
 * clear still test the checksum checks.
 */
#include "host_platform.h"

#include "inet/dhcp.h"
#include "lib/errno.h"

#include <stdlib.h>
#include <string.h>

#define OUR_ADDR 0x0a00020fu

struct file {
	struct inet_socket *sock;
};

static struct netdev dev;
static struct inet_socket *listener, *udp;
static struct file owners[64];

static bool discard_frame(struct netdev *d, const void *frame, size_t len)
{
	(void)frame;
	d->stats.tx_packets++;
	d->stats.tx_bytes += len;
	return true;
}

static void setup(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static struct file listener_owner;

	memcpy(dev.mac, mac, 6);
	dev.mtu = 1500;
	dev.transmit = discard_frame;
	host_clock_set(1000000000ull);
	host_random_fix(0x1234567890abcdefull);
	host_stack_attach(&dev, OUR_ADDR, 0xffffff00u, 0x0a000202u);
	dhcp_start();
	listener = socket_alloc(INET_SOCK_STREAM);
	udp = socket_alloc(INET_SOCK_DGRAM);
	if (!listener || !udp || socket_bind(listener, 0, 7) || socket_listen(listener, 16) ||
	    socket_bind(udp, 0, 7))
		abort();
	listener->file = &listener_owner;
}

static uint16_t checksum_over(const uint8_t *p, size_t len, uint32_t sum)
{
	return inet_fold(inet_sum(p, len, sum));
}

/* Makes the checksums of an IPv4 frame right, where its lengths allow. */
static void fix_checksums(uint8_t *frame, size_t len)
{
	if (len < ETH_HEADER + IP_HEADER || get16(frame + 12) != ETH_TYPE_IPV4)
		return;
	uint8_t *ip = frame + ETH_HEADER;
	size_t ihl = (size_t)(ip[0] & 15) * 4, total = get16(ip + 2);
	if (ihl < IP_HEADER || total < ihl || ETH_HEADER + total > len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, checksum_over(ip, ihl, 0));
	uint8_t *payload = ip + ihl;
	size_t plen = total - ihl;
	uint32_t src = get32(ip + 12), dst = get32(ip + 16);
	if (ip[9] == IP_PROTO_TCP && plen >= 20) {
		put16(payload + 16, 0);
		put16(payload + 16,
		      checksum_over(payload, plen, inet_pseudo_sum(src, dst, IP_PROTO_TCP, (uint16_t)plen)));
	} else if (ip[9] == IP_PROTO_UDP && plen >= 8) {
		put16(payload + 6, 0);
		put16(payload + 6,
		      checksum_over(payload, plen, inet_pseudo_sum(src, dst, IP_PROTO_UDP, (uint16_t)plen)));
	} else if (ip[9] == IP_PROTO_ICMP && plen >= 4) {
		put16(payload + 2, 0);
		put16(payload + 2, checksum_over(payload, plen, 0));
	}
}

/* Back to the address and DHCP state every input starts from. */
static void restart_dhcp(void)
{
	if (dhcp_state() == DHCP_SELECTING && inet_if.addr == OUR_ADDR)
		return;
	inet_if.addr = OUR_ADDR;
	inet_if.mask = 0xffffff00u;
	inet_if.gateway = 0x0a000202u;
	dhcp_start();
}

/* What an application would do: accept, echo, close at end of stream. */
static void run_application(void)
{
	uint8_t buf[2048];
	uint32_t addr;
	uint16_t port;
	struct inet_socket *c;
	long n;

	while ((c = tcp_accept(listener))) {
		struct file *slot = NULL;
		for (unsigned i = 0; i < 64 && !slot; i++)
			if (!owners[i].sock)
				slot = &owners[i];
		if (!slot) {
			tcp_close(c);
			continue;
		}
		slot->sock = c;
		c->file = slot;
	}
	for (unsigned i = 0; i < 64; i++) {
		struct file *o = &owners[i];
		if (!o->sock)
			continue;
		n = tcp_recv(o->sock, buf, sizeof buf, false);
		if (n > 0)
			tcp_send(o->sock, buf, (size_t)n);
		if (n != -EAGAIN && n <= 0) {
			tcp_close(o->sock);
			o->sock = NULL;
		}
	}
	while ((n = socket_recv(udp, buf, sizeof buf, false, &addr, &port)) >= 0)
		socket_send(udp, buf, (size_t)n, true, addr, port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t frame[65536];

	if (!ready) {
		setup();
		ready = true;
	}
	restart_dhcp();
	while (size >= 4) {
		uint8_t flags = data[0], advance_ms = data[1];
		size_t len = get16(data + 2);
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		memcpy(frame, data, len);
		data += len;
		size -= len;
		if (flags & 1)
			fix_checksums(frame, len);
		host_clock_set(host_now_ns() + advance_ms * 1000000ull);
		host_run_timers();
		ethernet_input(&dev, frame, len);
		run_application();
	}
	return 0;
}
