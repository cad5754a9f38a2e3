/*
 * kmalloc.c: power-of-two size classes from 16 bytes to 2 KiB, each carved
 * out of whole pages and kept on a free list; larger blocks are anonymous
 * mappings of their own, kept for reuse once freed (up to LARGE_CACHE_MAX
 * bytes).
 *
 * Why keep large blocks: every TCP connection takes two 64 KiB buffers and
 * gives them back when it closes. Unmapping a block makes every other core
 * flush its TLB (mm/vm.c), and mapping one zeroes it: at a thousand
 * connections a second, under emulation, that was a good part of each
 * connection's cost. kmalloc_buffer skips the zeroing of a kept block.
 */
#include "mm/kmalloc.h"

#include "arch.h"
#include "mm/page_alloc.h"
#include "mm/vm.h"
#include "sync/spinlock.h"

#include <string.h>

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define CLASS_COUNT (MAX_SHIFT - MIN_SHIFT + 1)
#define LARGE_OVER ((size_t)1 << MAX_SHIFT) /* larger blocks are mappings */

struct free_block {
	struct free_block *next;
};

#define LARGE_CACHE_MAX (4UL << 20)

/* A freed large block, in the block itself. */
struct large_block {
	struct large_block *next;
	size_t size; /* whole pages */
};

static struct free_block *free_lists[CLASS_COUNT];
static struct large_block *large_cache;
static size_t large_cached_bytes;
static struct spinlock lock;

static unsigned size_class(size_t size)
{
	unsigned shift = MIN_SHIFT;

	while (((size_t)1 << shift) < size)
		shift++;
	return shift - MIN_SHIFT;
}

static void *large_alloc(size_t size, bool zeroed)
{
	spin_lock(&lock);
	for (struct large_block **link = &large_cache; *link; link = &(*link)->next) {
		struct large_block *b = *link;
		if (b->size == size) {
			*link = b->next;
			large_cached_bytes -= size;
			spin_unlock(&lock);
			memset(b, 0, zeroed ? size : sizeof *b);
			return b;
		}
	}
	spin_unlock(&lock);
	long addr = vm_mmap(0, size, VM_PROT_READ | VM_PROT_WRITE, false);
	return addr < 0 ? NULL : (void *)addr;
}

static void large_free(void *p, size_t size)
{
	struct large_block *b = p;

	spin_lock(&lock);
	bool keep = large_cached_bytes + size <= LARGE_CACHE_MAX;
	if (keep) {
		b->size = size;
		b->next = large_cache;
		large_cache = b;
		large_cached_bytes += size;
	}
	spin_unlock(&lock);
	if (!keep)
		vm_munmap((uintptr_t)p, size);
}

void *kmalloc(size_t size)
{
	if (!size)
		size = 1;
	if (size > LARGE_OVER)
		return large_alloc(PAGE_ALIGN_UP(size), true);

	unsigned c = size_class(size);
	size_t block = (size_t)1 << (c + MIN_SHIFT);
	spin_lock(&lock);
	if (!free_lists[c]) {
		uintptr_t page = page_alloc();
		if (!page) {
			spin_unlock(&lock);
			return NULL;
		}
		for (size_t off = 0; off < PAGE_SIZE; off += block) {
			struct free_block *b = (struct free_block *)(page + off);
			b->next = free_lists[c];
			free_lists[c] = b;
		}
	}
	struct free_block *b = free_lists[c];
	free_lists[c] = b->next;
	spin_unlock(&lock);
	memset(b, 0, block);
	return b;
}

void *kmalloc_buffer(size_t size)
{
	if (size > LARGE_OVER)
		return large_alloc(PAGE_ALIGN_UP(size), false);
	return kmalloc(size);
}

void kfree(void *p, size_t size)
{
	if (!p)
		return;
	if (size > LARGE_OVER) {
		large_free(p, PAGE_ALIGN_UP(size));
		return;
	}
	unsigned c = size_class(size ? size : 1);
	struct free_block *b = p;
	spin_lock(&lock);
	b->next = free_lists[c];
	free_lists[c] = b;
	spin_unlock(&lock);
}
