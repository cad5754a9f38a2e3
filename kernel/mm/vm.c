/* vm.c: anonymous mappings, pages borrowed from files' shared sets mapped
 * into reserved ranges, the program break and guarded stacks. */
#include "mm/vm.h"

#include "arch.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "mm/va_space.h"
#include "panic.h"
#include "sync/spinlock.h"

#define MAP_AREA_START 0x0000100000000000UL
#define MAP_AREA_END 0x0000700000000000UL
#define BRK_START 0x0000080000000000UL
#define BRK_LIMIT (BRK_START + (64UL << 30))

static struct va_space map_area;
static uintptr_t brk_end = BRK_START;
static struct spinlock lock;

void vm_init(void)
{
	va_space_init(&map_area, MAP_AREA_START, MAP_AREA_END);
}

static unsigned arch_flags(int prot)
{
	unsigned flags = 0;

	if (prot & (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC))
		flags |= MAP_READ;
	if (prot & VM_PROT_WRITE)
		flags |= MAP_WRITE;
	if (prot & VM_PROT_EXEC)
		flags |= MAP_EXEC;
	return flags;
}

/* After the shootdown: the pages go back to the allocator. */
static void free_pages_of(uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uintptr_t pa = arch_unmap_page(va);
		if (pa)
			page_free(pa);
	}
}

/* A page goes back to the allocator only once no core can reach it
 * through a stale TLB entry: first make the range inaccessible everywhere,
 * then take the pages. */
static void release_pages(uintptr_t start, uintptr_t end)
{
	bool any = false;

	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		any |= arch_protect_page(va, 0);
	if (!any)
		return;
	arch_tlb_shootdown();
	free_pages_of(start, end);
}

/*
 * munmap defers that wait: an unmapped range is made inaccessible on this
 * core at once, but its pages and addresses are reused only after the next
 * shootdown, which serves every range deferred until then. One shootdown
 * costs the same for one page as for hundreds, and a program that frees
 * and allocates a block per request (musl's malloc unmaps freed groups)
 * would otherwise stop every core each time.
 */
#define DEFERRED_RANGES 32
#define DEFERRED_PAGES 512

static struct { uintptr_t start, end; } deferred[DEFERRED_RANGES];
static size_t deferred_count, deferred_pages;

static void release_deferred(void)
{
	if (!deferred_count)
		return;
	arch_tlb_shootdown();
	for (size_t i = 0; i < deferred_count; i++) {
		free_pages_of(deferred[i].start, deferred[i].end);
		va_space_free(&map_area, deferred[i].start, deferred[i].end - deferred[i].start);
	}
	deferred_count = deferred_pages = 0;
}

static bool overlaps_deferred(uintptr_t start, uintptr_t end)
{
	for (size_t i = 0; i < deferred_count; i++)
		if (deferred[i].start < end && start < deferred[i].end)
			return true;
	return false;
}

/* munmap's work. Only a range wholly mapped and not yet unmapped may
 * wait: were part of it free, that part could be mapped again before the
 * release and lose its new pages. Any other is released at once, with
 * what waits, in the same shootdown. */
static void unmap_range(uintptr_t start, uintptr_t end)
{
	bool release_now =
		!va_space_in_use(&map_area, start, end - start) || overlaps_deferred(start, end);

	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		arch_protect_page(va, 0);
	deferred[deferred_count].start = start;
	deferred[deferred_count].end = end;
	deferred_count++;
	deferred_pages += (end - start) / PAGE_SIZE;
	if (release_now || deferred_count == DEFERRED_RANGES || deferred_pages >= DEFERRED_PAGES)
		release_deferred();
}

/* Backs [start, end) with fresh zeroed pages; on failure undoes its work. */
static bool back_pages(uintptr_t start, uintptr_t end, unsigned flags)
{
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		uintptr_t pa = page_alloc();
		if (!pa && deferred_count) {
			release_deferred();
			pa = page_alloc();
		}
		if (!pa || !arch_map_page(va, pa, flags)) {
			if (pa)
				page_free(pa);
			release_pages(start, va);
			return false;
		}
	}
	return true;
}

long vm_mmap(uintptr_t addr, size_t len, int prot, bool fixed)
{
	assert_not_in_interrupt("vm_mmap");
	if (!len || len > MAP_AREA_END - MAP_AREA_START)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (fixed && (addr & (PAGE_SIZE - 1)))
		return -EINVAL;

	spin_lock(&lock);
	uintptr_t start;
	if (fixed) {
		/* The range may hold pages waiting to be released. */
		release_deferred();
		if (!va_space_contains(&map_area, addr, len) ||
		    !va_space_claim(&map_area, addr, len)) {
			spin_unlock(&lock);
			return -ENOMEM;
		}
		release_pages(addr, addr + len);
		start = addr;
	} else {
		start = va_space_alloc(&map_area, len);
		if (!start && deferred_count) {
			release_deferred();
			start = va_space_alloc(&map_area, len);
		}
		if (!start) {
			spin_unlock(&lock);
			return -ENOMEM;
		}
	}
	/* PROT_NONE reserves address space only; mprotect backs it later. */
	if (prot != VM_PROT_NONE && !back_pages(start, start + len, arch_flags(prot))) {
		va_space_free(&map_area, start, len);
		spin_unlock(&lock);
		return -ENOMEM;
	}
	spin_unlock(&lock);
	return (long)start;
}

long vm_munmap(uintptr_t addr, size_t len)
{
	assert_not_in_interrupt("vm_munmap");
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!va_space_contains(&map_area, addr, len))
		return -EINVAL;
	spin_lock(&lock);
	unmap_range(addr, addr + len);
	spin_unlock(&lock);
	return 0;
}

long vm_mprotect(uintptr_t addr, size_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	/* The image and the identity map keep the protection the kernel gave
	 * them; only mappings can change. */
	if (!va_space_contains(&map_area, addr, len))
		return 0;

	unsigned flags = arch_flags(prot);
	long result = 0;
	spin_lock(&lock);
	/* Pages of a range still waiting to be released must not be backed
	 * again; releasing them shares this call's shootdown's cost. */
	release_deferred();
	for (uintptr_t va = addr; va < addr + len; va += PAGE_SIZE) {
		if (arch_protect_page(va, flags) || prot == VM_PROT_NONE)
			continue;
		if (!back_pages(va, va + PAGE_SIZE, flags)) {
			result = -ENOMEM;
			break;
		}
	}
	arch_tlb_shootdown();
	spin_unlock(&lock);
	return result;
}

bool vm_map_borrowed(uintptr_t va, uintptr_t page, int prot)
{
	unsigned flags = arch_flags(prot);

	spin_lock(&lock);
	bool mapped = arch_map_page(va, page, flags ? flags : MAP_READ);
	if (mapped && !flags)
		arch_protect_page(va, 0);
	spin_unlock(&lock);
	return mapped;
}

/* Not deferred as munmap is: the owner frees the pages once this returns,
 * so every core must have forgotten them by then. */
void vm_unmap_borrowed(uintptr_t start, uintptr_t end)
{
	spin_lock(&lock);
	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		arch_protect_page(va, 0);
	arch_tlb_shootdown();
	for (uintptr_t va = start; va < end; va += PAGE_SIZE)
		arch_unmap_page(va);
	spin_unlock(&lock);
}

bool vm_range_in_use(uintptr_t start, size_t len)
{
	spin_lock(&lock);
	bool in_use = !va_space_contains(&map_area, start, len) ||
		      (va_space_in_use(&map_area, start, len) && !overlaps_deferred(start, start + len));
	spin_unlock(&lock);
	return in_use;
}

uintptr_t vm_brk(uintptr_t new_break)
{
	spin_lock(&lock);
	if (new_break >= BRK_START && new_break <= BRK_LIMIT) {
		uintptr_t old_top = PAGE_ALIGN_UP(brk_end);
		uintptr_t new_top = PAGE_ALIGN_UP(new_break);
		if (new_top < old_top)
			release_pages(new_top, old_top);
		if (new_top <= old_top ||
		    back_pages(old_top, new_top, MAP_READ | MAP_WRITE))
			brk_end = new_break;
	}
	uintptr_t result = brk_end;
	spin_unlock(&lock);
	return result;
}

uintptr_t vm_alloc_stack(size_t size)
{
	size = PAGE_ALIGN_UP(size);
	spin_lock(&lock);
	uintptr_t guard = va_space_alloc(&map_area, size + PAGE_SIZE);
	uintptr_t base = guard + PAGE_SIZE;
	if (guard && !back_pages(base, base + size, MAP_READ | MAP_WRITE)) {
		va_space_free(&map_area, guard, size + PAGE_SIZE);
		guard = 0;
	}
	spin_unlock(&lock);
	return guard ? base : 0;
}

void vm_free_stack(uintptr_t base, size_t size)
{
	vm_munmap(base - PAGE_SIZE, PAGE_ALIGN_UP(size) + PAGE_SIZE);
}

bool vm_is_inaccessible(uintptr_t addr)
{
	uintptr_t pa;

	return va_space_contains(&map_area, addr, 1) && !arch_translate(addr, &pa);
}
