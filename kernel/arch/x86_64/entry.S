/*
 * entry.S: the ways into and out of the application, and between threads.
 *
 * System calls: `syscall` lands in lull_syscall_entry at ring 0 still on the
 * application's stack. We touch that stack not at all: the caller may keep
 * data in its red zone, and musl's __unmapself frees the very stack it makes
 * its last system call from. So the entry moves to the thread's kernel stack
 * first, and returns with iretq, which restores RIP, RFLAGS and RSP in one
 * step. Linux's ABI preserves every register but RAX, RCX and R11.
 *
 * The frame the entry builds is struct syscall_frame (syscall_frame.h).
 */
#include "percpu.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define FRAME_RAX 0

	.text
	.globl lull_syscall_entry
lull_syscall_entry:
	mov %rsp, %gs:PERCPU_USER_RSP
	mov %gs:PERCPU_KSTACK_TOP, %rsp
	pushq $KERNEL_DS                /* iretq frame: ss, rsp, rflags, cs, rip */
	pushq %gs:PERCPU_USER_RSP
	pushq %r11
	pushq $KERNEL_CS
	pushq %rcx
	pushq %r15
	pushq %r14
	pushq %r13
	pushq %r12
	pushq %rbp
	pushq %rbx
	pushq %r9
	pushq %r8
	pushq %r10
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rax
	mov %rsp, %rdi
	cld
	call syscall_dispatch
	mov %rax, FRAME_RAX(%rsp)

	/* Also where a new thread first enters the application. */
	.globl syscall_return
syscall_return:
	popq %rax
	popq %rdi
	popq %rsi
	popq %rdx
	popq %r10
	popq %r8
	popq %r9
	popq %rbx
	popq %rbp
	popq %r12
	popq %r13
	popq %r14
	popq %r15
	iretq

/*
 * struct arch_thread *arch_context_switch(struct arch_thread *prev,
 *                                         struct arch_thread *next)
 * Saves the callee-saved registers on prev's kernel stack and resumes next
 * where it last switched away. Returns, in next, the prev it was given, so
 * the resumed thread learns which thread ran before it.
 */
	.globl arch_context_switch
arch_context_switch:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	mov %rsp, (%rdi)                /* prev->saved_sp */
	mov (%rsi), %rsp                /* next->saved_sp */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	mov %rdi, %rax
	ret

/* A new thread's first switch returns here, with %rax = the previous
 * thread and %rsp = the syscall frame to start the application from. */
	.globl arch_thread_first_entry
arch_thread_first_entry:
	mov %rax, %rdi
	call arch_thread_started
	jmp syscall_return

/* A kernel thread's first switch returns here, with %rax = the previous
 * thread, %r12 = its function and %r13 = the function's argument. */
	.globl arch_kernel_thread_first_entry
arch_kernel_thread_first_entry:
	mov %rax, %rdi
	call arch_thread_started
	mov %r13, %rdi
	call *%r12
	ud2
