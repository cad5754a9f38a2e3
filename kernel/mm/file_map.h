/*
 * file_map.h: mappings of files (mmap with a descriptor), and what munmap,
 * msync, mprotect and the exit must do for them.
 *
 * A MAP_PRIVATE mapping is an anonymous one filled with the file's data at
 * creation (no demand paging, no copy on write: the file's later changes
 * are not seen, which POSIX leaves open). A MAP_SHARED mapping maps the
 * file's shared pages (fs/shared_pages.h), so every shared mapping of a
 * region and read(2)/write(2) see the same bytes; what it stores reaches
 * the file at msync, munmap, fsync or the exit.
 *
 * Differences from Linux, because nothing here takes a page fault: a page
 * of a mapping past the end of the file reads as zeros and what is stored
 * there never reaches the file (Linux raises SIGBUS), and a file whose data
 * cannot be read fails mmap itself with EIO.
 */
#ifndef LULL_MM_FILE_MAP_H
#define LULL_MM_FILE_MAP_H

#include "io/file.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mmap(2) of f at the page-aligned `offset` (VM_PROT_* in prot; addr
 * page-aligned when fixed; len > 0): the address, or -ENODEV (not a
 * regular file), -EACCES (the descriptor's mode forbids it), -ENOMEM... */
long file_map(struct file *f, uintptr_t addr, size_t len, int prot, bool shared, bool fixed,
	      uint64_t offset);
/* munmap's first step (addr page-aligned): the shared file mappings in
 * the range are written back and taken out of it. -ENOMEM when a mapping
 * would have to be split and there is no memory for that. */
long file_map_unmap(uintptr_t addr, size_t len);
/* msync(2) (addr page-aligned): writes back the shared mappings in the
 * range, and waits for the disk when `wait` (MS_SYNC). */
long file_map_sync(uintptr_t addr, size_t len, bool wait);
/* mprotect's check: -EACCES when prot asks to write to a shared mapping
 * of a descriptor that was not open for writing. */
long file_map_check_protect(uintptr_t addr, size_t len, int prot);
/* Writes back every shared mapping: the VM is about to end. */
void file_map_write_back_all(void);

#endif
