/*
 * ap_trampoline.S: where the other cores start. A Startup IPI starts a core
 * in 16-bit real mode at a page below 1 MiB; smp.c copies this code to
 * AP_TRAMPOLINE_ADDR and fills in its parameters. From there: protected
 * mode, the kernel's page tables, long mode, then x86_ap_main in C.
 */
#include "smp.h"

#define REL(label) ((label) - ap_trampoline_start + AP_TRAMPOLINE_ADDR)
#define PARAM(field) (REL(ap_trampoline_params) + (field))

	.section .rodata
	.code16
	.globl ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl REL(trampoline_gdt_pointer)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $REL(protected_mode)

	.code32
protected_mode:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $(1 << 5), %eax              /* PAE */
	mov %eax, %cr4
	mov PARAM(AP_PARAM_CR3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx           /* EFER: long mode, and NX like the boot CPU */
	rdmsr
	or $(1 << 8), %eax
	or PARAM(AP_PARAM_EFER_EXTRA), %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax            /* PG, WP, PE */
	mov %eax, %cr0
	ljmp $0x18, $REL(long_mode)

	.code64
long_mode:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov PARAM(AP_PARAM_STACK), %rsp
	mov PARAM(AP_PARAM_CPU), %edi
	mov PARAM(AP_PARAM_ENTRY), %rax
	xor %ebp, %ebp
	call *%rax
	ud2

	.balign 8
trampoline_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0x00209a0000000000        /* 0x18: 64-bit code */
trampoline_gdt_pointer:
	.word trampoline_gdt_pointer - trampoline_gdt - 1
	.long REL(trampoline_gdt)

	.balign 8
	.globl ap_trampoline_params
ap_trampoline_params:
	.skip AP_PARAM_SIZE
	.globl ap_trampoline_end
ap_trampoline_end:
