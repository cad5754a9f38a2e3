/*
 * host_platform.h: the IPv4 stack (kernel/inet) running inside a Linux
 * process, single-threaded, for the network tests, the TCP unit tests and
 * the fuzz target. host_platform.c supplies what the stack needs from its
 * host (kernel/inet/host.h); a program owns its sockets by defining
 * `struct file`.
 */
#ifndef LULL_TEST_HOST_PLATFORM_H
#define LULL_TEST_HOST_PLATFORM_H

#include "inet/inet.h"
#include "inet/socket.h"

#include <stdbool.h>
#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC: the stack's inet_clock_ns. A test may
 * take over the clock to move time by hand (host_clock_set). */
uint64_t host_now_ns(void);
void host_clock_set(uint64_t ns);

/* Makes the stack's "random" numbers (initial sequence numbers) this value,
 * so that a test or a fuzz input can predict them. */
void host_random_fix(uint64_t value);

/* When the stack's timer wants to run next (0: never). */
uint64_t host_timer_deadline(void);
/* Runs the stack's timers if their deadline has passed. */
void host_run_timers(void);

/* True once since the last call if any socket's readiness may have
 * changed (the stack called socket_changed). */
bool host_take_changes(void);

/* Binds the stack to dev with the given addresses (host byte order). */
void host_stack_attach(struct netdev *dev, uint32_t addr, uint32_t mask, uint32_t gateway);

/* Parses a dotted IPv4 address; false if malformed. */
bool host_parse_ipv4(const char *text, uint32_t *addr);

#endif
