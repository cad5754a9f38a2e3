/*
 * fat.h: the FAT12/16/32 file system (with VFAT long names), read-write,
 * on a disk or on the first partition of an MBR-partitioned disk.
 */
#ifndef LULL_FS_FAT_FAT_H
#define LULL_FS_FAT_FAT_H

#include "drivers/blockdev.h"
#include "fs/vfs.h"

#include <stdbool.h>

/* A vfs_probe_fn: -EINVAL when the disk holds no FAT file system, -EIO
 * (with a kernel message) when it does but it is damaged or unreadable. */
int fat_probe(struct blockdev *disk, bool read_only, struct mount **out);

/* Writes everything back, drops the mount's root reference and frees the
 * mount; every other vnode of it must have been released. Returns the
 * error of the final write-back, if any. */
int fat_unmount(struct mount *m);

#endif
