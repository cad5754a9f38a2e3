/* stats.h: how the bench-idle guests end: after the measured interval,
 * print each core's counters (parsed by bench/idle.sh) and exit. */
#ifndef BENCH_IDLE_STATS_H
#define BENCH_IDLE_STATS_H

#include <lull/lull.h>
#include <stdio.h>
#include <stdlib.h>

static inline int bench_seconds(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 40;
}

static inline void bench_report_and_exit(void)
{
	for (int c = 0; c < lull_cpu_count(); c++) {
		struct lull_cpu_stats s;
		lull_cpu_stats(c, &s);
		printf("core %d: busy %.1f ms, halted %.1f ms, %llu halts, %llu timer interrupts, "
		       "%llu IPIs received, %llu switches\n",
		       c, (double)s.busy_ns / 1e6, (double)s.halted_ns / 1e6,
		       (unsigned long long)s.halts, (unsigned long long)s.timer_interrupts,
		       (unsigned long long)s.ipis_received, (unsigned long long)s.context_switches);
	}
	exit(0);
}

#endif
