/*
 * peer_frames.h: frames that a unit test's peer hands to the stack
 * (kernel/inet on tests/net/host_platform.c): ARP packets, and transport
 * segments wrapped in IPv4 and Ethernet with every checksum right.
 */
#ifndef LULL_TEST_PEER_FRAMES_H
#define LULL_TEST_PEER_FRAMES_H

#include "../net/host_platform.h"

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX (ETH_HEADER + ETH_MTU)
#define ARP_PACKET 28
/* Where the transport segment starts in a frame. */
#define FRAME_PAYLOAD (ETH_HEADER + IP_HEADER)

/* An ARP packet (op 1 request, 2 reply) from the peer to the stack. */
void peer_frame_arp(struct netdev *dev, uint16_t op, const uint8_t peer_mac[6], uint32_t peer_addr,
		    const uint8_t stack_mac[6], uint32_t stack_addr);

/* Completes the frame whose transport segment (TCP or UDP, len bytes) is
 * at frame + FRAME_PAYLOAD: the segment's checksum, the IPv4 header from
 * src to dst and the Ethernet header from eth_src to eth_dst; then hands
 * it to the stack. */
void peer_frame_ipv4(struct netdev *dev, uint8_t *frame, const uint8_t eth_dst[6],
		     const uint8_t eth_src[6], uint32_t src, uint32_t dst, uint8_t proto, size_t len);

#endif
