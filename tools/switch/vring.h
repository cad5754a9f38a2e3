/* vring.h: the device's side of a virtio 1.x split virtqueue in a
 * guest's memory, as a vhost-user back end sees it. Everything read from
 * the guest is checked: a bad chain is reported, never followed. */
#ifndef LULL_SWITCH_VRING_H
#define LULL_SWITCH_VRING_H

#include "guest_memory.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VRING_MAX_SIZE 32768
/* Longer chains are refused: a frame needs a few segments, never more. */
#define VRING_CHAIN_MAX 64

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vring_avail {
	uint16_t flags, idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id, len;
};

struct vring_used {
	uint16_t flags, idx;
	struct vring_used_elem ring[];
};

struct vring {
	uint16_t num;
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t last_avail; /* the next available entry to take */
	uint16_t used_idx;   /* what we last published in used->idx */
	bool broken;         /* the guest moved avail->idx impossibly far */
};

/* What vring_pop_avail found. Every value after VRING_EMPTY is a guest
 * error that costs the guest that chain (or, for VRING_BAD_INDEX, the
 * whole ring until it is set up again). */
enum vring_status {
	VRING_CHAIN,
	VRING_EMPTY,
	VRING_BAD_INDEX,     /* avail->idx more than num ahead of us */
	VRING_BAD_HEAD,      /* an available entry >= num */
	VRING_BAD_NEXT,      /* a next field >= num */
	VRING_LOOP,          /* a chain longer than the table: it loops */
	VRING_TOO_LONG,      /* more than VRING_CHAIN_MAX descriptors */
	VRING_BAD_ADDRESS,   /* a buffer not inside one memory region */
	VRING_BAD_DIRECTION, /* a readable buffer where writable ones belong, or back */
	VRING_INDIRECT,      /* indirect descriptors were not negotiated */
};

/* A chain taken from the ring: its head (for vring_push_used) and its
 * buffers, translated to host addresses. */
struct vring_chain {
	uint16_t head;
	unsigned count;
	size_t total;
	struct iovec segs[VRING_CHAIN_MAX];
};

/* Finds the three parts of a ring of num entries in m by QEMU's user
 * addresses; the next entry to take is `base`. Returns 0, or -1 when num
 * is not a power of two up to VRING_MAX_SIZE, or a part is misaligned or
 * not wholly inside one region. */
int vring_attach(struct vring *r, const struct guest_memory *m, unsigned num, uint64_t desc_user,
		 uint64_t avail_user, uint64_t used_user, uint16_t base);

/* Takes the next available chain. device_writes: the chain must be all
 * writable buffers (receive), else all readable (transmit). On a bad
 * chain whose head is valid, the head is given back at once with length
 * 0, so that the guest gets its descriptors back. */
enum vring_status vring_pop_avail(struct vring *r, const struct guest_memory *m, bool device_writes,
				  struct vring_chain *c);

/* Hands a chain back with `len` bytes written. */
void vring_push_used(struct vring *r, uint16_t head, uint32_t len);

/* Whether the guest has chains for us (a cheap look at avail->idx). */
bool vring_avail_pending(const struct vring *r);

/* Whether the guest wants an interrupt for used buffers now. */
bool vring_wants_interrupt(const struct vring *r);

/* Asks the guest not to kick (VRING_USED_F_NO_NOTIFY) or to kick again. */
void vring_suppress_kicks(struct vring *r, bool suppress);

/* Copies between a chain's buffers, from byte `offset` of the chain, and
 * a host buffer; returns the bytes copied (fewer at the chain's end). */
size_t vring_chain_read(const struct vring_chain *c, size_t offset, void *buf, size_t len);
size_t vring_chain_write(const struct vring_chain *c, size_t offset, const void *buf, size_t len);

const char *vring_status_name(enum vring_status s);

#endif
