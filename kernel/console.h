/* console.h: the kernel's text output and the application's terminal. */
#ifndef LULL_CONSOLE_H
#define LULL_CONSOLE_H

#include <stddef.h>

#include <stdarg.h>

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void console_write(const char *buf, size_t len);
/* Switches console input to interrupts (needs the interrupt controller). */
void console_init_input(void);
/* Reads at least one byte (waiting for it), at most len. */
size_t console_read(char *buf, size_t len);

#endif
