/*
 * floor.S: the cheapest guest there is, the baseline for Lull's benchmarks.
 * It boots through the same PVH entry as a Lull image and then either
 * halts forever with interrupts off (FLOOR_EXIT undefined: the idle floor)
 * or prints one character and ends the VM (FLOOR_EXIT: the boot floor).
 */
	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, 18                  /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.long floor_entry

	.text
	.code32
	.globl floor_entry
floor_entry:
	cli
#ifdef FLOOR_EXIT
	mov $0x3f8, %dx
	mov $'.', %al
	outb %al, %dx
	mov $'\n', %al
	outb %al, %dx
	mov $0x7f0, %dx                 /* the status port `lull run` reads */
	mov $exit_status, %esi
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	mov $0xf4, %dx                  /* isa-debug-exit */
	xor %al, %al
	outb %al, %dx
#endif
3:	hlt
	jmp 3b

	.section .rodata
exit_status:
	.asciz "exit 0\n"
