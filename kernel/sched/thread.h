/*
 * thread.h: the application's threads.
 *
 * Every thread belongs to one core (struct cpu) and stays there unless its
 * affinity moves it. A thread runs application code on its own stack and
 * kernel code (system calls) on a kernel stack of its own.
 */
#ifndef LULL_SCHED_THREAD_H
#define LULL_SCHED_THREAD_H

#include "arch.h"
#include "lib/list.h"
#include "signal/signal.h"

#include <stdbool.h>
#include <stdint.h>

enum thread_state {
	THREAD_RUNNING, /* the current thread of its core */
	THREAD_READY,   /* on its core's ready list (or moving to another core) */
	THREAD_BLOCKED, /* waiting for sched_wake() or a timeout */
	THREAD_DEAD,    /* exited; freed by the next thread on its core */
};

struct cpu;

struct futex_wait {
	struct list_node link; /* in a futex bucket while waiting */
	uintptr_t addr;
	uint32_t bitset;
};

struct thread {
	struct arch_thread arch;
	int tid;
	char name[16];
	volatile enum thread_state state;
	struct cpu *cpu;
	uint64_t affinity; /* allowed cores, bit N = core N */
	struct cpu *migrate_to;
	struct list_node ready_link;
	struct list_node sleep_link; /* on its core's timer list */
	uint64_t wake_at_ns;
	bool timed_out;
	bool polling;
	int next_thread_cpu; /* core for the next thread this one creates, or -1 */
	int *clear_child_tid;
	struct futex_wait futex;
	struct list_node wait_link; /* on a struct waitq */
	struct list_node all_link;
	uintptr_t kstack_base;
	struct thread_signals signals;
	bool interruptible; /* its wait ends for a signal (signal.h) */
};

/* The thread running on this core (NULL on a core's idle loop before any). */
struct thread *thread_current(void);

/* Creates the application's first thread, ready to run entry on stack sp. */
struct thread *thread_create_main(uintptr_t entry, uintptr_t sp);

/* Starts a kernel thread on core `cpu`, where it stays, calling fn(ctx)
 * (which never returns). It is not one of the application's threads: not
 * counted by thread_count, not found by tid, never given a signal. */
struct thread *thread_create_kernel(const char *name, unsigned cpu, void (*fn)(void *ctx),
				    void *ctx);

/* Creates a thread from a clone() call: it returns 0 from that call on
 * new_sp, with TLS base tls when set_tls. Returns NULL without memory. */
struct thread *thread_create_clone(const void *parent_frame, uintptr_t new_sp, bool set_tls,
				   uintptr_t tls);

/* The thread with this id, or NULL. */
struct thread *thread_find(int tid);
/* The first live thread for which match(t, ctx) is true, or NULL. match
 * runs under the thread list's lock, with interrupts disabled, so it may
 * act on t (wake it) while t cannot be freed; it must not block. */
struct thread *thread_find_each(bool (*match)(struct thread *t, void *ctx), void *ctx);

/* Releases a dead thread's memory (called by the scheduler). */
void thread_free(struct thread *t);

/* How many threads are alive. */
unsigned thread_count(void);

/* Ends the calling thread; the last thread's exit ends the program. */
_Noreturn void thread_exit(int status);

#endif
