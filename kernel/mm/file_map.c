/*
 * file_map.c: the application's mappings of files (see file_map.h): the
 * record of each MAP_SHARED mapping (where, which file, from which page),
 * kept so that munmap and msync know what to write back.
 *
 * One mutex guards the records; it is held across the file system's calls
 * (filling and writing back pages may wait for the disk), and vm.c's
 * spinlock is only taken inside, by vm_* calls, to change page tables.
 */
#include "mm/file_map.h"

#include "arch.h"
#include "fs/shared_pages.h"
#include "fs/vnode_file.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "mm/vm.h"
#include "sync/mutex.h"
#include "syscall/linux_abi.h"

struct file_mapping {
	struct list_node link; /* on `mappings` */
	uintptr_t start, end;
	struct vnode *vnode;   /* a reference */
	uint64_t first_page;   /* the file page mapped at start */
	bool writable;         /* the descriptor was open for writing */
};

static struct list_node mappings = { &mappings, &mappings };
static struct mutex mappings_lock = MUTEX_INITIALIZER(mappings_lock);
static unsigned mapping_count; /* atomic: lets munmap skip the lock */

static struct file_mapping *mapping_of(struct list_node *n)
{
	return container_of(n, struct file_mapping, link);
}

static uint64_t page_at(const struct file_mapping *m, uintptr_t va)
{
	return m->first_page + (va - m->start) / PAGE_SIZE;
}

/* Calls `each` for every recorded mapping that meets [start, end), with the
 * part inside the range, until one returns an error. `each` may shrink or
 * free its mapping. */
static long for_each_overlap(uintptr_t start, uintptr_t end,
			     long (*each)(struct file_mapping *m, uintptr_t from, uintptr_t to,
					  void *context),
			     void *context)
{
	struct list_node *n = mappings.next;

	while (n != &mappings) {
		struct file_mapping *m = mapping_of(n);
		n = n->next;
		if (m->end <= start || end <= m->start)
			continue;
		long r = each(m, m->start > start ? m->start : start, m->end < end ? m->end : end,
			      context);
		if (r)
			return r;
	}
	return 0;
}

static void forget(struct file_mapping *m)
{
	list_remove(&m->link);
	__atomic_sub_fetch(&mapping_count, 1, __ATOMIC_RELEASE);
	vnode_put(m->vnode);
	kfree(m, sizeof *m);
}

static void remember(struct file_mapping *m)
{
	vnode_get(m->vnode);
	list_push_back(&mappings, &m->link);
	__atomic_add_fetch(&mapping_count, 1, __ATOMIC_RELEASE);
}

/* The pages leave the page tables first, so that nothing stored after the
 * write-back is lost. `spare` becomes the upper part of a mapping that the
 * range cuts in two. */
static long unmap_part(struct file_mapping *m, uintptr_t from, uintptr_t to, void *spare)
{
	uint64_t first = page_at(m, from);
	size_t count = (to - from) / PAGE_SIZE;

	vm_unmap_borrowed(from, to);
	if (m->writable)
		shared_pages_write_back(m->vnode, first, count);
	shared_pages_drop(m->vnode, first, count);
	if (from == m->start && to == m->end) {
		forget(m);
	} else if (from == m->start) {
		m->first_page += count;
		m->start = to;
	} else if (to == m->end) {
		m->end = from;
	} else {
		struct file_mapping *upper = spare;
		*upper = *m;
		upper->start = to;
		upper->first_page = page_at(m, to);
		m->end = from;
		remember(upper);
	}
	return 0;
}

static long needs_split(struct file_mapping *m, uintptr_t from, uintptr_t to, void *unused)
{
	(void)unused;
	return m->start < from && to < m->end;
}

static long unmap_locked(uintptr_t start, uintptr_t end)
{
	struct file_mapping *spare = NULL;

	/* Only one mapping can hold the whole range inside it. */
	if (for_each_overlap(start, end, needs_split, NULL) && !(spare = kmalloc(sizeof *spare)))
		return -ENOMEM;
	return for_each_overlap(start, end, unmap_part, spare);
}

long file_map_unmap(uintptr_t addr, size_t len)
{
	if (!__atomic_load_n(&mapping_count, __ATOMIC_ACQUIRE))
		return 0;
	mutex_lock(&mappings_lock);
	long r = unmap_locked(addr, addr + PAGE_ALIGN_UP(len));
	mutex_unlock(&mappings_lock);
	return r;
}

/* Filled through the identity map of RAM, since prot may forbid the
 * mapping's own addresses to be written. */
static long map_private(struct vnode *v, uintptr_t addr, size_t len, int prot, bool fixed,
			uint64_t offset)
{
	long start = vm_mmap(addr, len, prot == VM_PROT_NONE ? VM_PROT_READ : prot, fixed);

	for (size_t done = 0; start >= 0 && done < len; done += PAGE_SIZE) {
		uintptr_t page;
		arch_translate((uintptr_t)start + done, &page);
		long r = shared_pages_read(v, (void *)page, PAGE_SIZE, offset + done);
		if (r < 0) {
			vm_munmap((uintptr_t)start, len);
			return r;
		}
		if (r < (long)PAGE_SIZE)
			break; /* the end of the file: the rest stays zeros */
	}
	if (start >= 0 && prot == VM_PROT_NONE)
		vm_mprotect((uintptr_t)start, len, VM_PROT_NONE);
	return start;
}

/* Undoes the first `mapped` pages of a shared mapping being made. */
static void unmap_new(struct vnode *v, uintptr_t start, size_t len, uint64_t first, size_t mapped)
{
	vm_unmap_borrowed(start, start + mapped * PAGE_SIZE);
	if (mapped)
		shared_pages_drop(v, first, mapped);
	vm_munmap(start, len);
}

static long map_shared(struct vnode *v, uintptr_t addr, size_t len, int prot, bool fixed,
		       uint64_t offset, bool writable)
{
	struct file_mapping *m = kmalloc(sizeof *m);
	long start = m ? vm_mmap(addr, len, VM_PROT_NONE, fixed) : -ENOMEM;
	uint64_t first = offset / PAGE_SIZE;

	if (start < 0) {
		if (m)
			kfree(m, sizeof *m);
		return start;
	}
	for (size_t i = 0; i < len / PAGE_SIZE; i++) {
		int error;
		uintptr_t va = (uintptr_t)start + i * PAGE_SIZE;
		uintptr_t page = shared_pages_hold(v, first + i, writable, &error);
		if (!page || !vm_map_borrowed(va, page, prot)) {
			unmap_new(v, (uintptr_t)start, len, first, page ? i + 1 : i);
			kfree(m, sizeof *m);
			return page ? -ENOMEM : error;
		}
	}
	*m = (struct file_mapping){ .start = (uintptr_t)start, .end = (uintptr_t)start + len,
				    .vnode = v, .first_page = first, .writable = writable };
	remember(m);
	return start;
}

long file_map(struct file *f, uintptr_t addr, size_t len, int prot, bool shared, bool fixed,
	      uint64_t offset)
{
	struct vnode *v = vnode_file_vnode(f);
	int access = f->status_flags & O_ACCMODE;

	if (!v || vnode_is_dir(v))
		return -ENODEV;
	if (access == O_WRONLY || (shared && (prot & VM_PROT_WRITE) && access != O_RDWR))
		return -EACCES;
	len = PAGE_ALIGN_UP(len);
	mutex_lock(&mappings_lock);
	long r = fixed ? unmap_locked(addr, addr + len) : 0;
	if (!r)
		r = shared ? map_shared(v, addr, len, prot, fixed, offset, access == O_RDWR)
			   : map_private(v, addr, len, prot, fixed, offset);
	mutex_unlock(&mappings_lock);
	return r;
}

static long sync_part(struct file_mapping *m, uintptr_t from, uintptr_t to, void *wait)
{
	if (!m->writable)
		return 0;
	if (*(bool *)wait)
		return shared_pages_fsync(m->vnode, true);
	return shared_pages_write_back(m->vnode, page_at(m, from), (to - from) / PAGE_SIZE);
}

long file_map_sync(uintptr_t addr, size_t len, bool wait)
{
	len = PAGE_ALIGN_UP(len);
	if (!vm_range_in_use(addr, len))
		return -ENOMEM;
	if (!__atomic_load_n(&mapping_count, __ATOMIC_ACQUIRE))
		return 0;
	mutex_lock(&mappings_lock);
	long r = for_each_overlap(addr, addr + len, sync_part, &wait);
	mutex_unlock(&mappings_lock);
	return r;
}

static long refuse_write(struct file_mapping *m, uintptr_t from, uintptr_t to, void *unused)
{
	(void)from, (void)to, (void)unused;
	return m->writable ? 0 : -EACCES;
}

long file_map_check_protect(uintptr_t addr, size_t len, int prot)
{
	if (!(prot & VM_PROT_WRITE) || !__atomic_load_n(&mapping_count, __ATOMIC_ACQUIRE))
		return 0;
	mutex_lock(&mappings_lock);
	long r = for_each_overlap(addr, addr + PAGE_ALIGN_UP(len), refuse_write, NULL);
	mutex_unlock(&mappings_lock);
	return r;
}

void file_map_write_back_all(void)
{
	bool wait = false;

	if (!__atomic_load_n(&mapping_count, __ATOMIC_ACQUIRE))
		return;
	mutex_lock(&mappings_lock);
	for_each_overlap(0, UINTPTR_MAX, sync_part, &wait);
	mutex_unlock(&mappings_lock);
}
