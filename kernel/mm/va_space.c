/* va_space.c: free-range bookkeeping for virtual address space. */
#include "mm/va_space.h"

#include <string.h>

void va_space_init(struct va_space *s, uintptr_t start, uintptr_t end)
{
	s->start = start;
	s->end = end;
	s->count = 1;
	s->free[0] = (struct va_range){ start, end };
}

bool va_space_contains(const struct va_space *s, uintptr_t start, size_t len)
{
	return start >= s->start && start <= s->end && len <= s->end - start;
}

bool va_space_in_use(const struct va_space *s, uintptr_t start, size_t len)
{
	if (!va_space_contains(s, start, len))
		return false;
	for (size_t i = 0; i < s->count && s->free[i].start < start + len; i++)
		if (s->free[i].end > start)
			return false;
	return true;
}

static void remove_at(struct va_space *s, size_t i)
{
	memmove(&s->free[i], &s->free[i + 1], (s->count - i - 1) * sizeof s->free[0]);
	s->count--;
}

static bool insert_at(struct va_space *s, size_t i, uintptr_t start, uintptr_t end)
{
	if (s->count == VA_SPACE_MAX_RANGES)
		return false;
	memmove(&s->free[i + 1], &s->free[i], (s->count - i) * sizeof s->free[0]);
	s->free[i] = (struct va_range){ start, end };
	s->count++;
	return true;
}

uintptr_t va_space_alloc(struct va_space *s, size_t len)
{
	if (!len)
		return 0;
	for (size_t i = 0; i < s->count; i++) {
		struct va_range *r = &s->free[i];
		if (r->end - r->start >= len) {
			uintptr_t addr = r->start;
			r->start += len;
			if (r->start == r->end)
				remove_at(s, i);
			return addr;
		}
	}
	return 0;
}

bool va_space_free(struct va_space *s, uintptr_t start, size_t len)
{
	if (!va_space_contains(s, start, len) || !len)
		return false;
	uintptr_t end = start + len;
	size_t i = 0;

	/* Skip the ranges wholly before; absorb those that touch or overlap. */
	while (i < s->count && s->free[i].end < start)
		i++;
	while (i < s->count && s->free[i].start <= end) {
		if (s->free[i].start < start)
			start = s->free[i].start;
		if (s->free[i].end > end)
			end = s->free[i].end;
		remove_at(s, i);
	}
	return insert_at(s, i, start, end);
}

bool va_space_claim(struct va_space *s, uintptr_t start, size_t len)
{
	if (!va_space_contains(s, start, len))
		return false;
	uintptr_t end = start + len;

	for (size_t i = 0; i < s->count;) {
		struct va_range r = s->free[i];
		if (r.end <= start) {
			i++;
			continue;
		}
		if (r.start >= end)
			break;
		if (r.start < start && r.end > end) {
			/* split in two */
			if (!insert_at(s, i + 1, end, r.end))
				return false;
			s->free[i].end = start;
			return true;
		}
		if (r.start < start) {
			s->free[i].end = start;
			i++;
		} else if (r.end > end) {
			s->free[i].start = end;
			i++;
		} else {
			remove_at(s, i);
		}
	}
	return true;
}
