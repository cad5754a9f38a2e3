/* sys_memory.c: brk and anonymous mappings. */
#include "lib/errno.h"
#include "mm/vm.h"
#include "syscall/handlers.h"

#include <sys/mman.h>

long sys_brk(const struct syscall_args *a)
{
	return (long)vm_brk((uintptr_t)a->arg[0]);
}

long sys_mmap(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	size_t len = (size_t)a->arg[1];
	int prot = (int)a->arg[2], flags = (int)a->arg[3];

	if (!(flags & MAP_ANONYMOUS))
		return a->arg[4] < 0 ? -EBADF : -ENODEV; /* no files yet */
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	return vm_mmap(addr, len, prot, flags & MAP_FIXED);
}

long sys_munmap(const struct syscall_args *a)
{
	return vm_munmap((uintptr_t)a->arg[0], (size_t)a->arg[1]);
}

long sys_mprotect(const struct syscall_args *a)
{
	return vm_mprotect((uintptr_t)a->arg[0], (size_t)a->arg[1], (int)a->arg[2]);
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
