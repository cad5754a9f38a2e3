/*
 * fs_file.h: open files and directories of the embedded tree, as struct
 * files with a position (read, pread, lseek, fstat, getdents64).
 */
#ifndef LULL_FS_FS_FILE_H
#define LULL_FS_FS_FILE_H

#include "io/file.h"

#include <stdbool.h>
#include <stdint.h>

/* A new descriptor open on the entry, or a negated errno. */
long fs_file_open(uint32_t entry, bool nonblocking);

/* The entry an open embedded file or directory shows; false for other
 * kinds of files. */
bool fs_file_entry(struct file *f, uint32_t *entry);

#endif
