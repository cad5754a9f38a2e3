/*
 * <lull/lull.h>: what a Lull application can ask of the kernel beyond POSIX.
 *
 * Everything here is a system call wrapper (static inline, no library to
 * link). Calls return 0 (or a count) on success and -1 with errno set on
 * failure, like the libc calls they sit beside.
 */
#ifndef LULL_LULL_H
#define LULL_LULL_H

#include <stdint.h>

#define LULL_SYS_NEXT_THREAD_CPU 1000
#define LULL_SYS_POLLING 1001
#define LULL_SYS_CPU_COUNT 1002
#define LULL_SYS_CPU_STATS 1003

/* Counters of one core since boot. */
struct lull_cpu_stats {
	uint64_t busy_ns;          /* time not halted */
	uint64_t halted_ns;        /* time in `hlt`, waiting for an interrupt */
	uint64_t halts;            /* times the core halted */
	uint64_t wakeups;          /* threads made ready on this core */
	uint64_t ipis_sent;        /* wake-up interrupts this core sent */
	uint64_t ipis_received;    /* wake-up interrupts this core took */
	uint64_t timer_interrupts; /* local timer interrupts taken */
	uint64_t context_switches;
	uint64_t steal_ns;         /* time the hypervisor ran something else while
	                              this core wanted to run: KVM's steal time; 0
	                              where the hypervisor does not report it (TCG) */
};

#ifndef LULL_KERNEL
#include <pthread.h>
#include <unistd.h>

/* Number of cores the VM started. */
static inline int lull_cpu_count(void)
{
	return (int)syscall(LULL_SYS_CPU_COUNT);
}

/* Like pthread_create, on core `cpu` (-1: the least loaded core). The
 * thread stays on that core unless its affinity is changed. */
static inline int lull_thread_create(pthread_t *thread, const pthread_attr_t *attr, int cpu,
				     void *(*start)(void *), void *arg)
{
	if (syscall(LULL_SYS_NEXT_THREAD_CPU, cpu) != 0)
		return 22; /* EINVAL */
	int err = pthread_create(thread, attr, start, arg);
	syscall(LULL_SYS_NEXT_THREAD_CPU, -1);
	return err;
}

/*
 * The polling API. A thread that waits by looking at memory (a flag, a
 * ring) declares it: lull_polling() before the loop, lull_working() after,
 * and sched_yield() in each iteration. When every thread of a core is
 * polling and each has looked once, the core halts until the next interrupt
 * (a timer, a device, a wake-up from another core); then each polling
 * thread runs once to look again.
 */
static inline void lull_polling(void)
{
	syscall(LULL_SYS_POLLING, 1);
}

static inline void lull_working(void)
{
	syscall(LULL_SYS_POLLING, 0);
}

static inline int lull_cpu_stats(int cpu, struct lull_cpu_stats *out)
{
	return (int)syscall(LULL_SYS_CPU_STATS, cpu, out);
}
#endif

#endif
