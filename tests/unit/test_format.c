/* test_format.c: the kernel's printf engine, kernel/lib/format.c. */
// unit-under-test: kernel/lib/format.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/format.h"

/* Some cases below pass what printf's checker rejects, on purpose. */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

static char buf[128];

#define CHECK(expected, ...)                                                       \
	do {                                                                       \
		size_t n = format_string(buf, sizeof buf, __VA_ARGS__);           \
		assert_string_equal(buf, expected);                                \
		assert_int_equal(n, strlen(expected));                             \
	} while (0)

static void integers(void **state)
{
	(void)state;
	CHECK("0 -1 42", "%d %i %u", 0, -1, 42u);
	CHECK("-2147483648", "%d", (int)INT32_MIN);
	CHECK("18446744073709551615", "%lu", UINT64_MAX);
	CHECK("-9223372036854775808", "%ld", INT64_MIN);
	CHECK("ff FF 0", "%x %X %x", 255u, 255u, 0u);
	CHECK("123456789abc", "%lx", 0x123456789abcUL);
	CHECK("7", "%zu", (size_t)7);
}

static void width_and_padding(void **state)
{
	(void)state;
	CHECK("   42", "%5d", 42);
	CHECK("00042", "%05d", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("0000000000001000", "%016lx", 0x1000UL);
	CHECK("abc", "%2s", "abc");
	CHECK("  ab", "%4s", "ab");
	CHECK("ab  |", "%-4s|", "ab");
}

static void strings_chars_pointers(void **state)
{
	(void)state;
	CHECK("hello world", "%s %s", "hello", "world");
	CHECK("(null)", "%s", (char *)NULL);
	CHECK("x", "%c", 'x');
	CHECK("100%", "100%%");
	CHECK("0x1000", "%p", (void *)0x1000);
	CHECK("a%?b", "a%qb");
}

static void truncation(void **state)
{
	(void)state;
	char small[6];
	size_t n = format_string(small, sizeof small, "%s", "abcdefghij");
	assert_int_equal(n, 10);
	assert_string_equal(small, "abcde");

	char one[1] = { 'z' };
	assert_int_equal(format_string(one, sizeof one, "%d", 12345), 5);
	assert_int_equal(one[0], '\0');

	assert_int_equal(format_string(NULL, 0, "%s", "abc"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(width_and_padding),
		cmocka_unit_test(strings_chars_pointers),
		cmocka_unit_test(truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
