/* fake_kernel.c: heap, log, mutexes and vnode references for host tests. */
#include "fake_kernel.h"

#include "console.h"
#include "fs/vfs.h"
#include "mm/kmalloc.h"
#include "sync/mutex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char fake_log[65536];
static size_t log_used;
unsigned fake_mutexes_held;
long fake_kmalloc_blocks;

void fake_log_clear(void)
{
	log_used = 0;
	fake_log[0] = 0;
}

void kvprintf(const char *fmt, va_list ap)
{
	if (log_used < sizeof fake_log - 1) {
		int n = vsnprintf(fake_log + log_used, sizeof fake_log - log_used, fmt, ap);
		if (n > 0)
			log_used += (size_t)n;
		if (log_used > sizeof fake_log - 1)
			log_used = sizeof fake_log - 1;
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void *kmalloc(size_t size)
{
	fake_kmalloc_blocks++;
	return calloc(1, size);
}

void *kmalloc_buffer(size_t size)
{
	fake_kmalloc_blocks++;
	void *p = malloc(size);
	memset(p, 0xa5, size);
	return p;
}

void kfree(void *p, size_t size)
{
	(void)size;
	if (p)
		fake_kmalloc_blocks--;
	free(p);
}

void mutex_init(struct mutex *m)
{
	*m = (struct mutex){ 0 };
}

void mutex_lock(struct mutex *m)
{
	if (m->held) {
		fprintf(stderr, "fake_kernel: a mutex locked twice (deadlock)\n");
		abort();
	}
	m->held = true;
	fake_mutexes_held++;
}

void mutex_unlock(struct mutex *m)
{
	if (!m->held) {
		fprintf(stderr, "fake_kernel: a free mutex unlocked\n");
		abort();
	}
	m->held = false;
	fake_mutexes_held--;
}

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_ACQ_REL);
}

void vnode_put(struct vnode *v)
{
	if (__atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL) == 0)
		v->ops->release(v);
}

bool vnode_is_dir(const struct vnode *v)
{
	return (v->mode & VFS_S_IFMT) == VFS_S_IFDIR;
}
