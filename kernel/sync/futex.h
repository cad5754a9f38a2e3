/*
 * futex.h: Linux futexes, the one primitive behind musl's mutexes,
 * condition variables, semaphores and pthread_join.
 *
 * There is one address space, so a futex is identified by its address.
 */
#ifndef LULL_SYNC_FUTEX_H
#define LULL_SYNC_FUTEX_H

#include <stdint.h>

#define FUTEX_BITSET_ANY 0xffffffffu

void futex_init(void);

/* Blocks while *addr == expected, until woken or deadline_ns (monotonic;
 * 0 = none). Returns 0, -EAGAIN if *addr differed, -ETIMEDOUT. */
long futex_wait(uintptr_t addr, uint32_t expected, uint64_t deadline_ns, uint32_t bitset);

/* Wakes up to n waiters of addr whose bitset intersects; returns how many. */
long futex_wake(uintptr_t addr, long n, uint32_t bitset);

/* Wakes up to n_wake waiters of addr and moves up to n_move others to wait
 * on addr2. With check, fails with -EAGAIN unless *addr == expected. */
long futex_requeue(uintptr_t addr, long n_wake, uintptr_t addr2, long n_move, int check,
		   uint32_t expected);

#endif
