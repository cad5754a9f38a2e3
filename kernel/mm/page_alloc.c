/*
 * page_alloc.c: physical page allocator.
 *
 * Free RAM starts as a short list of untouched ranges that are carved from
 * the bottom up, so start-up costs nothing however large the VM is. Freed
 * pages go on a stack linked through the pages themselves. Both operations
 * are O(1).
 */
#include "mm/page_alloc.h"

#include "arch.h"
#include "sync/spinlock.h"

#include <string.h>

#define MAX_RANGES 64

struct range {
	uintptr_t next, end;
};

struct free_page {
	struct free_page *next;
};

static struct range ranges[MAX_RANGES];
static size_t range_count;
static struct free_page *free_stack;
static size_t free_pages, total_pages;
static struct spinlock lock;

void page_alloc_add_range(uintptr_t start, uintptr_t end)
{
	start = PAGE_ALIGN_UP(start);
	end = PAGE_ALIGN_DOWN(end);
	if (end <= start || range_count == MAX_RANGES)
		return;
	spin_lock(&lock);
	ranges[range_count++] = (struct range){ start, end };
	free_pages += (end - start) / PAGE_SIZE;
	total_pages += (end - start) / PAGE_SIZE;
	spin_unlock(&lock);
}

static uintptr_t take_page(void)
{
	if (free_stack) {
		struct free_page *p = free_stack;
		free_stack = p->next;
		return (uintptr_t)p;
	}
	for (size_t i = 0; i < range_count; i++) {
		if (ranges[i].next < ranges[i].end) {
			uintptr_t page = ranges[i].next;
			ranges[i].next += PAGE_SIZE;
			return page;
		}
	}
	return 0;
}

uintptr_t page_alloc(void)
{
	spin_lock(&lock);
	uintptr_t page = take_page();
	if (page)
		free_pages--;
	spin_unlock(&lock);
	if (page)
		memset((void *)page, 0, PAGE_SIZE);
	return page;
}

void page_free(uintptr_t page)
{
	struct free_page *p = (struct free_page *)page;

	spin_lock(&lock);
	p->next = free_stack;
	free_stack = p;
	free_pages++;
	spin_unlock(&lock);
}

size_t page_alloc_free_count(void)
{
	return free_pages;
}

size_t page_alloc_total_count(void)
{
	return total_pages;
}
