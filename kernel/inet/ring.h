/* ring.h: a byte ring, for socket send and receive buffers. */
#ifndef LULL_INET_RING_H
#define LULL_INET_RING_H

#include <stdbool.h>
#include <stddef.h>

struct ring {
	unsigned char *data;
	size_t size, head, len; /* bytes at data[head .. head+len) modulo size */
};

bool ring_init(struct ring *r, size_t size);
void ring_destroy(struct ring *r);
static inline size_t ring_free_space(const struct ring *r)
{
	return r->size - r->len;
}
/* Moves the ring to a larger buffer of `size` bytes, keeping the data and
 * whatever was placed past it (ring_put_at) at the same offsets; false if
 * memory is short, and the ring is unchanged. */
bool ring_grow(struct ring *r, size_t size);
/* Appends up to n bytes; returns how many fit. */
size_t ring_write(struct ring *r, const void *src, size_t n);
/* Places n bytes `offset` bytes past the end of the data, in the free
 * space, without making them part of it (offset + n <= free space): how
 * TCP keeps segments that arrive ahead of a hole. */
void ring_put_at(struct ring *r, size_t offset, const void *src, size_t n);
/* Makes the first n bytes past the end part of the data. */
void ring_commit(struct ring *r, size_t n);
/* Copies n bytes starting `offset` bytes in, without consuming them. */
void ring_peek(const struct ring *r, size_t offset, void *dst, size_t n);
/* Consumes n bytes from the front. */
void ring_drop(struct ring *r, size_t n);

#endif
