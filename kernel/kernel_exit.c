/* kernel_exit.c: ends the VM with the application's exit status, first
 * printing the per-core counters when asked to (lull.stats=1). */
#include "kernel_exit.h"

#include "app.h"
#include "arch.h"
#include "console.h"
#include "sched/sched.h"

static void print_stats(void)
{
	kprintf("lull: stats: cpu busy_ms halted_ms halts wakeups ipi_sent ipi_recv timer_irqs "
		"switches\n");
	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu_stats s;
		uint64_t busy;
		sched_cpu_stats(i, &s, &busy);
		kprintf("lull: stats: %u %lu %lu %lu %lu %lu %lu %lu %lu\n", i,
			(unsigned long)(busy / 1000000), (unsigned long)(s.halted_ns / 1000000),
			(unsigned long)s.halts, (unsigned long)s.wakeups, (unsigned long)s.ipis_sent,
			(unsigned long)s.ipis_received, (unsigned long)s.timer_interrupts,
			(unsigned long)s.context_switches);
	}
}

void kernel_exit(int status)
{
	if (kernel_options.print_stats)
		print_stats();
	arch_exit_vm(status);
}
