/* virtqueue.c: split virtqueues (see virtqueue.h). */
#include "drivers/virtio/virtqueue.h"

#include "arch.h"
#include "mm/page_alloc.h"

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define AVAIL_F_NO_INTERRUPT 1
#define USED_F_NO_NOTIFY 1

/* The device reads and writes the rings concurrently: order our accesses. */
static inline void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool virtq_init(struct virtq *q, uint16_t index, uint16_t size, bool event_idx)
{
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return false;
	/* Descriptors fill one page; the available and used rings share a
	 * second (6 + 2*256 and 6 + 8*256 bytes at most). */
	uintptr_t desc_page = page_alloc(), ring_page = page_alloc();
	if (!desc_page || !ring_page) {
		if (desc_page)
			page_free(desc_page);
		if (ring_page)
			page_free(ring_page);
		return false;
	}
	uintptr_t avail = ring_page, used = ring_page + ((6 + 2 * (uintptr_t)size + 3) & ~3UL);

	*q = (struct virtq){ .size = size, .index = index, .event_idx = event_idx };
	q->desc = (struct virtq_desc *)desc_page;
	q->avail_flags = (volatile uint16_t *)avail;
	q->avail_idx = (volatile uint16_t *)(avail + 2);
	q->avail_ring = (volatile uint16_t *)(avail + 4);
	q->used_event = (volatile uint16_t *)(avail + 4 + 2 * (uintptr_t)size);
	q->used_flags = (volatile uint16_t *)used;
	q->used_idx = (volatile uint16_t *)(used + 2);
	q->used_ring = (volatile struct virtq_used_elem *)(used + 4);
	q->desc_addr = desc_page;
	q->avail_addr = avail;
	q->used_addr = used;
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_count = size;
	return true;
}

bool virtq_add(struct virtq *q, const struct virtq_buffer *bufs, unsigned count, void *token)
{
	if (!count || count > q->free_count)
		return false;
	uint16_t head = q->free_head, i = head, last = head;
	for (unsigned k = 0; k < count; k++) {
		struct virtq_desc *d = &q->desc[i];
		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].device_writes ? DESC_F_WRITE : 0) |
				      (k + 1 < count ? DESC_F_NEXT : 0));
		last = i;
		i = d->next;
	}
	q->free_head = q->desc[last].next;
	q->free_count = (uint16_t)(q->free_count - count);
	q->tokens[head] = token;
	q->avail_ring[q->avail_shadow % q->size] = head;
	full_barrier(); /* the descriptors before the index that publishes them */
	*q->avail_idx = ++q->avail_shadow;
	return true;
}

/*
 * The device's side (lull-switch's worker) clears the flag, then looks at
 * avail->idx once more before it waits for a notification; our side
 * publishes avail->idx, then looks at the flag. The barrier between our
 * store and our load (a store-load order, which x86 does not keep by
 * itself) makes sure one of the two sides sees the other's write: either
 * the device finds the new chains, or we see the flag clear and notify.
 */
bool virtq_device_wants_notification(struct virtq *q)
{
	if (q->event_idx)
		return true; /* avail_event is not trusted (virtqueue.h) */
	arch_device_barrier();
	return !(*q->used_flags & USED_F_NO_NOTIFY);
}

void *virtq_pop_used(struct virtq *q, uint32_t *len)
{
	if (q->last_used == *q->used_idx)
		return NULL;
	full_barrier(); /* read the entry only after seeing the index */
	volatile struct virtq_used_elem *e = &q->used_ring[q->last_used % q->size];
	uint16_t head = (uint16_t)e->id;
	if (head >= q->size)
		return NULL; /* a device bug; do not follow it */
	*len = e->len;
	q->last_used++;

	/* Return the chain to the free list. */
	uint16_t i = head, count = 1;
	while (q->desc[i].flags & DESC_F_NEXT) {
		i = q->desc[i].next;
		count++;
	}
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->free_count = (uint16_t)(q->free_count + count);
	void *token = q->tokens[head];
	q->tokens[head] = NULL;
	return token;
}

void virtq_disable_interrupts(struct virtq *q)
{
	if (!q->event_idx)
		*q->avail_flags = AVAIL_F_NO_INTERRUPT;
	/* With EVENT_IDX, used_event simply stays behind until re-enabled. */
}

bool virtq_enable_interrupts(struct virtq *q)
{
	if (q->event_idx)
		*q->used_event = q->last_used;
	else
		*q->avail_flags = 0;
	arch_device_barrier(); /* publish the wish before checking for missed work */
	return q->last_used != *q->used_idx;
}
