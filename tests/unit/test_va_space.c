/* test_va_space.c: free-range bookkeeping, kernel/mm/va_space.c, against
 * a page bitmap as the reference model. */
// unit-under-test: kernel/mm/va_space.c
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/va_space.h"

#define PAGE 4096UL
#define BASE 0x100000UL
#define PAGES 256

static struct va_space space;

static int setup(void **state)
{
	(void)state;
	va_space_init(&space, BASE, BASE + PAGES * PAGE);
	return 0;
}

static void first_fit_and_exhaustion(void **state)
{
	(void)state;
	assert_int_equal(va_space_alloc(&space, 10 * PAGE), BASE);
	assert_int_equal(va_space_alloc(&space, 10 * PAGE), BASE + 10 * PAGE);
	assert_int_equal(va_space_alloc(&space, (PAGES - 20) * PAGE), BASE + 20 * PAGE);
	assert_int_equal(va_space_alloc(&space, PAGE), 0);
	assert_int_equal(va_space_alloc(&space, 0), 0);
}

static void free_merges_neighbours(void **state)
{
	(void)state;
	uintptr_t a = va_space_alloc(&space, 4 * PAGE);
	uintptr_t b = va_space_alloc(&space, 4 * PAGE);
	uintptr_t c = va_space_alloc(&space, 4 * PAGE);
	assert_true(va_space_free(&space, a, 4 * PAGE));
	assert_true(va_space_free(&space, c, 4 * PAGE));
	assert_int_equal(space.count, 2); /* [a, b) and [c, end) */
	assert_true(va_space_free(&space, b, 4 * PAGE));
	assert_int_equal(space.count, 1);
	assert_int_equal(space.free[0].start, BASE);
	assert_int_equal(space.free[0].end, BASE + PAGES * PAGE);
}

static void double_and_overlapping_free(void **state)
{
	(void)state;
	uintptr_t a = va_space_alloc(&space, 8 * PAGE);
	assert_true(va_space_free(&space, a, 8 * PAGE));
	assert_true(va_space_free(&space, a, 8 * PAGE));
	assert_true(va_space_free(&space, a + 2 * PAGE, 20 * PAGE));
	assert_int_equal(space.count, 1);
}

static void claim_splits_and_tolerates_used_parts(void **state)
{
	(void)state;
	assert_true(va_space_claim(&space, BASE + 10 * PAGE, 5 * PAGE));
	assert_int_equal(space.count, 2);
	assert_int_equal(space.free[0].end, BASE + 10 * PAGE);
	assert_int_equal(space.free[1].start, BASE + 15 * PAGE);
	assert_true(va_space_claim(&space, BASE + 8 * PAGE, 10 * PAGE)); /* partly in use */
	assert_int_equal(space.free[0].end, BASE + 8 * PAGE);
	assert_int_equal(space.free[1].start, BASE + 18 * PAGE);
}

static void outside_is_refused(void **state)
{
	(void)state;
	assert_false(va_space_free(&space, BASE - PAGE, PAGE));
	assert_false(va_space_free(&space, BASE + (PAGES - 1) * PAGE, 2 * PAGE));
	assert_false(va_space_claim(&space, 0, PAGE));
	assert_false(va_space_contains(&space, UINTPTR_MAX - PAGE, 2 * PAGE));
	assert_true(va_space_contains(&space, BASE, PAGES * PAGE));
}

/* The reference: one flag per page, true when in use. */
static bool used[PAGES];

static bool model_free_run(size_t start, size_t n)
{
	for (size_t i = start; i < start + n; i++)
		if (used[i])
			return false;
	return true;
}

static void matches_model(void)
{
	for (size_t p = 0; p < PAGES; p++) {
		bool free_in_space = false;
		for (size_t r = 0; r < space.count; r++)
			if (BASE + p * PAGE >= space.free[r].start && BASE + p * PAGE < space.free[r].end)
				free_in_space = true;
		assert_int_equal(free_in_space, !used[p]);
	}
	for (size_t r = 1; r < space.count; r++)
		assert_true(space.free[r - 1].end < space.free[r].start); /* sorted, merged */
}

static void random_operations(void **state)
{
	(void)state;
	srand(12345);
	memset(used, 0, sizeof used);
	for (int step = 0; step < 5000; step++) {
		size_t n = 1 + (size_t)rand() % 16, start = (size_t)rand() % PAGES;
		if (start + n > PAGES)
			n = PAGES - start;
		switch (rand() % 3) {
		case 0: {
			uintptr_t got = va_space_alloc(&space, n * PAGE);
			size_t first_fit = PAGES;
			for (size_t p = 0; p + n <= PAGES; p++)
				if (model_free_run(p, n)) {
					first_fit = p;
					break;
				}
			if (first_fit == PAGES) {
				assert_int_equal(got, 0);
			} else {
				assert_int_equal(got, BASE + first_fit * PAGE);
				memset(&used[first_fit], 1, n);
			}
			break;
		}
		case 1:
			assert_true(va_space_free(&space, BASE + start * PAGE, n * PAGE));
			memset(&used[start], 0, n);
			break;
		default:
			assert_true(va_space_claim(&space, BASE + start * PAGE, n * PAGE));
			memset(&used[start], 1, n);
		}
		matches_model();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(first_fit_and_exhaustion, setup),
		cmocka_unit_test_setup(free_merges_neighbours, setup),
		cmocka_unit_test_setup(double_and_overlapping_free, setup),
		cmocka_unit_test_setup(claim_splits_and_tolerates_used_parts, setup),
		cmocka_unit_test_setup(outside_is_refused, setup),
		cmocka_unit_test_setup(random_operations, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
