/* sys_time.c: clocks. MONOTONIC counts from boot; REALTIME adds the RTC's
 * reading at boot. CPU-time clocks report monotonic time too. */
#include "arch.h"
#include "lib/errno.h"
#include "syscall/handlers.h"

#include <sys/time.h>
#include <time.h>

static long clock_now_ns(long clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = arch_boot_wallclock_ns() + arch_clock_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = arch_clock_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_clock_gettime(const struct syscall_args *a)
{
	struct timespec *ts = (struct timespec *)a->arg[1];
	uint64_t ns;

	long err = clock_now_ns(a->arg[0], &ns);
	if (err)
		return err;
	if (!user_writable(ts, sizeof *ts))
		return -EFAULT;
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
	return 0;
}

long sys_clock_getres(const struct syscall_args *a)
{
	struct timespec *ts = (struct timespec *)a->arg[1];
	uint64_t ns;

	long err = clock_now_ns(a->arg[0], &ns);
	if (err)
		return err;
	if (ts) {
		if (!user_writable(ts, sizeof *ts))
			return -EFAULT;
		*ts = (struct timespec){ 0, 1 };
	}
	return 0;
}

long sys_gettimeofday(const struct syscall_args *a)
{
	struct timeval *tv = (struct timeval *)a->arg[0];
	uint64_t ns;

	clock_now_ns(CLOCK_REALTIME, &ns);
	if (tv) {
		if (!user_writable(tv, sizeof *tv))
			return -EFAULT;
		tv->tv_sec = (time_t)(ns / 1000000000);
		tv->tv_usec = (long)(ns % 1000000000 / 1000);
	}
	return 0;
}
