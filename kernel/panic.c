/* panic.c: the kernel's last words. */
#include "panic.h"

#include "arch.h"
#include "console.h"
#include "lib/format.h"
#include "symbols.h"

#include <stdarg.h>
#include <stdbool.h>

#define BACKTRACE_MAX 32

static bool panicking;

void panic_enter(void)
{
	if (panicking) {
		kprintf("lull: fault while reporting a fault; stopping\n");
		arch_exit_vm_panic();
	}
	panicking = true;
}

static void print_frame(unsigned n, uintptr_t pc)
{
	uintptr_t offset;
	const char *name = symbol_lookup(pc, &offset);

	if (name)
		kprintf("  #%u 0x%016lx %s+0x%lx\n", n, (unsigned long)pc, name,
			(unsigned long)offset);
	else
		kprintf("  #%u 0x%016lx ?\n", n, (unsigned long)pc);
}

void panic_print_backtrace(uintptr_t pc, uintptr_t frame_pointer)
{
	uintptr_t pcs[BACKTRACE_MAX];
	size_t n = arch_backtrace_from(frame_pointer, pcs, BACKTRACE_MAX);

	kprintf("backtrace:\n");
	print_frame(0, pc);
	for (size_t i = 0; i < n; i++)
		print_frame((unsigned)i + 1, pcs[i]);
}

static void console_sink(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	console_write(s, len);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_enter();
	kprintf("lull: panic: ");
	va_start(ap, fmt);
	format_v(console_sink, NULL, fmt, ap);
	va_end(ap);
	kprintf("\n");

	uintptr_t pcs[BACKTRACE_MAX];
	size_t n = arch_backtrace(pcs, BACKTRACE_MAX);
	kprintf("backtrace:\n");
	for (size_t i = 0; i < n; i++)
		print_frame((unsigned)i, pcs[i]);
	arch_exit_vm_panic();
}
