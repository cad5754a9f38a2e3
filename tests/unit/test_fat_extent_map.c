/*
 * test_fat_extent_map.c: FAT files' extent maps and allocation in runs:
 * random reads, writes and truncates of fragmented files against a model
 * in memory, the map checked against the chain in the FAT after each
 * step, truncation inside an extent, the bound on a map's size, and what
 * one fsync writes; images judged by fsck.fat -n and mcopy at the end.
 */
// unit-under-test: kernel/fs/fat/bpb.c kernel/fs/fat/dir.c kernel/fs/fat/extent_map.c kernel/fs/fat/fat.c kernel/fs/fat/fat_table.c kernel/fs/fat/fat_time.c kernel/fs/fat/file.c kernel/fs/fat/name.c kernel/fs/fat/namespace.c kernel/fs/fat/node.c kernel/fs/fat/rename.c kernel/fs/block_cache.c tests/unit/fat_harness.c tests/unit/file_blockdev.c tests/unit/fake_kernel.c tests/unit/fake_arch.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_kernel.h"
#include "fat_harness.h"
#include "fs/block_cache.h"
#include "fs/fat/fat_internal.h"
#include "lib/errno.h"

#define MODEL_MAX (2u << 20)

static struct harness h;

/* What a file should hold. */
struct model {
	uint8_t *data;
	size_t size;
};

static int setup(void **state)
{
	harness_start(&h, *state, "extents.img");
	harness_mount(&h, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_finish(&h);
	return 0;
}

/* Every extent of the node's map names the clusters the FAT chain holds
 * at those indexes, and no more than the chain has. */
static void expect_map_matches_chain(struct vnode *vn)
{
	struct fat_node *n = fat_node_of(vn);
	struct fat_volume *v = n->vol;
	const struct fat_map *m = &n->map;
	uint32_t c = fat_node_cluster(n), index = 0;

	assert_true(m->count <= m->capacity && m->capacity <= FAT_MAP_MAX_EXTENTS);
	if (m->count)
		assert_int_equal(m->first, c);
	for (uint32_t k = 0; k < m->count; k++) {
		const struct fat_extent *e = &m->runs[k];
		assert_int_equal(e->index, index);
		assert_true(e->length > 0);
		for (uint32_t i = 0; i < e->length; i++, index++) {
			assert_int_not_equal(c, FAT_CHAIN_END);
			assert_int_equal(c, e->cluster + i);
			assert_int_equal(fat_next(v, c, &c), 0);
		}
	}
}

static void model_write(struct vnode *vn, struct model *md, size_t at, size_t len, unsigned seed)
{
	uint8_t *buf = malloc(len);

	harness_pattern(buf, len, seed);
	assert_int_equal(vn->ops->write(vn, buf, len, at), (long)len);
	if (at > md->size)
		memset(md->data + md->size, 0, at - md->size);
	memcpy(md->data + at, buf, len);
	if (at + len > md->size)
		md->size = at + len;
	free(buf);
}

static void model_truncate(struct vnode *vn, struct model *md, size_t size)
{
	assert_int_equal(vn->ops->truncate(vn, size), 0);
	if (size > md->size)
		memset(md->data + md->size, 0, size - md->size);
	md->size = size;
}

static void expect_model_range(struct vnode *vn, const struct model *md, size_t at, size_t len)
{
	uint8_t *buf = malloc(len + 1);
	size_t want = at >= md->size ? 0 : md->size - at < len ? md->size - at : len;

	assert_int_equal(vn->ops->read(vn, buf, len, at), (long)want);
	assert_memory_equal(buf, md->data + at, want);
	free(buf);
}

/* Unmounts, checks the image, and compares the file mcopy reads to md. */
static void expect_on_host(const char *path, const struct model *md)
{
	uint8_t *got;

	harness_unmount(&h);
	assert_true(harness_fsck_clean(&h));
	assert_int_equal(harness_mcopy_out(&h, path, &got), (long)md->size);
	assert_memory_equal(got, md->data, md->size);
	free(got);
	harness_mount(&h, false);
}

/* Grows `a` by `runs` pieces of 1-3 clusters, each followed by a cluster
 * of `b`, so that a's chain has about `runs` extents. */
static void fragment(struct vnode *a, struct model *md, struct vnode *b, unsigned runs)
{
	uint32_t cluster = fat_node_of(a)->vol->g.cluster_bytes;
	uint8_t one[4096] = { 0 };

	for (unsigned i = 0; i < runs; i++) {
		model_write(a, md, md->size, cluster * (1 + rand() % 3), i);
		assert_int_equal(b->ops->write(b, one, cluster, (uint64_t)i * cluster), (long)cluster);
	}
}

static void make_files(struct vnode **a, struct vnode **b, struct model *md)
{
	assert_int_equal(harness_create(&h, "/frag.bin", VFS_S_IFREG | 0644, a), 0);
	assert_int_equal(harness_create(&h, "/other.bin", VFS_S_IFREG | 0644, b), 0);
	md->data = calloc(1, MODEL_MAX);
	md->size = 0;
}

/* The test's end: both files closed, the image judged on the host. */
static void close_and_check(struct vnode *a, struct vnode *b, struct model *md)
{
	vnode_put(a);
	vnode_put(b);
	expect_on_host("frag.bin", md);
	free(md->data);
}

static void random_access_over_a_fragmented_file(void **state)
{
	(void)state;
	struct vnode *a, *b;
	struct model md;

	srand(13);
	make_files(&a, &b, &md);
	fragment(a, &md, b, 60);
	expect_map_matches_chain(a);
	assert_true(fat_node_of(a)->map.count >= 50);
	for (unsigned step = 0; step < 400; step++) {
		size_t at = (size_t)rand() % (md.size + 5000), len = 1 + (size_t)rand() % 9000;
		int what = rand() % 10;
		if (what < 4)
			model_write(a, &md, at, len, 100 + step);
		else if (what < 9)
			expect_model_range(a, &md, at, len);
		else
			model_truncate(a, &md, (size_t)rand() % (md.size + 3000));
		expect_map_matches_chain(a);
	}
	expect_model_range(a, &md, 0, md.size);
	close_and_check(a, b, &md);
}

static void truncate_inside_an_extent(void **state)
{
	(void)state;
	struct vnode *a, *b;
	struct model md;
	uint32_t cluster;

	make_files(&a, &b, &md);
	cluster = fat_node_of(a)->vol->g.cluster_bytes;
	model_write(a, &md, 0, 40 * cluster, 1);
	const struct fat_map *m = &fat_node_of(a)->map;
	assert_int_equal(m->count, 1);
	assert_int_equal(m->runs[0].length, 40);
	model_truncate(a, &md, 17 * cluster + 100);
	assert_int_equal(m->count, 1);
	assert_int_equal(m->runs[0].length, 18);
	/* b takes the clusters a gave back, so that a grows elsewhere. */
	assert_int_equal(b->ops->write(b, md.data, 22 * cluster, 0), (long)(22 * cluster));
	model_write(a, &md, md.size + 3 * cluster, 5 * cluster, 2);
	expect_map_matches_chain(a);
	assert_int_equal(m->count, 2);
	expect_model_range(a, &md, 0, md.size);
	model_truncate(a, &md, 0);
	assert_int_equal(m->count, 0);
	model_write(a, &md, 0, 3 * cluster, 3);
	expect_map_matches_chain(a);
	close_and_check(a, b, &md);
}

static void map_size_is_bounded(void **state)
{
	(void)state;
	struct vnode *a, *b;
	struct model md;

	srand(7);
	make_files(&a, &b, &md);
	fragment(a, &md, b, FAT_MAP_MAX_EXTENTS + 150);
	const struct fat_map *m = &fat_node_of(a)->map;
	assert_int_equal(m->count, FAT_MAP_MAX_EXTENTS);
	assert_int_equal(m->capacity, FAT_MAP_MAX_EXTENTS);
	expect_map_matches_chain(a);
	/* Past the map, back into it, and past it again: the cursor's walks. */
	for (unsigned step = 0; step < 200; step++) {
		size_t at = (size_t)rand() % md.size;
		if (step % 4 == 0)
			model_write(a, &md, at, 1 + (size_t)rand() % 3000, step);
		else
			expect_model_range(a, &md, at, 1 + (size_t)rand() % 3000);
	}
	expect_model_range(a, &md, 0, md.size);
	vnode_put(a);
	vnode_put(b);
	/* A new node learns the chain as it checks it, within the same bound. */
	assert_int_equal(harness_walk(&h, "/frag.bin", &a), 0);
	assert_int_equal(fat_node_of(a)->map.count, FAT_MAP_MAX_EXTENTS);
	expect_map_matches_chain(a);
	expect_model_range(a, &md, 0, md.size);
	vnode_put(a);
	expect_on_host("frag.bin", &md);
	free(md.data);
}

/* A file written in one go is one extent, and one fsync after a write
 * inside it writes back its entry's sector alone, then flushes once. */
static void contiguous_file_and_one_fsync(void **state)
{
	(void)state;
	struct vnode *a, *b;
	struct model md;

	make_files(&a, &b, &md);
	model_write(a, &md, 0, 300000, 4);
	assert_int_equal(fat_node_of(a)->map.count, 1);
	assert_int_equal(a->ops->fsync(a, false), 0);
	unsigned flushes = h.disk->flushes;
	uint64_t writebacks = block_cache_stats().writebacks;
	model_write(a, &md, 240 * 512, 4096, 5); /* whole sectors: no cached edges */
	assert_int_equal(a->ops->fsync(a, false), 0);
	assert_int_equal(h.disk->flushes, flushes + 1);
	assert_int_equal(block_cache_stats().writebacks, writebacks + 1);
	close_and_check(a, b, &md);
}

#define ON(kind, test) cmocka_unit_test_prestate_setup_teardown(test, setup, teardown, (void *)&kind)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON(fat32_kind, random_access_over_a_fragmented_file),
		ON(fat16_kind, random_access_over_a_fragmented_file),
		ON(fat12_kind, random_access_over_a_fragmented_file),
		ON(fat32_kind, truncate_inside_an_extent),
		ON(fat12_kind, truncate_inside_an_extent),
		ON(fat32_kind, map_size_is_bounded),
		ON(fat32_kind, contiguous_file_and_one_fsync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
