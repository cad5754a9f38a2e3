/*
 * signal.h: POSIX signals for Lull's one process.
 *
 * There is no other process to send a signal, but a program still gets
 * them: from itself (kill, raise, tkill, alarm/setitimer) and from the host,
 * which asks the application to stop (`lull run` receiving SIGTERM becomes
 * SIGTERM here). Actions, per-thread masks and pending sets follow Linux.
 *
 * Delivery happens at the end of a system call, the only point where a
 * thread's state is a saved frame the kernel may rewrite: the thread leaves
 * the call into the handler, on a frame laid out as Linux lays it out, and
 * the handler's return (musl's restorer, rt_sigreturn) resumes the call's
 * caller. A thread blocked in an interruptible wait (epoll, poll, sleeps,
 * futexes, reads and accepts) is woken to take the signal; a thread that
 * computes without system calls takes it at its next call, as the
 * scheduler never preempts it anyway.
 */
#ifndef LULL_SIGNAL_SIGNAL_H
#define LULL_SIGNAL_SIGNAL_H

#include "syscall/syscall.h"

#include <stdbool.h>
#include <stdint.h>

#define SIGNAL_MAX 64

/* A wait that a signal ended asks the end of the call to restart it when
 * the handler has SA_RESTART, and otherwise to fail with EINTR (as Linux's
 * ERESTARTSYS, never seen by the application). */
#define ERESTARTSYS 512

/* The kernel's struct sigaction (rt_sigaction's layout, not libc's). */
struct linux_sigaction {
	uintptr_t handler;
	unsigned long flags;
	uintptr_t restorer;
	uint64_t mask;
};

/* The values of linux_sigaction.handler that are no function. */
#define SIGNAL_DEFAULT 0
#define SIGNAL_IGNORE 1

/* An alternate stack for handlers (sigaltstack's stack_t). */
struct linux_stack {
	uintptr_t sp;
	int flags;
	size_t size;
};

/* Per-thread state, kept in struct thread. */
struct thread_signals {
	uint64_t blocked;           /* bit s-1 for signal s */
	uint64_t pending;           /* sent to this thread (tkill) */
	uint64_t suspend_saved;     /* the mask rt_sigsuspend replaced ... */
	bool restore_after_suspend; /* ... given back by the handler's return */
	struct linux_stack alt_stack;
};

struct thread;

/* A new thread inherits its creator's mask and nothing pending. */
void signal_thread_init(struct thread *t, const struct thread *creator);

/* rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigpending and
 * rt_sigsuspend for the calling thread, with Linux's checks and errors.
 * User pointers have been checked by the caller; sp is the thread's stack
 * pointer at the call. */
long signal_action(int sig, const struct linux_sigaction *act, struct linux_sigaction *old);
long signal_mask(int how, const uint64_t *set, uint64_t *old);
long signal_alt_stack(const struct linux_stack *ss, struct linux_stack *old, uintptr_t sp);
uint64_t signal_pending_set(void);
long signal_suspend(uint64_t mask);

/* kill(getpid(), sig): to whichever thread does not block it. */
long signal_send_process(int sig);
/* tkill(tid, sig); -ESRCH when there is no such thread. */
long signal_send_thread(int tid, int sig);
/* From interrupt handlers and NMIs (the host's stop request, timer
 * expiries): recorded with one atomic operation, sent as a process signal
 * by the next thread (or idle loop) that calls signal_take_async. */
void signal_raise_async(int sig);
void signal_take_async(void);

/* Whether t has a signal it does not block, which ends an interruptible
 * wait. Lock-free: callable with the scheduler's locks held. */
bool signal_deliverable(const struct thread *t);

/* The end of every system call: result is the call's; returns the value for
 * the return register, having rewritten the frame to enter a handler, to
 * restart the call, or ended the program for a fatal signal. */
long signal_syscall_exit(struct syscall_args *frame, long result);
/* rt_sigreturn: resumes what the handler interrupted. */
long signal_return(struct syscall_args *frame);

#endif
