/*
 * arch_types.h: the x86-64 parts of portable kernel structures, included by
 * kernel/arch.h. Portable code embeds these but never looks inside.
 */
#ifndef LULL_X86_64_ARCH_TYPES_H
#define LULL_X86_64_ARCH_TYPES_H

#include <stdint.h>

/* A thread's processor state while it is not running. */
struct arch_thread {
	uintptr_t saved_sp;   /* kernel stack pointer inside arch_context_switch */
	uintptr_t kstack_top; /* where system calls of this thread start */
	uintptr_t fs_base;    /* the application's TLS pointer */
	void *fpu;            /* XSAVE (or FXSAVE) area, 64-byte aligned */
};

#endif
