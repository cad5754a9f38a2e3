/*
 * tap_netdev.h: a netdev backed by a Linux TAP device, so that Linux's own
 * TCP/IP is the peer of the stack under test. Both directions pass through
 * an impaired_link.
 */
#ifndef LULL_TEST_TAP_NETDEV_H
#define LULL_TEST_TAP_NETDEV_H

#include "drivers/netdev.h"
#include "impaired_link.h"

struct tap_netdev {
	struct netdev dev;
	int fd;
	struct impaired_link to_stack, to_linux;
};

/* Creates (or attaches to) TAP interface `ifname`; -errno on failure. */
int tap_open(struct tap_netdev *t, const char *ifname, struct impairment impairment);
/* Reads every frame waiting on the TAP device and hands it on. */
void tap_receive(struct tap_netdev *t);
/* Delivers held frames that are due; returns when the next one is (0: none). */
uint64_t tap_release(struct tap_netdev *t, uint64_t now_ns);

#endif
