/*
 * va_space.h: which parts of a virtual address range are free.
 *
 * The free parts are kept as a sorted array of disjoint ranges, so that
 * allocating, freeing and claiming need no memory of their own (the kernel
 * heap itself allocates address space from here).
 */
#ifndef LULL_MM_VA_SPACE_H
#define LULL_MM_VA_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VA_SPACE_MAX_RANGES 2048

struct va_range {
	uintptr_t start, end;
};

struct va_space {
	struct va_range free[VA_SPACE_MAX_RANGES];
	size_t count;
	uintptr_t start, end;
};

void va_space_init(struct va_space *s, uintptr_t start, uintptr_t end);
/* First fit; returns 0 when no free range is large enough. */
uintptr_t va_space_alloc(struct va_space *s, size_t len);
/* Marks [start, start+len) free again; parts already free are fine. False
 * if the range is outside the space or the table of ranges is full. */
bool va_space_free(struct va_space *s, uintptr_t start, size_t len);
/* Marks [start, start+len) in use; parts already in use are fine. */
bool va_space_claim(struct va_space *s, uintptr_t start, size_t len);
/* True when no part of [start, start+len) is free. */
bool va_space_in_use(const struct va_space *s, uintptr_t start, size_t len);
bool va_space_contains(const struct va_space *s, uintptr_t start, size_t len);

#endif
