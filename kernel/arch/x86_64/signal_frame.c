/*
 * signal_frame.c: entering a signal handler from a system call's saved
 * frame, and coming back (rt_sigreturn), on x86-64.
 *
 * The frame on the application's stack is Linux's rt_sigframe: the return
 * address (musl's __restore_rt), a ucontext whose mcontext holds every
 * register, a siginfo, and the vector-register area the mcontext points
 * to. A handler that reads its ucontext (SA_SIGINFO) sees what it would see
 * on Linux. The vector registers must be saved: the handler is ordinary
 * compiled code, and the interrupted code keeps live values in them across
 * its `syscall`.
 */
#include "arch.h"
#include "fpu_state.h"
#include "syscall_frame.h"
#include "x86.h"

#include <string.h>

#define RED_ZONE 128
#define SYSCALL_INSN_SIZE 2
#define FPU_ALIGN 64
/* The flags a handler may leave changed: CF PF AF ZF SF DF OF. */
#define RFLAGS_USER 0xdd5

/* mcontext's gregs, in Linux's (and musl's REG_*) order. */
enum {
	G_R8, G_R9, G_R10, G_R11, G_R12, G_R13, G_R14, G_R15, G_RDI, G_RSI, G_RBP, G_RBX,
	G_RDX, G_RAX, G_RCX, G_RSP, G_RIP, G_EFL, G_CSGSFS, G_ERR, G_TRAPNO, G_OLDMASK, G_CR2,
	G_COUNT
};

struct linux_ucontext {
	uint64_t flags;
	uint64_t link;
	uint64_t stack_sp;
	int32_t stack_flags, pad;
	uint64_t stack_size;
	uint64_t gregs[G_COUNT];
	uint64_t fpregs; /* the vector-register area */
	uint64_t reserved[8];
	uint64_t sigmask;
};

struct linux_siginfo {
	int32_t signo, errno_value, code, pad;
	int32_t pid;
	uint32_t uid;
	uint8_t rest[128 - 24];
};

struct rt_sigframe {
	uint64_t return_address;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};

_Static_assert(sizeof(struct linux_ucontext) == 304, "Linux's ucontext up to uc_sigmask");
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo_t");

static struct syscall_frame *full(struct syscall_args *frame)
{
	return (struct syscall_frame *)frame;
}

uintptr_t arch_syscall_stack(const struct syscall_args *frame)
{
	return ((const struct syscall_frame *)frame)->rsp;
}

long arch_syscall_restart(struct syscall_args *frame)
{
	full(frame)->rip -= SYSCALL_INSN_SIZE;
	return frame->nr;
}

static void save_registers(const struct syscall_frame *f, uint64_t *g)
{
	g[G_RAX] = (uint64_t)f->args.nr;
	g[G_RDI] = (uint64_t)f->args.arg[0];
	g[G_RSI] = (uint64_t)f->args.arg[1];
	g[G_RDX] = (uint64_t)f->args.arg[2];
	g[G_R10] = (uint64_t)f->args.arg[3];
	g[G_R8] = (uint64_t)f->args.arg[4];
	g[G_R9] = (uint64_t)f->args.arg[5];
	g[G_RBX] = f->rbx;
	g[G_RBP] = f->rbp;
	g[G_R12] = f->r12;
	g[G_R13] = f->r13;
	g[G_R14] = f->r14;
	g[G_R15] = f->r15;
	g[G_RIP] = f->rip;
	g[G_RSP] = f->rsp;
	g[G_EFL] = f->rflags;
	g[G_RCX] = f->rip; /* what `syscall` left in them */
	g[G_R11] = f->rflags;
}

static void load_registers(struct syscall_frame *f, const uint64_t *g)
{
	f->args.nr = (long)g[G_RAX];
	f->args.arg[0] = (long)g[G_RDI];
	f->args.arg[1] = (long)g[G_RSI];
	f->args.arg[2] = (long)g[G_RDX];
	f->args.arg[3] = (long)g[G_R10];
	f->args.arg[4] = (long)g[G_R8];
	f->args.arg[5] = (long)g[G_R9];
	f->rbx = g[G_RBX];
	f->rbp = g[G_RBP];
	f->r12 = g[G_R12];
	f->r13 = g[G_R13];
	f->r14 = g[G_R14];
	f->r15 = g[G_R15];
	f->rip = g[G_RIP];
	f->rsp = g[G_RSP];
	f->rflags = (g[G_EFL] & RFLAGS_USER) | RFLAGS_IF | RFLAGS_RESERVED_ONE;
}

bool arch_signal_enter(struct syscall_args *frame, const struct signal_entry *e)
{
	struct syscall_frame *f = full(frame);
	size_t fpu_size = arch_fpu_area_size();
	uintptr_t fpu = (e->stack_top - RED_ZONE - fpu_size) & ~(uintptr_t)(FPU_ALIGN - 1);
	/* As after a call: the stack is 16-byte aligned plus the return address. */
	uintptr_t sp = ((fpu - sizeof(struct rt_sigframe)) & ~(uintptr_t)15) - 8;

	if (sp > e->stack_top || !user_writable((void *)sp, e->stack_top - sp))
		return false;
	struct rt_sigframe *rt = (struct rt_sigframe *)sp;
	memset(rt, 0, sizeof *rt);
	rt->return_address = e->restorer;
	save_registers(f, rt->uc.gregs);
	rt->uc.fpregs = fpu;
	rt->uc.sigmask = e->saved_mask;
	rt->info.signo = e->sig;
	rt->info.code = e->code;
	rt->info.pid = 1;
	/* XSAVE leaves the header's reserved bytes as they were, and XRSTOR
	 * faults unless they are zero. */
	memset((void *)fpu, 0, fpu_size);
	x86_fpu_save((void *)fpu);

	f->rip = e->handler;
	f->rsp = sp;
	f->args.arg[0] = e->sig;
	f->args.arg[1] = (long)(uintptr_t)&rt->info;
	f->args.arg[2] = (long)(uintptr_t)&rt->uc;
	f->rflags = RFLAGS_IF | RFLAGS_RESERVED_ONE; /* DF clear, as the ABI wants */
	return true;
}

bool arch_signal_leave(struct syscall_args *frame, uint64_t *mask)
{
	struct syscall_frame *f = full(frame);
	/* The handler's `ret` popped the return address: rsp is at uc. */
	struct linux_ucontext *uc = (struct linux_ucontext *)f->rsp;

	if (!user_readable(uc, sizeof *uc))
		return false;
	const void *fpu = (const void *)uc->fpregs;
	if ((uintptr_t)fpu % FPU_ALIGN || !user_readable(fpu, arch_fpu_area_size()) ||
	    !x86_fpu_area_valid(fpu))
		return false;
	x86_fpu_restore(fpu);
	*mask = uc->sigmask;
	load_registers(f, uc->gregs);
	return true;
}
