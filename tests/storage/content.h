/*
 * content.h: the bytes the storage tests write, a function of a seed and an
 * offset, so that the host can check a file without a copy of what was
 * written (tests/storage/check_image.py computes the same).
 */
#ifndef LULL_TEST_STORAGE_CONTENT_H
#define LULL_TEST_STORAGE_CONTENT_H

#include <stddef.h>
#include <stdint.h>

static inline uint8_t content_byte(uint32_t seed, uint64_t offset)
{
	uint32_t x = seed ^ (uint32_t)(offset >> 8) * 2654435761u;
	return (uint8_t)((x >> ((offset & 3) * 8)) ^ offset);
}

static inline void content_fill(uint32_t seed, uint64_t offset, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = content_byte(seed, offset + i);
}

#endif
