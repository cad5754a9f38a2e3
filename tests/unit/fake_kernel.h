/*
 * fake_kernel.h: the kernel services that file-system code uses, for host
 * unit tests: the heap (calloc), kprintf (into a log the test can read),
 * mutexes (which abort on a recursive lock or an unlock of a free one)
 * and the file-system layer's vnode_get/vnode_put/vnode_is_dir.
 */
#ifndef LULL_TEST_FAKE_KERNEL_H
#define LULL_TEST_FAKE_KERNEL_H

#include <stddef.h>

/* Everything kprintf printed since the last fake_log_clear. */
extern char fake_log[65536];
void fake_log_clear(void);
/* Mutexes held now, and kmalloc blocks not freed. */
extern unsigned fake_mutexes_held;
extern long fake_kmalloc_blocks;

#endif
