/*
 * stats_page.h: each core's counters, kept where the host can read them
 * (the page described in stats_page_format.h). The scheduler counts into a
 * core's record: the core itself, except for wakeups, which a waker on any
 * core counts under the target core's lock.
 */
#ifndef LULL_STATS_STATS_PAGE_H
#define LULL_STATS_STATS_PAGE_H

#include "stats/stats_page_format.h"

#include <stdint.h>

/* The record of core `cpu`. */
struct stats_page_cpu *stats_cpu(unsigned cpu);

/* A core came up: it is counted in the header from now on. */
void stats_page_add_cpu(unsigned cpu);

/* The calling core starts or ends a halt at guest time `now`. */
void stats_halt_begin(struct stats_page_cpu *r, uint64_t now);
void stats_halt_end(struct stats_page_cpu *r, uint64_t now);
/* Copies the hypervisor's steal count into the record: at each halt and
 * wake, and from the timer interrupt, so that a core that never halts
 * still shows its steal (as fresh as its last timer). */
void stats_steal_refresh(struct stats_page_cpu *r);

#endif
