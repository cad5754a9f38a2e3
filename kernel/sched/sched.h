/*
 * sched.h: one scheduler per core, cooperative, round-robin.
 *
 * Threads switch at blocking points (futex waits, sleeps, sched_yield, exit);
 * nothing preempts a running thread. A core with nothing ready halts until an
 * interrupt; see docs/ARCHITECTURE.md for the wake-up protocol.
 */
#ifndef LULL_SCHED_SCHED_H
#define LULL_SCHED_SCHED_H

#include "lib/list.h"
#include "sched/thread.h"
#include "stats/stats_page.h"
#include "sync/spinlock.h"

#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 64

/* A callback run from the boot processor's timer interrupt at a deadline;
 * for kernel services (the network stack) rather than threads. Being an
 * interrupt handler, it may only make threads ready or schedule deferred
 * work (sched/deferred.h). */
struct ktimer {
	struct list_node link;
	uint64_t deadline_ns;
	void (*fn)(void *ctx);
	void *ctx;
};

struct cpu {
	unsigned id;
	struct spinlock lock; /* guards everything below */
	struct thread *current;
	struct thread idle;        /* the core's boot context, runs the idle loop */
	struct list_node ready;    /* THREAD_READY threads, in run order */
	struct list_node sleepers; /* threads with a deadline, earliest first */
	struct list_node ktimers;  /* kernel timers (core 0 only), earliest first */
	uint64_t armed_deadline_ns; /* what the timer is set for, 0 = nothing */
	unsigned threads;          /* threads that belong to this core */
	unsigned polling;          /* ... of which in the polling state */
	unsigned ready_working;    /* ready threads that are not polling */
	unsigned polls_since_wake;
	volatile bool halted;
	struct stats_page_cpu *stats; /* wakeups: under lock; the rest: this core */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;

struct cpu *cpu_current(void);

/* Boot processor: makes the calling context core 0's idle thread. */
void sched_init_bsp(void);
/* Every core ends its start-up here, as its idle thread. */
_Noreturn void sched_idle_loop(void);
/* Called by the arch as each further core comes up, before its idle loop. */
void sched_init_cpu(unsigned id);

/* Puts a new thread on a core: `cpu_hint` if >= 0, else the least loaded
 * core its affinity allows. */
void sched_start_thread(struct thread *t, int cpu_hint);

/* The current thread gives its core to the next ready thread, if any. */
void sched_yield(void);

/* Blocks the current thread, whose state the caller has set to
 * THREAD_BLOCKED, until sched_wake() or, if deadline_ns is not 0, until
 * that time (CLOCK_MONOTONIC). Returns true if the deadline passed. */
bool sched_block(uint64_t deadline_ns);

/* Makes a blocked thread ready; safe from any core and from interrupts. */
void sched_wake(struct thread *t);

/* Wakes t if it is blocked with t->interruptible set: a signal came. */
void sched_interrupt_wait(struct thread *t);

/* Sleeps until deadline_ns (0: no deadline) or until a signal the thread
 * may take (signal.h) comes; returns true if the deadline passed. */
bool sched_sleep_interruptible(uint64_t deadline_ns);

/* Changes the cores a thread may run on; the current thread moves at once,
 * another thread at its next blocking point. */
int sched_set_affinity(struct thread *t, uint64_t mask);

/* Polling API: "I am polling" / "I am working" for the current thread. */
void sched_set_polling(bool polling);

/* For the boot context before sched_idle_loop, waiting for what only an
 * interrupt and the deferred work it schedules can bring (the network
 * address from DHCP): runs the core's ready threads until none is ready,
 * or else halts the core until the next interrupt, counted as halted time.
 * Call with interrupts disabled after the last look at the condition, so
 * that an interrupt in between ends the halt instead of being missed;
 * returns with them disabled. */
void sched_boot_halt(void);

/* Ends the current (dead) thread's time on its core. */
_Noreturn void sched_exit_current(void);

/* (Re)arms a kernel timer for deadline_ns, or cancels it with 0. Callable
 * from any core and from interrupt handlers; the callback runs on core 0
 * with interrupts disabled and must not block. */
void ktimer_set(struct ktimer *t, uint64_t deadline_ns);

/* Hooks for the arch's interrupt handlers. */
void sched_timer_interrupt(void);
void sched_wakeup_interrupt(void);

/* Called on the new thread's side of every context switch. */
void sched_after_switch(struct thread *prev);

/* A snapshot of core `cpu`'s counters, as the application's API gives them
 * (<lull/lull.h>): the halt in progress counted in halted_ns, busy time
 * derived from it. Returns whether steal_ns comes from the hypervisor
 * (false: it is 0 because nothing reports it). */
struct lull_cpu_stats;
bool sched_cpu_stats(unsigned cpu, struct lull_cpu_stats *out);

#endif
