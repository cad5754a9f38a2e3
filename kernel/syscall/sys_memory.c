/* sys_memory.c: brk, anonymous mappings and mappings of files. */
#include "arch.h"
#include "io/file.h"
#include "lib/errno.h"
#include "mm/file_map.h"
#include "mm/vm.h"
#include "syscall/handlers.h"

#include <sys/mman.h>

/* The flags mmap understands; MAP_SHARED_VALIDATE refuses any other. */
#define KNOWN_MAP_FLAGS                                                                      \
	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | MAP_STACK |   \
	 MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NONBLOCK |         \
	 MAP_HUGETLB | MAP_FIXED_NOREPLACE)

long sys_brk(const struct syscall_args *a)
{
	return (long)vm_brk((uintptr_t)a->arg[0]);
}

static long map_file(long fd, uintptr_t addr, size_t len, int prot, int flags, uint64_t offset)
{
	if (offset + PAGE_ALIGN_UP(len) < offset)
		return -EOVERFLOW;
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long r = file_map(f, addr, len, prot, (flags & MAP_TYPE) != MAP_PRIVATE, flags & MAP_FIXED,
			  offset);
	file_put(f);
	return r;
}

/* Checked in Linux's order. Without fork, a shared anonymous mapping is
 * an ordinary one: nothing else could ever share it. */
long sys_mmap(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	size_t len = (size_t)a->arg[1];
	int prot = (int)a->arg[2], flags = (int)a->arg[3];
	uint64_t offset = (uint64_t)a->arg[5];
	int type = flags & MAP_TYPE;

	if (offset & (PAGE_SIZE - 1))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS))
		return -EOPNOTSUPP;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (!len || ((flags & MAP_FIXED) && (addr & (PAGE_SIZE - 1))))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return map_file(a->arg[4], addr, len, prot, flags, offset);
	long r = flags & MAP_FIXED ? file_map_unmap(addr, len) : 0;
	return r ? r : vm_mmap(addr, len, prot, flags & MAP_FIXED);
}

long sys_munmap(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	size_t len = (size_t)a->arg[1];

	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	long r = file_map_unmap(addr, len);
	return r ? r : vm_munmap(addr, len);
}

long sys_mprotect(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	size_t len = (size_t)a->arg[1];
	int prot = (int)a->arg[2];

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	long r = file_map_check_protect(addr, len, prot);
	return r ? r : vm_mprotect(addr, len, prot);
}

long sys_msync(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	int flags = (int)a->arg[2];

	if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	return file_map_sync(addr, (size_t)a->arg[1], flags & MS_SYNC);
}

/* Moving mappings is not supported; musl's realloc then copies instead. */
long sys_mremap(const struct syscall_args *a)
{
	(void)a;
	return -ENOMEM;
}

/* Advice changes nothing here: memory is never paged out. */
long sys_madvise(const struct syscall_args *a)
{
	(void)a;
	return 0;
}
