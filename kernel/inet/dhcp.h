/*
 * dhcp.h: the DHCP client (RFC 2131, options from RFC 2132) that gives the
 * interface its address, netmask and gateway when the command line names
 * none. It runs from UDP input (port 68) and from the stack's timer; every
 * function here expects the stack lock to be held.
 */
#ifndef LULL_INET_DHCP_H
#define LULL_INET_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_CLIENT_PORT 68

enum dhcp_state {
	DHCP_OFF,        /* not running: a static address, or given up */
	DHCP_SELECTING,  /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING, /* REQUEST for the offer sent, waiting for the ACK */
	DHCP_BOUND,      /* the interface has the leased address */
	DHCP_RENEWING,   /* past T1: asking the leasing server, by unicast */
	DHCP_REBINDING,  /* past T2: asking any server, by broadcast */
};

/* What the last ACK gave, in host byte order. */
struct dhcp_lease {
	uint32_t addr, mask, router, server;
	uint32_t lease_s, t1_s, t2_s; /* DHCP_INFINITE: never expires */
};
#define DHCP_INFINITE 0xffffffffu

/* Starts acquiring an address for inet_if (its address must be 0): sends
 * the first DISCOVER and asks for the stack's timer. */
void dhcp_start(void);
/* Stops the client; the interface keeps whatever address it has. */
void dhcp_stop(void);

enum dhcp_state dhcp_state(void);
/* Meaningful once the state has been DHCP_BOUND. */
const struct dhcp_lease *dhcp_lease(void);

/* A UDP datagram to port 68 whose checksum is right: returns false when the
 * client is not running, so that the datagram goes to the sockets. */
bool dhcp_input(uint32_t src, const uint8_t *msg, size_t len);

/* True while the client has no address yet: IPv4 then takes UDP sent to
 * any address, since a server may send to the address it is offering. */
bool dhcp_accepts_any_address(void);

/* Does what is due at `now`; returns when to be called next (0: never). */
uint64_t dhcp_timers(uint64_t now);

#endif
