/*
 * entry.S: the ways into and out of the application.
 *
 * lull_syscall_entry: the `syscall` instruction lands here, still on the
 * caller's stack (we stay at ring 0, there is no stack switch). The caller may
 * keep data in the 128-byte red zone below %rsp, so we step over it first.
 * Linux's ABI preserves every register but %rax, %rcx and %r11.
 */
	.text
	.globl lull_syscall_entry
lull_syscall_entry:
	lea -128(%rsp), %rsp
	pushq %rcx                      /* return address */
	pushq %r11                      /* caller's RFLAGS */
	pushq %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	pushq %r9
	pushq %r8
	pushq %r10
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rax                      /* struct syscall_args starts here */
	pushq $0                        /* keeps %rsp 16-byte aligned */
	lea 8(%rsp), %rdi
	cld
	call syscall_dispatch
	mov 16(%rsp), %rdi
	mov 24(%rsp), %rsi
	mov 32(%rsp), %rdx
	mov 40(%rsp), %r10
	mov 48(%rsp), %r8
	mov 56(%rsp), %r9
	mov %rbp, %rsp
	popq %rbp
	popfq                           /* may enable interrupts: they use IST stacks */
	popq %rcx
	lea 128(%rsp), %rsp             /* lea, not add: the flags are restored */
	jmp *%rcx

/* arch_enter_app(entry, stack_pointer): jump to the program's _start with
 * the stack musl expects (argc, argv, envp, auxv) and clean registers. */
	.globl arch_enter_app
arch_enter_app:
	mov %rsi, %rsp
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	sti
	jmp *%rdi
