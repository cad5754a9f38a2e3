/*
 * netdev.h: a network interface as its driver presents it to the network
 * stack: send a frame, receive frames, count what happens.
 */
#ifndef LULL_DRIVERS_NETDEV_H
#define LULL_DRIVERS_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t kicks;      /* notifications sent to the device */
	uint64_t interrupts; /* interrupts taken from the device */
};

struct netdev {
	char name[8];
	uint8_t mac[6];
	uint16_t mtu;
	bool link_up;
	/* Copies an Ethernet frame (without FCS) out; false if it was dropped. */
	bool (*transmit)(struct netdev *dev, const void *frame, size_t len);
	/* Tells the device about the frames given to transmit since the last
	 * call. The stack calls it once per batch, when it releases its lock,
	 * so a burst of frames costs one notification (one VM exit). NULL
	 * when transmit sends at once. */
	void (*flush)(struct netdev *dev);
	/* Set by the network stack; called for each received frame, in
	 * thread context (the deferred work of the core that took the
	 * queue's interrupt, sched/deferred.h), never in a handler. */
	void (*receive)(struct netdev *dev, const void *frame, size_t len);
	void *stack;
	struct netdev_stats stats;
};

/* Drivers announce their interfaces; the stack takes them in order. */
void netdev_register(struct netdev *dev);
struct netdev *netdev_get(unsigned index);

#endif
