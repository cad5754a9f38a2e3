/* panic.h: fatal kernel errors: report, backtrace, end the VM. */
#ifndef LULL_PANIC_H
#define LULL_PANIC_H

#include <stdint.h>

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stddef.h>

#define BACKTRACE_MAX 64

/* Prints a backtrace: "  #N 0xADDR function+0xOFF" for each address,
 * folding runs of one repeated frame. */
void panic_print_frames(const uintptr_t *pcs, size_t n);

/* Prints "LABEL 0xADDR function+0xOFF" (or "?" without a symbol). */
void panic_print_address(const char *label, uintptr_t addr);

/* Called once at the start of any fatal report: a second fatal error while
 * reporting the first ends the VM at once instead of looping. */
void panic_enter(void);

#endif
