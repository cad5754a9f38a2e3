/*
 * inet.h: the internals shared by the files of the IPv4 stack.
 *
 * One lock (inet_lock) guards the whole stack: interface, ARP cache, and
 * every UDP and TCP socket. Frames arrive from the NIC driver's deferred
 * poll and the timers run as deferred work, both in thread context on the
 * core whose interrupt scheduled them (never in the handler itself), and
 * system calls on any core take the same lock. Anything that must happen outside the lock (waking
 * threads through file_notify) is queued with inet_defer_notify and done by
 * inet_unlock.
 */
#ifndef LULL_INET_INET_H
#define LULL_INET_INET_H

#include "drivers/netdev.h"
#include "inet/host.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HEADER 14
#define ETH_MTU 1500
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define IP_HEADER 20
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17

static inline uint16_t net16(uint16_t v)
{
	return __builtin_bswap16(v);
}

static inline uint32_t net32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Counters; every drop says why. */
struct inet_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t drop_malformed, drop_checksum, drop_not_ours, drop_fragment, drop_protocol;
	uint64_t drop_no_socket, drop_queue_full, drop_no_memory, drop_arp_unresolved;
	uint64_t drop_old_timestamp; /* TCP's PAWS */
	uint64_t tcp_retransmits, tcp_retransmitted_bytes, tcp_resets_sent;
	uint64_t tcp_timer_visits; /* connections the timer wheel ran (tcp_timer.c) */
	uint64_t dhcp_sent, dhcp_accepted, dhcp_ignored; /* ignored: not for us, or malformed */
};
extern struct inet_stats inet_stats;

/* The interface (one for now). Addresses in host byte order. */
struct inet_interface {
	struct netdev *dev;
	uint32_t addr, mask, gateway;
};
extern struct inet_interface inet_if;

/* Releases the lock only: for callers that changed nothing and may hold a
 * file's lock already (a poll operation), where notifying would deadlock. */
void inet_unlock_quiet(void);

/* A random number for sequence numbers and ports: the CPU's generator
 * where it has one, the clock otherwise. */
uint32_t inet_random(void);

/* Internet checksum (RFC 1071) over data, starting from `sum`. */
uint32_t inet_sum(const void *data, size_t len, uint32_t sum);
uint16_t inet_fold(uint32_t sum);
/* The TCP/UDP pseudo-header's contribution. */
uint32_t inet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* Sends an IPv4 datagram whose payload (len bytes) the caller has written
 * at `ip + IP_HEADER`, where ip points into a frame buffer that has room for
 * the Ethernet header before it. Called with the lock held. */
bool ipv4_send(uint8_t *ip, uint32_t dst, uint8_t proto, size_t len);

/* A received frame, whole (the netdev's receive hook); takes the lock. */
void ethernet_input(struct netdev *dev, const void *frame, size_t len);

/* Hands a frame to the NIC after filling in the Ethernet header. */
bool ethernet_send(uint8_t *frame, const uint8_t dst_mac[6], uint16_t type, size_t payload_len);

/* ARP: resolves the next hop, or queues the frame and asks. */
bool arp_resolve_and_send(uint32_t next_hop, uint8_t *frame, size_t payload_len);
void arp_input(const uint8_t *arp, size_t len);

void ipv4_input(const uint8_t *ip, size_t len);
void icmp_input(uint32_t src, const uint8_t *icmp, size_t len);
void udp_input(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);
/* Sends one datagram of at most ETH_MTU - 28 bytes from our address. */
void udp_send(uint16_t src_port, uint32_t addr, uint16_t port, const void *buf, size_t len);
void tcp_input(uint32_t src, uint32_t dst, const uint8_t *tcp, size_t len);

/* Timers: the stack's timer runs inet_timers, which runs each protocol's
 * timers (tcp_timers, dhcp_timers) and returns when the earliest wants to
 * run next (0: never); a protocol asks for an earlier run with
 * inet_timer_request (host.h; lock held). */
uint64_t inet_timers(uint64_t now);
uint64_t tcp_timers(uint64_t now);

#endif
