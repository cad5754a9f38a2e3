/*
 * boot.S: the image's two entry points and the way to long mode.
 *
 * Hypervisors that speak PVH (QEMU -kernel, Firecracker, Xen) enter at
 * lull_pvh_entry; Multiboot2 loaders (GRUB) at lull_multiboot2_entry. Both
 * arrive in 32-bit protected mode without paging. We identity-map the first
 * 4 GiB with 2 MiB pages, enable long mode (and NX when the CPU has it) and
 * call arch_boot(protocol, info) in C; the C side builds the real page tables.
 *
 * Why Multiboot2 and not Multiboot1: QEMU looks for a Multiboot1 header
 * before it looks for the PVH note and refuses 64-bit ELF files through that
 * path, so a Multiboot1 header would hide the PVH entry from QEMU.
 */
#include "boot_protocol.h"

#define MB2_MAGIC        0xe85250d6
#define MB2_ARCH_I386    0
#define MB2_HEADER_LEN   (mb2_header_end - mb2_header)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_PRESENT_WRITE 0x3
#define PTE_LARGE         0x80

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long MB2_HEADER_LEN
	.long -(MB2_MAGIC + MB2_ARCH_I386 + MB2_HEADER_LEN)
	.balign 8
	.word 3, 0                      /* entry address tag */
	.long 12
	.long lull_multiboot2_entry
	.balign 8
	.word 0, 0                      /* end tag */
	.long 8
mb2_header_end:

	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long lull_pvh_entry
	.balign 4

	.section .text.boot, "ax"
	.code32
	.globl lull_pvh_entry
lull_pvh_entry:
	cli
	cld
	mov $BOOT_PROTOCOL_PVH, %edi
	mov %ebx, %esi
	jmp boot32

	.globl lull_multiboot2_entry
lull_multiboot2_entry:
	cli
	cld
	mov $BOOT_PROTOCOL_MULTIBOOT2, %edi
	mov %ebx, %esi

boot32:
	mov $boot_stack_top, %esp

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode
	mov %edx, %ebp                  /* keep the NX bit (20) for later */

	/* PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $(boot_pdpt + PTE_PRESENT_WRITE), boot_pml4
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $12, %eax
	add $(boot_pd + PTE_PRESENT_WRITE), %eax
	mov %eax, boot_pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jne 1b
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_PRESENT_WRITE | PTE_LARGE), %eax
	mov %eax, boot_pd(, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax
	mov %eax, boot_pd + 4(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	test $(1 << 20), %ebp
	jz 3f
	or $EFER_NXE, %eax
3:	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_WP | CR0_PE), %eax
	mov %eax, %cr0
	lgdt boot_gdt_pointer
	ljmp $0x08, $boot64

/* Without long mode there is no way on: say so on COM1 and stop. */
no_long_mode:
	mov $no_long_mode_msg, %esi
4:	lodsb
	test %al, %al
	jz 6f
	mov %al, %bl
	mov $0x3fd, %dx
5:	inb %dx, %al
	test $0x20, %al
	jz 5b
	mov %bl, %al
	mov $0x3f8, %dx
	outb %al, %dx
	jmp 4b
6:	hlt
	jmp 6b

	.code64
boot64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov %edi, %edi                  /* upper halves are undefined after the switch */
	mov %esi, %esi
	call arch_boot
	ud2

	.section .rodata
no_long_mode_msg:
	.asciz "lull: this CPU has no 64-bit long mode; cannot boot\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000        /* 0x08: 64-bit code */
	.quad 0x0000920000000000        /* 0x10: data */
boot_gdt_end:
boot_gdt_pointer:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip 16384
boot_stack_top:
