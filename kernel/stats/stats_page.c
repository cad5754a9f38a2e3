/*
 * stats_page.c: the page of per-core counters that the host reads while
 * the guest runs (`lull top`), and the halt bookkeeping that must stay
 * consistent for a reader on another machine-level thread.
 *
 * The host reads this memory at any moment, with no lock it could take:
 * hence the sequence count around the three halt fields. x86 keeps stores
 * in order, so compiler barriers are enough between them; other counters
 * are single words that only grow, and a reader takes each as it finds it.
 */
#include "stats/stats_page.h"

#include "arch.h"

/* Page-aligned so that the host can read it in one piece; its address is
 * found by name in the image's symbol table (STATS_PAGE_SYMBOL). */
struct stats_page lull_stats_page __attribute__((aligned(4096), used)) = {
	.magic = STATS_PAGE_MAGIC,
	.version = STATS_PAGE_VERSION,
	.header_size = STATS_PAGE_HEADER_SIZE,
	.record_size = STATS_PAGE_RECORD_SIZE,
};

#define compiler_barrier() __asm__ volatile("" : : : "memory")

struct stats_page_cpu *stats_cpu(unsigned cpu)
{
	return &lull_stats_page.cpu[cpu];
}

void stats_page_add_cpu(unsigned cpu)
{
	uint64_t steal;

	if (cpu == 0) {
		lull_stats_page.boot_wallclock_ns = arch_boot_wallclock_ns();
		if (arch_steal_ns(0, &steal))
			lull_stats_page.flags |= STATS_PAGE_HAS_STEAL;
	}
	__atomic_fetch_add(&lull_stats_page.cpu_count, 1, __ATOMIC_RELEASE);
}

void stats_steal_refresh(struct stats_page_cpu *r)
{
	uint64_t steal;

	if (arch_steal_ns((unsigned)(r - lull_stats_page.cpu), &steal))
		r->steal_ns = steal;
}

void stats_halt_begin(struct stats_page_cpu *r, uint64_t now)
{
	r->seq++;
	compiler_barrier();
	r->halted_since_ns = now;
	r->halted = 1;
	r->updated_ns = now;
	r->halts++;
	compiler_barrier();
	r->seq++;
	stats_steal_refresh(r);
}

void stats_halt_end(struct stats_page_cpu *r, uint64_t now)
{
	r->seq++;
	compiler_barrier();
	r->halted_ns += now - r->halted_since_ns;
	r->halted = 0;
	r->updated_ns = now;
	compiler_barrier();
	r->seq++;
	stats_steal_refresh(r);
}
