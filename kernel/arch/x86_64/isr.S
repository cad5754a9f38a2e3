/*
 * isr.S: one entry stub per interrupt vector, and the common path that
 * saves the registers as a struct trap_frame and calls trap_dispatch().
 * Every vector arrives on an IST stack (see cpu_tables.c).
 */

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.altmacro
	.macro VECTOR_STUB n
	.balign 16
vector_\n:
	.if HAS_ERROR_CODE(\n) == 0
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
	.endm

	.macro VECTOR_ADDRESS n
	.quad vector_\n
	.endm

	.text
	.set vector, 0
	.rept 256
	VECTOR_STUB %vector
	.set vector, vector + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl isr_vector_table
isr_vector_table:
	.set vector, 0
	.rept 256
	VECTOR_ADDRESS %vector
	.set vector, vector + 1
	.endr
