/* sys_thread.c: threads, futexes, sleeping, cores, and Lull's own calls. */
#include "arch.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "sync/futex.h"
#include "syscall/handlers.h"

#include <lull/lull.h>
#include <string.h>
#include <time.h>

/* Linux ABI values (clone(2), futex(2)). */
#define CLONE_VM 0x100
#define CLONE_SIGHAND 0x800
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define FUTEX_CMD_MASK 0x7f
#define FUTEX_CLOCK_REALTIME_FLAG 256
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define REQUIRED_CLONE_FLAGS (CLONE_VM | CLONE_THREAD | CLONE_SIGHAND)
#define NS_PER_SEC 1000000000ULL

static bool timespec_ok(const struct timespec *ts)
{
	return user_readable(ts, sizeof *ts) && ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < (long)NS_PER_SEC;
}

static uint64_t timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

/* A monotonic deadline from an absolute time on `clock`; never 0. */
static uint64_t deadline_from_absolute(long clock, uint64_t ns)
{
	if (clock == CLOCK_REALTIME) {
		uint64_t boot = arch_boot_wallclock_ns();
		ns = ns > boot ? ns - boot : 0;
	}
	return ns ? ns : 1;
}

long sys_clone(const struct syscall_args *a)
{
	unsigned long flags = (unsigned long)a->arg[0];
	uintptr_t new_sp = (uintptr_t)a->arg[1];
	int *parent_tid = (int *)a->arg[2], *child_tid = (int *)a->arg[3];

	if ((flags & REQUIRED_CLONE_FLAGS) != REQUIRED_CLONE_FLAGS)
		return -ENOSYS; /* no processes: only threads */
	if (!new_sp)
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID) && !user_writable(parent_tid, sizeof(int)))
		return -EFAULT;
	if ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) &&
	    !user_writable(child_tid, sizeof(int)))
		return -EFAULT;

	struct thread *parent = thread_current();
	struct thread *t = thread_create_clone(a, new_sp, flags & CLONE_SETTLS, (uintptr_t)a->arg[4]);
	if (!t)
		return -ENOMEM;
	if (flags & CLONE_PARENT_SETTID)
		*parent_tid = t->tid;
	if (flags & CLONE_CHILD_SETTID)
		*child_tid = t->tid;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	int tid = t->tid;
	sched_start_thread(t, parent->next_thread_cpu);
	return tid;
}

long sys_exit(const struct syscall_args *a)
{
	thread_exit((int)a->arg[0]);
}

long sys_set_tid_address(const struct syscall_args *a)
{
	struct thread *t = thread_current();

	t->clear_child_tid = (int *)a->arg[0];
	return t->tid;
}

long sys_gettid(const struct syscall_args *a)
{
	(void)a;
	return thread_current()->tid;
}

long sys_futex(const struct syscall_args *a)
{
	uintptr_t addr = (uintptr_t)a->arg[0];
	int op = (int)a->arg[1];
	uint32_t val = (uint32_t)a->arg[2];
	const struct timespec *timeout = (const struct timespec *)a->arg[3];
	uintptr_t addr2 = (uintptr_t)a->arg[4];
	uint32_t val3 = (uint32_t)a->arg[5];
	uint64_t deadline = 0;

	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_WAIT:
		if (timeout) {
			if (!timespec_ok(timeout))
				return -EINVAL;
			deadline = arch_clock_ns() + timespec_ns(timeout);
		}
		return futex_wait(addr, val, deadline, FUTEX_BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		if (timeout) {
			if (!timespec_ok(timeout))
				return -EINVAL;
			deadline = deadline_from_absolute(op & FUTEX_CLOCK_REALTIME_FLAG ? CLOCK_REALTIME
											 : CLOCK_MONOTONIC,
							  timespec_ns(timeout));
		}
		return futex_wait(addr, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(addr, (long)val, FUTEX_BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(addr, (long)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(addr, (long)val, addr2, (long)(uintptr_t)timeout, 0, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(addr, (long)val, addr2, (long)(uintptr_t)timeout, 1, val3);
	default:
		return -ENOSYS;
	}
}

long sys_sched_yield(const struct syscall_args *a)
{
	(void)a;
	sched_yield();
	return 0;
}

/* Sleeps until deadline unless a signal comes first: then -EINTR, with the
 * time left written to *rem when it is given (relative sleeps). */
static long sleep_until(uint64_t deadline, struct timespec *rem)
{
	if (deadline <= arch_clock_ns()) {
		sched_yield();
		return 0;
	}
	if (rem && !user_writable(rem, sizeof *rem))
		return -EFAULT;
	if (sched_sleep_interruptible(deadline))
		return 0;
	if (rem) {
		uint64_t now = arch_clock_ns(), left = deadline > now ? deadline - now : 0;
		*rem = (struct timespec){ .tv_sec = (time_t)(left / NS_PER_SEC), .tv_nsec = (long)(left % NS_PER_SEC) };
	}
	return -EINTR;
}

long sys_nanosleep(const struct syscall_args *a)
{
	const struct timespec *req = (const struct timespec *)a->arg[0];

	if (!timespec_ok(req))
		return -EINVAL;
	return sleep_until(arch_clock_ns() + timespec_ns(req), (struct timespec *)a->arg[1]);
}

long sys_clock_nanosleep(const struct syscall_args *a)
{
	long clock = a->arg[0];
	const struct timespec *req = (const struct timespec *)a->arg[2];

	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
		return -EINVAL;
	if (!timespec_ok(req))
		return -EINVAL;
	if (a->arg[1] & TIMER_ABSTIME)
		return sleep_until(deadline_from_absolute(clock, timespec_ns(req)), NULL);
	return sleep_until(arch_clock_ns() + timespec_ns(req), (struct timespec *)a->arg[3]);
}

static struct thread *thread_by_pid(long pid)
{
	return pid == 0 ? thread_current() : thread_find((int)pid);
}

long sys_sched_setaffinity(const struct syscall_args *a)
{
	size_t size = (size_t)a->arg[1];
	const unsigned char *mask = (const unsigned char *)a->arg[2];
	uint64_t bits = 0;

	if (!user_readable(mask, size))
		return -EFAULT;
	struct thread *t = thread_by_pid(a->arg[0]);
	if (!t)
		return -ESRCH;
	memcpy(&bits, mask, size < sizeof bits ? size : sizeof bits);
	return sched_set_affinity(t, bits);
}

long sys_sched_getaffinity(const struct syscall_args *a)
{
	size_t size = (size_t)a->arg[1];
	unsigned char *mask = (unsigned char *)a->arg[2];

	if (size < sizeof(uint64_t) || (size & 7))
		return -EINVAL;
	if (!user_writable(mask, size))
		return -EFAULT;
	struct thread *t = thread_by_pid(a->arg[0]);
	if (!t)
		return -ESRCH;
	uint64_t online = cpu_count >= 64 ? ~0ULL : (1ULL << cpu_count) - 1;
	uint64_t bits = t->affinity & online;
	memset(mask, 0, size);
	memcpy(mask, &bits, sizeof bits);
	return sizeof bits;
}

long sys_getcpu(const struct syscall_args *a)
{
	unsigned *cpu = (unsigned *)a->arg[0], *node = (unsigned *)a->arg[1];

	if ((cpu && !user_writable(cpu, sizeof *cpu)) || (node && !user_writable(node, sizeof *node)))
		return -EFAULT;
	if (cpu)
		*cpu = cpu_current()->id;
	if (node)
		*node = 0;
	return 0;
}

long sys_lull_next_thread_cpu(const struct syscall_args *a)
{
	long cpu = a->arg[0];

	if (cpu < -1 || cpu >= (long)cpu_count)
		return -EINVAL;
	thread_current()->next_thread_cpu = (int)cpu;
	return 0;
}

long sys_lull_polling(const struct syscall_args *a)
{
	sched_set_polling(a->arg[0] != 0);
	return 0;
}

long sys_lull_cpu_count(const struct syscall_args *a)
{
	(void)a;
	return cpu_count;
}

long sys_lull_cpu_stats(const struct syscall_args *a)
{
	long cpu = a->arg[0];
	struct lull_cpu_stats *out = (struct lull_cpu_stats *)a->arg[1];

	if (cpu < 0 || cpu >= (long)cpu_count)
		return -EINVAL;
	if (!user_writable(out, sizeof *out))
		return -EFAULT;
	sched_cpu_stats((unsigned)cpu, out);
	return 0;
}
