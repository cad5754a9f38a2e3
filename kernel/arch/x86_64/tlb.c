/*
 * tlb.c: making every core forget a removed mapping before its page is
 * reused.
 *
 * Each core caches translations in its own TLB, and `invlpg` only cleans
 * the local one. After removing mappings the kernel asks every other core to
 * flush and waits until each has. The request is an NMI, not an ordinary
 * interrupt: the requesting core may hold a lock with interrupts disabled
 * that another core is spinning on, also with interrupts disabled, and only
 * an NMI gets through to it.
 */
#include "tlb.h"

#include "arch.h"
#include "lapic.h"
#include "percpu.h"
#include "x86.h"

#include "panic.h"
#include "sched/sched.h"

static volatile uint64_t flush_generation;

void x86_tlb_flush_nmi(void)
{
	uint64_t generation = __atomic_load_n(&flush_generation, __ATOMIC_ACQUIRE);

	write_cr3(read_cr3());
	__atomic_store_n(&x86_percpu()->tlb_generation, generation, __ATOMIC_RELEASE);
}

void arch_tlb_shootdown(void)
{
	unsigned online = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
	unsigned self = arch_cpu_id();

	assert_not_in_interrupt("a TLB shootdown");
	if (online <= 1)
		return;
	uint64_t generation = __atomic_add_fetch(&flush_generation, 1, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < online; i++)
		if (i != self)
			x86_lapic_send_nmi(i);
	for (unsigned i = 0; i < online; i++)
		while (i != self &&
		       __atomic_load_n(&x86_percpu_of(i)->tlb_generation, __ATOMIC_ACQUIRE) < generation)
			cpu_relax();
}
