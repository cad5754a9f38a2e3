/*
 * sys_signal.c: the signal system calls (actions, masks, sending, waiting)
 * and the real-time interval timer that sends SIGALRM (alarm, setitimer).
 * The rules live in signal/signal.c; this file checks the application's
 * arguments and pointers.
 */
#include "arch.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "signal/signal.h"
#include "sync/spinlock.h"
#include "syscall/handlers.h"

#include <signal.h>
#include <sys/time.h>

#define SIGSET_SIZE 8 /* the kernel's sigset_t: 64 signals */
#define PROCESS_ID 1
#define NS_PER_US 1000ULL
#define US_PER_SEC 1000000ULL

static bool sigset_size_ok(const struct syscall_args *a, int index)
{
	return (size_t)a->arg[index] == SIGSET_SIZE;
}

long sys_rt_sigaction(const struct syscall_args *a)
{
	const struct linux_sigaction *act = (const struct linux_sigaction *)a->arg[1];
	struct linux_sigaction *old = (struct linux_sigaction *)a->arg[2], previous;

	if (!sigset_size_ok(a, 3))
		return -EINVAL;
	if ((act && !user_readable(act, sizeof *act)) || (old && !user_writable(old, sizeof *old)))
		return -EFAULT;
	long r = signal_action((int)a->arg[0], act, old ? &previous : NULL);
	if (!r && old)
		*old = previous;
	return r;
}

long sys_rt_sigprocmask(const struct syscall_args *a)
{
	const uint64_t *set = (const uint64_t *)a->arg[1];
	uint64_t *old = (uint64_t *)a->arg[2], copy, previous;

	if (!sigset_size_ok(a, 3))
		return -EINVAL;
	if ((set && !user_readable(set, sizeof *set)) || (old && !user_writable(old, sizeof *old)))
		return -EFAULT;
	if (set)
		copy = *set;
	long r = signal_mask((int)a->arg[0], set ? &copy : NULL, &previous);
	if (!r && old)
		*old = previous;
	return r;
}

long sys_rt_sigpending(const struct syscall_args *a)
{
	uint64_t *set = (uint64_t *)a->arg[0];

	if ((size_t)a->arg[1] > SIGSET_SIZE)
		return -EINVAL;
	if (!user_writable(set, sizeof *set))
		return -EFAULT;
	*set = signal_pending_set();
	return 0;
}

long sys_rt_sigsuspend(const struct syscall_args *a)
{
	const uint64_t *mask = (const uint64_t *)a->arg[0];

	if (!sigset_size_ok(a, 1))
		return -EINVAL;
	if (!user_readable(mask, sizeof *mask))
		return -EFAULT;
	return signal_suspend(*mask);
}

/* pause(): rt_sigsuspend with the mask the thread has. */
long sys_pause(const struct syscall_args *a)
{
	uint64_t mask = 0;

	(void)a;
	signal_mask(0, NULL, &mask);
	return signal_suspend(mask);
}

long sys_sigaltstack(const struct syscall_args *a)
{
	const struct linux_stack *ss = (const struct linux_stack *)a->arg[0];
	struct linux_stack *old = (struct linux_stack *)a->arg[1], copy, previous;

	if ((ss && !user_readable(ss, sizeof *ss)) || (old && !user_writable(old, sizeof *old)))
		return -EFAULT;
	if (ss)
		copy = *ss;
	long r = signal_alt_stack(ss ? &copy : NULL, &previous, arch_syscall_stack(a));
	if (!r && old)
		*old = previous;
	return r;
}

/* kill(pid, sig): this process is pid 1, and 0 or -1 name it too. Signal 0
 * only checks that the process exists. */
long sys_kill(const struct syscall_args *a)
{
	long pid = a->arg[0];
	int sig = (int)a->arg[1];

	if (pid != PROCESS_ID && pid != 0 && pid != -1 && pid != -PROCESS_ID)
		return -ESRCH;
	if (sig == 0)
		return 0;
	return signal_send_process(sig);
}

static long send_to_thread(long tid, int sig)
{
	if (tid <= 0 || sig < 0 || sig > SIGNAL_MAX)
		return -EINVAL;
	if (sig == 0)
		return thread_find((int)tid) ? 0 : -ESRCH;
	return signal_send_thread((int)tid, sig);
}

long sys_tkill(const struct syscall_args *a)
{
	return send_to_thread(a->arg[0], (int)a->arg[1]);
}

long sys_tgkill(const struct syscall_args *a)
{
	if (a->arg[0] != PROCESS_ID)
		return a->arg[0] <= 0 ? -EINVAL : -ESRCH;
	return send_to_thread(a->arg[1], (int)a->arg[2]);
}

/* ITIMER_REAL: one timer for the process, on the kernel timer list; its
 * expiry is an interrupt, so it raises SIGALRM asynchronously. */
static struct {
	struct spinlock lock;
	struct ktimer timer;
	uint64_t expires_ns; /* 0: disarmed */
	uint64_t interval_ns;
} real_timer;

static void real_timer_expired(void *ctx)
{
	(void)ctx;
	spin_lock(&real_timer.lock);
	if (real_timer.interval_ns) {
		real_timer.expires_ns += real_timer.interval_ns;
		ktimer_set(&real_timer.timer, real_timer.expires_ns);
	} else {
		real_timer.expires_ns = 0;
	}
	spin_unlock(&real_timer.lock);
	signal_raise_async(SIGALRM);
}

static uint64_t timeval_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * US_PER_SEC * NS_PER_US + (uint64_t)tv->tv_usec * NS_PER_US;
}

static struct timeval ns_timeval(uint64_t ns)
{
	uint64_t us = (ns + NS_PER_US - 1) / NS_PER_US; /* never 0 for a timer still armed */
	return (struct timeval){ .tv_sec = (time_t)(us / US_PER_SEC), .tv_usec = (suseconds_t)(us % US_PER_SEC) };
}

static bool timeval_ok(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && (uint64_t)tv->tv_usec < US_PER_SEC;
}

/* The timer's state as an itimerval; call with its lock held. */
static struct itimerval real_timer_value_locked(uint64_t now)
{
	struct itimerval v = { .it_interval = ns_timeval(real_timer.interval_ns) };

	if (real_timer.expires_ns)
		v.it_value = ns_timeval(real_timer.expires_ns > now ? real_timer.expires_ns - now : 1);
	return v;
}

static long itimer_args_ok(long which)
{
	if (which == ITIMER_REAL)
		return 0;
	/* The CPU-time timers need per-thread accounting Lull does not keep. */
	return which == ITIMER_VIRTUAL || which == ITIMER_PROF ? -ENOSYS : -EINVAL;
}

long sys_getitimer(const struct syscall_args *a)
{
	struct itimerval *out = (struct itimerval *)a->arg[1];
	long r = itimer_args_ok(a->arg[0]);

	if (r)
		return r;
	if (!user_writable(out, sizeof *out))
		return -EFAULT;
	bool irq = arch_interrupts_disable();
	spin_lock(&real_timer.lock);
	struct itimerval v = real_timer_value_locked(arch_clock_ns());
	spin_unlock(&real_timer.lock);
	arch_interrupts_restore(irq);
	*out = v;
	return 0;
}

/* Arms the timer (value_ns from now, 0 disarms); returns its old state. */
static struct itimerval set_real_timer(uint64_t value_ns, uint64_t interval_ns)
{
	uint64_t now = arch_clock_ns();
	bool irq = arch_interrupts_disable();

	spin_lock(&real_timer.lock);
	struct itimerval previous = real_timer_value_locked(now);
	real_timer.timer.fn = real_timer_expired;
	real_timer.expires_ns = value_ns ? now + value_ns : 0;
	real_timer.interval_ns = value_ns ? interval_ns : 0;
	ktimer_set(&real_timer.timer, real_timer.expires_ns);
	spin_unlock(&real_timer.lock);
	arch_interrupts_restore(irq);
	return previous;
}

long sys_setitimer(const struct syscall_args *a)
{
	const struct itimerval *in = (const struct itimerval *)a->arg[1];
	struct itimerval *old = (struct itimerval *)a->arg[2];
	long r = itimer_args_ok(a->arg[0]);

	if (r)
		return r;
	if (!user_readable(in, sizeof *in) || (old && !user_writable(old, sizeof *old)))
		return -EFAULT;
	struct itimerval v = *in;
	if (!timeval_ok(&v.it_value) || !timeval_ok(&v.it_interval))
		return -EINVAL;
	struct itimerval previous = set_real_timer(timeval_ns(&v.it_value), timeval_ns(&v.it_interval));
	if (old)
		*old = previous;
	return 0;
}

/* alarm(seconds): the seconds left of the previous alarm, rounded up. */
long sys_alarm(const struct syscall_args *a)
{
	uint64_t seconds = (unsigned)a->arg[0];
	struct itimerval old = set_real_timer(seconds * US_PER_SEC * NS_PER_US, 0);

	return old.it_value.tv_sec + (old.it_value.tv_usec > 0);
}
