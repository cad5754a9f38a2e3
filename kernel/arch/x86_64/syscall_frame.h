/* syscall_frame.h: the registers entry.S saves on each system call. */
#ifndef LULL_X86_64_SYSCALL_FRAME_H
#define LULL_X86_64_SYSCALL_FRAME_H

#include <stdint.h>

#include "syscall/syscall.h"

struct syscall_frame {
	struct syscall_args args; /* rax (number, then result), rdi, rsi, rdx, r10, r8, r9 */
	uint64_t rbx, rbp, r12, r13, r14, r15;
	uint64_t rip, cs, rflags, rsp, ss; /* consumed by iretq */
};

_Static_assert(sizeof(struct syscall_frame) == 18 * 8, "entry.S pushes 18 words");

#endif
