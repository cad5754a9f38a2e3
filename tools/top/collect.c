/* collect.c: `lull top`'s samples: /proc scans, cgroups, and the guest
 * counters of Lull VMs read through their QMP sockets (see top.h). */
#include "top.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "elf_image.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void top_numa_balancing(const char *proc_root, char *out, size_t size)
{
	char path[4096], text[16] = "";
	snprintf(out, size, "absent");
	if (snprintf(path, sizeof path, "%s/sys/kernel/numa_balancing", proc_root) >= (int)sizeof path)
		return;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(text, sizeof text, f)) {
		text[strcspn(text, "\n")] = '\0';
		snprintf(out, size, "%s", text[0] ? text : "absent");
	}
	fclose(f);
}

/* Finds the stats page symbol in the VM's kernel file, once per VM: the
 * file may be rebuilt while the VM runs, but the VM keeps what it loaded,
 * and a wrong address shows as a wrong magic. */
static void look_up_symbol(struct top_guest *g, const struct vm *vm)
{
	struct elf_image img;
	uint64_t size;
	g->symbol_looked_up = true;
	if (!vm->kernel[0]) {
		snprintf(g->symbol_note, sizeof g->symbol_note, "no -kernel image");
		return;
	}
	const char *problem = elf_image_load(vm->kernel, &img);
	if (problem) {
		snprintf(g->symbol_note, sizeof g->symbol_note, "kernel %.80s: %.60s", vm->kernel, problem);
		return;
	}
	g->has_symbol = elf_image_symbol(&img, STATS_PAGE_SYMBOL, &g->page_addr, &size);
	elf_image_free(&img);
	if (!g->has_symbol)
		snprintf(g->symbol_note, sizeof g->symbol_note, "not a Lull image with a stats page");
}

/* Only a socket that belongs to the QEMU process's own user is the
 * monitor it serves: any process may call itself qemu-system-* and name
 * another VM's socket, and lull top, often run as root, would then read
 * that VM's memory on its behalf. */
static bool socket_belongs_to_vm(const struct top_state *s, const struct vm *vm)
{
	char proc[64];
	struct stat sock, owner;
	snprintf(proc, sizeof proc, "%s/%d", s->proc_root, (int)vm->pid);
	return stat(vm->qmp_socket, &sock) == 0 && S_ISSOCK(sock.st_mode) && stat(proc, &owner) == 0 &&
	       sock.st_uid == owner.st_uid;
}

static void read_guest(struct top_state *s, struct top_guest *g, const struct vm *vm)
{
	struct guest_sample sample;
	struct qmp q;
	char why[TOP_NOTE_MAX - 8];

	g->cores = 0;
	g->note[0] = '\0';
	if (!g->symbol_looked_up)
		look_up_symbol(g, vm);
	if (!g->has_symbol) {
		snprintf(g->note, sizeof g->note, "%s", g->symbol_note);
		return;
	}
	if (!vm->qmp_socket[0]) {
		snprintf(g->note, sizeof g->note, "no -qmp unix socket to read the guest through");
		return;
	}
	if (!socket_belongs_to_vm(s, vm)) {
		snprintf(g->note, sizeof g->note, "the -qmp socket is not the VM user's; not read");
		return;
	}
	int r = qmp_connect(&q, vm->qmp_socket, s->qmp_timeout_ms, why, sizeof why);
	if (!r) {
		r = guest_stats_read(&q, g->page_addr, &sample, why, sizeof why);
		qmp_close(&q);
	}
	if (r) {
		snprintf(g->note, sizeof g->note, "QMP: %s", why);
		return;
	}
	guest_clock_observe(&g->clock, &sample);
	if (g->have_sample) {
		g->cores = guest_stats_rates(&g->sample, &sample, &g->clock, g->rates, STATS_PAGE_MAX_CPUS);
		if (!g->cores)
			snprintf(g->note, sizeof g->note, "guest restarted; figures next sample");
	} else {
		snprintf(g->note, sizeof g->note, "guest figures from the next sample");
	}
	g->has_steal = sample.page.flags & STATS_PAGE_HAS_STEAL;
	g->sample = sample;
	g->have_sample = true;
}

static struct top_guest *guest_of(struct top_state *s, pid_t pid)
{
	for (size_t i = 0; i < s->guest_count; i++)
		if (s->guests[i].pid == pid)
			return &s->guests[i];
	struct top_guest *more = realloc(s->guests, (s->guest_count + 1) * sizeof *more);
	if (!more)
		return NULL;
	s->guests = more;
	struct top_guest *g = &s->guests[s->guest_count++];
	*g = (struct top_guest){ .pid = pid };
	return g;
}

/* Reads every VM's guest, and forgets the guests of VMs that are gone. */
static void read_guests(struct top_state *s, const struct vm_list *vms)
{
	for (size_t i = 0; i < s->guest_count; i++)
		s->guests[i].seen = false;
	for (size_t i = 0; i < vms->count; i++) {
		struct top_guest *g = guest_of(s, vms->vms[i].pid);
		if (g) {
			g->seen = true;
			read_guest(s, g, &vms->vms[i]);
		}
	}
	size_t kept = 0;
	for (size_t i = 0; i < s->guest_count; i++)
		if (s->guests[i].seen)
			s->guests[kept++] = s->guests[i];
	s->guest_count = kept;
}

static void fill_cgroup(const struct top_state *s, struct top_row *row)
{
	if (!s->have_layout) {
		snprintf(row->cgroup_note, sizeof row->cgroup_note, "%s", s->layout_note);
		return;
	}
	int r = cgroup_of_pid(s->proc_root, row->vm->pid, &s->layout.cpu, row->cgroup,
			      sizeof row->cgroup);
	if (r) {
		snprintf(row->cgroup_note, sizeof row->cgroup_note, "cgroup unknown: %s", strerror(-r));
		return;
	}
	r = cgroup_read_limits(&s->layout, row->cgroup, &row->limits);
	if (r) {
		snprintf(row->cgroup_note, sizeof row->cgroup_note, "limits unreadable: %s", strerror(-r));
		return;
	}
	row->has_cgroup = true;
}

static double total_cpu(const struct vm *vm)
{
	return vm->vcpu_cpu_pct + vm->other_cpu_pct;
}

/* qsort_r's comparison; arg points at the enum top_sort. */
static int compare_rows(const void *pa, const void *pb, void *arg)
{
	const struct top_row *a = pa, *b = pb;
	enum top_sort sort = *(const enum top_sort *)arg;
	double x = 0, y = 0;
	if (sort == TOP_SORT_NAME) {
		int c = strcmp(a->vm->name, b->vm->name);
		if (c)
			return c;
	} else if (sort == TOP_SORT_STEAL) {
		x = a->vm->vcpu_steal_pct;
		y = b->vm->vcpu_steal_pct;
	} else {
		x = total_cpu(a->vm);
		y = total_cpu(b->vm);
	}
	if (x != y)
		return x > y ? -1 : 1;
	return (a->vm->pid > b->vm->pid) - (a->vm->pid < b->vm->pid);
}

void top_sort_rows(struct top_sample *sample, enum top_sort sort)
{
	if (sample->count)
		qsort_r(sample->rows, sample->count, sizeof *sample->rows, compare_rows, &sort);
}

int top_init(struct top_state *s, const char *proc_root, int qmp_timeout_ms, enum top_sort sort)
{
	char mountinfo[4096];
	*s = (struct top_state){ .proc_root = proc_root, .qmp_timeout_ms = qmp_timeout_ms, .sort = sort };
	snprintf(mountinfo, sizeof mountinfo, "%s/self/mountinfo", proc_root);
	char why[TOP_NOTE_MAX - 16];
	s->have_layout = cgroup_detect(mountinfo, &s->layout, why, sizeof why) == 0;
	if (!s->have_layout)
		snprintf(s->layout_note, sizeof s->layout_note, "no cgroups: %s", why);
	int r = vm_scan(proc_root, &s->before);
	if (r)
		return r;
	s->before_ns = monotonic_ns();
	read_guests(s, &s->before);
	return 0;
}

int top_collect(struct top_state *s)
{
	struct vm_list now;
	int r = vm_scan(s->proc_root, &now);
	if (r)
		return r;
	uint64_t now_ns = monotonic_ns();
	vm_list_rates(&now, &s->before, now_ns - s->before_ns);
	read_guests(s, &now);

	struct top_row *rows = calloc(now.count ? now.count : 1, sizeof *rows);
	if (!rows) {
		vm_list_free(&now);
		return -ENOMEM;
	}
	for (size_t i = 0; i < now.count; i++) {
		rows[i].vm = &now.vms[i];
		rows[i].guest = guest_of(s, now.vms[i].pid);
		fill_cgroup(s, &rows[i]);
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	free(s->sample.rows);
	s->sample = (struct top_sample){
		.interval_s = (double)(now_ns - s->before_ns) / 1e9,
		.wall_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6,
		.host_cpus = sysconf(_SC_NPROCESSORS_ONLN),
		.count = now.count,
		.rows = rows,
	};
	top_numa_balancing(s->proc_root, s->sample.numa_balancing, sizeof s->sample.numa_balancing);
	top_sort_rows(&s->sample, s->sort);
	vm_list_free(&s->before);
	s->before = now;
	s->before_ns = now_ns;
	return 0;
}

void top_free(struct top_state *s)
{
	vm_list_free(&s->before);
	free(s->guests);
	free(s->sample.rows);
	*s = (struct top_state){ 0 };
}
