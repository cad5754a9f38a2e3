/* datapath.h: frames into and out of ports, and the learning switch
 * between them. Called by the workers; each call takes the locks of the
 * ports it touches, one at a time. */
#ifndef LULL_SWITCH_DATAPATH_H
#define LULL_SWITCH_DATAPATH_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MIN 14   /* an Ethernet header */
#define FRAME_MAX 1518 /* 1500 bytes of payload, a VLAN tag: no GSO is offered */
#define DATAPATH_BATCH 64

struct frame {
	size_t len;
	uint8_t data[FRAME_MAX];
};

/* Ports whose rings got used entries and may owe their guest an
 * interrupt: one bit per port, flushed once per batch. */
typedef uint64_t port_set;

/* Takes up to `max` frames that port `index` sent (its transmit ring, or
 * the tap device); bad chains are dropped and counted. Returns how many
 * chains or reads it consumed (work done, frames or not); *count gets
 * the frames and *generation the port's. */
unsigned datapath_take(int index, struct frame *frames, unsigned max, unsigned *count,
		       unsigned *generation, port_set *touched);

/* Learns the frame's source and delivers it to its destination, or
 * floods it to every other port. */
void datapath_forward(int from, unsigned generation, const struct frame *f, port_set *touched);

/* Signals the guests of `touched` that asked for interrupts. */
void datapath_flush_calls(port_set touched);

#endif
