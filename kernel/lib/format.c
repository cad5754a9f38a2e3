/* format.c: the kernel's printf engine (see format.h for what it supports). */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct spec {
	unsigned width;
	bool zero_pad;
	bool left;
};

static void pad(format_sink sink, void *ctx, char c, size_t n)
{
	while (n--)
		sink(ctx, &c, 1);
}

static void emit_field(format_sink sink, void *ctx, const struct spec *spec, const char *s,
		       size_t len)
{
	size_t fill = spec->width > len ? spec->width - len : 0;

	if (!spec->left)
		pad(sink, ctx, spec->zero_pad ? '0' : ' ', fill);
	sink(ctx, s, len);
	if (spec->left)
		pad(sink, ctx, ' ', fill);
}

static void emit_number(format_sink sink, void *ctx, const struct spec *spec, uint64_t value,
			unsigned base, bool negative, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	size_t i = sizeof buf;

	do {
		buf[--i] = digits[value % base];
		value /= base;
	} while (value);
	if (negative) {
		if (spec->zero_pad && spec->width) {
			/* the sign goes before the zeros */
			sink(ctx, "-", 1);
			struct spec rest = *spec;
			rest.width = spec->width - 1;
			emit_field(sink, ctx, &rest, buf + i, sizeof buf - i);
			return;
		}
		buf[--i] = '-';
	}
	emit_field(sink, ctx, spec, buf + i, sizeof buf - i);
}

void format_v(format_sink sink, void *ctx, const char *fmt, va_list ap)
{
	while (*fmt) {
		const char *start = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt > start)
			sink(ctx, start, (size_t)(fmt - start));
		if (!*fmt)
			break;
		fmt++;

		struct spec spec = { 0, false, false };
		for (;; fmt++) {
			if (*fmt == '0')
				spec.zero_pad = true;
			else if (*fmt == '-')
				spec.left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			spec.width = spec.width * 10 + (unsigned)(*fmt++ - '0');

		int longs = 0;
		bool size_t_arg = false;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		if (*fmt == 'z') {
			size_t_arg = true;
			fmt++;
		}

		char conv = *fmt ? *fmt++ : '\0';
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = size_t_arg ? (int64_t)va_arg(ap, size_t)
				    : longs ? va_arg(ap, long)
					    : va_arg(ap, int);
			emit_number(sink, ctx, &spec, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0,
				    false);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = size_t_arg ? va_arg(ap, size_t)
				     : longs ? va_arg(ap, unsigned long)
					     : va_arg(ap, unsigned int);
			emit_number(sink, ctx, &spec, v, conv == 'u' ? 10 : 16, false, conv == 'X');
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			sink(ctx, "0x", 2);
			emit_number(sink, ctx, &spec, v, 16, false, false);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t len = 0;
			while (s[len])
				len++;
			emit_field(sink, ctx, &spec, s, len);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit_field(sink, ctx, &spec, &c, 1);
			break;
		}
		case '%':
			sink(ctx, "%", 1);
			break;
		default:
			/* Unknown conversion: show it rather than guess at arguments. */
			sink(ctx, "%?", 2);
			break;
		}
	}
}

struct string_sink {
	char *buf;
	size_t size;
	size_t len;
};

static void string_sink_put(void *ctx, const char *s, size_t len)
{
	struct string_sink *out = ctx;

	for (size_t i = 0; i < len; i++, out->len++)
		if (out->len + 1 < out->size)
			out->buf[out->len] = s[i];
}

size_t format_string(char *buf, size_t size, const char *fmt, ...)
{
	struct string_sink out = { buf, size, 0 };
	va_list ap;

	va_start(ap, fmt);
	format_v(string_sink_put, &out, fmt, ap);
	va_end(ap);
	if (size)
		buf[out.len < size ? out.len : size - 1] = '\0';
	return out.len;
}
