/* test_page_alloc.c: the physical page allocator, kernel/mm/page_alloc.c,
 * over a host buffer standing in for RAM (RAM is identity-mapped, so the
 * allocator uses physical addresses as pointers). */
// unit-under-test: kernel/mm/page_alloc.c kernel/sync/spinlock.c tests/unit/fake_arch.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "fake_arch.h"
#include "mm/page_alloc.h"

#define RAM_PAGES 16

/* The allocator keeps its state in statics; each test gets fresh RAM and
 * counts relative to what earlier tests left. The allocator may hand out
 * any of it until the end, so it is all released only then. */
static unsigned char *ram, *all_ram[8];
static size_t ram_count;

static uintptr_t ram_start(void)
{
	return (uintptr_t)ram;
}

static int add_ram(void **state)
{
	(void)state;
	ram = aligned_alloc(PAGE_SIZE, RAM_PAGES * PAGE_SIZE);
	if (!ram || ram_count == 8)
		return -1;
	all_ram[ram_count++] = ram;
	memset(ram, 0xa5, RAM_PAGES * PAGE_SIZE); /* garbage, to check zeroing */
	return 0;
}

static void hands_out_every_page_once_then_fails(void **state)
{
	(void)state;
	size_t before_free = page_alloc_free_count(), before_total = page_alloc_total_count();
	page_alloc_add_range(ram_start(), ram_start() + RAM_PAGES * PAGE_SIZE);
	assert_int_equal(page_alloc_total_count(), before_total + RAM_PAGES);
	assert_int_equal(page_alloc_free_count(), before_free + RAM_PAGES);

	bool seen[RAM_PAGES] = { false };
	for (int i = 0; i < RAM_PAGES; i++) {
		uintptr_t p = page_alloc();
		assert_true(p >= ram_start() && p < ram_start() + RAM_PAGES * PAGE_SIZE);
		assert_int_equal(p % PAGE_SIZE, 0);
		size_t index = (p - ram_start()) / PAGE_SIZE;
		assert_false(seen[index]);
		seen[index] = true;
		for (size_t b = 0; b < PAGE_SIZE; b++)
			assert_int_equal(((unsigned char *)p)[b], 0);
	}
	assert_int_equal(page_alloc(), 0);
	assert_int_equal(page_alloc_free_count(), before_free);
}

static void freed_pages_come_back_zeroed(void **state)
{
	(void)state;
	uintptr_t p = ram_start() + 3 * PAGE_SIZE;
	memset((void *)p, 0x77, PAGE_SIZE);
	size_t before = page_alloc_free_count();
	page_free(p);
	assert_int_equal(page_alloc_free_count(), before + 1);
	assert_int_equal(page_alloc(), p);
	assert_int_equal(((unsigned char *)p)[100], 0);
	assert_int_equal(page_alloc(), 0);
}

static void unaligned_ends_are_trimmed(void **state)
{
	(void)state;
	size_t before = page_alloc_total_count();
	/* 2.5 pages starting half a page in: only one whole page inside. */
	page_alloc_add_range(ram_start() + PAGE_SIZE / 2, ram_start() + 3 * PAGE_SIZE);
	assert_int_equal(page_alloc_total_count(), before + 2);
	page_alloc_add_range(ram_start() + 5 * PAGE_SIZE + 1, ram_start() + 6 * PAGE_SIZE);
	assert_int_equal(page_alloc_total_count(), before + 2);
	page_alloc_add_range(ram_start() + 8 * PAGE_SIZE, ram_start() + 8 * PAGE_SIZE);
	assert_int_equal(page_alloc_total_count(), before + 2);
}

static void the_lock_disables_interrupts_and_restores_them(void **state)
{
	(void)state;
	fake_interrupts_enabled = true;
	page_alloc_add_range(ram_start(), ram_start() + PAGE_SIZE);
	uintptr_t p = page_alloc();
	assert_true(fake_interrupts_enabled);
	page_free(p);
	assert_true(fake_interrupts_enabled);

	fake_interrupts_enabled = false;
	p = page_alloc();
	assert_false(fake_interrupts_enabled); /* not turned on behind the caller's back */
	page_free(p);
	fake_interrupts_enabled = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(hands_out_every_page_once_then_fails, add_ram),
		cmocka_unit_test(freed_pages_come_back_zeroed),
		cmocka_unit_test_setup(unaligned_ends_are_trimmed, add_ram),
		cmocka_unit_test_setup(the_lock_disables_interrupts_and_restores_them, add_ram),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	while (ram_count)
		free(all_ram[--ram_count]);
	return failed;
}
