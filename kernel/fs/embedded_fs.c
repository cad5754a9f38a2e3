/*
 * embedded_fs.c: finds the embedded tree in the image, checks it once at
 * boot, and answers questions about its entries.
 *
 * The blob comes from our own tool, but it is still checked field by field
 * (offsets inside the blob, paths NUL-terminated, parents that are
 * directories, strict path order) so that a bad one is refused at boot
 * instead of being read out of bounds later.
 */
#include "fs/embedded_fs.h"

#include "console.h"
#include "lib/errno.h"

#include <stddef.h>
#include <string.h>

#define DIR_MODE 0040555
#define FILE_MODE 0100444

/* Defined by the object `lull build --files` adds; absent (NULL) otherwise. */
extern const uint8_t lull_embedded_files[] __attribute__((weak));
extern const uint8_t lull_embedded_files_end[] __attribute__((weak));

/* The tree of an image without embedded files: an empty root. */
static const struct {
	struct embedded_fs_header header;
	struct embedded_fs_entry root;
	char path[8];
} empty_tree = {
	.header = { .magic = EMBEDDED_FS_MAGIC, .count = 1, .size = sizeof empty_tree },
	.root = { .path_offset = offsetof(__typeof__(empty_tree), path), .kind = EMBEDDED_FS_DIRECTORY },
};

static const uint8_t *blob = (const uint8_t *)&empty_tree;
static const struct embedded_fs_entry *entries = &empty_tree.root;
static uint32_t count = 1;

static const char *check_entry(const uint8_t *base, uint64_t size, const struct embedded_fs_entry *all,
			       uint32_t n, uint32_t i)
{
	const struct embedded_fs_entry *e = &all[i];
	uint64_t path_end = (uint64_t)e->path_offset + e->path_length;

	if (path_end >= size || base[path_end] != '\0' ||
	    strlen((const char *)base + e->path_offset) != e->path_length)
		return "a path is out of bounds";
	if (e->kind != EMBEDDED_FS_FILE && e->kind != EMBEDDED_FS_DIRECTORY)
		return "an entry has an unknown kind";
	if (e->parent >= n || all[e->parent].kind != EMBEDDED_FS_DIRECTORY || (i && e->parent == i))
		return "an entry's parent is not a directory";
	if (e->kind == EMBEDDED_FS_FILE && (e->data_offset > size || e->size > size - e->data_offset))
		return "a file's contents are out of bounds";
	if (i && strcmp((const char *)base + all[i - 1].path_offset,
			(const char *)base + e->path_offset) >= 0)
		return "the entries are not sorted by path";
	return NULL;
}

static const char *check(const uint8_t *base, uint64_t size)
{
	const struct embedded_fs_header *h = (const struct embedded_fs_header *)base;

	if (size < sizeof *h || memcmp(h->magic, EMBEDDED_FS_MAGIC, sizeof h->magic))
		return "no header";
	if (h->size != size)
		return "its size does not match the image's";
	if (!h->count || h->count > (size - sizeof *h) / sizeof(struct embedded_fs_entry))
		return "the entry count is out of bounds";
	const struct embedded_fs_entry *all = (const struct embedded_fs_entry *)(h + 1);
	if (all[0].path_length || all[0].kind != EMBEDDED_FS_DIRECTORY)
		return "entry 0 is not the root directory";
	for (uint32_t i = 0; i < h->count; i++) {
		const char *problem = check_entry(base, size, all, h->count, i);
		if (problem)
			return problem;
	}
	return NULL;
}

void embedded_fs_init(void)
{
	if (!lull_embedded_files || !lull_embedded_files_end)
		return;
	uint64_t size = (uint64_t)(lull_embedded_files_end - lull_embedded_files);
	const char *problem = check(lull_embedded_files, size);
	if (problem) {
		kprintf("lull: the embedded files are malformed (%s); none are served\n", problem);
		return;
	}
	blob = lull_embedded_files;
	entries = (const struct embedded_fs_entry *)(blob + sizeof(struct embedded_fs_header));
	count = ((const struct embedded_fs_header *)blob)->count;
}

uint32_t embedded_fs_count(void)
{
	return count;
}

const struct embedded_fs_entry *embedded_fs_entry(uint32_t index)
{
	return &entries[index];
}

const char *embedded_fs_path(uint32_t index)
{
	return (const char *)blob + entries[index].path_offset;
}

const char *embedded_fs_name(uint32_t index)
{
	const char *path = embedded_fs_path(index);
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

const uint8_t *embedded_fs_data(uint32_t index)
{
	return blob + entries[index].data_offset;
}

bool embedded_fs_is_dir(uint32_t index)
{
	return entries[index].kind == EMBEDDED_FS_DIRECTORY;
}

void embedded_fs_stat(uint32_t index, struct file_stat *st)
{
	const struct embedded_fs_entry *e = &entries[index];
	bool dir = e->kind == EMBEDDED_FS_DIRECTORY;

	*st = (struct file_stat){
		.ino = index + 1,
		.mode = dir ? DIR_MODE : FILE_MODE,
		.links = dir ? 2 : 1,
		.size = e->size,
		.mtime = e->mtime,
		.mtime_nsec = e->mtime_nsec,
	};
}

long embedded_fs_find(const char *path)
{
	uint32_t low = 0, high = count;

	while (low < high) {
		uint32_t mid = low + (high - low) / 2;
		int c = strcmp(path, embedded_fs_path(mid));
		if (!c)
			return mid;
		if (c < 0)
			high = mid;
		else
			low = mid + 1;
	}
	return -ENOENT;
}
