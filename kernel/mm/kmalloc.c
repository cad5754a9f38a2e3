/*
 * kmalloc.c: power-of-two size classes from 16 bytes to 2 KiB, each carved
 * out of whole pages and kept on a free list; larger blocks are anonymous
 * mappings of their own.
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

struct free_block {
	struct free_block *next;
};

static struct free_block *free_lists[CLASS_COUNT];
static struct spinlock lock;

static unsigned size_class(size_t size)
{
	unsigned shift = MIN_SHIFT;

	while (((size_t)1 << shift) < size)
		shift++;
	return shift - MIN_SHIFT;
}

void *kmalloc(size_t size)
{
	if (!size)
		size = 1;
	if (size > ((size_t)1 << MAX_SHIFT)) {
		long addr = vm_mmap(0, size, VM_PROT_READ | VM_PROT_WRITE, false);
		return addr < 0 ? NULL : (void *)addr;
	}

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

void kfree(void *p, size_t size)
{
	if (!p)
		return;
	if (size > ((size_t)1 << MAX_SHIFT)) {
		vm_munmap((uintptr_t)p, size);
		return;
	}
	unsigned c = size_class(size ? size : 1);
	struct free_block *b = p;
	spin_lock(&lock);
	b->next = free_lists[c];
	free_lists[c] = b;
	spin_unlock(&lock);
}
