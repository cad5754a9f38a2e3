/* panic.h: fatal kernel errors: report, backtrace, end the VM. */
#ifndef LULL_PANIC_H
#define LULL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stddef.h>

#define BACKTRACE_MAX 64

/* Prints a backtrace: "  #N 0xADDR function+0xOFF" for each address,
 * folding runs of one repeated frame. */
void panic_print_frames(const uintptr_t *pcs, size_t n);

/* Prints "LABEL 0xADDR function+0xOFF" (or "?" without a symbol). */
void panic_print_address(const char *label, uintptr_t addr);

/* Debug checks, on with the kernel option lull.debug=1 (the tests turn
 * them on; `lull run` passes it when LULL_DEBUG=1): invariants too dear
 * or too strict to enforce in every run. */
extern bool debug_checks;

/* With debug checks on, panics, naming `what`, when called from an
 * interrupt handler: for work that handlers must leave to threads
 * (mapping memory, TLB shootdowns, the network stack's timers). */
void assert_not_in_interrupt(const char *what);

/* Called once at the start of any fatal report: a second fatal error while
 * reporting the first ends the VM at once instead of looping. */
void panic_enter(void);

#endif
