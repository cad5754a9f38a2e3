/*
 * fat_harness.h: FAT images for unit tests: made with mkfs.fat, filled
 * with mcopy, checked with fsck.fat -n and read back with mcopy; mounted
 * with fat_probe on a file_blockdev; paths walked with lookup() as the
 * file-system layer would.
 */
#ifndef LULL_TEST_FAT_HARNESS_H
#define LULL_TEST_FAT_HARNESS_H

#include "file_blockdev.h"
#include "fs/vfs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One FAT size the tests run on. */
struct fat_kind {
	const char *name;
	unsigned size_kib;
	const char *mkfs_options;
};

extern const struct fat_kind fat12_kind, fat16_kind, fat32_kind;

struct harness {
	char image[256];
	struct file_blockdev *disk;
	struct mount *mount;
};

/* A path in the test's temporary directory. */
const char *harness_path(const char *name);
/* Runs a shell command; returns its exit status. */
int harness_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Makes image `name` of that kind (mkfs.fat), without mounting it. */
void harness_format(struct harness *h, const struct fat_kind *kind, const char *name);
/* A test's start: a fresh image of that kind and an empty kernel log. */
void harness_start(struct harness *h, const struct fat_kind *kind, const char *name);
/* A test's end: shows the kernel log, unmounts if mounted. */
void harness_finish(struct harness *h);
/* Mounts h->image (fails the test if it cannot be). */
void harness_mount(struct harness *h, bool read_only);
/* fat_probe's result for h->image, h->mount set on success. */
int harness_try_mount(struct harness *h, bool read_only);
/* Unmounts (checking no vnode or lock is left behind) and closes the disk. */
void harness_unmount(struct harness *h);

/* The vnode at path ("/a/b"), a reference the caller puts; or -errno. */
int harness_walk(struct harness *h, const char *path, struct vnode **out);
/* The parent directory of path and its last component. */
int harness_parent(struct harness *h, const char *path, struct vnode **dir, const char **name);
int harness_create(struct harness *h, const char *path, uint32_t mode, struct vnode **out);
/* Creates (or replaces the contents of) a file. */
void harness_write_file(struct harness *h, const char *path, const void *data, size_t len);
/* Reads a whole file into a malloc'd buffer; -errno or its length. */
long harness_read_file(struct harness *h, const char *path, uint8_t **data);
int harness_unlink(struct harness *h, const char *path);
int harness_rmdir(struct harness *h, const char *path);
int harness_mkdir(struct harness *h, const char *path);
int harness_rename(struct harness *h, const char *from, const char *to);

/* fsck.fat -n on the image: true if clean (its report goes to stderr). */
bool harness_fsck_clean(struct harness *h);
/* mcopy of ::path out of the image: its bytes (malloc'd), or -1. */
long harness_mcopy_out(struct harness *h, const char *path, uint8_t **data);
/* Puts `len` bytes into the image at ::path with mcopy. */
void harness_mcopy_in(struct harness *h, const char *path, const void *data, size_t len);

/* Test data: byte i of a pattern chosen by seed. */
void harness_pattern(uint8_t *buf, size_t len, unsigned seed);

#endif
