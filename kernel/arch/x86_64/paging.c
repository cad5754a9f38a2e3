/*
 * paging.c: x86-64 four-level page tables.
 *
 * RAM is identity-mapped (virtual address == physical address), with 2 MiB
 * pages where the range allows and the image's sections given their own
 * permissions: text read-only and executable, everything else no-execute.
 * Page 0 stays unmapped so that NULL dereferences fault. Mappings made later
 * (arch_map_page) use 4 KiB pages; a 2 MiB page in the way is split.
 */
#include "arch.h"
#include "paging.h"
#include "x86.h"

#include "mm/page_alloc.h"
#include "panic.h"

#define PTE_PRESENT (1UL << 0)
#define PTE_WRITE (1UL << 1)
#define PTE_WRITE_THROUGH (1UL << 3)
#define PTE_CACHE_DISABLE (1UL << 4)
#define PTE_LARGE (1UL << 7)
/* Software bit: the entry keeps a page that was made inaccessible. */
#define PTE_KEPT (1UL << 9)
#define PTE_NO_EXEC (1UL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000UL
#define LARGE_PAGE_SIZE (2UL << 20)

extern char __image_start[], __text_end[], __data_start[], __image_end[];

static uint64_t *pml4;
static uint64_t no_exec;

static unsigned table_index(uintptr_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static uint64_t entry_bits(unsigned flags)
{
	uint64_t bits = PTE_PRESENT;

	if (flags & MAP_WRITE)
		bits |= PTE_WRITE;
	if (!(flags & MAP_EXEC))
		bits |= no_exec;
	if (flags & MAP_UNCACHED)
		bits |= PTE_CACHE_DISABLE | PTE_WRITE_THROUGH;
	return bits;
}

/* Replaces a 2 MiB entry by a table of 512 4 KiB entries with the same
 * permissions. */
static bool split_large(uint64_t *entry)
{
	uintptr_t table = page_alloc();
	if (!table)
		return false;
	uint64_t *pt = (uint64_t *)table;
	uint64_t base = *entry & PTE_ADDR_MASK;
	uint64_t bits = *entry & ~PTE_ADDR_MASK & ~PTE_LARGE;

	for (unsigned i = 0; i < 512; i++)
		pt[i] = (base + i * PAGE_SIZE) | bits;
	*entry = table | PTE_PRESENT | PTE_WRITE;
	return true;
}

/* Returns the level-0 entry for va, creating tables when `create`. */
static uint64_t *leaf_entry(uintptr_t va, bool create)
{
	uint64_t *table = pml4;

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[table_index(va, level)];
		if (!(*e & PTE_PRESENT)) {
			if (!create)
				return NULL;
			uintptr_t next = page_alloc();
			if (!next)
				return NULL;
			*e = next | PTE_PRESENT | PTE_WRITE;
		} else if (*e & PTE_LARGE) {
			if (!split_large(e))
				return NULL;
		}
		table = (uint64_t *)(*e & PTE_ADDR_MASK);
	}
	return &table[table_index(va, 0)];
}

bool arch_map_page(uintptr_t va, uintptr_t pa, unsigned flags)
{
	uint64_t *e = leaf_entry(va, true);
	if (!e)
		return false;
	*e = (pa & PTE_ADDR_MASK) | entry_bits(flags);
	invlpg(va);
	return true;
}

uintptr_t arch_unmap_page(uintptr_t va)
{
	uint64_t *e = leaf_entry(va, false);
	if (!e || !(*e & (PTE_PRESENT | PTE_KEPT)))
		return 0;
	uintptr_t pa = *e & PTE_ADDR_MASK;
	*e = 0;
	invlpg(va);
	return pa;
}

bool arch_protect_page(uintptr_t va, unsigned flags)
{
	uint64_t *e = leaf_entry(va, false);
	if (!e || !(*e & (PTE_PRESENT | PTE_KEPT)))
		return false;
	uintptr_t pa = *e & PTE_ADDR_MASK;
	*e = pa | (flags ? entry_bits(flags) : PTE_KEPT);
	invlpg(va);
	return true;
}

bool arch_translate(uintptr_t va, uintptr_t *pa)
{
	uint64_t *table = pml4;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[table_index(va, level)];
		if (!(e & PTE_PRESENT))
			return false;
		if (level == 0 || (e & PTE_LARGE)) {
			uint64_t page_mask = (1UL << (12 + 9 * level)) - 1;
			*pa = (e & PTE_ADDR_MASK & ~page_mask) | (va & page_mask);
			return true;
		}
		table = (uint64_t *)(e & PTE_ADDR_MASK);
	}
	return false;
}

bool arch_access_ok(uintptr_t va, bool write)
{
	uint64_t *table = pml4;

	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[table_index(va, level)];
		if (!(e & PTE_PRESENT) || (write && !(e & PTE_WRITE)))
			return false;
		if (level == 0 || (e & PTE_LARGE))
			return true;
		table = (uint64_t *)(e & PTE_ADDR_MASK);
	}
	return false;
}

static bool map_range(uintptr_t start, uintptr_t end, unsigned flags)
{
	uintptr_t va = PAGE_ALIGN_DOWN(start);

	while (va < end) {
		if (!(va & (LARGE_PAGE_SIZE - 1)) && end - va >= LARGE_PAGE_SIZE) {
			uint64_t *table = pml4;
			for (int level = 3; level > 1; level--) {
				uint64_t *e = &table[table_index(va, level)];
				if (!(*e & PTE_PRESENT)) {
					uintptr_t next = page_alloc();
					if (!next)
						return false;
					*e = next | PTE_PRESENT | PTE_WRITE;
				}
				table = (uint64_t *)(*e & PTE_ADDR_MASK);
			}
			table[table_index(va, 1)] = va | entry_bits(flags) | PTE_LARGE;
			va += LARGE_PAGE_SIZE;
		} else {
			if (!arch_map_page(va, va, flags))
				return false;
			va += PAGE_SIZE;
		}
	}
	return true;
}

void x86_paging_init(const struct boot_info *info)
{
	if (rdmsr(MSR_EFER) & EFER_NXE)
		no_exec = PTE_NO_EXEC;
	pml4 = (uint64_t *)page_alloc();

	uintptr_t image_start = (uintptr_t)__image_start;
	uintptr_t image_end = (uintptr_t)__image_end;
	bool ok = pml4 && map_range(PAGE_SIZE, image_start, MAP_READ | MAP_WRITE) &&
		  map_range(image_start, (uintptr_t)__text_end, MAP_READ | MAP_EXEC) &&
		  map_range(PAGE_ALIGN_UP((uintptr_t)__text_end), (uintptr_t)__data_start,
			    MAP_READ) &&
		  map_range((uintptr_t)__data_start, image_end, MAP_READ | MAP_WRITE);
	for (size_t i = 0; ok && i < info->memory_count; i++) {
		const struct boot_memory_range *r = &info->memory[i];
		uintptr_t start = r->start < image_end ? image_end : r->start;
		if (r->kind != BOOT_MEMORY_RESERVED && r->end > start)
			ok = map_range(start, r->end, MAP_READ | MAP_WRITE);
	}
	if (!ok)
		panic("out of memory while building the page tables");
	write_cr3((uintptr_t)pml4);
}
