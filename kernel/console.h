/* console.h: the kernel's text output and the application's terminal. */
#ifndef LULL_CONSOLE_H
#define LULL_CONSOLE_H

#include <stddef.h>

#include <stdarg.h>
#include <stdbool.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void console_write(const char *buf, size_t len);
/* Switches console input to interrupts (needs the interrupt controller). */
void console_init_input(void);
/* True if input is waiting. */
bool console_input_pending(void);
/* Calls notify (in interrupt context) whenever input arrives. */
void console_on_input(void (*notify)(void));
/* Reads what is waiting, possibly nothing. */
size_t console_read_nowait(char *buf, size_t len);
/* False when input can only be polled for (no interrupt controller). */
bool console_input_interrupt_driven(void);
/* Reads at least one byte (waiting for it), at most len. */
size_t console_read(char *buf, size_t len);

#endif
