/*
 * shared_pages.h: a file's data as read(2)/write(2) and its MAP_SHARED
 * mappings both see it.
 *
 * Every MAP_SHARED mapping of a file maps the same physical pages: the
 * file's set of shared pages, one per file page that some shared mapping
 * covers, kept in the vnode (struct vnode's shared_pages). While a page is
 * in the set it holds the newest data of its part of the file: writes
 * through the file system are copied into it, reads are answered from it,
 * and its contents reach the file system when written back (msync, munmap,
 * fsync). A page leaves the set when the last mapping of it goes.
 *
 * Every caller that reads, writes or truncates a file's data goes through
 * these functions rather than the vnode's operations, so that no path
 * bypasses the pages. All are called from a thread with no spinlock held:
 * they may wait for the disk.
 */
#ifndef LULL_FS_SHARED_PAGES_H
#define LULL_FS_SHARED_PAGES_H

#include "fs/vfs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void shared_pages_init(void);

/* The vnode operations read, write, truncate and fsync, kept in step with
 * the shared pages (fsync writes the pages back first). */
long shared_pages_read(struct vnode *v, void *buf, size_t len, uint64_t offset);
long shared_pages_write(struct vnode *v, const void *buf, size_t len, uint64_t offset);
int shared_pages_truncate(struct vnode *v, uint64_t size);
int shared_pages_fsync(struct vnode *v, bool data_only);

/* The shared page for file page `index`, made from the file's data if no
 * mapping has it yet, counted as mapped once more; 0 without memory, or
 * when the file cannot be read (*error says which). `writable`: the
 * mapping may write to it, so write-backs must include it. */
uintptr_t shared_pages_hold(struct vnode *v, uint64_t index, bool writable, int *error);
/* Writes file pages [first, first + count) that are in the set and were
 * held writable back to the file (never past its end). */
int shared_pages_write_back(struct vnode *v, uint64_t first, size_t count);
/* A mapping of [first, first + count) is gone (no core can reach it any
 * more): each page is counted as mapped once less and freed at zero. */
void shared_pages_drop(struct vnode *v, uint64_t first, size_t count);
/* The vnode's last reference is gone: frees the (then empty) set. */
void shared_pages_discard(struct vnode *v);

#endif
