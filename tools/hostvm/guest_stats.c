/* guest_stats.c: reading a Lull guest's stats page through QMP `xp` and
 * turning two samples into per-core rates (see guest_stats.h). */
#include "guest_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HEADER_WORDS (STATS_PAGE_HEADER_SIZE / 8)
#define RECORD_WORDS (STATS_PAGE_RECORD_SIZE / 8)
#define MAX_WORDS (HEADER_WORDS + STATS_PAGE_MAX_CPUS * RECORD_WORDS)
#define READ_TRIES 6

_Static_assert(sizeof(struct stats_page) == MAX_WORDS * 8, "the page is whole words");

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A hexadecimal number, with or without "0x"; NULL when there is none. */
static const char *parse_hex(const char *p, uint64_t *out)
{
	char *end;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
		return NULL;
	errno = 0;
	*out = strtoull(p, &end, 16);
	return errno ? NULL : end;
}

size_t guest_stats_parse_xp(const char *text, uint64_t addr, uint64_t *words, size_t max_words)
{
	size_t n = 0;
	const char *line = text;
	while (*line && n < max_words) {
		uint64_t at, w;
		const char *p = parse_hex(line, &at);
		if (!p || *p != ':' || at != addr + n * 8)
			break;
		p++;
		while (n < max_words && *p == ' ' && (p = parse_hex(p + 1, &w)))
			words[n++] = w;
		if (!p || (*p != '\r' && *p != '\n' && *p != '\0'))
			break;
		line = p + strspn(p, "\r\n");
	}
	return n;
}

/* The header fields from the page's first words (pairs of 32-bit fields
 * are packed low half first). */
static void decode_header(const uint64_t *w, struct stats_page *page)
{
	page->magic = w[0];
	page->version = (uint32_t)w[1];
	page->header_size = (uint32_t)(w[1] >> 32);
	page->record_size = (uint32_t)w[2];
	page->cpu_count = (uint32_t)(w[2] >> 32);
	page->flags = (uint32_t)w[3];
	page->reserved0 = (uint32_t)(w[3] >> 32);
	page->boot_wallclock_ns = w[4];
}

const char *guest_stats_check_header(const struct stats_page *page)
{
	if (page->magic != STATS_PAGE_MAGIC)
		return "no Lull stats page at the symbol's address (wrong magic)";
	if (page->version != STATS_PAGE_VERSION)
		return "stats page of another version";
	if (page->header_size != STATS_PAGE_HEADER_SIZE || page->record_size != STATS_PAGE_RECORD_SIZE)
		return "stats page with unexpected sizes";
	if (page->cpu_count < 1 || page->cpu_count > STATS_PAGE_MAX_CPUS)
		return "stats page with an impossible core count";
	return NULL;
}

/* Reads `count` words at addr with one xp command. */
static int read_words(struct qmp *q, uint64_t addr, uint64_t *words, size_t count, char *why,
		      size_t why_size)
{
	char cmd[64], *text;
	snprintf(cmd, sizeof cmd, "xp /%zug 0x%" PRIx64, count, addr);
	int r = qmp_hmp(q, cmd, &text, why, why_size);
	if (r)
		return r;
	size_t got = guest_stats_parse_xp(text, addr, words, count);
	if (got < count) {
		const char *first = text + strspn(text, " ");
		r = qmp_error(why, why_size, -EPROTO, "short read of the stats page (%zu of %zu words): %.60s",
			 got, count, first);
	}
	free(text);
	return r;
}

static const uint64_t *record_words(const uint64_t *page_words, unsigned cpu)
{
	return page_words + HEADER_WORDS + (size_t)cpu * RECORD_WORDS;
}

int guest_stats_read(struct qmp *q, uint64_t addr, struct guest_sample *out, char *why,
		     size_t why_size)
{
	uint64_t a[MAX_WORDS], b[MAX_WORDS];
	uint64_t *prev = a, *cur = b;
	bool stable[STATS_PAGE_MAX_CPUS] = { false };

	memset(out, 0, sizeof *out);
	int r = read_words(q, addr, prev, HEADER_WORDS, why, why_size);
	if (r)
		return r;
	decode_header(prev, &out->page);
	const char *bad = guest_stats_check_header(&out->page);
	if (bad)
		return qmp_error(why, why_size, -EPROTO, "%s", bad);
	unsigned cpus = out->page.cpu_count;
	size_t words = HEADER_WORDS + (size_t)cpus * RECORD_WORDS;

	r = read_words(q, addr, prev, words, why, why_size);
	unsigned left = cpus;
	for (int attempt = 1; !r && left && attempt < READ_TRIES; attempt++) {
		r = read_words(q, addr, cur, words, why, why_size);
		out->host_ns = monotonic_ns();
		for (unsigned c = 0; !r && c < cpus; c++) {
			const uint64_t *p = record_words(prev, c), *n = record_words(cur, c);
			if (stable[c] || p[0] != n[0] || (p[0] & 1))
				continue;
			memcpy(&out->page.cpu[c], p, STATS_PAGE_RECORD_SIZE);
			stable[c] = true;
			left--;
		}
		uint64_t *t = prev;
		prev = cur;
		cur = t;
	}
	if (r)
		return r;
	if (left)
		return qmp_error(why, why_size, -EAGAIN, "%u of %u cores' records kept changing", left, cpus);
	return 0;
}

static uint64_t latest_update(const struct stats_page *page)
{
	uint64_t latest = 0;
	for (unsigned c = 0; c < page->cpu_count && c < STATS_PAGE_MAX_CPUS; c++)
		if (page->cpu[c].updated_ns > latest)
			latest = page->cpu[c].updated_ns;
	return latest;
}

void guest_clock_observe(struct guest_clock *clock, const struct guest_sample *sample)
{
	int64_t offset = (int64_t)sample->host_ns - (int64_t)latest_update(&sample->page);
	if (!clock->known || offset < clock->offset_ns) {
		clock->known = true;
		clock->offset_ns = offset;
	}
}

/* The guest clock at the sample: estimated, and never before the latest
 * change the sample shows. */
static uint64_t guest_now(const struct guest_clock *clock, const struct guest_sample *s)
{
	int64_t est = (int64_t)s->host_ns - clock->offset_ns;
	uint64_t floor = latest_update(&s->page);
	return est > 0 && (uint64_t)est > floor ? (uint64_t)est : floor;
}

/* Halted time up to guest time g, counting the halt in progress. */
static uint64_t halted_until(const struct stats_page_cpu *r, uint64_t g)
{
	if (r->halted && g > r->halted_since_ns)
		return r->halted_ns + (g - r->halted_since_ns);
	return r->halted_ns;
}

static double clamp_pct(double v)
{
	return v < 0 ? 0 : v > 100 ? 100 : v;
}

static bool went_back(const struct stats_page_cpu *b, const struct stats_page_cpu *n)
{
	return n->halted_ns < b->halted_ns || n->updated_ns < b->updated_ns || n->halts < b->halts ||
	       n->wakeups < b->wakeups || n->ipis_sent < b->ipis_sent ||
	       n->ipis_received < b->ipis_received || n->timer_interrupts < b->timer_interrupts ||
	       n->context_switches < b->context_switches || n->steal_ns < b->steal_ns;
}

size_t guest_stats_rates(const struct guest_sample *before, const struct guest_sample *now,
			 const struct guest_clock *clock, struct guest_core_rates *out, size_t max)
{
	if (now->host_ns <= before->host_ns || !clock->known ||
	    now->page.boot_wallclock_ns != before->page.boot_wallclock_ns)
		return 0;
	size_t cores = now->page.cpu_count < before->page.cpu_count ? now->page.cpu_count
								      : before->page.cpu_count;
	if (cores > max)
		cores = max;
	if (cores > STATS_PAGE_MAX_CPUS)
		cores = STATS_PAGE_MAX_CPUS;
	for (size_t c = 0; c < cores; c++)
		if (went_back(&before->page.cpu[c], &now->page.cpu[c]))
			return 0;

	double seconds = (double)(now->host_ns - before->host_ns) / 1e9;
	uint64_t g0 = guest_now(clock, before), g1 = guest_now(clock, now);
	double span = g1 > g0 ? (double)(g1 - g0) : seconds * 1e9;
	bool has_steal = now->page.flags & STATS_PAGE_HAS_STEAL;
	for (size_t c = 0; c < cores; c++) {
		const struct stats_page_cpu *b = &before->page.cpu[c], *n = &now->page.cpu[c];
		struct guest_core_rates *o = &out[c];
		bool whole_halt = b->halted && n->halted && b->halted_since_ns == n->halted_since_ns;
		double halted = (double)halted_until(n, g1) - (double)halted_until(b, g0);
		o->halted_pct = whole_halt ? 100.0 : clamp_pct(halted * 100.0 / span);
		o->busy_pct = 100.0 - o->halted_pct;
		o->halted_now = n->halted;
		o->halts_per_s = (double)(n->halts - b->halts) / seconds;
		o->wakeups_per_s = (double)(n->wakeups - b->wakeups) / seconds;
		o->ipis_sent_per_s = (double)(n->ipis_sent - b->ipis_sent) / seconds;
		o->ipis_received_per_s = (double)(n->ipis_received - b->ipis_received) / seconds;
		o->timer_irqs_per_s = (double)(n->timer_interrupts - b->timer_interrupts) / seconds;
		o->context_switches_per_s = (double)(n->context_switches - b->context_switches) / seconds;
		o->steal_pct = has_steal ? clamp_pct((double)(n->steal_ns - b->steal_ns) / 1e7 / seconds)
					 : 0;
	}
	return cores;
}
