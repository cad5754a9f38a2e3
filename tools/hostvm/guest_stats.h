/*
 * guest_stats.h: a Lull guest's own per-core counters, read from the host
 * through QEMU's monitor (the page format is kernel/stats/
 * stats_page_format.h), and the rates two reads make.
 *
 * Reading. The page's guest-physical address is the image's symbol
 * STATS_PAGE_SYMBOL (the caller looks it up in the -kernel file). One
 * sample is the header and the started cores' records, read with
 * `xp /Ng ADDR` and read again: a record is kept when its seq is even and
 * the same in both reads (the first read's data then lies between two
 * equal even seq words, as in a seqlock). Records that fail are read again,
 * a few times, before the sample is refused.
 *
 * The guest clock. halted_ns counts only finished halts, so a halt in
 * progress lasts "guest now - halted_since_ns", and the host cannot read
 * the guest clock. It is estimated from the offset between the clocks:
 * every record's updated_ns is at most the guest clock when QEMU read it,
 * and QEMU read it before the reply arrived at host time T, so
 * T - max(updated_ns) >= the true offset (host - guest). The estimate is
 * the minimum of that over every sample so far, hence never below the true
 * offset: the estimated guest now is never later than the real one, and a
 * halt in progress is never counted longer than it has lasted.
 *
 * Its error is the smallest gap, over the samples seen, between a core's
 * last change and the reply's arrival: under a millisecond once any core
 * has changed state just before a read (a busy or waking guest), up to the
 * time since the guest's last change for a guest that has slept since
 * before the first read. Halted time in progress is then undercounted by
 * at most that error, which shows as busy time; the clamp to 0..100 %
 * bounds what a drift of the guest clock against the host's (the offset
 * is assumed constant) could add. A core halted at both reads with the same
 * halted_since_ns has been halted the whole interval, and is reported as
 * exactly 100 % halted whatever the estimate.
 */
#ifndef LULL_HOSTVM_GUEST_STATS_H
#define LULL_HOSTVM_GUEST_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kernel/stats/stats_page_format.h"
#include "qmp.h"

struct guest_sample {
	uint64_t host_ns;       /* host CLOCK_MONOTONIC when the reply arrived */
	struct stats_page page; /* header and cpu_count records */
};

/* Reads one consistent sample of the page at guest-physical addr. Returns
 * 0, or -errno with the reason in `why`: -EPROTO for a page that is not a
 * Lull stats page (magic, version, sizes, cpu_count), -EAGAIN when records
 * kept changing, or the qmp_hmp() error. */
int guest_stats_read(struct qmp *q, uint64_t addr, struct guest_sample *out, char *why,
		     size_t why_size);

/* Parses `xp /Ng` output for words starting at addr into words[]; returns
 * how many consecutive words it found (lines must follow one another from
 * addr on; parsing stops at the first line that does not). */
size_t guest_stats_parse_xp(const char *text, uint64_t addr, uint64_t *words, size_t max_words);

/* Checks a page header; NULL when it is good, else what is wrong. */
const char *guest_stats_check_header(const struct stats_page *page);

/* The estimated offset host CLOCK_MONOTONIC - guest clock (see above). */
struct guest_clock {
	bool known;
	int64_t offset_ns;
};
void guest_clock_observe(struct guest_clock *clock, const struct guest_sample *sample);

struct guest_core_rates {
	double halted_pct, busy_pct;   /* of the interval, 0..100 */
	bool halted_now;
	double halts_per_s, wakeups_per_s, ipis_sent_per_s, ipis_received_per_s;
	double timer_irqs_per_s, context_switches_per_s;
	double steal_pct;              /* 0 unless the page has STATS_PAGE_HAS_STEAL */
};

/* Per-core rates between two samples of the same guest (clock has
 * observed both). Returns the number of cores filled (at most max), 0 when
 * the samples cannot be compared (a reboot: counters went back). */
size_t guest_stats_rates(const struct guest_sample *before, const struct guest_sample *now,
			 const struct guest_clock *clock, struct guest_core_rates *out, size_t max);

#endif
