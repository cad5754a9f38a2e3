/*
 * vnode_file.h: open files and directories of the file-system layer, as
 * struct files with a position: read, write (O_APPEND), pread, pwrite,
 * lseek, fstat, getdents64, ftruncate, fsync.
 */
#ifndef LULL_FS_VNODE_FILE_H
#define LULL_FS_VNODE_FILE_H

#include "fs/vfs.h"
#include "io/file.h"

void vnode_file_init(void);

/* A new descriptor open on v, reached by the folded path `path`, with
 * open(2)'s `flags` (access mode, O_APPEND, O_NONBLOCK). Takes over the
 * caller's reference to v, also on failure. Returns the descriptor or a
 * negated errno. */
long vnode_file_open(struct vnode *v, const char *path, int flags);

/* The vnode an open file shows, or NULL for other kinds of files; valid
 * while the caller holds its reference to f. */
struct vnode *vnode_file_vnode(struct file *f);
/* The folded path f was opened by (the base of *at calls, fchdir). */
const char *vnode_file_path(struct file *f);

#endif
