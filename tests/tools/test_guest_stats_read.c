/* test_guest_stats_read.c: reading a guest's stats page through a fake
 * QMP monitor that serves `xp` from a page in memory, and the rates two
 * samples make (tools/hostvm/guest_stats.c). */
// unit-under-test: tools/hostvm/guest_stats.c tools/hostvm/qmp.c -lpthread
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>

#include <cmocka.h>

#include "guest_stats.h"
#include "test_qmp_fake.h"

#define ADDR 0x121000u

enum page_trouble {
	PAGE_FINE,
	PAGE_ODD_TWICE,     /* core 1's record is mid-write for the first two reads */
	PAGE_ALWAYS_MOVING, /* core 0's seq moves on at every read */
	PAGE_SHORT,         /* the reply stops half way */
	PAGE_UNMAPPED,      /* QEMU cannot read the address */
};

struct fake_guest {
	struct stats_page page;
	enum page_trouble trouble;
	int full_reads;
};

/* `xp /Ng ADDR` as QEMU 7.2 prints it: two words a line. */
static char *xp_answer(struct fake_qmp *f, const char *command)
{
	struct fake_guest *g = f->ctx;
	size_t count;
	uint64_t addr;
	if (sscanf(command, "xp /%zug 0x%" SCNx64, &count, &addr) != 2)
		return strdup("Invalid parameter\r\n");
	if (g->trouble == PAGE_UNMAPPED)
		return strdup("0000000000121000: Cannot access memory\r\n");
	if (count > STATS_PAGE_HEADER_SIZE / 8) {
		g->full_reads++;
		if (g->trouble == PAGE_ODD_TWICE)
			g->page.cpu[1].seq = g->full_reads <= 2 ? 7 : 8;
		if (g->trouble == PAGE_ALWAYS_MOVING)
			g->page.cpu[0].seq += 2;
		if (g->trouble == PAGE_SHORT)
			count /= 2;
	}
	const uint64_t *w = (const uint64_t *)&g->page;
	size_t off = (addr - ADDR) / 8;
	char *text = malloc(count * 40 + 1), *p = text;
	*p = '\0';
	for (size_t i = 0; i < count; i++) {
		if (i % 2 == 0)
			p += sprintf(p, "%s%016" PRIx64 ":", i ? "\r\n" : "", addr + i * 8);
		p += sprintf(p, " 0x%016" PRIx64, w[off + i]);
	}
	strcpy(p, "\r\n");
	return text;
}

static void fill_page(struct stats_page *page, unsigned cpus)
{
	memset(page, 0, sizeof *page);
	page->magic = STATS_PAGE_MAGIC;
	page->version = STATS_PAGE_VERSION;
	page->header_size = STATS_PAGE_HEADER_SIZE;
	page->record_size = STATS_PAGE_RECORD_SIZE;
	page->cpu_count = cpus;
	page->boot_wallclock_ns = 1234;
	for (unsigned c = 0; c < cpus; c++) {
		page->cpu[c].seq = 4;
		page->cpu[c].halts = 100 + c;
		page->cpu[c].context_switches = 7 * c;
		page->cpu[c].updated_ns = 5000 + c;
	}
}

static int read_page(struct fake_guest *g, struct guest_sample *s, char *why, size_t why_size)
{
	struct fake_qmp f = { .answer = xp_answer, .ctx = g };
	struct qmp q;
	fake_start(&f, FAKE_NORMAL);
	int r = qmp_connect(&q, f.path, 1000, why, why_size);
	if (!r)
		r = guest_stats_read(&q, ADDR, s, why, why_size);
	qmp_close(&q);
	fake_stop(&f);
	return r;
}

static void reads_a_good_page(void **state)
{
	(void)state;
	static struct fake_guest g;
	static struct guest_sample s;
	char why[200];
	fill_page(&g.page, 3);
	g.trouble = PAGE_FINE;
	assert_int_equal(read_page(&g, &s, why, sizeof why), 0);
	assert_int_equal(s.page.cpu_count, 3);
	assert_int_equal(s.page.boot_wallclock_ns, 1234);
	assert_memory_equal(s.page.cpu, g.page.cpu, 3 * sizeof g.page.cpu[0]);
	assert_true(s.host_ns > 0);
}

static void a_record_mid_write_is_read_again(void **state)
{
	(void)state;
	static struct fake_guest g;
	static struct guest_sample s;
	char why[200];
	fill_page(&g.page, 2);
	g.trouble = PAGE_ODD_TWICE;
	assert_int_equal(read_page(&g, &s, why, sizeof why), 0);
	assert_int_equal(s.page.cpu[1].seq, 8);
	assert_true(g.full_reads >= 4);

	fill_page(&g.page, 2);
	g.full_reads = 0;
	g.trouble = PAGE_ALWAYS_MOVING;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EAGAIN);
	assert_non_null(strstr(why, "kept changing"));
}

static void bad_pages_are_refused(void **state)
{
	(void)state;
	static struct fake_guest g;
	static struct guest_sample s;
	char why[200];

	fill_page(&g.page, 2);
	g.page.magic ^= 1;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);
	assert_non_null(strstr(why, "magic"));

	fill_page(&g.page, 2);
	g.page.version = 2;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);

	fill_page(&g.page, 2);
	g.page.record_size = 64;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);

	fill_page(&g.page, 0);
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);
	fill_page(&g.page, 2);
	g.page.cpu_count = STATS_PAGE_MAX_CPUS + 1;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);

	fill_page(&g.page, 2);
	g.trouble = PAGE_SHORT;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);
	assert_non_null(strstr(why, "short read"));

	g.trouble = PAGE_UNMAPPED;
	assert_int_equal(read_page(&g, &s, why, sizeof why), -EPROTO);
	assert_non_null(strstr(why, "Cannot access memory"));
}

static void xp_output_parsing(void **state)
{
	(void)state;
	uint64_t w[4] = { 0 };
	const char *text = "0000000000001000: 0x0000000000000001 0x00000000000000ff\r\n"
			   "0000000000001010: 0xffffffffffffffff\r\n";
	assert_int_equal(guest_stats_parse_xp(text, 0x1000, w, 4), 3);
	assert_int_equal(w[1], 0xff);
	assert_int_equal(w[2], UINT64_MAX);
	assert_int_equal(guest_stats_parse_xp(text, 0x1000, w, 2), 2);
	/* A line out of order, at another address, or damaged ends the words. */
	assert_int_equal(guest_stats_parse_xp(text, 0x2000, w, 4), 0);
	assert_int_equal(guest_stats_parse_xp("0000000000001000: 0x1 0x2\r\n0000000000001020: 0x3\r\n",
					      0x1000, w, 4), 2);
	assert_int_equal(guest_stats_parse_xp("0000000000001000: 0x1 0xzz\r\n", 0x1000, w, 4), 1);
	assert_int_equal(guest_stats_parse_xp("0000000000001000 0x1\r\n", 0x1000, w, 4), 0);
	assert_int_equal(guest_stats_parse_xp("", 0x1000, w, 4), 0);
	assert_int_equal(guest_stats_parse_xp("garbage", 0x1000, w, 4), 0);
}

/* Two samples one second apart on the host, the guest clock 1000 s behind. */
#define HOST0 2000000000000ull
#define OFFSET 1000000000000ull
#define SEC 1000000000ull

static void sample_at(struct guest_sample *s, uint64_t host_ns, unsigned cpus)
{
	fill_page(&s->page, cpus);
	s->host_ns = host_ns;
}

static void halted_time_counts_the_halt_in_progress(void **state)
{
	(void)state;
	static struct guest_sample a, b;
	struct guest_clock clock = { 0 };
	struct guest_core_rates r[4];
	sample_at(&a, HOST0, 3);
	sample_at(&b, HOST0 + SEC, 3);
	uint64_t g0 = HOST0 - OFFSET, g1 = g0 + SEC;

	/* Core 0 halted throughout: the same halt at both reads. */
	a.page.cpu[0].halted = b.page.cpu[0].halted = 1;
	a.page.cpu[0].halted_since_ns = b.page.cpu[0].halted_since_ns = g0 - 5 * SEC;
	/* Core 1 ran, then halted for the last quarter second; its latest
	 * change was just before the second read, which pins the clock. */
	a.page.cpu[1].updated_ns = g0;
	b.page.cpu[1].halted = 1;
	b.page.cpu[1].halted_since_ns = g1 - SEC / 4;
	b.page.cpu[1].updated_ns = g1;
	/* Core 2 halted 0.4 s in finished halts, busy now. */
	b.page.cpu[2].halted_ns = a.page.cpu[2].halted_ns + 4 * SEC / 10;
	b.page.cpu[2].halts = a.page.cpu[2].halts + 50;
	b.page.cpu[2].context_switches = a.page.cpu[2].context_switches + 1000;
	b.page.cpu[2].ipis_sent = 30;
	b.page.cpu[2].timer_interrupts = 20;
	b.page.cpu[2].wakeups = 10;
	b.page.cpu[2].ipis_received = 5;

	guest_clock_observe(&clock, &a);
	guest_clock_observe(&clock, &b);
	assert_true(clock.known);
	assert_int_equal(clock.offset_ns, (int64_t)OFFSET);
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 4), 3);
	assert_float_equal(r[0].halted_pct, 100.0, 1e-9);
	assert_float_equal(r[0].busy_pct, 0.0, 1e-9);
	assert_true(r[0].halted_now);
	assert_float_equal(r[1].halted_pct, 25.0, 1e-6);
	assert_float_equal(r[1].busy_pct, 75.0, 1e-6);
	assert_float_equal(r[2].halted_pct, 40.0, 1e-6);
	assert_float_equal(r[2].halts_per_s, 50.0, 1e-9);
	assert_float_equal(r[2].context_switches_per_s, 1000.0, 1e-9);
	assert_float_equal(r[2].ipis_sent_per_s, 30.0, 1e-9);
	assert_float_equal(r[2].ipis_received_per_s, 5.0, 1e-9);
	assert_float_equal(r[2].timer_irqs_per_s, 20.0, 1e-9);
	assert_float_equal(r[2].wakeups_per_s, 10.0, 1e-9);
	assert_float_equal(r[2].steal_pct, 0.0, 1e-9);

	/* The room given bounds the cores filled. */
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 2), 2);
}

static void the_clock_estimate_never_runs_ahead(void **state)
{
	(void)state;
	static struct guest_sample a, b;
	struct guest_clock clock = { 0 };
	struct guest_core_rates r[1];
	uint64_t g0 = HOST0 - OFFSET;
	/* The reply of each read arrives 50 ms after the guest's latest
	 * change: the estimate is 50 ms behind, and a halt that began in the
	 * interval counts 50 ms short (50 % where 55 % is true), never long. */
	sample_at(&a, HOST0 + SEC / 20, 1);
	sample_at(&b, HOST0 + SEC + SEC / 20, 1);
	a.page.cpu[0].updated_ns = g0;
	b.page.cpu[0].updated_ns = g0 + SEC / 2;
	b.page.cpu[0].halted = 1;
	b.page.cpu[0].halted_since_ns = g0 + SEC / 2;
	guest_clock_observe(&clock, &a);
	guest_clock_observe(&clock, &b);
	assert_int_equal(clock.offset_ns, (int64_t)(OFFSET + SEC / 20));
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 1), 1);
	assert_float_equal(r[0].halted_pct, 50.0, 1e-6);

	/* A halt that began 10 ms before the first read, which the estimate
	 * (50 ms behind) puts after it, still makes the whole interval. */
	a.page.cpu[0].halted = b.page.cpu[0].halted = 1;
	a.page.cpu[0].halted_since_ns = b.page.cpu[0].halted_since_ns = g0 + SEC / 20 - SEC / 100;
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 1), 1);
	assert_float_equal(r[0].halted_pct, 100.0, 1e-9);

	/* A later, closer sample tightens it. */
	b.host_ns = HOST0 + SEC / 2 + 1000;
	guest_clock_observe(&clock, &b);
	assert_int_equal(clock.offset_ns, (int64_t)(OFFSET + 1000));
}

static void steal_and_restarts(void **state)
{
	(void)state;
	static struct guest_sample a, b;
	struct guest_clock clock = { 0 };
	struct guest_core_rates r[2];
	sample_at(&a, HOST0, 2);
	sample_at(&b, HOST0 + 2 * SEC, 2);
	b.page.cpu[1].steal_ns = SEC / 2;
	guest_clock_observe(&clock, &a);
	guest_clock_observe(&clock, &b);
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 2), 2);
	assert_float_equal(r[1].steal_pct, 0.0, 1e-9); /* the flag is off */
	a.page.flags = b.page.flags = STATS_PAGE_HAS_STEAL;
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 2), 2);
	assert_float_equal(r[1].steal_pct, 25.0, 1e-9);

	/* Counters that went back: the guest restarted. */
	b.page.cpu[1].halts = a.page.cpu[1].halts - 1;
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 2), 0);
	b.page.cpu[1].halts = a.page.cpu[1].halts;
	b.page.boot_wallclock_ns++;
	assert_int_equal(guest_stats_rates(&a, &b, &clock, r, 2), 0);
	b.page.boot_wallclock_ns--;
	/* Samples out of order, or with no clock. */
	assert_int_equal(guest_stats_rates(&b, &a, &clock, r, 2), 0);
	struct guest_clock none = { 0 };
	assert_int_equal(guest_stats_rates(&a, &b, &none, r, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_a_good_page),
		cmocka_unit_test(a_record_mid_write_is_read_again),
		cmocka_unit_test(bad_pages_are_refused),
		cmocka_unit_test(xp_output_parsing),
		cmocka_unit_test(halted_time_counts_the_halt_in_progress),
		cmocka_unit_test(the_clock_estimate_never_runs_ahead),
		cmocka_unit_test(steal_and_restarts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
