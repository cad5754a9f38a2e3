/* test_vfs_path.c: folding paths into the file-system layer's absolute
 * form, kernel/fs/path.c. */
// unit-under-test: kernel/fs/path.c
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fs/vfs.h"
#include "lib/errno.h"

static char out[VFS_PATH_MAX];
static bool must_be_dir;

static const char *fold(const char *base, const char *path)
{
	memset(out, '#', sizeof out);
	int r = vfs_path_fold(base, path, out, &must_be_dir);
	return r ? "error" : out;
}

static void absolute_paths_ignore_the_base(void **state)
{
	(void)state;
	assert_string_equal(fold("/sub", "/hello.txt"), "/hello.txt");
	assert_string_equal(fold("/sub", "/"), "/");
	assert_string_equal(fold("/", "//x/./y"), "/x/y");
	assert_string_equal(fold("/", "/a/b/c"), "/a/b/c");
}

static void relative_paths_start_at_the_base(void **state)
{
	(void)state;
	assert_string_equal(fold("/sub", "lines.txt"), "/sub/lines.txt");
	assert_string_equal(fold("/", "a"), "/a");
	assert_string_equal(fold("/a/b", "."), "/a/b");
	assert_string_equal(fold("/a/b", ".."), "/a");
	assert_string_equal(fold("/a", ".."), "/");
}

static void dot_dot_never_leaves_the_root(void **state)
{
	(void)state;
	assert_string_equal(fold("/", "/a/../b"), "/b");
	assert_string_equal(fold("/", "/../../.."), "/");
	assert_string_equal(fold("/a", "../../../etc/passwd"), "/etc/passwd");
	assert_string_equal(fold("/", "/a/b/../../../c/"), "/c");
	assert_string_equal(fold("/", "/..a/b.."), "/..a/b..");
}

static void trailing_slashes_and_dots_ask_for_a_directory(void **state)
{
	(void)state;
	fold("/", "/a");
	assert_false(must_be_dir);
	fold("/", "/a/");
	assert_true(must_be_dir);
	fold("/", "/a/.");
	assert_true(must_be_dir);
	fold("/", "a/b/..");
	assert_true(must_be_dir);
	fold("/", "a//b");
	assert_false(must_be_dir);
	fold("/x", ".");
	assert_true(must_be_dir);
}

static void empty_and_too_long(void **state)
{
	(void)state;
	static char path[VFS_PATH_MAX + 10];

	assert_int_equal(vfs_path_fold("/", "", out, &must_be_dir), -ENOENT);
	memset(path, 'n', VFS_NAME_MAX + 1);
	path[VFS_NAME_MAX + 1] = '\0';
	assert_int_equal(vfs_path_fold("/", path, out, &must_be_dir), -ENAMETOOLONG);
	path[VFS_NAME_MAX] = '\0';
	assert_int_equal(vfs_path_fold("/", path, out, &must_be_dir), 0);
	for (size_t i = 0; i + 2 < sizeof path; i += 2)
		memcpy(path + i, "/n", 2);
	path[sizeof path - 1] = '\0';
	assert_int_equal(vfs_path_fold("/", path, out, &must_be_dir), -ENAMETOOLONG);
	/* folding may bring an over-long path back under the limit */
	memcpy(path + VFS_PATH_MAX - 8, "/../../", 7);
	path[VFS_PATH_MAX - 1] = '\0';
	assert_int_equal(vfs_path_fold("/", path, out, &must_be_dir), 0);
	assert_true(strlen(out) < VFS_PATH_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_paths_ignore_the_base),
		cmocka_unit_test(relative_paths_start_at_the_base),
		cmocka_unit_test(dot_dot_never_leaves_the_root),
		cmocka_unit_test(trailing_slashes_and_dots_ask_for_a_directory),
		cmocka_unit_test(empty_and_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
