/* peer_frames.c: frames a unit test's peer sends (see peer_frames.h). */
#include "peer_frames.h"

#include <string.h>

static void ethernet_header(uint8_t *frame, const uint8_t dst[6], const uint8_t src[6],
			    uint16_t type)
{
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	put16(frame + 12, type);
}

void peer_frame_arp(struct netdev *dev, uint16_t op, const uint8_t peer_mac[6], uint32_t peer_addr,
		    const uint8_t stack_mac[6], uint32_t stack_addr)
{
	uint8_t frame[ETH_HEADER + ARP_PACKET] = { 0 };
	uint8_t *p = frame + ETH_HEADER;

	ethernet_header(frame, stack_mac, peer_mac, ETH_TYPE_ARP);
	put16(p, 1);
	put16(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, peer_mac, 6);
	put32(p + 14, peer_addr);
	memcpy(p + 18, stack_mac, 6);
	put32(p + 24, stack_addr);
	ethernet_input(dev, frame, sizeof frame);
}

void peer_frame_ipv4(struct netdev *dev, uint8_t *frame, const uint8_t eth_dst[6],
		     const uint8_t eth_src[6], uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t *ip = frame + ETH_HEADER, *segment = frame + FRAME_PAYLOAD;
	size_t checksum_at = proto == IP_PROTO_TCP ? 16 : 6;

	put16(segment + checksum_at, 0);
	put16(segment + checksum_at,
	      inet_fold(inet_sum(segment, len, inet_pseudo_sum(src, dst, proto, (uint16_t)len))));
	ethernet_header(frame, eth_dst, eth_src, ETH_TYPE_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HEADER + len));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, 0);
	put16(ip + 10, inet_fold(inet_sum(ip, IP_HEADER, 0)));
	ethernet_input(dev, frame, FRAME_PAYLOAD + len);
}
