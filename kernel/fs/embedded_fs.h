/*
 * embedded_fs.h: the read-only tree that `lull build --files` linked into
 * the image (kernel/fs/embedded_format.h), as numbered entries.
 *
 * Entry 0 is the root directory; an image built without --files has only
 * that. Entries never change, so nothing here takes a lock.
 */
#ifndef LULL_FS_EMBEDDED_FS_H
#define LULL_FS_EMBEDDED_FS_H

#include "fs/embedded_format.h"
#include "io/file.h"

#include <stdbool.h>
#include <stdint.h>

#define EMBEDDED_FS_ROOT 0

/* Checks the blob in the image; a malformed one is reported and ignored. */
void embedded_fs_init(void);

uint32_t embedded_fs_count(void);
const struct embedded_fs_entry *embedded_fs_entry(uint32_t index);
const char *embedded_fs_path(uint32_t index);
/* The last component of the path ("" for the root). */
const char *embedded_fs_name(uint32_t index);
const uint8_t *embedded_fs_data(uint32_t index);
bool embedded_fs_is_dir(uint32_t index);
void embedded_fs_stat(uint32_t index, struct file_stat *st);

/* The entry whose path is exactly `path` (no leading slash), or -ENOENT. */
long embedded_fs_find(const char *path);

/* The tree as a read-only file system of the layer (embedded_mount.c),
 * which vfs_init mounts at "/". */
struct mount;
struct mount *embedded_fs_mount(void);

#endif
