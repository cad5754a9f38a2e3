/* panic.c: the kernel's last words. */
#include "panic.h"

#include "arch.h"
#include "console.h"
#include "lib/format.h"
#include "symbols.h"

#include <stdarg.h>
#include <stdbool.h>


static bool panicking;
bool debug_checks;

void assert_not_in_interrupt(const char *what)
{
	if (debug_checks && arch_in_interrupt())
		panic("%s in interrupt context: handlers may only make threads ready "
		      "(a debug check, lull.debug=1)",
		      what);
}

void panic_enter(void)
{
	if (panicking) {
		kprintf("lull: fault while reporting a fault; stopping\n");
		arch_exit_vm_panic();
	}
	panicking = true;
}

void panic_print_address(const char *label, uintptr_t addr)
{
	uintptr_t offset;
	const char *name = symbol_lookup(addr, &offset);

	if (name)
		kprintf("%s 0x%016lx %s+0x%lx\n", label, (unsigned long)addr, name,
			(unsigned long)offset);
	else
		kprintf("%s 0x%016lx ?\n", label, (unsigned long)addr);
}

static void print_frame(unsigned n, uintptr_t pc)
{
	char label[16];

	format_string(label, sizeof label, "  #%u", n);
	panic_print_address(label, pc);
}

/* Deep recursion (a stack overflow) repeats one frame many times: print it
 * once with a count. */
void panic_print_frames(const uintptr_t *pcs, size_t n)
{
	kprintf("backtrace (most recent call first):\n");
	for (size_t i = 0; i < n;) {
		size_t same = 1;
		while (i + same < n && pcs[i + same] == pcs[i])
			same++;
		print_frame((unsigned)i, pcs[i]);
		if (same > 1)
			kprintf("  ... the same frame %zu more times\n", same - 1);
		i += same;
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_enter();
	kprintf("lull: panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");

	uintptr_t pcs[BACKTRACE_MAX];
	panic_print_frames(pcs, arch_backtrace(pcs, BACKTRACE_MAX));
	arch_exit_vm_panic();
}
