/* sys_process.c: identity, exit, thread pointer, randomness, resource
 * limits and the signal calls musl makes at start-up. */
#include "app.h"
#include "arch.h"
#include "io/file.h"
#include "kernel_exit.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "sched/thread.h"
#include "syscall/handlers.h"
#include "sync/spinlock.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

/* Ends the program, whatever other threads are doing. */
long sys_exit_group(const struct syscall_args *a)
{
	kernel_exit((int)a->arg[0]);
}

long sys_getpid(const struct syscall_args *a)
{
	(void)a;
	return 1;
}

long sys_getppid(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

/* Everything runs as root, uid and gid 0. */
long sys_getuid(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

long sys_uname(const struct syscall_args *a)
{
	struct utsname *u = (struct utsname *)a->arg[0];

	if (!user_writable(u, sizeof *u))
		return -EFAULT;
	memset(u, 0, sizeof *u);
	strcpy(u->sysname, "Lull");
	strcpy(u->nodename, "lull");
	strcpy(u->release, "0.1.0");
	strcpy(u->version, "Lull unikernel");
	strcpy(u->machine, "x86_64");
	return 0;
}

long sys_arch_prctl(const struct syscall_args *a)
{
	switch (a->arg[0]) {
	case ARCH_SET_FS:
		arch_set_tls_base((uintptr_t)a->arg[1]);
		return 0;
	case ARCH_GET_FS: {
		uintptr_t *out = (uintptr_t *)a->arg[1];
		if (!user_writable(out, sizeof *out))
			return -EFAULT;
		*out = arch_get_tls_base();
		return 0;
	}
	default:
		return -EINVAL;
	}
}

long sys_sysinfo(const struct syscall_args *a)
{
	struct sysinfo *info = (struct sysinfo *)a->arg[0];

	if (!user_writable(info, sizeof *info))
		return -EFAULT;
	memset(info, 0, sizeof *info);
	info->uptime = (long)(arch_clock_ns() / 1000000000);
	info->totalram = page_alloc_total_count();
	info->freeram = page_alloc_free_count();
	info->procs = 1;
	info->mem_unit = PAGE_SIZE;
	return 0;
}

/* Hardware randomness when the CPU has it; otherwise a generator seeded
 * from the cycle counter, which is NOT fit for cryptography. */
static uint64_t next_random(void)
{
	static uint64_t state;
	uint64_t v;

	if (arch_hw_random(&v))
		return v;
	if (!state)
		state = arch_clock_ns() | 1;
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

long sys_getrandom(const struct syscall_args *a)
{
	unsigned char *buf = (unsigned char *)a->arg[0];
	size_t len = (size_t)a->arg[1];

	if (!user_writable(buf, len))
		return -EFAULT;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = next_random();
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
	return (long)len;
}

/* Robust futex lists are accepted and not walked: a thread that dies
 * holding a robust mutex leaves it locked. */
long sys_set_robust_list(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

/* Resource limits: the descriptor table's size and the main stack's are
 * the kernel's own and cannot be raised; nothing else is limited. A lowered
 * limit is remembered and reported, not enforced (the program asked for
 * less than it may use). */
static struct rlimit limits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { MAIN_STACK_SIZE, MAIN_STACK_SIZE },
	[RLIMIT_CORE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NOFILE] = { FD_TABLE_SIZE, FD_TABLE_SIZE },
	[RLIMIT_MEMLOCK] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_MSGQUEUE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NICE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_RTPRIO] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};
static struct spinlock limits_lock;

/* prlimit64 for this process (pid 0 or 1): reads the old limit into `old`
 * and sets `new`, either may be NULL. As on Linux, a soft limit above the
 * hard one is EINVAL and raising the hard limit beyond what the kernel
 * has is EPERM. */
static long resource_limit(long pid, unsigned long resource, const struct rlimit *new, struct rlimit *old)
{
	struct rlimit value;

	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (new) {
		if (!user_readable(new, sizeof *new))
			return -EFAULT;
		value = *new;
		if (value.rlim_cur > value.rlim_max)
			return -EINVAL;
	}
	if (old && !user_writable(old, sizeof *old))
		return -EFAULT;
	spin_lock(&limits_lock);
	struct rlimit current = limits[resource];
	if (new && value.rlim_max > current.rlim_max) {
		spin_unlock(&limits_lock);
		return -EPERM;
	}
	if (new)
		limits[resource] = value;
	spin_unlock(&limits_lock);
	if (old)
		*old = current;
	return 0;
}

long sys_prlimit64(const struct syscall_args *a)
{
	return resource_limit((long)a->arg[0], a->arg[1], (const struct rlimit *)a->arg[2],
			      (struct rlimit *)a->arg[3]);
}

long sys_getrlimit(const struct syscall_args *a)
{
	return resource_limit(0, a->arg[0], NULL, (struct rlimit *)a->arg[1]);
}

long sys_setrlimit(const struct syscall_args *a)
{
	return resource_limit(0, a->arg[0], (const struct rlimit *)a->arg[1], NULL);
}
