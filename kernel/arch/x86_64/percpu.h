/*
 * percpu.h: the few per-CPU words the assembly paths need, reached through
 * the GS base. musl never uses GS on x86-64, so it stays ours even while
 * application code runs, and `syscall` needs no swapgs.
 */
#ifndef LULL_X86_64_PERCPU_H
#define LULL_X86_64_PERCPU_H

#define PERCPU_SELF 0
#define PERCPU_USER_RSP 8
#define PERCPU_KSTACK_TOP 16
#define PERCPU_CPU_ID 24

#ifndef __ASSEMBLER__
#include <stdint.h>

struct x86_percpu {
	struct x86_percpu *self;
	uint64_t user_rsp;   /* scratch for the syscall entry */
	uint64_t kstack_top; /* the current thread's kernel stack */
	uint64_t cpu_id;
	uint32_t apic_id;
	volatile uint64_t tlb_generation; /* last shootdown this core obeyed */
	unsigned interrupt_depth; /* handlers running on this core (an NMI nests) */
};

_Static_assert(__builtin_offsetof(struct x86_percpu, user_rsp) == PERCPU_USER_RSP, "layout");
_Static_assert(__builtin_offsetof(struct x86_percpu, kstack_top) == PERCPU_KSTACK_TOP, "layout");
_Static_assert(__builtin_offsetof(struct x86_percpu, cpu_id) == PERCPU_CPU_ID, "layout");

struct x86_percpu *x86_percpu_of(unsigned cpu);

static inline struct x86_percpu *x86_percpu(void)
{
	struct x86_percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}
#endif

#endif
