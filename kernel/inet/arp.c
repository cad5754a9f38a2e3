/*
 * arp.c: IPv4 to Ethernet address resolution (RFC 826).
 *
 * A small cache; entries expire after a minute and are asked for again. A
 * frame for a next hop still being resolved waits in the entry (the newest
 * one only: TCP retransmits what is lost).
 */
#include "inet/inet.h"

#include <string.h>

#define ARP_ENTRIES 32
#define ARP_LIFETIME_NS 60000000000ULL
#define ARP_RETRY_NS 1000000000ULL
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define ARP_PACKET 28

struct arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	bool resolved;
	uint64_t expires_ns;   /* resolved: when to ask again */
	uint64_t asked_ns;     /* last request sent */
	size_t waiting_len;    /* payload length of the waiting frame, 0 if none */
	uint8_t waiting[ETH_HEADER + ETH_MTU];
};

static struct arp_entry cache[ARP_ENTRIES];
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct arp_entry *find(uint32_t ip)
{
	for (unsigned i = 0; i < ARP_ENTRIES; i++)
		if (cache[i].ip == ip)
			return &cache[i];
	return NULL;
}

/* An unused entry, or the one that expires first. */
static struct arp_entry *take_entry(uint32_t ip)
{
	struct arp_entry *victim = &cache[0];

	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		if (!cache[i].ip) {
			victim = &cache[i];
			break;
		}
		if (cache[i].expires_ns < victim->expires_ns)
			victim = &cache[i];
	}
	memset(victim, 0, offsetof(struct arp_entry, waiting));
	victim->ip = ip;
	return victim;
}

static void send_arp(uint16_t op, const uint8_t target_mac[6], uint32_t target_ip)
{
	uint8_t frame[ETH_HEADER + ARP_PACKET];
	uint8_t *p = frame + ETH_HEADER;

	put16(p, 1);              /* Ethernet */
	put16(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, inet_if.dev->mac, 6);
	put32(p + 14, inet_if.addr);
	memcpy(p + 18, op == ARP_REQUEST ? (const uint8_t[6]){ 0 } : target_mac, 6);
	put32(p + 24, target_ip);
	ethernet_send(frame, op == ARP_REQUEST ? broadcast : target_mac, ETH_TYPE_ARP, ARP_PACKET);
}

bool arp_resolve_and_send(uint32_t next_hop, uint8_t *frame, size_t payload_len)
{
	uint64_t now = inet_clock_ns();
	struct arp_entry *e = find(next_hop);

	if (e && e->resolved && now < e->expires_ns)
		return ethernet_send(frame, e->mac, ETH_TYPE_IPV4, payload_len);
	if (!e)
		e = take_entry(next_hop);
	if (e->waiting_len)
		inet_stats.drop_arp_unresolved++; /* replaced by the newer frame */
	memcpy(e->waiting, frame, ETH_HEADER + payload_len);
	e->waiting_len = payload_len;
	if (!e->asked_ns || now - e->asked_ns >= ARP_RETRY_NS) {
		e->asked_ns = now;
		send_arp(ARP_REQUEST, broadcast, next_hop);
	}
	return true;
}

void arp_input(const uint8_t *p, size_t len)
{
	if (len < ARP_PACKET || get16(p) != 1 || get16(p + 2) != ETH_TYPE_IPV4 || p[4] != 6 ||
	    p[5] != 4) {
		inet_stats.drop_malformed++;
		return;
	}
	uint16_t op = get16(p + 6);
	uint32_t sender_ip = get32(p + 14), target_ip = get32(p + 24);
	const uint8_t *sender_mac = p + 8;

	/* Learn the sender if we know it already or it is talking to us. */
	struct arp_entry *e = find(sender_ip);
	if (!e && target_ip == inet_if.addr && inet_if.addr && sender_ip)
		e = take_entry(sender_ip);
	if (e) {
		memcpy(e->mac, sender_mac, 6);
		e->resolved = true;
		e->expires_ns = inet_clock_ns() + ARP_LIFETIME_NS;
		if (e->waiting_len) {
			size_t n = e->waiting_len;
			e->waiting_len = 0;
			ethernet_send(e->waiting, e->mac, ETH_TYPE_IPV4, n);
		}
	}
	/* Without an address (DHCP still asking) there is nothing to answer for. */
	if (op == ARP_REQUEST && target_ip == inet_if.addr && inet_if.addr)
		send_arp(ARP_REPLY, sender_mac, sender_ip);
}
