/*
 * top.h: what `lull top` knows of the host's VMs at one sample, how it is
 * gathered (collect.c) and how it is shown (render.c).
 *
 * A sample is the growth between two scans of /proc: host CPU and steal
 * per thread (vm.h), the cgroup of each VM and its limits (cgroup.h) and,
 * for a Lull guest with a QMP socket, the guest's per-core counters
 * (guest_stats.h). The guest's monitor is held only while it is read:
 * QEMU serves one QMP client at a time, and others get their turn between
 * samples.
 */
#ifndef LULL_TOP_H
#define LULL_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cgroup.h"
#include "guest_stats.h"
#include "vm.h"

#define TOP_NOTE_MAX 160

/* What `lull top` keeps of one VM from sample to sample. */
struct top_guest {
	pid_t pid;
	bool seen;                 /* in the latest scan */
	bool symbol_looked_up;
	bool has_symbol;
	uint64_t page_addr;
	char symbol_note[TOP_NOTE_MAX];
	struct guest_clock clock;
	bool have_sample;
	struct guest_sample sample;
	/* Of the latest sample: */
	size_t cores;              /* 0: no guest figures (note says why) */
	bool has_steal;
	struct guest_core_rates rates[STATS_PAGE_MAX_CPUS];
	char note[TOP_NOTE_MAX];
};

/* One VM's row of a sample. */
struct top_row {
	struct vm *vm;
	const struct top_guest *guest;
	bool has_cgroup;
	char cgroup[CGROUP_PATH_MAX];
	struct cgroup_limits limits;
	char cgroup_note[TOP_NOTE_MAX];
};

enum top_sort { TOP_SORT_CPU, TOP_SORT_STEAL, TOP_SORT_NAME };

struct top_sample {
	double interval_s;
	double wall_time;          /* seconds since the epoch, at the sample */
	long host_cpus;
	char numa_balancing[16];   /* "0", "1", "2"..., or "absent" */
	size_t count;
	struct top_row *rows;      /* sorted as asked */
};

struct top_state {
	const char *proc_root;
	int qmp_timeout_ms;
	enum top_sort sort;
	bool have_layout;
	struct cgroup_layout layout;
	char layout_note[TOP_NOTE_MAX];
	struct vm_list before;
	uint64_t before_ns;
	size_t guest_count;
	struct top_guest *guests;
	struct top_sample sample;
};

/* Starts the state: detects the cgroup layout and takes the first scan.
 * Returns 0, or -errno when proc_root cannot be read. */
int top_init(struct top_state *s, const char *proc_root, int qmp_timeout_ms, enum top_sort sort);
/* Scans again and makes s->sample the growth since the previous scan. */
int top_collect(struct top_state *s);
void top_free(struct top_state *s);
void top_sort_rows(struct top_sample *sample, enum top_sort sort);

/* "0" / "1" / ... from PROC_ROOT/sys/kernel/numa_balancing, "absent" when
 * it is not there. */
void top_numa_balancing(const char *proc_root, char *out, size_t size);

/* Rendering. Text is for a terminal of `width` columns (lines are cut to
 * fit; 0: no limit); detail lists every emulator/I/O thread. */
void top_render_text(FILE *out, const struct top_sample *sample, enum top_sort sort, bool detail,
		     int width);
void top_render_json(FILE *out, const struct top_sample *sample);

#endif
