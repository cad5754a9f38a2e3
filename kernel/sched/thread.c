/*
 * thread.c: creating, finding and ending threads.
 *
 * A thread owns a kernel stack (with a guard page) for its system calls and
 * an FPU save area; its application stack belongs to musl.
 */
#include "sched/thread.h"

#include "kernel_exit.h"
#include "lib/format.h"
#include "mm/kmalloc.h"
#include "mm/vm.h"
#include "sched/sched.h"
#include "sync/futex.h"
#include "syscall/syscall.h"

#define KERNEL_STACK_SIZE (16 * 1024)

static struct spinlock lock;
static struct list_node all_threads = { &all_threads, &all_threads };
static int next_tid = 1;
static unsigned alive;

/* A thread with its kernel stack, on no list yet. */
static struct thread *thread_alloc_bare(const struct thread *creator)
{
	struct thread *t = kmalloc(sizeof *t);
	if (!t)
		return NULL;
	t->kstack_base = vm_alloc_stack(KERNEL_STACK_SIZE);
	if (!t->kstack_base) {
		kfree(t, sizeof *t);
		return NULL;
	}
	t->arch.kstack_top = t->kstack_base + KERNEL_STACK_SIZE;
	t->affinity = ~0ULL;
	t->next_thread_cpu = -1;
	list_init(&t->ready_link);
	list_init(&t->sleep_link);
	list_init(&t->futex.link);
	list_init(&t->wait_link);
	t->interruptible = false;
	signal_thread_init(t, creator);
	return t;
}

static struct thread *thread_alloc(const struct thread *creator)
{
	struct thread *t = thread_alloc_bare(creator);
	if (!t)
		return NULL;
	t->arch.fpu = kmalloc(arch_fpu_area_size());
	if (!t->arch.fpu) {
		vm_free_stack(t->kstack_base, KERNEL_STACK_SIZE);
		kfree(t, sizeof *t);
		return NULL;
	}

	bool irq = arch_interrupts_disable();
	spin_lock(&lock);
	t->tid = next_tid++;
	list_push_back(&all_threads, &t->all_link);
	alive++;
	spin_unlock(&lock);
	arch_interrupts_restore(irq);
	format_string(t->name, sizeof t->name, "thread-%d", t->tid);
	return t;
}

void thread_free(struct thread *t)
{
	bool irq = arch_interrupts_disable();
	spin_lock(&lock);
	list_remove(&t->all_link);
	spin_unlock(&lock);
	arch_interrupts_restore(irq);
	vm_free_stack(t->kstack_base, KERNEL_STACK_SIZE);
	kfree(t->arch.fpu, arch_fpu_area_size());
	kfree(t, sizeof *t);
}

struct thread *thread_create_main(uintptr_t entry, uintptr_t sp)
{
	struct thread *t = thread_alloc(NULL);
	if (!t)
		return NULL;
	format_string(t->name, sizeof t->name, "main");
	arch_thread_init_start(&t->arch, entry, sp);
	sched_start_thread(t, 0);
	return t;
}

struct thread *thread_create_kernel(const char *name, unsigned cpu, void (*fn)(void *ctx),
				    void *ctx)
{
	struct thread *t = thread_alloc_bare(NULL);
	if (!t)
		return NULL;
	format_string(t->name, sizeof t->name, "%s", name);
	t->affinity = 1ULL << cpu;
	arch_thread_init_kernel(&t->arch, fn, ctx);
	sched_start_thread(t, (int)cpu);
	return t;
}

struct thread *thread_create_clone(const void *parent_frame, uintptr_t new_sp, bool set_tls,
				   uintptr_t tls)
{
	struct thread *parent = thread_current();
	struct thread *t = thread_alloc(parent);
	if (!t)
		return NULL;
	t->affinity = parent->affinity;
	arch_thread_init_clone(&t->arch, parent_frame, new_sp, set_tls, tls);
	return t;
}

struct thread *thread_find_each(bool (*match)(struct thread *t, void *ctx), void *ctx)
{
	struct thread *found = NULL;
	bool irq = arch_interrupts_disable();

	spin_lock(&lock);
	for (struct list_node *n = all_threads.next; n != &all_threads; n = n->next) {
		struct thread *t = container_of(n, struct thread, all_link);
		if (t->state != THREAD_DEAD && match(t, ctx)) {
			found = t;
			break;
		}
	}
	spin_unlock(&lock);
	arch_interrupts_restore(irq);
	return found;
}

static bool has_tid(struct thread *t, void *tid)
{
	return t->tid == *(int *)tid;
}

struct thread *thread_find(int tid)
{
	return thread_find_each(has_tid, &tid);
}

unsigned thread_count(void)
{
	return alive;
}

void thread_exit(int status)
{
	struct thread *t = thread_current();

	/* pthread_join waits for the kernel to clear this word and wake it. */
	if (t->clear_child_tid && user_writable(t->clear_child_tid, sizeof(int))) {
		__atomic_store_n(t->clear_child_tid, 0, __ATOMIC_SEQ_CST);
		futex_wake((uintptr_t)t->clear_child_tid, 1, FUTEX_BITSET_ANY);
	}
	bool irq = arch_interrupts_disable();
	spin_lock(&lock);
	bool last = --alive == 0;
	spin_unlock(&lock);
	arch_interrupts_restore(irq);
	if (last)
		kernel_exit(status);
	sched_exit_current();
}
