/*
 * kmalloc.h: the kernel's heap, for objects such as threads.
 *
 * Callers pass the size to kfree as well: the heap keeps no headers, so a
 * block of a power-of-two size is aligned to that size (up to a page), which
 * is what the FPU save area needs.
 */
#ifndef LULL_MM_KMALLOC_H
#define LULL_MM_KMALLOC_H

#include <stddef.h>
#include <string.h>

/* Zeroed memory, or NULL when memory is exhausted. */
void *kmalloc(size_t size);
/* For data buffers, written before they are read: a block that comes back
 * from the cache of large blocks is not zeroed. */
void *kmalloc_buffer(size_t size);
void kfree(void *p, size_t size);

/* A block of new_size holding the old block's first old_size bytes (the
 * rest zeroed), the old one freed; NULL, with the old one kept, when
 * memory is exhausted. p may be NULL when old_size is 0. */
static inline void *kmalloc_grow(void *p, size_t old_size, size_t new_size)
{
	void *bigger = kmalloc(new_size);

	if (bigger && p) {
		memcpy(bigger, p, old_size);
		kfree(p, old_size);
	}
	return bigger;
}

#endif
