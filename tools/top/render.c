/* render.c: `lull top`'s sample as a text table and as JSON (see top.h). */
#include "top.h"

#include <stdarg.h>
#include <string.h>

#include "qmp.h"

static const char *const sort_names[] = {
	[TOP_SORT_CPU] = "cpu",
	[TOP_SORT_STEAL] = "steal",
	[TOP_SORT_NAME] = "name",
};

/* One line of text, cut to the terminal's width so that it never wraps. */
static void line(FILE *out, int width, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (width > 0 && strlen(buf) > (size_t)width)
		buf[width] = '\0';
	fprintf(out, "%s\n", buf);
}

static void limits_text(const struct top_row *row, char *out, size_t size)
{
	const struct cgroup_limits *l = &row->limits;
	char quota[48] = "no quota";
	if (!row->has_cgroup) {
		snprintf(out, size, "%s", row->cgroup_note);
		return;
	}
	if (l->quota_us >= 0 && l->period_us)
		snprintf(quota, sizeof quota, "quota %.0f%%", (double)l->quota_us * 100.0 / (double)l->period_us);
	snprintf(out, size, "%.100s  weight %u  %s%s%.60s", row->cgroup, l->weight, quota,
		 l->cpus[0] ? "  cpus " : "", l->cpus);
}

/* The guest's own view of core c, "" when there is none. */
static void guest_core_text(const struct top_guest *g, size_t c, char *out, size_t size)
{
	out[0] = '\0';
	if (!g || c >= g->cores)
		return;
	const struct guest_core_rates *r = &g->rates[c];
	char steal[32] = "";
	if (g->has_steal)
		snprintf(steal, sizeof steal, " steal %.1f%%", r->steal_pct);
	snprintf(out, size,
		 "busy %5.1f%% %s halts %.0f/s ipi %.0f/%.0f/s timer %.0f/s cs %.0f/s wake %.0f/s%s",
		 r->busy_pct, r->halted_now ? "(halted)" : "(running)", r->halts_per_s,
		 r->ipis_sent_per_s, r->ipis_received_per_s, r->timer_irqs_per_s,
		 r->context_switches_per_s, r->wakeups_per_s, steal);
}

static void render_vm(FILE *out, const struct top_row *row, bool detail, int width)
{
	const struct vm *vm = row->vm;
	const struct top_guest *g = row->guest;
	char limits[256], guest[192];
	size_t others = 0, vcpus_shown = 0;

	limits_text(row, limits, sizeof limits);
	line(out, width, "%7d %-20.20s %6.1f %6.1f %6.1f %6.1f %4d  %s", (int)vm->pid, vm->name,
	     vm->vcpu_cpu_pct + vm->other_cpu_pct, vm->vcpu_cpu_pct, vm->vcpu_steal_pct,
	     vm->other_cpu_pct, vm->smp, limits);
	for (size_t i = 0; i < vm->thread_count; i++) {
		const struct vm_thread *t = &vm->threads[i];
		if (t->vcpu < 0) {
			others++;
			continue;
		}
		guest_core_text(g, (size_t)t->vcpu, guest, sizeof guest);
		line(out, width, "        vCPU %-3d tid %-7d   %6.1f        %6.1f  host cpu %-3d %s",
		     t->vcpu, (int)t->tid, t->cpu_pct, t->steal_pct, t->last_cpu, guest);
		vcpus_shown++;
	}
	/* Without named threads the guest's cores have no host thread to
	 * sit beside. */
	for (size_t c = vcpus_shown; g && c < g->cores; c++) {
		guest_core_text(g, c, guest, sizeof guest);
		line(out, width, "        guest core %-3zu %37s %s", c, "", guest);
	}
	line(out, width, "        %s (%zu threads)%*s%6.1f", vm->named_threads ? "emulator/IO" : "all threads",
	     others, others < 10 ? 4 : 3, "", vm->other_cpu_pct);
	for (size_t i = 0; detail && i < vm->thread_count; i++) {
		const struct vm_thread *t = &vm->threads[i];
		if (t->vcpu < 0)
			line(out, width, "          %-15.15s tid %-7d %6.1f        %6.1f  host cpu %d",
			     t->comm, (int)t->tid, t->cpu_pct, t->steal_pct, t->last_cpu);
	}
	if (g && !g->cores && g->note[0])
		line(out, width, "        guest: %s", g->note);
}

void top_render_text(FILE *out, const struct top_sample *sample, enum top_sort sort, bool detail,
		     int width)
{
	double total = 0;
	for (size_t i = 0; i < sample->count; i++)
		total += sample->rows[i].vm->vcpu_cpu_pct + sample->rows[i].vm->other_cpu_pct;
	line(out, width, "lull top: %zu VM%s using %.1f%% of %ld host CPUs; numa_balancing %s; "
	     "over %.1f s; sorted by %s", sample->count, sample->count == 1 ? "" : "s", total,
	     sample->host_cpus, sample->numa_balancing, sample->interval_s, sort_names[sort]);
	line(out, width, "%7s %-20s %6s %6s %6s %6s %4s  %s", "PID", "NAME", "CPU%", "VCPU%", "STEAL%",
	     "EMU%", "SMP", "CGROUP");
	for (size_t i = 0; i < sample->count; i++)
		render_vm(out, &sample->rows[i], detail, width);
	if (!sample->count)
		line(out, width, "(no QEMU VMs running)");
}

static void json_thread(FILE *out, const struct vm_thread *t)
{
	fprintf(out, "{\"tid\":%d,\"comm\":", (int)t->tid);
	qmp_json_write_string(out, t->comm);
	fprintf(out, ",\"cpu_pct\":%.2f,\"steal_pct\":%.2f,\"last_cpu\":%d,\"run_ns\":%llu,\"wait_ns\":%llu",
		t->cpu_pct, t->steal_pct, t->last_cpu, (unsigned long long)t->run_ns,
		(unsigned long long)t->wait_ns);
	if (t->vcpu >= 0)
		fprintf(out, ",\"vcpu\":%d", t->vcpu);
	fputc('}', out);
}

static void json_threads(FILE *out, const struct vm *vm, bool vcpus)
{
	bool first = true;
	fputc('[', out);
	for (size_t i = 0; i < vm->thread_count; i++) {
		if ((vm->threads[i].vcpu >= 0) != vcpus)
			continue;
		if (!first)
			fputc(',', out);
		json_thread(out, &vm->threads[i]);
		first = false;
	}
	fputc(']', out);
}

static void json_cgroup(FILE *out, const struct top_row *row)
{
	const struct cgroup_limits *l = &row->limits;
	if (!row->has_cgroup) {
		fputs("null,\"cgroup_note\":", out);
		qmp_json_write_string(out, row->cgroup_note);
		return;
	}
	fputs("{\"path\":", out);
	qmp_json_write_string(out, row->cgroup);
	fprintf(out, ",\"weight\":%u,\"quota_us\":%lld,\"period_us\":%llu,\"cpus\":", l->weight,
		(long long)l->quota_us, (unsigned long long)l->period_us);
	qmp_json_write_string(out, l->cpus);
	fputs(",\"mems\":", out);
	qmp_json_write_string(out, l->mems);
	fputc('}', out);
}

static void json_guest(FILE *out, const struct top_guest *g)
{
	if (!g || !g->cores) {
		fputs("null,\"guest_note\":", out);
		qmp_json_write_string(out, g ? g->note : "");
		return;
	}
	fprintf(out, "{\"steal_from_hypervisor\":%s,\"cores\":[", g->has_steal ? "true" : "false");
	for (size_t c = 0; c < g->cores; c++) {
		const struct guest_core_rates *r = &g->rates[c];
		fprintf(out,
			"%s{\"core\":%zu,\"busy_pct\":%.2f,\"halted_pct\":%.2f,\"halted\":%s,"
			"\"halts_per_s\":%.2f,\"wakeups_per_s\":%.2f,\"ipis_sent_per_s\":%.2f,"
			"\"ipis_received_per_s\":%.2f,\"timer_irqs_per_s\":%.2f,"
			"\"context_switches_per_s\":%.2f",
			c ? "," : "", c, r->busy_pct, r->halted_pct, r->halted_now ? "true" : "false",
			r->halts_per_s, r->wakeups_per_s, r->ipis_sent_per_s, r->ipis_received_per_s,
			r->timer_irqs_per_s, r->context_switches_per_s);
		if (g->has_steal)
			fprintf(out, ",\"steal_pct\":%.2f", r->steal_pct);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void json_vm(FILE *out, const struct top_row *row)
{
	const struct vm *vm = row->vm;
	fprintf(out, "{\"pid\":%d,\"name\":", (int)vm->pid);
	qmp_json_write_string(out, vm->name);
	fputs(",\"kernel\":", out);
	qmp_json_write_string(out, vm->kernel);
	fputs(",\"qmp_socket\":", out);
	qmp_json_write_string(out, vm->qmp_socket);
	fprintf(out,
		",\"smp\":%d,\"named_threads\":%s,\"cpu_pct\":%.2f,\"vcpu_cpu_pct\":%.2f,"
		"\"vcpu_steal_pct\":%.2f,\"other_cpu_pct\":%.2f,\"vcpus\":",
		vm->smp, vm->named_threads ? "true" : "false", vm->vcpu_cpu_pct + vm->other_cpu_pct,
		vm->vcpu_cpu_pct, vm->vcpu_steal_pct, vm->other_cpu_pct);
	json_threads(out, vm, true);
	fputs(",\"other_threads\":", out);
	json_threads(out, vm, false);
	fputs(",\"cgroup\":", out);
	json_cgroup(out, row);
	fputs(",\"guest\":", out);
	json_guest(out, row->guest);
	fputc('}', out);
}

void top_render_json(FILE *out, const struct top_sample *sample)
{
	fprintf(out, "{\"time\":%.3f,\"interval_s\":%.3f,\"host\":{\"cpus\":%ld,\"numa_balancing\":",
		sample->wall_time, sample->interval_s, sample->host_cpus);
	qmp_json_write_string(out, sample->numa_balancing);
	fputs("},\"vms\":[", out);
	for (size_t i = 0; i < sample->count; i++) {
		if (i)
			fputc(',', out);
		json_vm(out, &sample->rows[i]);
	}
	fputs("]}\n", out);
}
