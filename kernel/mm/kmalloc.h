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

/* Zeroed memory, or NULL when memory is exhausted. */
void *kmalloc(size_t size);
/* For data buffers, written before they are read: a block that comes back
 * from the cache of large blocks is not zeroed. */
void *kmalloc_buffer(size_t size);
void kfree(void *p, size_t size);

#endif
