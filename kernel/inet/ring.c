/* ring.c: byte rings (see ring.h). */
#include "inet/ring.h"

#include "inet/host.h"

#include <string.h>

bool ring_init(struct ring *r, size_t size)
{
	r->data = inet_alloc_buffer(size);
	r->size = r->data ? size : 0;
	r->head = r->len = 0;
	return r->data != NULL;
}

void ring_destroy(struct ring *r)
{
	inet_free(r->data, r->size);
	r->data = NULL;
	r->size = r->len = 0;
}

bool ring_grow(struct ring *r, size_t size)
{
	unsigned char *data = inet_alloc_buffer(size);
	if (!data)
		return false;
	ring_peek(r, 0, data, r->size);
	inet_free(r->data, r->size);
	r->data = data;
	r->size = size;
	r->head = 0;
	return true;
}

void ring_put_at(struct ring *r, size_t offset, const void *src, size_t n)
{
	const unsigned char *s = src;
	size_t at = (r->head + r->len + offset) % r->size;
	size_t first = n < r->size - at ? n : r->size - at;

	memcpy(r->data + at, s, first);
	memcpy(r->data, s + first, n - first);
}

void ring_commit(struct ring *r, size_t n)
{
	r->len += n;
}

size_t ring_write(struct ring *r, const void *src, size_t n)
{
	if (n > ring_free_space(r))
		n = ring_free_space(r);
	ring_put_at(r, 0, src, n);
	ring_commit(r, n);
	return n;
}

void ring_peek(const struct ring *r, size_t offset, void *dst, size_t n)
{
	unsigned char *d = dst;
	size_t start = (r->head + offset) % r->size;
	size_t first = n < r->size - start ? n : r->size - start;

	memcpy(d, r->data + start, first);
	memcpy(d + first, r->data, n - first);
}

void ring_drop(struct ring *r, size_t n)
{
	r->head = (r->head + n) % r->size;
	r->len -= n;
}
