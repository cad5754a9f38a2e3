/* trap.h: the register frame saved by isr.S for every interrupt and exception. */
#ifndef LULL_X86_64_TRAP_H
#define LULL_X86_64_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void trap_dispatch(struct trap_frame *frame);

#endif
