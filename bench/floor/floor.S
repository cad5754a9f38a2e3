/*
 * floor.S: the cheapest guest there is, the baseline for Lull's benchmarks.
 * It boots through the same PVH entry as a Lull image and then:
 *   by default: halts forever with interrupts off (the idle floor);
 *   FLOOR_STOP_PIT: the same, after putting the PIT, which firmware leaves
 *     ticking 18 times a second, into one-shot mode as Lull does, so that
 *     the emulator has no timer left to run;
 *   FLOOR_EXIT: prints one character and ends the VM (the boot floor).
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
#ifdef FLOOR_STOP_PIT
	mov $0x30, %al                  /* PIT channel 0: mode 0, one shot */
	outb %al, $0x43
	xor %al, %al
	outb %al, $0x40
	outb %al, $0x40
#endif
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
