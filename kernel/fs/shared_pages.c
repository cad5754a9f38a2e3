/*
 * shared_pages.c: the pages that a file's MAP_SHARED mappings map, and the
 * file's reads, writes and truncations kept in step with them (see
 * shared_pages.h).
 *
 * Why one set of pages per file rather than a copy per mapping: there is
 * one address space and no demand paging, so two mappings of one region
 * can only see each other's stores at once (SQLite's WAL index needs
 * that, between its connections) if they are the same memory. The set
 * holds only pages some mapping covers, so a file nobody maps costs
 * nothing, and reads of such a file pay one pointer test.
 *
 * A striped table of mutexes, chosen by vnode, guards each set (struct
 * vnode has no lock of its own). Writes and truncations take it across the
 * file system's call, so that a write-back can never put a page's older
 * contents over data just written; reads take it only to copy from pages.
 */
#include "fs/shared_pages.h"

#include "arch.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "sync/mutex.h"

#include <string.h>

#define SET_LOCKS 32
#define FIRST_CAPACITY 16

struct shared_page {
	uint64_t index; /* the file page: bytes index * PAGE_SIZE onwards */
	uintptr_t page;
	uint32_t maps;
	bool writable; /* some mapping may have written to it */
};

struct shared_pages {
	struct shared_page *pages; /* sorted by index */
	size_t count, capacity;
};

static struct mutex set_locks[SET_LOCKS];

void shared_pages_init(void)
{
	for (unsigned i = 0; i < SET_LOCKS; i++)
		mutex_init(&set_locks[i]);
}

static struct mutex *lock_of(const struct vnode *v)
{
	return &set_locks[((uintptr_t)v / sizeof *v) % SET_LOCKS];
}

static struct shared_pages *set_of(const struct vnode *v)
{
	return __atomic_load_n(&v->shared_pages, __ATOMIC_ACQUIRE);
}

/* The position of the first page whose index is at least `index`. */
static size_t first_at_or_after(const struct shared_pages *s, uint64_t index)
{
	size_t low = 0, high = s->count;

	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (s->pages[mid].index < index)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/* Calls `each` for every part of file bytes [start, end) that a page of
 * the set holds, with the page's bytes and their distance from start. */
static void for_each_part(struct shared_pages *s, uint64_t start, uint64_t end,
			  void (*each)(uint8_t *bytes, size_t len, size_t at, void *context),
			  void *context)
{
	if (!s || start >= end)
		return;
	for (size_t i = first_at_or_after(s, start / PAGE_SIZE); i < s->count; i++) {
		uint64_t page_start = s->pages[i].index * PAGE_SIZE;
		if (page_start >= end)
			break;
		uint64_t from = page_start > start ? page_start : start;
		uint64_t to = page_start + PAGE_SIZE < end ? page_start + PAGE_SIZE : end;
		each((uint8_t *)s->pages[i].page + (from - page_start), (size_t)(to - from),
		     (size_t)(from - start), context);
	}
}

static void copy_from_page(uint8_t *bytes, size_t len, size_t at, void *buf)
{
	memcpy((uint8_t *)buf + at, bytes, len);
}

static void copy_to_page(uint8_t *bytes, size_t len, size_t at, void *buf)
{
	memcpy(bytes, (const uint8_t *)buf + at, len);
}

static void zero_page_part(uint8_t *bytes, size_t len, size_t at, void *unused)
{
	(void)at, (void)unused;
	memset(bytes, 0, len);
}

/* The file's size, or 0 when only an empty set could need it. */
static uint64_t size_if_mapped(struct vnode *v, const struct shared_pages *s)
{
	struct file_stat st;

	return s && s->count && !v->ops->stat(v, &st) ? st.size : 0;
}

long shared_pages_read(struct vnode *v, void *buf, size_t len, uint64_t offset)
{
	long r = v->ops->read(v, buf, len, offset);

	if (r > 0 && set_of(v)) {
		mutex_lock(lock_of(v));
		for_each_part(set_of(v), offset, offset + (uint64_t)r, copy_from_page, buf);
		mutex_unlock(lock_of(v));
	}
	return r;
}

/* A write past the end makes the gap zeros in the file; pages over the gap
 * may hold what a mapping stored beyond the old end, which the file never
 * had, so they are cleared as well. */
long shared_pages_write(struct vnode *v, const void *buf, size_t len, uint64_t offset)
{
	mutex_lock(lock_of(v));
	struct shared_pages *s = set_of(v);
	uint64_t old_size = size_if_mapped(v, s);
	long r = v->ops->write(v, buf, len, offset);
	if (r > 0 && s && s->count) {
		for_each_part(s, old_size, offset, zero_page_part, NULL);
		for_each_part(s, offset, offset + (uint64_t)r, copy_to_page, (void *)buf);
	}
	mutex_unlock(lock_of(v));
	return r;
}

/* Between the old and the new end the file reads as zeros afterwards
 * (cut off, or grown), and so must the pages. */
int shared_pages_truncate(struct vnode *v, uint64_t size)
{
	mutex_lock(lock_of(v));
	struct shared_pages *s = set_of(v);
	uint64_t old_size = size_if_mapped(v, s);
	int r = v->ops->truncate(v, size);
	if (!r && s && s->count)
		for_each_part(s, old_size < size ? old_size : size, old_size < size ? size : old_size,
			      zero_page_part, NULL);
	mutex_unlock(lock_of(v));
	return r;
}

static int write_back_locked(struct vnode *v, uint64_t first, uint64_t end)
{
	struct shared_pages *s = set_of(v);
	uint64_t size = size_if_mapped(v, s);

	if (!s)
		return 0;
	for (size_t i = first_at_or_after(s, first); i < s->count && s->pages[i].index < end; i++) {
		uint64_t offset = s->pages[i].index * PAGE_SIZE;
		if (!s->pages[i].writable || offset >= size)
			continue;
		size_t len = size - offset < PAGE_SIZE ? (size_t)(size - offset) : PAGE_SIZE;
		long r = v->ops->write(v, (const void *)s->pages[i].page, len, offset);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

int shared_pages_write_back(struct vnode *v, uint64_t first, size_t count)
{
	mutex_lock(lock_of(v));
	int r = write_back_locked(v, first, first + count);
	mutex_unlock(lock_of(v));
	return r;
}

int shared_pages_fsync(struct vnode *v, bool data_only)
{
	int r = 0;

	if (set_of(v)) {
		mutex_lock(lock_of(v));
		r = write_back_locked(v, 0, UINT64_MAX);
		mutex_unlock(lock_of(v));
	}
	return r ? r : v->ops->fsync(v, data_only);
}

static bool make_room(struct shared_pages *s)
{
	if (s->count < s->capacity)
		return true;
	size_t capacity = s->capacity ? s->capacity * 2 : FIRST_CAPACITY;
	struct shared_page *pages =
		kmalloc_grow(s->pages, s->capacity * sizeof *pages, capacity * sizeof *pages);
	if (!pages)
		return false;
	s->pages = pages;
	s->capacity = capacity;
	return true;
}

/* A new page of the set at position `at`, filled from the file. */
static struct shared_page *add_page(struct vnode *v, struct shared_pages *s, size_t at,
				    uint64_t index, int *error)
{
	uintptr_t page = make_room(s) ? page_alloc() : 0;
	if (!page) {
		*error = -ENOMEM;
		return NULL;
	}
	long r = v->ops->read(v, (void *)page, PAGE_SIZE, index * PAGE_SIZE);
	if (r < 0) {
		page_free(page);
		*error = (int)r;
		return NULL;
	}
	memmove(&s->pages[at + 1], &s->pages[at], (s->count - at) * sizeof *s->pages);
	s->pages[at] = (struct shared_page){ .index = index, .page = page };
	s->count++;
	return &s->pages[at];
}

uintptr_t shared_pages_hold(struct vnode *v, uint64_t index, bool writable, int *error)
{
	uintptr_t page = 0;

	*error = -ENOMEM;
	mutex_lock(lock_of(v));
	struct shared_pages *s = set_of(v);
	if (!s && (s = kmalloc(sizeof *s)))
		__atomic_store_n(&v->shared_pages, s, __ATOMIC_RELEASE);
	if (s) {
		size_t at = first_at_or_after(s, index);
		struct shared_page *p = at < s->count && s->pages[at].index == index
						? &s->pages[at]
						: add_page(v, s, at, index, error);
		if (p) {
			p->maps++;
			p->writable |= writable;
			page = p->page;
		}
	}
	mutex_unlock(lock_of(v));
	return page;
}

void shared_pages_drop(struct vnode *v, uint64_t first, size_t count)
{
	mutex_lock(lock_of(v));
	struct shared_pages *s = set_of(v);
	size_t kept = first_at_or_after(s, first), next = kept;
	for (; next < s->count && s->pages[next].index < first + count; next++) {
		if (--s->pages[next].maps)
			s->pages[kept++] = s->pages[next];
		else
			page_free(s->pages[next].page);
	}
	memmove(&s->pages[kept], &s->pages[next], (s->count - next) * sizeof *s->pages);
	s->count -= next - kept;
	mutex_unlock(lock_of(v));
}

void shared_pages_discard(struct vnode *v)
{
	struct shared_pages *s = v->shared_pages;

	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		page_free(s->pages[i].page);
	if (s->pages)
		kfree(s->pages, s->capacity * sizeof *s->pages);
	kfree(s, sizeof *s);
	v->shared_pages = NULL;
}
