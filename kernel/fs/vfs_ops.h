/*
 * vfs_ops.h: the file-system layer's operations on paths, as the system
 * calls ask for them (syscall/sys_fs.c). Paths are folded and absolute
 * (vfs_path_fold); `must_be_dir` is what folding said of the path. Each
 * returns 0 (or a descriptor) or a negated errno, in the order Linux
 * checks: a missing or existing name before a read-only mount (EROFS).
 */
#ifndef LULL_FS_VFS_OPS_H
#define LULL_FS_VFS_OPS_H

#include "fs/vfs.h"

/* open(2): flags are Linux's O_*; `mode` the permissions of a new file
 * before the umask. Returns the new descriptor. */
long vfs_open(const char *path, bool must_be_dir, int flags, uint32_t mode);
int vfs_mkdir(const char *path, uint32_t mode);
int vfs_unlink(const char *path, bool must_be_dir);
int vfs_rmdir(const char *path);
/* RENAME_NOREPLACE when !replace. */
int vfs_rename(const char *from, const char *to, bool replace);
int vfs_truncate(const char *path, bool must_be_dir, uint64_t size);
int vfs_stat(const char *path, bool must_be_dir, struct file_stat *st);
int vfs_statfs(const char *path, struct vfs_statfs *out);
/* access(2): R_OK, W_OK, X_OK (W_OK is EROFS on a read-only mount). */
int vfs_access(const char *path, bool must_be_dir, int mode);
/* Changes that the layer accepts and drops (owners, permissions, times:
 * FAT has no owners): the path must exist and its mount be writable. */
int vfs_accept_change(const char *path);

/* umask(2): sets the mask and returns the previous one. */
uint32_t vfs_umask(uint32_t mask);

#endif
