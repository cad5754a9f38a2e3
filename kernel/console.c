/*
 * console.c: kernel messages and the application's stdin/stdout/stderr,
 * all on the arch's serial console.
 *
 * kprintf formats into a small buffer first so that a message goes out in
 * one piece rather than a character at a time.
 */
#include "console.h"

#include "arch.h"
#include "lib/format.h"
#include "sched/sched.h"

#include <stdarg.h>

#define CONSOLE_POLL_NS 10000000ULL

struct line_buffer {
	char buf[128];
	size_t len;
};

static void line_buffer_put(void *ctx, const char *s, size_t len)
{
	struct line_buffer *lb = ctx;

	while (len) {
		if (lb->len == sizeof lb->buf) {
			arch_console_write(lb->buf, lb->len);
			lb->len = 0;
		}
		size_t n = sizeof lb->buf - lb->len;
		if (n > len)
			n = len;
		for (size_t i = 0; i < n; i++)
			lb->buf[lb->len + i] = s[i];
		lb->len += n;
		s += n;
		len -= n;
	}
}

void kvprintf(const char *fmt, va_list ap)
{
	struct line_buffer lb = { .len = 0 };

	format_v(line_buffer_put, &lb, fmt, ap);
	arch_console_write(lb.buf, lb.len);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void console_write(const char *buf, size_t len)
{
	arch_console_write(buf, len);
}

size_t console_read(char *buf, size_t len)
{
	size_t n = 0;
	int c;

	if (!len)
		return 0;
	/* Polled every 10 ms rather than spun on: the core sleeps meanwhile. */
	while ((c = arch_console_read_byte()) < 0)
		sched_sleep_until(arch_clock_ns() + CONSOLE_POLL_NS);
	do {
		buf[n++] = (char)c;
	} while (n < len && (c = arch_console_read_byte()) >= 0);
	return n;
}
