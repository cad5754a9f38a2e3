/* lull-test: status=0 smp=1,2
 * expect: ^signals ok$
 */
/* Signals a program sends itself: raise and kill reach the handler (with
 * siginfo and the vector registers of the interrupted code intact), masks
 * hold a signal pending until unblocked, SIG_IGN discards, alarm ends pause,
 * an interval timer repeats, a signal from another thread ends a sleep
 * (EINTR and the time left), an epoll wait and a read without SA_RESTART,
 * and restarts the read with SA_RESTART; SA_ONSTACK runs on the alternate
 * stack, SA_RESETHAND resets, and bad arguments get Linux's errors.
 * Prints what differs from Linux and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static volatile sig_atomic_t caught[NSIG];
static volatile int last_code, last_signo;
static volatile uintptr_t handler_local;

static void count(int sig)
{
	caught[sig]++;
}

static void with_info(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	caught[sig]++;
	last_signo = info->si_signo;
	last_code = info->si_code;
}

/* Does floating-point work that would clobber the interrupted code's
 * vector registers if the kernel did not save them. */
static void float_work(int sig)
{
	volatile double x = 1.0;
	for (int i = 0; i < 100; i++)
		x = x * 1.5 + 0.25;
	caught[sig] += x > 0;
}

static void on_alt_stack(int sig)
{
	int local;
	handler_local = (uintptr_t)&local;
	caught[sig]++;
}

static void set_action(int sig, void (*handler)(int), int flags)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static void check_raise_and_kill(void)
{
	struct sigaction sa = { .sa_sigaction = with_info, .sa_flags = SA_SIGINFO }, old;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
	CHECK(old.sa_sigaction == with_info && (old.sa_flags & SA_SIGINFO));

	CHECK(raise(SIGUSR1) == 0);
	CHECK(caught[SIGUSR1] == 1);
	CHECK(last_signo == SIGUSR1 && last_code == SI_TKILL);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(caught[SIGUSR1] == 2 && last_code == SI_USER);
	CHECK(kill(getpid(), 0) == 0);
	CHECK(kill(12345, SIGUSR1) == -1 && errno == ESRCH);
	CHECK(kill(getpid(), 65) == -1 && errno == EINVAL);
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
	CHECK(sigaction(0, &sa, NULL) == -1 && errno == EINVAL);
}

static void check_vector_registers(void)
{
	set_action(SIGUSR2, float_work, 0);
	volatile double before = 3.25;
	double kept = before * 2.0; /* in a vector register across raise */
	CHECK(raise(SIGUSR2) == 0);
	CHECK(caught[SIGUSR2] == 1);
	CHECK(kept == 6.5);
}

static void check_mask_and_ignore(void)
{
	sigset_t block, pending;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	int before = caught[SIGUSR1];
	CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(caught[SIGUSR1] == before);
	CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
	CHECK(sigprocmask(SIG_UNBLOCK, &block, NULL) == 0);
	CHECK(caught[SIGUSR1] == before + 1);
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGUSR1));
	CHECK(sigprocmask(42, &block, NULL) == -1 && errno == EINVAL);

	set_action(SIGUSR1, SIG_IGN, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0);
	CHECK(caught[SIGUSR1] == before + 1);
	set_action(SIGUSR1, count, SA_RESETHAND);
	CHECK(raise(SIGUSR1) == 0);
	struct sigaction now;
	CHECK(sigaction(SIGUSR1, NULL, &now) == 0 && now.sa_handler == SIG_DFL);
	CHECK(caught[SIGUSR1] == before + 2);
}

static void check_alarm_and_timer(void)
{
	set_action(SIGALRM, count, 0);
	CHECK(alarm(1) == 0);
	CHECK(alarm(1) == 1); /* the second replaces the first */
	CHECK(pause() == -1 && errno == EINTR);
	CHECK(caught[SIGALRM] == 1);

	struct itimerval every = { .it_interval = { 0, 50000 }, .it_value = { 0, 50000 } }, off = { 0 }, now;
	sigset_t none;
	sigemptyset(&none);
	CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
	CHECK(getitimer(ITIMER_REAL, &now) == 0 && now.it_interval.tv_usec == 50000);
	while (caught[SIGALRM] < 4)
		CHECK(sigsuspend(&none) == -1 && errno == EINTR);
	CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
	CHECK(getitimer(ITIMER_REAL, &now) == 0 && !now.it_value.tv_sec && !now.it_value.tv_usec);
	struct itimerval bad = { .it_value = { 0, 2000000 } };
	CHECK(setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL);
}

struct target {
	pthread_t thread;
	int pipe_fds[2];
	int epoll_fd;
	volatile int result, saved_errno;
	volatile int started;
	struct timespec left;
	char byte;
};

static void *sleeper(void *arg)
{
	struct target *t = arg;
	struct timespec ten = { 10, 0 };
	t->started = 1;
	t->result = nanosleep(&ten, &t->left);
	t->saved_errno = errno;
	return NULL;
}

static void *reader(void *arg)
{
	struct target *t = arg;
	t->started = 1;
	t->result = (int)read(t->pipe_fds[0], &t->byte, 1);
	t->saved_errno = errno;
	return NULL;
}

static void *epoll_waiter(void *arg)
{
	struct target *t = arg;
	struct epoll_event ev;
	t->started = 1;
	t->result = epoll_wait(t->epoll_fd, &ev, 1, 10000);
	t->saved_errno = errno;
	return NULL;
}

/* Starts fn in a thread, lets it block, signals it with SIGUSR2. */
static void interrupt_thread(struct target *t, void *(*fn)(void *))
{
	struct timespec settle = { 0, 100000000 };
	t->started = 0;
	t->result = 0;
	CHECK(pthread_create(&t->thread, NULL, fn, t) == 0);
	while (!t->started)
		sched_yield();
	nanosleep(&settle, NULL);
	CHECK(pthread_kill(t->thread, SIGUSR2) == 0);
}

static void check_interrupted_waits(void)
{
	struct target t = { 0 };
	int before = caught[SIGUSR2];

	set_action(SIGUSR2, count, 0);
	interrupt_thread(&t, sleeper);
	CHECK(pthread_join(t.thread, NULL) == 0);
	CHECK(t.result == -1 && t.saved_errno == EINTR);
	CHECK(t.left.tv_sec >= 8 && t.left.tv_sec < 10);
	CHECK(caught[SIGUSR2] == before + 1);

	CHECK(pipe(t.pipe_fds) == 0);
	interrupt_thread(&t, reader);
	CHECK(pthread_join(t.thread, NULL) == 0);
	CHECK(t.result == -1 && t.saved_errno == EINTR);

	set_action(SIGUSR2, count, SA_RESTART);
	interrupt_thread(&t, reader);
	struct timespec settle = { 0, 100000000 };
	nanosleep(&settle, NULL);
	CHECK(t.result == 0 && caught[SIGUSR2] == before + 3); /* still reading */
	CHECK(write(t.pipe_fds[1], "x", 1) == 1);
	CHECK(pthread_join(t.thread, NULL) == 0);
	CHECK(t.result == 1 && t.byte == 'x');
	close(t.pipe_fds[0]);
	close(t.pipe_fds[1]);

	t.epoll_fd = epoll_create1(0);
	CHECK(t.epoll_fd >= 0);
	interrupt_thread(&t, epoll_waiter);
	CHECK(pthread_join(t.thread, NULL) == 0);
	CHECK(t.result == -1 && t.saved_errno == EINTR); /* even with SA_RESTART */
	close(t.epoll_fd);
}

static void check_alt_stack(void)
{
	static char alt[16384];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt }, old;
	CHECK(sigaltstack(&ss, NULL) == 0);
	CHECK(sigaltstack(NULL, &old) == 0 && old.ss_sp == alt && old.ss_size == sizeof alt);
	set_action(SIGWINCH, on_alt_stack, SA_ONSTACK);
	CHECK(raise(SIGWINCH) == 0);
	CHECK(caught[SIGWINCH] == 1);
	CHECK(handler_local >= (uintptr_t)alt && handler_local < (uintptr_t)alt + sizeof alt);
	stack_t tiny = { .ss_sp = alt, .ss_size = 100 };
	CHECK(sigaltstack(&tiny, NULL) == -1 && errno == ENOMEM);
}

int main(void)
{
	check_raise_and_kill();
	check_vector_registers();
	check_mask_and_ignore();
	check_alarm_and_timer();
	check_interrupted_waits();
	check_alt_stack();
	if (failures)
		return 1;
	printf("signals ok\n");
	return 0;
}
