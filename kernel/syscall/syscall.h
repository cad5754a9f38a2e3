/*
 * syscall.h: the Linux x86-64 system call interface, as seen by handlers.
 *
 * Handlers take the raw argument registers and return what Linux would: a
 * result, or a negated errno.
 */
#ifndef LULL_SYSCALL_SYSCALL_H
#define LULL_SYSCALL_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>

/* Laid out by the arch's syscall entry: number, then arguments 1 to 6. */
struct syscall_args {
	long nr;
	long arg[6];
};

typedef long (*syscall_handler)(const struct syscall_args *a);

long syscall_dispatch(struct syscall_args *a);

/* True when [p, p+len) is mapped memory the application may hand us. */
bool user_range_ok(const void *p, size_t len);
/* True when s is a mapped NUL-terminated string of at most max bytes. */
bool user_string_ok(const char *s, size_t max);

#endif
