/* sys_process.c: identity, exit, thread pointer, randomness and the signal
 * calls musl makes at start-up. */
#include "arch.h"
#include "kernel_exit.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "sched/thread.h"
#include "syscall/handlers.h"

#include <string.h>
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

/* There are no signals: masks and alternate stacks are accepted and
 * change nothing. */
long sys_signal_noop(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

/* Accepts any action; reports the old action as the default one. */
long sys_rt_sigaction(const struct syscall_args *a)
{
	void *old = (void *)a->arg[2];
	size_t size = (size_t)a->arg[3];

	if (a->arg[0] < 1 || a->arg[0] > 64)
		return -EINVAL;
	if (old) {
		size_t n = 3 * sizeof(void *) + size;
		if (!user_writable(old, n))
			return -EFAULT;
		memset(old, 0, n);
	}
	return 0;
}
