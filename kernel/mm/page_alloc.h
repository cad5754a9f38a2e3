/*
 * page_alloc.h: physical 4 KiB pages.
 *
 * RAM is mapped at its physical address, so a page's physical address is
 * also a pointer to it.
 */
#ifndef LULL_MM_PAGE_ALLOC_H
#define LULL_MM_PAGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Hands a range of free RAM to the allocator (unaligned ends are trimmed). */
void page_alloc_add_range(uintptr_t start, uintptr_t end);

/* Returns a zeroed page, or 0 when memory is exhausted. */
uintptr_t page_alloc(void);
void page_free(uintptr_t page);

size_t page_alloc_free_count(void);
size_t page_alloc_total_count(void);

#endif
