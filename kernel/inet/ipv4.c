/*
 * ipv4.c: IPv4 (RFC 791) and ICMP echo (RFC 792); the dispatch of frames
 * and of the stack's timer to the protocols above.
 *
 * Fragments are dropped (and counted) rather than reassembled: TCP here
 * never sends datagrams larger than the path MTU, and a peer that fragments
 * UDP to us loses those datagrams.
 */
#include "inet/dhcp.h"
#include "inet/inet.h"

#include <string.h>

#define IP_FLAG_MORE_FRAGMENTS 0x2000
#define IP_FLAG_DONT_FRAGMENT 0x4000
#define IP_OFFSET_MASK 0x1fff
#define IP_TTL 64
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HEADER 8

static uint16_t next_id;

static bool is_ours(uint32_t dst)
{
	return dst == inet_if.addr || dst == 0xffffffffu ||
	       dst == ((inet_if.addr & inet_if.mask) | ~inet_if.mask);
}

void ipv4_input(const uint8_t *ip, size_t len)
{
	if (len < IP_HEADER || ip[0] >> 4 != 4) {
		inet_stats.drop_malformed++;
		return;
	}
	size_t header = (size_t)(ip[0] & 0xf) * 4;
	size_t total = get16(ip + 2);
	if (header < IP_HEADER || header > len || total < header || total > len) {
		inet_stats.drop_malformed++;
		return;
	}
	if (inet_fold(inet_sum(ip, header, 0))) {
		inet_stats.drop_checksum++;
		return;
	}
	uint32_t src = get32(ip + 12), dst = get32(ip + 16);
	if (!is_ours(dst) && !(ip[9] == IP_PROTO_UDP && dhcp_accepts_any_address())) {
		inet_stats.drop_not_ours++;
		return;
	}
	if (get16(ip + 6) & (IP_FLAG_MORE_FRAGMENTS | IP_OFFSET_MASK)) {
		inet_stats.drop_fragment++;
		return;
	}
	const uint8_t *payload = ip + header;
	size_t payload_len = total - header;
	switch (ip[9]) {
	case IP_PROTO_ICMP:
		icmp_input(src, payload, payload_len);
		break;
	case IP_PROTO_UDP:
		udp_input(src, dst, payload, payload_len);
		break;
	case IP_PROTO_TCP:
		tcp_input(src, dst, payload, payload_len);
		break;
	default:
		inet_stats.drop_protocol++;
	}
}

/* The stack's one timer runs every protocol's timers: this is the only
 * place that knows them all. */
uint64_t inet_timers(uint64_t now)
{
	uint64_t tcp = tcp_timers(now), dhcp = dhcp_timers(now);

	return !tcp ? dhcp : !dhcp || tcp < dhcp ? tcp : dhcp;
}

bool ipv4_send(uint8_t *ip, uint32_t dst, uint8_t proto, size_t len)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP_HEADER + len));
	put16(ip + 4, next_id++);
	put16(ip + 6, IP_FLAG_DONT_FRAGMENT);
	ip[8] = IP_TTL;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, inet_if.addr);
	put32(ip + 16, dst);
	put16(ip + 10, inet_fold(inet_sum(ip, IP_HEADER, 0)));

	uint8_t *frame = ip - ETH_HEADER;
	if (dst == 0xffffffffu)
		return ethernet_send(frame, broadcast, ETH_TYPE_IPV4, IP_HEADER + len);
	uint32_t next_hop = (dst & inet_if.mask) == (inet_if.addr & inet_if.mask) ? dst
										    : inet_if.gateway;
	return arp_resolve_and_send(next_hop, frame, IP_HEADER + len);
}

void icmp_input(uint32_t src, const uint8_t *icmp, size_t len)
{
	static uint8_t frame[ETH_HEADER + ETH_MTU];
	uint8_t *reply = frame + ETH_HEADER + IP_HEADER;

	if (len < ICMP_HEADER || len > ETH_MTU - IP_HEADER || inet_fold(inet_sum(icmp, len, 0))) {
		inet_stats.drop_checksum++;
		return;
	}
	if (icmp[0] != ICMP_ECHO_REQUEST)
		return;
	memcpy(reply, icmp, len);
	reply[0] = ICMP_ECHO_REPLY;
	put16(reply + 2, 0);
	put16(reply + 2, inet_fold(inet_sum(reply, len, 0)));
	ipv4_send(frame + ETH_HEADER, src, IP_PROTO_ICMP, len);
}
