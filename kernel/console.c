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
#include "sched/waitq.h"
#include "sync/spinlock.h"

#include <stdarg.h>

#define CONSOLE_POLL_NS 10000000ULL
#define INPUT_RING_SIZE 1024

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

/* Input arrives by interrupt into a ring; readers wait on a queue. */
static struct {
	struct spinlock lock;
	struct waitq readers;
	char ring[INPUT_RING_SIZE];
	size_t head, tail; /* head: next to read; tail: next to fill */
	bool interrupt_driven;
	void (*notify)(void);
} input;

static void input_interrupt(void *ctx)
{
	(void)ctx;
	int c;

	spin_lock(&input.lock);
	while ((c = arch_console_read_byte()) >= 0)
		if (input.tail - input.head < INPUT_RING_SIZE) /* full: drop */
			input.ring[input.tail++ % INPUT_RING_SIZE] = (char)c;
	waitq_wake_all(&input.readers);
	spin_unlock(&input.lock);
	if (input.notify)
		input.notify();
}

void console_on_input(void (*notify)(void))
{
	input.notify = notify;
}

bool console_input_pending(void)
{
	return input.tail != input.head;
}

void console_init_input(void)
{
	waitq_init(&input.readers);
	input.interrupt_driven = arch_console_enable_input_interrupt(input_interrupt, NULL);
}

/* Moves bytes that wait in the UART into the ring (input.lock held). */
static void drain_port_locked(void)
{
	int c;

	while (input.tail - input.head < INPUT_RING_SIZE && (c = arch_console_read_byte()) >= 0)
		input.ring[input.tail++ % INPUT_RING_SIZE] = (char)c;
}

static size_t take_locked(char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && input.head != input.tail)
		buf[n++] = input.ring[input.head++ % INPUT_RING_SIZE];
	return n;
}

size_t console_read_nowait(char *buf, size_t len)
{
	spin_lock(&input.lock);
	drain_port_locked();
	size_t n = take_locked(buf, len);
	spin_unlock(&input.lock);
	return n;
}

bool console_input_interrupt_driven(void)
{
	return input.interrupt_driven;
}

/* Without an interrupt, polls every 10 ms rather than spinning. */
size_t console_read(char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return 0;
	spin_lock(&input.lock);
	for (;;) {
		drain_port_locked();
		if (input.tail != input.head)
			break;
		if (input.interrupt_driven)
			waitq_wait(&input.readers, &input.lock, 0);
		else
			waitq_wait(&input.readers, &input.lock, arch_clock_ns() + CONSOLE_POLL_NS);
	}
	n = take_locked(buf, len);
	spin_unlock(&input.lock);
	return n;
}
