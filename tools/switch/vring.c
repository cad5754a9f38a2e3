/* vring.c: the device's side of a split virtqueue (see vring.h). The
 * guest may change any byte of its rings at any time: each field is read
 * once into a local copy and judged there, never read again. */
#include "vring.h"

#include <string.h>

/* Orders our ring accesses against the guest's, which runs on another
 * CPU: the guest publishes entries before their index, and reads
 * flags after publishing its own index (the re-check of its wake-up). */
static inline void full_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int vring_attach(struct vring *r, const struct guest_memory *m, unsigned num, uint64_t desc_user,
		 uint64_t avail_user, uint64_t used_user, uint16_t base)
{
	*r = (struct vring){ 0 };
	if (!num || num > VRING_MAX_SIZE || (num & (num - 1)))
		return -1;
	if ((desc_user & 15) || (avail_user & 1) || (used_user & 3))
		return -1;
	void *desc = guest_memory_at_user(m, desc_user, 16ULL * num);
	void *avail = guest_memory_at_user(m, avail_user, 6 + 2ULL * num);
	void *used = guest_memory_at_user(m, used_user, 6 + 8ULL * num);
	if (!desc || !avail || !used)
		return -1;
	r->num = (uint16_t)num; /* 32768 fits; indices wrap at 65536, a multiple */
	r->desc = desc;
	r->avail = avail;
	r->used = used;
	r->last_avail = base;
	r->used_idx = r->used->idx;
	return 0;
}

bool vring_avail_pending(const struct vring *r)
{
	return r->num && !r->broken && r->avail->idx != r->last_avail;
}

/* Walks the chain from head; on success fills c. */
static enum vring_status walk_chain(const struct vring *r, const struct guest_memory *m,
				    bool device_writes, uint16_t head, struct vring_chain *c)
{
	uint16_t i = head;

	c->head = head;
	c->count = 0;
	c->total = 0;
	for (;;) {
		if (c->count == r->num)
			return VRING_LOOP;
		if (c->count == VRING_CHAIN_MAX)
			return VRING_TOO_LONG;
		struct vring_desc d = { .addr = r->desc[i].addr, .len = r->desc[i].len,
					.flags = r->desc[i].flags, .next = r->desc[i].next };
		if (d.flags & VRING_DESC_F_INDIRECT)
			return VRING_INDIRECT;
		if (!!(d.flags & VRING_DESC_F_WRITE) != device_writes)
			return VRING_BAD_DIRECTION;
		void *host = guest_memory_at(m, d.addr, d.len);
		if (!host)
			return VRING_BAD_ADDRESS;
		c->segs[c->count++] = (struct iovec){ .iov_base = host, .iov_len = d.len };
		c->total += d.len;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VRING_CHAIN;
		if (d.next >= r->num)
			return VRING_BAD_NEXT;
		i = d.next;
	}
}

enum vring_status vring_pop_avail(struct vring *r, const struct guest_memory *m, bool device_writes,
				  struct vring_chain *c)
{
	if (!r->num || r->broken)
		return VRING_EMPTY;
	uint16_t avail_idx = r->avail->idx;
	if (avail_idx == r->last_avail)
		return VRING_EMPTY;
	if ((uint16_t)(avail_idx - r->last_avail) > r->num) {
		r->broken = true;
		return VRING_BAD_INDEX;
	}
	full_barrier(); /* the entry only after the index that published it */
	uint16_t head = r->avail->ring[r->last_avail & (r->num - 1)];
	r->last_avail++;
	if (head >= r->num)
		return VRING_BAD_HEAD;
	enum vring_status s = walk_chain(r, m, device_writes, head, c);
	if (s != VRING_CHAIN)
		vring_push_used(r, head, 0);
	return s;
}

void vring_push_used(struct vring *r, uint16_t head, uint32_t len)
{
	volatile struct vring_used_elem *e = &r->used->ring[r->used_idx & (r->num - 1)];
	e->id = head;
	e->len = len;
	full_barrier(); /* the entry before the index that publishes it */
	r->used->idx = ++r->used_idx;
}

bool vring_wants_interrupt(const struct vring *r)
{
	full_barrier(); /* our used->idx store before the guest's flag */
	return !(r->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
}

void vring_suppress_kicks(struct vring *r, bool suppress)
{
	if (!r->num)
		return;
	uint16_t flags = suppress ? VRING_USED_F_NO_NOTIFY : 0;
	if (r->used->flags != flags)
		r->used->flags = flags;
	full_barrier(); /* the flag before our next look at avail->idx */
}

/* Copies between the chain, from byte offset on, and buf. */
static size_t chain_copy(const struct vring_chain *c, size_t offset, void *buf, size_t len,
			 bool to_chain)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->count && done < len; i++) {
		size_t seg_len = c->segs[i].iov_len;
		if (offset >= seg_len) {
			offset -= seg_len;
			continue;
		}
		size_t n = seg_len - offset;
		if (n > len - done)
			n = len - done;
		uint8_t *seg = (uint8_t *)c->segs[i].iov_base + offset;
		if (to_chain)
			memcpy(seg, (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, seg, n);
		done += n;
		offset = 0;
	}
	return done;
}

size_t vring_chain_read(const struct vring_chain *c, size_t offset, void *buf, size_t len)
{
	return chain_copy(c, offset, buf, len, false);
}

size_t vring_chain_write(const struct vring_chain *c, size_t offset, const void *buf, size_t len)
{
	return chain_copy(c, offset, (void *)buf, len, true);
}

const char *vring_status_name(enum vring_status s)
{
	static const char *const names[] = {
		[VRING_CHAIN] = "chain", [VRING_EMPTY] = "empty",
		[VRING_BAD_INDEX] = "available index out of range",
		[VRING_BAD_HEAD] = "head index out of range",
		[VRING_BAD_NEXT] = "next index out of range", [VRING_LOOP] = "loop in a chain",
		[VRING_TOO_LONG] = "chain too long", [VRING_BAD_ADDRESS] = "buffer outside guest memory",
		[VRING_BAD_DIRECTION] = "buffer of the wrong direction",
		[VRING_INDIRECT] = "indirect descriptor (not negotiated)",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
