/* test_symbols.c: finding function names for addresses, kernel/symbols.c,
 * in tables laid out as `lull build` writes them. */
// unit-under-test: kernel/symbols.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "symbols.h"

struct fn {
	uint64_t addr, size;
	const char *name;
};

/* Builds count, entries, then names, with name offsets from the start. */
static struct symtab *make_table(const struct fn *fns, size_t n)
{
	size_t names = 0;
	for (size_t i = 0; i < n; i++)
		names += strlen(fns[i].name) + 1;
	size_t head = sizeof(struct symtab) + n * sizeof(struct symtab_entry);
	struct symtab *t = calloc(1, head + names);
	t->count = n;
	size_t off = head;
	for (size_t i = 0; i < n; i++) {
		t->entry[i] = (struct symtab_entry){ fns[i].addr, fns[i].size, off };
		strcpy((char *)t + off, fns[i].name);
		off += strlen(fns[i].name) + 1;
	}
	return t;
}

static const struct fn sample[] = {
	{ 0x1000, 0x20, "first" },
	{ 0x1020, 0x10, "second" },
	{ 0x1100, 0, "no_size" },
	{ 0x1200, 0x8, "last" },
};

static void finds_the_containing_function(void **state)
{
	(void)state;
	struct symtab *t = make_table(sample, 4);
	uintptr_t off;
	assert_string_equal(symtab_lookup(t, 0x1000, &off), "first");
	assert_int_equal(off, 0);
	assert_string_equal(symtab_lookup(t, 0x101f, &off), "first");
	assert_int_equal(off, 0x1f);
	assert_string_equal(symtab_lookup(t, 0x1025, &off), "second");
	assert_int_equal(off, 5);
	assert_string_equal(symtab_lookup(t, 0x1207, &off), "last");
	free(t);
}

static void outside_any_function(void **state)
{
	(void)state;
	struct symtab *t = make_table(sample, 4);
	uintptr_t off;
	assert_null(symtab_lookup(t, 0xfff, &off));     /* before the first */
	assert_null(symtab_lookup(t, 0x1030, &off));    /* past second's size */
	assert_null(symtab_lookup(t, 0x1208, &off));    /* past the last */
	assert_null(symtab_lookup(t, UINTPTR_MAX, &off));
	free(t);
}

static void unknown_size_reaches_the_next_symbol(void **state)
{
	(void)state;
	struct symtab *t = make_table(sample, 4);
	uintptr_t off;
	assert_string_equal(symtab_lookup(t, 0x11ff, &off), "no_size");
	assert_int_equal(off, 0xff);
	free(t);
}

static void empty_or_missing_tables(void **state)
{
	(void)state;
	struct symtab *t = make_table(sample, 0);
	uintptr_t off;
	assert_null(symtab_lookup(t, 0x1000, &off));
	assert_null(symtab_lookup(NULL, 0x1000, &off));
	/* On the host no image table is linked in: the weak symbol is NULL. */
	assert_null(symbol_lookup(0x1000, &off));
	free(t);
}

static void many_symbols(void **state)
{
	(void)state;
	enum { N = 1000 };
	static struct fn fns[N];
	static char names[N][16];
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "f%zu", i);
		fns[i] = (struct fn){ 0x400000 + 0x40 * i, 0x30, names[i] };
	}
	struct symtab *t = make_table(fns, N);
	uintptr_t off;
	for (size_t i = 0; i < N; i++) {
		assert_string_equal(symtab_lookup(t, 0x400000 + 0x40 * i + 0x2f, &off), names[i]);
		assert_null(symtab_lookup(t, 0x400000 + 0x40 * i + 0x30, &off));
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_the_containing_function),
		cmocka_unit_test(outside_any_function),
		cmocka_unit_test(unknown_size_reaches_the_next_symbol),
		cmocka_unit_test(empty_or_missing_tables),
		cmocka_unit_test(many_symbols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
