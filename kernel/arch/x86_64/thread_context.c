/*
 * thread_context.c: what a thread's processor state is made of on x86-64,
 * and switching between threads.
 *
 * Switches happen inside system calls, where the application may still
 * hold live values in vector registers (a `syscall` in inline assembly
 * clobbers none of them), so the whole FPU/SSE/AVX state is saved and
 * restored with XSAVE (FXSAVE on CPUs without it), as is the FS base.
 */
#include "arch.h"
#include "fpu_state.h"
#include "percpu.h"
#include "syscall_frame.h"
#include "x86.h"

#include "sched/sched.h"

#include <string.h>

#define FXSAVE_AREA_SIZE 512
#define FCW_DEFAULT 0x037f
#define MXCSR_DEFAULT 0x1f80
#define MXCSR_OFFSET 24
#define MXCSR_RESERVED 0xffff0000u
#define XSAVE_HEADER_OFFSET 512
#define XSAVE_HEADER_SIZE 64

extern void arch_thread_first_entry(void);
extern void arch_kernel_thread_first_entry(void);
struct arch_thread *arch_context_switch(struct arch_thread *prev, struct arch_thread *next);
void arch_thread_started(struct arch_thread *prev);

static size_t fpu_area_size = FXSAVE_AREA_SIZE;
static bool has_xsave;

void x86_fpu_init(void)
{
	has_xsave = cpuid(1, 0).ecx & (1u << 26);
	if (has_xsave)
		fpu_area_size = cpuid(0xd, 0).ebx; /* for the features enabled in XCR0 */
}

size_t arch_fpu_area_size(void)
{
	return fpu_area_size;
}

void x86_fpu_save(void *area)
{
	if (has_xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void x86_fpu_restore(const void *area)
{
	if (has_xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* XRSTOR and FXRSTOR fault on reserved bits: an area the application could
 * have written (a signal frame) is checked before the kernel loads it. */
bool x86_fpu_area_valid(const void *area)
{
	uint32_t mxcsr;
	uint64_t xstate_bv;
	uint32_t xcr0_low, xcr0_high;

	memcpy(&mxcsr, (const char *)area + MXCSR_OFFSET, sizeof mxcsr);
	if (mxcsr & MXCSR_RESERVED)
		return false;
	if (!has_xsave)
		return true;
	memcpy(&xstate_bv, (const char *)area + XSAVE_HEADER_OFFSET, sizeof xstate_bv);
	for (unsigned i = 8; i < XSAVE_HEADER_SIZE; i++) /* XCOMP_BV and reserved */
		if (((const char *)area)[XSAVE_HEADER_OFFSET + i])
			return false;
	__asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
	return !(xstate_bv & ~((uint64_t)xcr0_high << 32 | xcr0_low));
}

/* Lays out a new kernel stack: the syscall frame the thread will leave
 * through at the top, and under it what arch_context_switch pops: six
 * callee-saved registers and the address of arch_thread_first_entry. */
static struct syscall_frame *new_stack_frames(struct arch_thread *t)
{
	struct syscall_frame *frame = (struct syscall_frame *)(t->kstack_top - sizeof *frame);
	uint64_t *switch_frame = (uint64_t *)frame - 7;

	memset(switch_frame, 0, 6 * sizeof(uint64_t));
	switch_frame[6] = (uintptr_t)arch_thread_first_entry;
	t->saved_sp = (uintptr_t)switch_frame;
	return frame;
}

void arch_thread_init_start(struct arch_thread *t, uintptr_t entry, uintptr_t sp)
{
	struct syscall_frame *frame = new_stack_frames(t);
	uint16_t fcw = FCW_DEFAULT;
	uint32_t mxcsr = MXCSR_DEFAULT;

	memset(frame, 0, sizeof *frame);
	frame->rip = entry;
	frame->cs = 0x08;
	frame->rflags = RFLAGS_IF | RFLAGS_RESERVED_ONE;
	frame->rsp = sp;
	frame->ss = 0x10;
	memset(t->fpu, 0, fpu_area_size);
	memcpy(t->fpu, &fcw, sizeof fcw);
	memcpy((char *)t->fpu + MXCSR_OFFSET, &mxcsr, sizeof mxcsr);
	t->fs_base = 0;
}

void arch_thread_init_clone(struct arch_thread *t, const void *parent_frame, uintptr_t sp,
			    bool set_tls, uintptr_t tls)
{
	struct syscall_frame *frame = new_stack_frames(t);

	*frame = *(const struct syscall_frame *)parent_frame;
	frame->args.nr = 0; /* clone returns 0 in the child */
	frame->rsp = sp;
	x86_fpu_save(t->fpu);
	t->fs_base = set_tls ? tls : rdmsr(MSR_FS_BASE);
}

/* The kernel thread's first switch pops fn into %r12 and ctx into %r13
 * and returns into arch_kernel_thread_first_entry, which calls fn(ctx)
 * with the stack aligned as for any call. */
void arch_thread_init_kernel(struct arch_thread *t, void (*fn)(void *ctx), void *ctx)
{
	uint64_t *switch_frame = (uint64_t *)((t->kstack_top & ~15UL) - 72);

	memset(switch_frame, 0, 6 * sizeof(uint64_t));
	switch_frame[2] = (uintptr_t)ctx;
	switch_frame[3] = (uintptr_t)fn;
	switch_frame[6] = (uintptr_t)arch_kernel_thread_first_entry;
	t->saved_sp = (uintptr_t)switch_frame;
	t->fpu = NULL;
	t->fs_base = 0;
}

/* Idle and kernel threads have no FPU area: they never run application code. */
struct arch_thread *arch_thread_switch(struct arch_thread *prev, struct arch_thread *next)
{
	if (prev->fpu) {
		x86_fpu_save(prev->fpu);
		prev->fs_base = rdmsr(MSR_FS_BASE);
	}
	if (next->fpu) {
		x86_fpu_restore(next->fpu);
		wrmsr(MSR_FS_BASE, next->fs_base);
		x86_percpu()->kstack_top = next->kstack_top;
	}
	return arch_context_switch(prev, next);
}

void arch_thread_started(struct arch_thread *prev)
{
	sched_after_switch(container_of(prev, struct thread, arch));
}
