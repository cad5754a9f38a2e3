/*
 * vm.h: the application's and the kernel's dynamic memory: anonymous
 * mappings, borrowed pages (mm/file_map.c maps files' shared pages with
 * them), the program break and stacks with guard pages.
 *
 * Mappings live in their own area of virtual address space, above the
 * identity map of RAM, and are backed page by page at creation (no demand
 * paging: a mapping either gets its memory now or fails with ENOMEM).
 */
#ifndef LULL_MM_VM_H
#define LULL_MM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_PROT_NONE 0
#define VM_PROT_READ 1
#define VM_PROT_WRITE 2
#define VM_PROT_EXEC 4

void vm_init(void);

/* Anonymous mappings; the return values follow the Linux system calls
 * (an address, or a negative errno). */
long vm_mmap(uintptr_t addr, size_t len, int prot, bool fixed);
long vm_munmap(uintptr_t addr, size_t len);
long vm_mprotect(uintptr_t addr, size_t len, int prot);
/* Pages that belong to someone else (a file's shared pages), mapped one
 * at a time into a range reserved with vm_mmap(..., VM_PROT_NONE, ...);
 * vm_unmap_borrowed takes them out of [start, end) again without freeing
 * them, and returns once no core can reach them. vm_munmap then gives the
 * range back. */
bool vm_map_borrowed(uintptr_t va, uintptr_t page, int prot);
void vm_unmap_borrowed(uintptr_t start, uintptr_t end);
/* False when part of [start, start+len) lies in the mapping area and is
 * not mapped there (msync's ENOMEM test); the image and RAM count as mapped. */
bool vm_range_in_use(uintptr_t start, size_t len);

/* brk(2): returns the new break, or the old one when it cannot move. */
uintptr_t vm_brk(uintptr_t new_break);

/* A stack of `size` bytes with an unmapped guard page below it; returns the
 * lowest usable address, or 0. */
uintptr_t vm_alloc_stack(size_t size);
void vm_free_stack(uintptr_t base, size_t size);

/* True when addr is inside the mapping area but has no accessible page. */
bool vm_is_inaccessible(uintptr_t addr);

#endif
