/*
 * virtqueue.h: the split virtqueue of virtio 1.x (section 2.7), shared by
 * every virtio device and transport.
 *
 * The driver offers chains of buffers on the available ring, the device
 * returns them on the used ring. Interrupts are suppressed with
 * VIRTIO_F_EVENT_IDX (used_event), so a busy driver avoids one interrupt per
 * completion. The device's wish about notifications is read only in its
 * simple form, the used ring's VRING_USED_F_NO_NOTIFY flag, which a
 * polling device (lull-switch) sets while it polls and which applies when
 * EVENT_IDX is not negotiated (section 2.7.10). avail_event, its form with
 * EVENT_IDX, is not read: QEMU 7.2 does not always keep it up to date
 * (virtio_net.c), so drivers batch their notifications instead.
 */
#ifndef LULL_VIRTIO_VIRTQUEUE_H
#define LULL_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/* One buffer of a chain; physical address. */
struct virtq_buffer {
	uintptr_t addr;
	uint32_t len;
	bool device_writes;
};

struct virtq {
	uint16_t size;
	uint16_t index; /* queue number within its device */
	bool event_idx;
	struct virtq_desc *desc;
	volatile uint16_t *avail_flags, *avail_idx, *avail_ring, *used_event;
	volatile uint16_t *used_flags, *used_idx;
	volatile struct virtq_used_elem *used_ring;
	uint16_t free_head, free_count;
	uint16_t last_used;   /* next used entry to consume */
	uint16_t avail_shadow; /* our copy of avail->idx */
	void *tokens[VIRTQ_MAX_SIZE];
	uintptr_t desc_addr, avail_addr, used_addr; /* for the transport */
	uintptr_t notify_addr; /* where the transport rings this queue's doorbell */
};

/* Allocates and lays out the rings for `size` entries (a power of two, at
 * most VIRTQ_MAX_SIZE). Returns false without memory. */
bool virtq_init(struct virtq *q, uint16_t index, uint16_t size, bool event_idx);

/* Offers a chain; token comes back from virtq_pop_used. Returns false when
 * the ring has too few free descriptors. */
bool virtq_add(struct virtq *q, const struct virtq_buffer *bufs, unsigned count, void *token);

/* Whether the device wants to be notified of the chains offered so far:
 * false while it polls and says so (VRING_USED_F_NO_NOTIFY, without
 * EVENT_IDX); true otherwise. Call after virtq_add, right before notifying. */
bool virtq_device_wants_notification(struct virtq *q);

/* The next completed chain's token and the bytes the device wrote, or NULL. */
void *virtq_pop_used(struct virtq *q, uint32_t *len);

void virtq_disable_interrupts(struct virtq *q);
/* Re-enables interrupts; returns true if completions arrived meanwhile (the
 * caller must drain again instead of sleeping). */
bool virtq_enable_interrupts(struct virtq *q);

#endif
