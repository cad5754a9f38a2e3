/*
 * format.h: printf-style formatting for the kernel, into any sink.
 *
 * Supports %d %i %u %x %X %p %s %c %% with the l, ll and z length modifiers,
 * a field width, '0' padding and '-' left alignment. No floating point: the
 * kernel never touches SSE registers, which belong to the application.
 */
#ifndef LULL_LIB_FORMAT_H
#define LULL_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink)(void *ctx, const char *s, size_t len);

void format_v(format_sink sink, void *ctx, const char *fmt, va_list ap);

/* Like snprintf: always terminates (if size > 0), returns the full length. */
size_t format_string(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
