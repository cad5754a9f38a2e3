/*
 * signal.c: signal actions, masks, sending and delivery (see signal.h).
 *
 * A signal sent to the process is a bit in process_pending, taken by the
 * first thread that reaches the end of a system call without blocking it;
 * one thread that could take it is woken if it sleeps interruptibly. A
 * signal sent to a thread is a bit in its own pending set. Interrupt
 * handlers and NMIs cannot take locks or end the program, so they only set
 * a bit in async_pending, turned into a process signal from thread context.
 */
#include "signal/signal.h"

#include "arch.h"
#include "console.h"
#include "kernel_exit.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "sync/spinlock.h"

#include <signal.h>

#define BIT(sig) (1ULL << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
/* Ignored by default. The stop signals too: there is no job control. */
#define DEFAULT_IGNORED                                                                  \
	(BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGCONT) | BIT(SIGSTOP) |        \
	 BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))
#define SIG_HOW_BLOCK 0
#define SIG_HOW_UNBLOCK 1
#define SIG_HOW_SETMASK 2
#define SIGNAL_CODE_USER 0     /* SI_USER: kill */
#define SIGNAL_CODE_KERNEL 0x80 /* SI_KERNEL: the host, timers */
#define SIGNAL_CODE_TKILL (-6) /* SI_TKILL */
#define ALT_STACK_DISABLE 2     /* SS_DISABLE */
#define ALT_STACK_ONSTACK 1     /* SS_ONSTACK */
#define MIN_ALT_STACK 2048      /* MINSIGSTKSZ */

static struct spinlock actions_lock;
static struct linux_sigaction actions[SIGNAL_MAX + 1];
static uint64_t process_pending;
static uint64_t async_pending;
static uint64_t sent_by_kernel; /* of process_pending: came through async_pending */

static bool valid_signal(int sig)
{
	return sig >= 1 && sig <= SIGNAL_MAX;
}

static struct linux_sigaction action_of(int sig)
{
	spin_lock(&actions_lock);
	struct linux_sigaction a = actions[sig];
	spin_unlock(&actions_lock);
	return a;
}

/* Linux discards a signal whose action is to ignore it when it is sent. */
static bool ignored(int sig)
{
	uintptr_t handler = action_of(sig).handler;
	return handler == SIGNAL_IGNORE || (handler == SIGNAL_DEFAULT && (DEFAULT_IGNORED & BIT(sig)));
}

void signal_thread_init(struct thread *t, const struct thread *creator)
{
	t->signals = (struct thread_signals){ .alt_stack.flags = ALT_STACK_DISABLE };
	if (creator)
		t->signals.blocked = creator->signals.blocked;
}

long signal_action(int sig, const struct linux_sigaction *act, struct linux_sigaction *old)
{
	if (!valid_signal(sig) || (act && (BIT(sig) & UNBLOCKABLE)))
		return -EINVAL;
	spin_lock(&actions_lock);
	if (old)
		*old = actions[sig];
	if (act) {
		actions[sig] = *act;
		actions[sig].mask &= ~UNBLOCKABLE;
	}
	spin_unlock(&actions_lock);
	/* Setting SIG_IGN discards what is pending, as on Linux. */
	if (act && ignored(sig))
		__atomic_and_fetch(&process_pending, ~BIT(sig), __ATOMIC_SEQ_CST);
	return 0;
}

long signal_mask(int how, const uint64_t *set, uint64_t *old)
{
	struct thread_signals *s = &thread_current()->signals;

	if (old)
		*old = s->blocked;
	if (!set)
		return 0;
	switch (how) {
	case SIG_HOW_BLOCK:
		s->blocked |= *set;
		break;
	case SIG_HOW_UNBLOCK:
		s->blocked &= ~*set;
		break;
	case SIG_HOW_SETMASK:
		s->blocked = *set;
		break;
	default:
		return -EINVAL;
	}
	s->blocked &= ~UNBLOCKABLE;
	return 0;
}

static bool on_alt_stack(const struct linux_stack *alt, uintptr_t sp)
{
	return !(alt->flags & ALT_STACK_DISABLE) && sp - alt->sp < alt->size;
}

long signal_alt_stack(const struct linux_stack *ss, struct linux_stack *old, uintptr_t sp)
{
	struct linux_stack *alt = &thread_current()->signals.alt_stack;
	bool in_use = on_alt_stack(alt, sp);

	if (old) {
		*old = *alt;
		if (in_use)
			old->flags |= ALT_STACK_ONSTACK;
	}
	if (!ss)
		return 0;
	if (in_use)
		return -EPERM;
	if (ss->flags & ~ALT_STACK_DISABLE)
		return -EINVAL;
	if (!(ss->flags & ALT_STACK_DISABLE) && ss->size < MIN_ALT_STACK)
		return -ENOMEM;
	*alt = *ss;
	return 0;
}

uint64_t signal_pending_set(void)
{
	struct thread *t = thread_current();
	return (t->signals.pending | __atomic_load_n(&process_pending, __ATOMIC_SEQ_CST)) &
	       t->signals.blocked;
}

bool signal_deliverable(const struct thread *t)
{
	uint64_t pending = __atomic_load_n(&t->signals.pending, __ATOMIC_SEQ_CST) |
			   __atomic_load_n(&process_pending, __ATOMIC_SEQ_CST);
	return pending & ~t->signals.blocked;
}

long signal_suspend(uint64_t mask)
{
	struct thread *t = thread_current();

	t->signals.suspend_saved = t->signals.blocked;
	t->signals.restore_after_suspend = true;
	t->signals.blocked = mask & ~UNBLOCKABLE;
	sched_sleep_interruptible(0);
	return -EINTR;
}

/* Wakes one thread that sleeps interruptibly and would take the signal. */
static bool wakes_for(struct thread *t, void *bit)
{
	if (!t->interruptible || (t->signals.blocked & *(uint64_t *)bit))
		return false;
	sched_interrupt_wait(t);
	return true;
}

long signal_send_process(int sig)
{
	if (!valid_signal(sig))
		return -EINVAL;
	if (ignored(sig))
		return 0;
	uint64_t bit = BIT(sig);
	__atomic_or_fetch(&process_pending, bit, __ATOMIC_SEQ_CST);
	thread_find_each(wakes_for, &bit);
	return 0;
}

static bool sends_to(struct thread *t, void *ctx)
{
	const int *tid_and_sig = ctx;

	if (t->tid != tid_and_sig[0])
		return false;
	__atomic_or_fetch(&t->signals.pending, BIT(tid_and_sig[1]), __ATOMIC_SEQ_CST);
	sched_interrupt_wait(t);
	return true;
}

long signal_send_thread(int tid, int sig)
{
	int tid_and_sig[2] = { tid, sig };

	if (!valid_signal(sig))
		return -EINVAL;
	if (ignored(sig))
		return thread_find(tid) ? 0 : -ESRCH;
	return thread_find_each(sends_to, tid_and_sig) ? 0 : -ESRCH;
}

void signal_raise_async(int sig)
{
	__atomic_or_fetch(&async_pending, BIT(sig), __ATOMIC_SEQ_CST);
}

void signal_take_async(void)
{
	if (!__atomic_load_n(&async_pending, __ATOMIC_RELAXED))
		return;
	uint64_t raised = __atomic_exchange_n(&async_pending, 0, __ATOMIC_SEQ_CST);

	__atomic_or_fetch(&sent_by_kernel, raised, __ATOMIC_SEQ_CST);
	for (int sig = 1; raised; sig++, raised >>= 1)
		if (raised & 1)
			signal_send_process(sig);
}

/* Takes the lowest-numbered signal t may take, 0 if none; *code says who
 * sent it. */
static int take_signal(struct thread *t, int *code)
{
	uint64_t mine = __atomic_load_n(&t->signals.pending, __ATOMIC_SEQ_CST) & ~t->signals.blocked;

	if (mine) {
		int sig = __builtin_ctzll(mine) + 1;
		__atomic_and_fetch(&t->signals.pending, ~BIT(sig), __ATOMIC_SEQ_CST);
		*code = SIGNAL_CODE_TKILL;
		return sig;
	}
	for (;;) {
		uint64_t all = __atomic_load_n(&process_pending, __ATOMIC_SEQ_CST);
		uint64_t ours = all & ~t->signals.blocked;
		if (!ours)
			return 0;
		int sig = __builtin_ctzll(ours) + 1;
		if (__atomic_compare_exchange_n(&process_pending, &all, all & ~BIT(sig), false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			uint64_t from_kernel = __atomic_fetch_and(&sent_by_kernel, ~BIT(sig), __ATOMIC_SEQ_CST);
			*code = (from_kernel & BIT(sig)) ? SIGNAL_CODE_KERNEL : SIGNAL_CODE_USER;
			return sig;
		}
	}
}

static _Noreturn void terminate(int sig)
{
	kprintf("lull: the application was terminated by signal %d\n", sig);
	kernel_exit(128 + sig);
}

/* The handler runs on the alternate stack when it asks for it, one is set,
 * and the thread is not on it already. */
static uintptr_t handler_stack(const struct thread *t, const struct linux_sigaction *a, uintptr_t sp)
{
	const struct linux_stack *alt = &t->signals.alt_stack;

	if ((a->flags & SA_ONSTACK) && !(alt->flags & ALT_STACK_DISABLE) && !on_alt_stack(alt, sp))
		return alt->sp + alt->size;
	return sp;
}

long signal_syscall_exit(struct syscall_args *frame, long result)
{
	struct thread *t = thread_current();

	if (!(__atomic_load_n(&t->signals.pending, __ATOMIC_RELAXED) |
	      __atomic_load_n(&process_pending, __ATOMIC_RELAXED) |
	      __atomic_load_n(&async_pending, __ATOMIC_RELAXED)) &&
	    !t->signals.restore_after_suspend && result != -ERESTARTSYS)
		return result; /* the common case: nothing to do */
	signal_take_async();
	int code, sig = take_signal(t, &code);
	for (; sig; sig = take_signal(t, &code)) {
		struct linux_sigaction a = action_of(sig);
		if (a.handler == SIGNAL_IGNORE)
			continue;
		if (a.handler == SIGNAL_DEFAULT) {
			if (DEFAULT_IGNORED & BIT(sig))
				continue;
			terminate(sig);
		}
		if (result == -ERESTARTSYS)
			result = (a.flags & SA_RESTART) ? arch_syscall_restart(frame) : -EINTR;
		frame->nr = result; /* what the handler's return gives back */
		uint64_t saved = t->signals.restore_after_suspend ? t->signals.suspend_saved
								    : t->signals.blocked;
		struct signal_entry e = {
			.sig = sig,
			.code = code,
			.handler = a.handler,
			.restorer = a.restorer,
			.stack_top = handler_stack(t, &a, arch_syscall_stack(frame)),
			.saved_mask = saved,
		};
		if (!(a.flags & SA_RESTORER) || !arch_signal_enter(frame, &e)) {
			kprintf("lull: cannot enter the handler of signal %d: no restorer, or its "
				"stack at %#lx is not writable\n",
				sig, (unsigned long)e.stack_top);
			terminate(SIGSEGV);
		}
		t->signals.restore_after_suspend = false;
		t->signals.blocked |= a.mask | ((a.flags & SA_NODEFER) ? 0 : BIT(sig));
		t->signals.blocked &= ~UNBLOCKABLE;
		if (a.flags & SA_RESETHAND) {
			spin_lock(&actions_lock);
			actions[sig].handler = SIGNAL_DEFAULT;
			spin_unlock(&actions_lock);
		}
		return sig;
	}
	if (t->signals.restore_after_suspend) {
		t->signals.blocked = t->signals.suspend_saved;
		t->signals.restore_after_suspend = false;
	}
	/* Another thread took the signal that ended the wait: wait again. */
	return result == -ERESTARTSYS ? arch_syscall_restart(frame) : result;
}

long signal_return(struct syscall_args *frame)
{
	struct thread *t = thread_current();
	uint64_t mask;

	if (!arch_signal_leave(frame, &mask)) {
		kprintf("lull: rt_sigreturn found no signal frame on the stack\n");
		terminate(SIGSEGV);
	}
	t->signals.blocked = mask & ~UNBLOCKABLE;
	return frame->nr;
}
