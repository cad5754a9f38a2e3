/*
 * host.h: what the portable stack (kernel/inet, but for interface.c and
 * socket_file.c) needs from whatever runs it: a clock, random numbers,
 * memory, the stack's lock, one timer, and word that a socket changed.
 * The kernel supplies them in host_kernel.c, interface.c and socket_file.c;
 * a Linux process running the stack in tests/net/host_platform.c.
 */
#ifndef LULL_INET_HOST_H
#define LULL_INET_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inet_socket;

/* Nanoseconds on a clock that never goes back. */
uint64_t inet_clock_ns(void);

/* A random number from hardware; false where there is none. */
bool inet_hw_random(uint64_t *out);

/* Memory, zeroed (inet_alloc) or not (inet_alloc_buffer: large buffers
 * that are written before they are read); inet_free takes the size back. */
void *inet_alloc(size_t size);
void *inet_alloc_buffer(size_t size);
void inet_free(void *p, size_t size);

/* The one lock that guards the whole stack (inet.h says what it covers). */
void inet_lock(void);
/* Releases the lock, then wakes the sockets whose state changed. */
void inet_unlock(void);

/* The stack's one timer: the host calls inet_timers(now) (inet.h) once
 * the earliest deadline asked for has come, and again at the deadline that
 * returns (0: none). With the lock held, the stack asks for an earlier run. */
void inet_timer_request(uint64_t deadline_ns);

/* The socket's readiness may have changed: its owner is told once the
 * lock is released. */
void socket_changed(struct inet_socket *s);

#endif
