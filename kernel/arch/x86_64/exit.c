/*
 * exit.c: ending the VM with a status.
 *
 * QEMU's isa-debug-exit device (port 0xf4) ends QEMU with status
 * (value << 1) | 1, so exit(N) makes QEMU exit with 2N+1 (modulo 256). So that
 * `lull run` can tell the exact status, and a kernel fault from exit(127),
 * the kernel first writes "exit N" or "panic" to an isa-debugcon port.
 */
#include "arch.h"
#include "x86.h"

#include "console.h"
#include "lib/format.h"

#define DEBUG_EXIT_PORT 0xf4
#define STATUS_PORT 0x7f0
#define PANIC_EXIT_VALUE 0x7f

static void status_port_write(const char *s)
{
	while (*s)
		outb(STATUS_PORT, (uint8_t)*s++);
}

static _Noreturn void exit_with(uint8_t value)
{
	outb(DEBUG_EXIT_PORT, value);
	kprintf("lull: no isa-debug-exit device at port 0x%x, so the VM cannot end "
		"itself; halting (use `lull run`, or add -device "
		"isa-debug-exit,iobase=0xf4,iosize=4)\n",
		DEBUG_EXIT_PORT);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void arch_exit_vm(int status)
{
	char line[16];

	format_string(line, sizeof line, "exit %d\n", status & 0xff);
	status_port_write(line);
	exit_with((uint8_t)status);
}

void arch_exit_vm_panic(void)
{
	status_port_write("panic\n");
	exit_with(PANIC_EXIT_VALUE);
}
