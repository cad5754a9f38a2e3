/*
 * sched.c: per-core run queues, blocking, wake-ups, timers, idle.
 *
 * Each core has one lock that guards its ready list, its timer list and
 * which thread is current. A core only ever runs threads from its own ready
 * list, so a thread cannot run on two cores at once; moving a thread to
 * another core happens after it has switched away (sched_after_switch).
 *
 * The lock is held across a context switch and released by the thread that
 * runs next: a wake-up from another core then waits until the switch is
 * complete instead of seeing a thread that is half switched out.
 *
 * Idle and wake-ups (see docs/ARCHITECTURE.md): a core with nothing to run
 * sets `halted` under its lock, then executes `sti; hlt`. A waker makes a
 * thread ready under the same lock and then sends an IPI only if the core
 * is halted, so a wake-up is never lost and a busy core is never
 * interrupted. Interrupts stay disabled from the check until `hlt`, and
 * `sti` takes effect only after the next instruction, so an IPI that
 * arrives in between ends the `hlt` rather than being handled before it.
 */
#include "sched/sched.h"

#include "arch.h"
#include "lib/errno.h"

#include <lull/lull.h>
#include <string.h>

struct cpu cpus[MAX_CPUS];
unsigned cpu_count;

static uint64_t online_mask(void)
{
	return cpu_count >= 64 ? ~0ULL : (1ULL << cpu_count) - 1;
}

struct cpu *cpu_current(void)
{
	return &cpus[arch_cpu_id()];
}

struct thread *thread_current(void)
{
	return cpu_count ? cpu_current()->current : NULL;
}

void sched_init_cpu(unsigned id)
{
	struct cpu *c = &cpus[id];

	c->id = id;
	list_init(&c->ready);
	list_init(&c->sleepers);
	list_init(&c->ktimers);
	c->idle.tid = 0;
	memcpy(c->idle.name, "idle", 5);
	c->idle.state = THREAD_RUNNING;
	c->idle.cpu = c;
	c->idle.affinity = 1ULL << id;
	list_init(&c->idle.ready_link);
	list_init(&c->idle.sleep_link);
	c->current = &c->idle;
	c->stats = stats_cpu(id);
	stats_page_add_cpu(id);
	__atomic_store_n(&cpu_count, id + 1 > cpu_count ? id + 1 : cpu_count, __ATOMIC_RELEASE);
}

void sched_init_bsp(void)
{
	sched_init_cpu(0);
}

static void enqueue_locked(struct cpu *c, struct thread *t)
{
	t->state = THREAD_READY;
	list_push_back(&c->ready, &t->ready_link);
	if (!t->polling)
		c->ready_working++;
}

static struct thread *dequeue_locked(struct cpu *c)
{
	struct list_node *n = list_pop_front(&c->ready);
	if (!n)
		return NULL;
	struct thread *t = container_of(n, struct thread, ready_link);
	if (!t->polling)
		c->ready_working--;
	return t;
}

static void kick(struct cpu *c)
{
	arch_send_wakeup_ipi(c->id);
	cpu_current()->stats->ipis_sent++;
}

/* Only the core itself may program its timer. */
static void arm_timer_locked(struct cpu *c)
{
	uint64_t deadline = 0;

	if (c != cpu_current())
		return;
	if (!list_empty(&c->sleepers))
		deadline = container_of(c->sleepers.next, struct thread, sleep_link)->wake_at_ns;
	if (!list_empty(&c->ktimers)) {
		uint64_t k = container_of(c->ktimers.next, struct ktimer, link)->deadline_ns;
		if (!deadline || k < deadline)
			deadline = k;
	}
	if (deadline != c->armed_deadline_ns) {
		arch_timer_arm(deadline);
		c->armed_deadline_ns = deadline;
	}
}

static void add_sleeper_locked(struct cpu *c, struct thread *t, uint64_t deadline)
{
	struct list_node *pos = c->sleepers.next;

	while (pos != &c->sleepers &&
	       container_of(pos, struct thread, sleep_link)->wake_at_ns <= deadline)
		pos = pos->next;
	t->wake_at_ns = deadline;
	list_insert_before(pos, &t->sleep_link);
	arm_timer_locked(c);
}

/* Returns true if core c must be sent an IPI once the lock is dropped. */
static bool wake_locked(struct cpu *c, struct thread *t)
{
	if (t->state != THREAD_BLOCKED)
		return false;
	if (list_linked(&t->sleep_link)) {
		list_remove(&t->sleep_link);
		arm_timer_locked(c);
	}
	c->stats->wakeups++;
	c->polls_since_wake = 0;
	if (c->current == t) { /* it has not switched away yet */
		t->state = THREAD_RUNNING;
		return false;
	}
	enqueue_locked(c, t);
	return c != cpu_current() && c->halted;
}

/* Called with c->lock held and interrupts disabled; returns with the lock
 * released, after an interrupt. */
static void halt_unlock(struct cpu *c)
{
	stats_halt_begin(c->stats, arch_clock_ns());
	c->halted = true;
	spin_unlock(&c->lock);
	arch_idle_halt();
	c->halted = false;
	stats_halt_end(c->stats, arch_clock_ns());
}

/* Switches from the current thread, whose state the caller has set, to the
 * next ready thread or to the idle thread. Called with c->lock held and
 * interrupts disabled; returns, when this thread runs again, with the lock
 * released. */
static void switch_away_locked(struct cpu *c)
{
	struct thread *prev = c->current;
	struct thread *next = dequeue_locked(c);

	if (!next)
		next = &c->idle;
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		spin_unlock(&c->lock);
		return;
	}
	next->state = THREAD_RUNNING;
	c->current = next;
	c->stats->context_switches++;
	struct arch_thread *from = arch_thread_switch(&prev->arch, &next->arch);
	sched_after_switch(container_of(from, struct thread, arch));
}

void sched_after_switch(struct thread *prev)
{
	struct cpu *c = cpu_current();
	struct cpu *target = prev->migrate_to;
	bool dead = prev->state == THREAD_DEAD;

	prev->migrate_to = NULL;
	spin_unlock(&c->lock);
	if (dead) {
		thread_free(prev);
	} else if (target) {
		spin_lock(&target->lock);
		prev->cpu = target;
		target->threads++;
		if (prev->polling)
			target->polling++;
		enqueue_locked(target, prev);
		bool must_kick = target != c && target->halted;
		spin_unlock(&target->lock);
		if (must_kick)
			kick(target);
	}
}

static struct cpu *choose_cpu(uint64_t affinity, int hint)
{
	uint64_t allowed = affinity & online_mask();
	struct cpu *best = NULL;

	if (!allowed)
		allowed = online_mask();
	if (hint >= 0 && (unsigned)hint < cpu_count && (allowed & (1ULL << hint)))
		return &cpus[hint];
	for (unsigned i = 0; i < cpu_count; i++)
		if ((allowed & (1ULL << i)) && (!best || cpus[i].threads < best->threads))
			best = &cpus[i];
	return best;
}

void sched_start_thread(struct thread *t, int cpu_hint)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c = choose_cpu(t->affinity, cpu_hint);

	spin_lock(&c->lock);
	t->cpu = c;
	c->threads++;
	enqueue_locked(c, t);
	bool must_kick = c != cpu_current() && c->halted;
	spin_unlock(&c->lock);
	if (must_kick)
		kick(c);
	arch_interrupts_restore(irq);
}

/* The current thread moves to a core its affinity allows. Called with the
 * lock of its current core held; returns running on the new core. */
static void migrate_current_locked(struct cpu *c, struct thread *t)
{
	c->threads--;
	if (t->polling)
		c->polling--;
	t->migrate_to = choose_cpu(t->affinity, -1);
	t->state = THREAD_READY;
	switch_away_locked(c);
}

static bool allowed_here(const struct thread *t, const struct cpu *c)
{
	return (t->affinity & online_mask() & (1ULL << c->id)) != 0;
}

void sched_yield(void)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	spin_lock(&c->lock);
	if (!allowed_here(t, c)) {
		migrate_current_locked(c, t);
		arch_interrupts_restore(irq);
		return;
	}
	if (t->polling) {
		/* Every polling thread has looked once since the last event and
		 * nothing else wants the core: sleep until an interrupt. */
		if (!c->ready_working && c->polls_since_wake >= c->polling) {
			halt_unlock(c);
			spin_lock(&c->lock);
			c->polls_since_wake = 0;
		}
		c->polls_since_wake++;
	}
	if (list_empty(&c->ready)) {
		spin_unlock(&c->lock);
	} else {
		enqueue_locked(c, t);
		switch_away_locked(c);
	}
	arch_interrupts_restore(irq);
}

bool sched_block(uint64_t deadline_ns)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	spin_lock(&c->lock);
	t->timed_out = false;
	/* A signal sent before this lock was taken ends an interruptible wait
	 * here; one sent after finds the thread blocked and wakes it
	 * (sched_interrupt_wait takes the same lock). */
	if (t->state != THREAD_BLOCKED || (t->interruptible && signal_deliverable(t))) {
		t->state = THREAD_RUNNING;
		spin_unlock(&c->lock);
	} else if (deadline_ns && deadline_ns <= arch_clock_ns()) {
		t->state = THREAD_RUNNING;
		t->timed_out = true;
		spin_unlock(&c->lock);
	} else {
		if (deadline_ns)
			add_sleeper_locked(c, t, deadline_ns);
		switch_away_locked(c);
	}
	arch_interrupts_restore(irq);
	return t->timed_out;
}

void sched_wake(struct thread *t)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c = t->cpu; /* a blocked thread does not change cores */

	spin_lock(&c->lock);
	bool must_kick = wake_locked(c, t);
	spin_unlock(&c->lock);
	if (must_kick)
		kick(c);
	arch_interrupts_restore(irq);
}

void sched_interrupt_wait(struct thread *t)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c;

	/* Only a thread that is not blocked changes cores: once its core's
	 * lock is held and it is still there, the checks below hold. */
	for (;;) {
		c = t->cpu;
		spin_lock(&c->lock);
		if (t->cpu == c)
			break;
		spin_unlock(&c->lock);
	}
	bool must_kick = t->interruptible && t->state == THREAD_BLOCKED && wake_locked(c, t);
	spin_unlock(&c->lock);
	if (must_kick)
		kick(c);
	arch_interrupts_restore(irq);
}

bool sched_sleep_interruptible(uint64_t deadline_ns)
{
	struct thread *t = thread_current();
	bool timed_out;

	t->interruptible = true;
	do {
		t->state = THREAD_BLOCKED;
		timed_out = sched_block(deadline_ns);
	} while (!timed_out && !signal_deliverable(t));
	t->interruptible = false;
	return timed_out;
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
	if (!(mask & online_mask()))
		return -EINVAL;
	t->affinity = mask;
	if (t == thread_current() && !allowed_here(t, t->cpu))
		sched_yield(); /* moves it */
	return 0;
}

void sched_set_polling(bool polling)
{
	bool irq = arch_interrupts_disable();
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	spin_lock(&c->lock);
	if (t->polling != polling) {
		t->polling = polling;
		if (polling)
			c->polling++;
		else
			c->polling--;
		c->polls_since_wake = 0;
	}
	spin_unlock(&c->lock);
	arch_interrupts_restore(irq);
}

void sched_exit_current(void)
{
	arch_interrupts_disable();
	struct cpu *c = cpu_current();
	struct thread *t = c->current;

	spin_lock(&c->lock);
	t->state = THREAD_DEAD;
	c->threads--;
	if (t->polling)
		c->polling--;
	switch_away_locked(c);
	__builtin_unreachable();
}

/* The idle thread's one step: run what is ready until nothing is, or halt
 * until an interrupt. Called with interrupts disabled. */
static void idle_step(struct cpu *c)
{
	spin_lock(&c->lock);
	if (list_empty(&c->ready))
		halt_unlock(c);
	else
		switch_away_locked(c);
}

void sched_boot_halt(void)
{
	idle_step(cpu_current());
}

void sched_idle_loop(void)
{
	struct cpu *c = cpu_current();

	for (;;) {
		/* Signals raised by interrupts while every thread slept. */
		signal_take_async();
		arch_interrupts_disable();
		idle_step(c);
	}
}

void ktimer_set(struct ktimer *t, uint64_t deadline_ns)
{
	struct cpu *c = &cpus[0];
	bool irq = arch_interrupts_disable();

	spin_lock(&c->lock);
	if (list_linked(&t->link))
		list_remove(&t->link);
	if (deadline_ns) {
		struct list_node *pos = c->ktimers.next;
		while (pos != &c->ktimers &&
		       container_of(pos, struct ktimer, link)->deadline_ns <= deadline_ns)
			pos = pos->next;
		t->deadline_ns = deadline_ns;
		list_insert_before(pos, &t->link);
	}
	arm_timer_locked(c);
	bool remote = c != cpu_current();
	spin_unlock(&c->lock);
	if (remote) /* core 0 re-arms its own timer when the IPI arrives */
		kick(c);
	arch_interrupts_restore(irq);
}

/* Runs due kernel timers, each after taking it off the list, without the
 * core's lock (a callback may set timers again). */
static void run_ktimers(struct cpu *c, uint64_t now)
{
	for (;;) {
		spin_lock(&c->lock);
		struct ktimer *t = list_empty(&c->ktimers)
					   ? NULL
					   : container_of(c->ktimers.next, struct ktimer, link);
		if (!t || t->deadline_ns > now) {
			spin_unlock(&c->lock);
			return;
		}
		list_remove(&t->link);
		arm_timer_locked(c);
		spin_unlock(&c->lock);
		t->fn(t->ctx);
	}
}

void sched_timer_interrupt(void)
{
	struct cpu *c = cpu_current();
	uint64_t now = arch_clock_ns();

	c->stats->timer_interrupts++;
	stats_steal_refresh(c->stats);
	spin_lock(&c->lock);
	c->armed_deadline_ns = 0; /* it has fired */
	while (!list_empty(&c->sleepers)) {
		struct thread *t = container_of(c->sleepers.next, struct thread, sleep_link);
		if (t->wake_at_ns > now)
			break;
		t->timed_out = true;
		wake_locked(c, t);
	}
	arm_timer_locked(c);
	spin_unlock(&c->lock);
	run_ktimers(c, now);
}

void sched_wakeup_interrupt(void)
{
	struct cpu *c = cpu_current();

	c->stats->ipis_received++;
	spin_lock(&c->lock);
	arm_timer_locked(c); /* a kernel timer may have been set from elsewhere */
	spin_unlock(&c->lock);
}

bool sched_cpu_stats(unsigned cpu, struct lull_cpu_stats *out)
{
	struct cpu *c = &cpus[cpu];
	bool irq = arch_interrupts_disable();

	spin_lock(&c->lock);
	const struct stats_page_cpu *r = c->stats;
	uint64_t up = arch_clock_ns();
	*out = (struct lull_cpu_stats){
		.halted_ns = r->halted_ns + (r->halted ? up - r->halted_since_ns : 0),
		.halts = r->halts,
		.wakeups = r->wakeups,
		.ipis_sent = r->ipis_sent,
		.ipis_received = r->ipis_received,
		.timer_interrupts = r->timer_interrupts,
		.context_switches = r->context_switches,
	};
	spin_unlock(&c->lock);
	arch_interrupts_restore(irq);
	out->busy_ns = up > out->halted_ns ? up - out->halted_ns : 0;
	return arch_steal_ns(cpu, &out->steal_ns);
}
