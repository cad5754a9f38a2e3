/* test_shared_pages.c: the RAM file system (kernel/fs/tmpfs.c) and a
 * file's shared pages (kernel/fs/shared_pages.c) over it, on the host: the
 * page allocator gets a host buffer standing in for RAM. */
// unit-under-test: kernel/fs/shared_pages.c kernel/fs/tmpfs.c kernel/mm/page_alloc.c kernel/sync/spinlock.c tests/unit/fake_kernel.c tests/unit/fake_arch.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch.h"
#include "fake_kernel.h"
#include "fs/shared_pages.h"
#include "fs/tmpfs.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"

#define RAM_PAGES 64
#define FS_PAGES 16

static struct mount *fs;
static size_t free_at_start;

static int setup(void **state)
{
	static unsigned char *ram;
	(void)state;
	if (!ram) {
		ram = aligned_alloc(PAGE_SIZE, RAM_PAGES * PAGE_SIZE);
		page_alloc_add_range((uintptr_t)ram, (uintptr_t)ram + RAM_PAGES * PAGE_SIZE);
		shared_pages_init();
	}
	free_at_start = page_alloc_free_count();
	fs = tmpfs_create(FS_PAGES);
	return fs ? 0 : -1;
}

/* Every page and heap block a test took is back. */
static int teardown(void **state)
{
	(void)state;
	tmpfs_destroy(fs);
	assert_int_equal(page_alloc_free_count(), free_at_start);
	assert_int_equal(fake_kmalloc_blocks, 0);
	assert_int_equal(fake_mutexes_held, 0);
	return 0;
}

static struct vnode *create(struct vnode *dir, const char *name, uint32_t mode)
{
	struct vnode *v = NULL;
	assert_int_equal(dir->ops->create(dir, name, mode, &v), 0);
	return v;
}

static struct vnode *new_file(const char *name)
{
	return create(fs->root, name, VFS_S_IFREG | 0644);
}

/* The vnode's last put, as vfs.c makes it. */
static void put_last(struct vnode *v)
{
	if (v->refs == 1)
		shared_pages_discard(v);
	vnode_put(v);
}

static void remove_file(struct vnode *v, const char *name)
{
	assert_int_equal(fs->root->ops->unlink(fs->root, name), 0);
	put_last(v);
}

static void test_holes_and_truncation_read_as_zeros(void **state)
{
	struct vnode *v = new_file("f");
	char buf[16];
	(void)state;

	assert_int_equal(v->ops->write(v, "end", 3, 3 * PAGE_SIZE), 3);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(v->ops->read(v, buf, sizeof buf, PAGE_SIZE), sizeof buf);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", sizeof buf);
	assert_int_equal(v->ops->write(v, "abcdef", 6, 0), 6);
	assert_int_equal(v->ops->truncate(v, 2), 0);
	assert_int_equal(v->ops->truncate(v, 6), 0);
	assert_int_equal(v->ops->read(v, buf, sizeof buf, 0), 6);
	assert_memory_equal(buf, "ab\0\0\0\0", 6);
	assert_int_equal(v->ops->read(v, buf, sizeof buf, 6), 0);
	remove_file(v, "f");
}

static void test_a_full_file_system_writes_what_fits(void **state)
{
	static char big[(FS_PAGES + 1) * PAGE_SIZE];
	struct vnode *v = new_file("big");
	struct vfs_statfs sf;
	(void)state;

	assert_int_equal(v->ops->write(v, big, sizeof big, 0), FS_PAGES * PAGE_SIZE);
	assert_int_equal(v->ops->write(v, "x", 1, sizeof big), -ENOSPC);
	assert_int_equal(fs->ops->statfs(fs, &sf), 0);
	assert_int_equal(sf.blocks_free, 0);
	remove_file(v, "big");
	assert_int_equal(fs->ops->statfs(fs, &sf), 0);
	assert_int_equal(sf.blocks_free, FS_PAGES);
}

static void test_an_unlinked_file_lives_while_referenced(void **state)
{
	struct vnode *v = new_file("gone"), *found;
	char buf[4];
	(void)state;

	assert_int_equal(v->ops->write(v, "data", 4, 0), 4);
	assert_int_equal(fs->root->ops->unlink(fs->root, "gone"), 0);
	assert_int_equal(fs->root->ops->lookup(fs->root, "gone", &found), -ENOENT);
	assert_int_equal(v->ops->read(v, buf, 4, 0), 4);
	assert_memory_equal(buf, "data", 4);
	put_last(v);
}

static void test_rename_follows_rename2_rules(void **state)
{
	struct vnode *root = fs->root;
	struct vnode *dir = create(root, "d", VFS_S_IFDIR | 0755);
	struct vnode *inner = create(dir, "inner", VFS_S_IFREG | 0644);
	struct vnode *file = new_file("f"), *found;
	(void)state;

	assert_int_equal(root->ops->rename(root, "f", root, "d"), -EISDIR);
	assert_int_equal(root->ops->rename(root, "d", root, "f"), -ENOTDIR);
	struct vnode *empty = create(root, "e", VFS_S_IFDIR | 0755);
	assert_int_equal(root->ops->rename(root, "e", root, "d"), -ENOTEMPTY);
	assert_int_equal(root->ops->rename(root, "d", root, "e"), 0);
	assert_int_equal(root->ops->lookup(root, "d", &found), -ENOENT);
	assert_int_equal(root->ops->lookup(root, "e", &found), 0);
	assert_ptr_equal(found, dir);
	vnode_put(found);
	assert_int_equal(root->ops->rename(dir, "inner", root, "f"), 0);
	assert_int_equal(root->ops->rename(root, "missing", root, "x"), -ENOENT);

	assert_int_equal(root->ops->rmdir(root, "e"), 0);
	assert_int_equal(root->ops->unlink(root, "f"), 0);
	vnode_put(empty);
	vnode_put(dir);
	put_last(inner);
	put_last(file);
}

static void test_readdir_cookies_survive_removals(void **state)
{
	struct vnode *root = fs->root, *a = new_file("a"), *b = new_file("b"), *c = new_file("c");
	struct vfs_dirent e;
	uint64_t cookie = 0;
	(void)state;

	assert_int_equal(root->ops->readdir(root, &cookie, &e), 1);
	assert_string_equal(e.name, "a");
	remove_file(a, "a");
	remove_file(b, "b");
	assert_int_equal(root->ops->readdir(root, &cookie, &e), 1);
	assert_string_equal(e.name, "c");
	assert_int_equal(root->ops->readdir(root, &cookie, &e), 0);
	remove_file(c, "c");
}

static uintptr_t hold(struct vnode *v, uint64_t index, bool writable)
{
	int error = 0;
	uintptr_t page = shared_pages_hold(v, index, writable, &error);
	assert_true(page);
	return page;
}

static void test_one_page_per_file_page_filled_from_the_file(void **state)
{
	struct vnode *v = new_file("shm");
	(void)state;

	assert_int_equal(shared_pages_write(v, "abc", 3, PAGE_SIZE), 3);
	uintptr_t first = hold(v, 1, true), second = hold(v, 1, true);
	assert_int_equal(first, second);
	assert_memory_equal((char *)first, "abc\0", 4);
	shared_pages_drop(v, 1, 1);
	assert_int_equal(hold(v, 1, true), first); /* still held once */
	shared_pages_drop(v, 1, 1);
	shared_pages_drop(v, 1, 1);
	remove_file(v, "shm");
}

static void test_reads_and_writes_meet_the_pages(void **state)
{
	struct vnode *v = new_file("shm");
	char buf[8];
	(void)state;

	assert_int_equal(shared_pages_truncate(v, 2 * PAGE_SIZE), 0);
	char *page = (char *)hold(v, 0, true);
	memcpy(page + 10, "mapped", 6);
	assert_int_equal(shared_pages_read(v, buf, 6, 10), 6);
	assert_memory_equal(buf, "mapped", 6);
	assert_int_equal(shared_pages_write(v, "written", 7, 100), 7);
	assert_memory_equal(page + 100, "written", 7);

	/* The file never had what the mapping stored past its end. */
	assert_int_equal(shared_pages_truncate(v, 50), 0);
	assert_memory_equal(page + 100, "\0\0\0\0\0\0\0", 7);
	memcpy(page + 200, "beyond", 6);
	assert_int_equal(shared_pages_write(v, "z", 1, 300), 1);
	assert_memory_equal(page + 200, "\0\0\0\0\0\0", 6);
	assert_memory_equal(page + 10, "mapped", 6);

	shared_pages_drop(v, 0, 1);
	remove_file(v, "shm");
}

static void test_write_back_stops_at_the_end_of_the_file(void **state)
{
	struct vnode *v = new_file("shm");
	struct file_stat st;
	char buf[4];
	(void)state;

	assert_int_equal(shared_pages_truncate(v, 100), 0);
	char *writable = (char *)hold(v, 0, true);
	char *read_only = (char *)hold(v, 1, false);
	memcpy(writable + 96, "tail", 4);
	read_only[0] = 'r';
	assert_int_equal(shared_pages_write_back(v, 0, 2), 0);
	assert_int_equal(v->ops->stat(v, &st), 0);
	assert_int_equal(st.size, 100);
	assert_int_equal(v->ops->read(v, buf, 4, 96), 4);
	assert_memory_equal(buf, "tail", 4);

	/* fsync writes back too; the page that no mapping may write stays
	 * out of the file. */
	assert_int_equal(shared_pages_truncate(v, 2 * PAGE_SIZE), 0);
	memcpy(writable, "sync", 4);
	read_only[0] = 'r';
	assert_int_equal(shared_pages_fsync(v, true), 0);
	assert_int_equal(v->ops->read(v, buf, 4, 0), 4);
	assert_memory_equal(buf, "sync", 4);
	assert_int_equal(v->ops->read(v, buf, 1, PAGE_SIZE), 1);
	assert_int_equal(buf[0], 0);

	shared_pages_drop(v, 0, 2);
	remove_file(v, "shm");
}

/* Every test starts with an empty file system and must give back all. */
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_holes_and_truncation_read_as_zeros),
		TEST(test_a_full_file_system_writes_what_fits),
		TEST(test_an_unlinked_file_lives_while_referenced),
		TEST(test_rename_follows_rename2_rules),
		TEST(test_readdir_cookies_survive_removals),
		TEST(test_one_page_per_file_page_filled_from_the_file),
		TEST(test_reads_and_writes_meet_the_pages),
		TEST(test_write_back_stops_at_the_end_of_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
