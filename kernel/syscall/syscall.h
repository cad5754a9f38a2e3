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

/* True when [p, p+len) is memory the application may hand us to read
 * from, or to write to: a bad pointer is EFAULT, never a kernel fault. */
bool user_readable(const void *p, size_t len);
bool user_writable(void *p, size_t len);

#endif
