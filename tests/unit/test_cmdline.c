/* test_cmdline.c: splitting the kernel command line, kernel/lib/cmdline.c. */
// unit-under-test: kernel/lib/cmdline.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/cmdline.h"

#define MAX 8

static size_t split(const char *text, char **words, char *storage, size_t size)
{
	strncpy(storage, text, size - 1);
	storage[size - 1] = '\0';
	return cmdline_split(storage, words, MAX);
}

static void blanks_separate_words(void **state)
{
	(void)state;
	char s[64], *w[MAX];
	assert_int_equal(split("  one\ttwo \n three  ", w, s, sizeof s), 3);
	assert_string_equal(w[0], "one");
	assert_string_equal(w[1], "two");
	assert_string_equal(w[2], "three");
}

static void empty_and_blank(void **state)
{
	(void)state;
	char s[16], *w[MAX];
	assert_int_equal(split("", w, s, sizeof s), 0);
	assert_int_equal(split("   \t ", w, s, sizeof s), 0);
}

static void quotes_and_escapes(void **state)
{
	(void)state;
	char s[128], *w[MAX];
	assert_int_equal(split("a \"two words\" \"say \\\"hi\\\"\" \"back\\\\slash\"", w, s, sizeof s), 4);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "two words");
	assert_string_equal(w[2], "say \"hi\"");
	assert_string_equal(w[3], "back\\slash");
}

static void quoted_parts_join(void **state)
{
	(void)state;
	char s[64], *w[MAX];
	assert_int_equal(split("a\"b c\"d \"\" e", w, s, sizeof s), 3);
	assert_string_equal(w[0], "ab cd");
	assert_string_equal(w[1], "");
	assert_string_equal(w[2], "e");
}

static void too_many_words(void **state)
{
	(void)state;
	char s[64], *w[MAX + 1];
	w[MAX] = (char *)"untouched";
	assert_int_equal(split("1 2 3 4 5 6 7 8 9 10", w, s, sizeof s), 10);
	assert_string_equal(w[7], "8");
	assert_string_equal(w[MAX], "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blanks_separate_words),
		cmocka_unit_test(empty_and_blank),
		cmocka_unit_test(quotes_and_escapes),
		cmocka_unit_test(quoted_parts_join),
		cmocka_unit_test(too_many_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
