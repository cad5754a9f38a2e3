/*
 * tmpfs.h: a read-write file system in RAM, which boot_mounts.c mounts at
 * /tmp unless a disk is placed there, so that temporary files work with no
 * disk at all. Its contents go with the VM.
 */
#ifndef LULL_FS_TMPFS_H
#define LULL_FS_TMPFS_H

#include "fs/vfs.h"

#include <stddef.h>

/* A new, empty file system that may hold up to max_pages pages of file
 * data (ENOSPC beyond); NULL without memory. */
struct mount *tmpfs_create(size_t max_pages);
/* Frees a file system that was never mounted (or whose vnodes are all
 * released but the root). */
void tmpfs_destroy(struct mount *m);

#endif
