/*
 * daemon.c: the measuring and placing loop, its signals, and what it logs
 * between one plan and the next.
 */
#include "daemon.h"

#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "autonuma.h"
#include "cgroup.h"
#include "engine.h"
#include "log.h"
#include "report.h"
#include "topology.h"
#include "vm.h"

int place_load_policy(const struct place_options *o, struct policy *out, char *err,
		      size_t err_size)
{
	if (o->policy_file) {
		if (policy_load(o->policy_file, out, err, err_size))
			return -1;
	} else {
		policy_defaults(out);
	}
	if (o->mode && !policy_mode_parse(o->mode, &out->mode)) {
		snprintf(err, err_size, "--mode must be shared, per-vm or numa, not \"%s\"", o->mode);
		return -1;
	}
	return 0;
}

struct state {
	const struct place_options *o;
	struct policy policy;
	struct topo topo;
	struct cgroup_layout layout;
	bool have_cgroups;
	struct applier applier;
	struct engine engine;
	struct plan last;
	struct vm_list before;
	struct timespec before_at;
};

static uint64_t ns_between(const struct timespec *a, const struct timespec *b)
{
	return (uint64_t)((b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec));
}

/* numa, on a restart: the node a VM's cgroup already confines it to. */
static int node_found(const struct state *s, const char *name)
{
	char path[CGROUP_PATH_MAX];
	struct cgroup_limits lim;
	struct cpumask cpus;
	if (!s->have_cgroups || s->policy.mode != MODE_NUMA)
		return -1;
	apply_cgroup_path(&s->applier, name, path, sizeof path);
	if (cgroup_read_limits(&s->layout, path, &lim) || !lim.cpus[0] ||
	    !cpumask_parse(lim.cpus, &cpus) || cpumask_equal(&cpus, &s->topo.all_pus))
		return -1;
	return topo_node_of(&s->topo, &cpus);
}

/* The VMs --only lets lull place manage, as the engine takes them. */
static struct engine_vm *engine_input(const struct state *s, const struct vm_list *now,
				      const struct vm_list *before, size_t *count)
{
	struct engine_vm *in = calloc(now->count + 1, sizeof *in);
	*count = 0;
	for (size_t k = 0; in && k < now->count; k++) {
		const struct vm *v = &now->vms[k];
		if (s->o->only && fnmatch(s->o->only, v->name, 0))
			continue;
		size_t i = (*count)++;
		in[i].pid = v->pid;
		snprintf(in[i].name, sizeof in[i].name, "%s", v->name);
		in[i].vcpus = v->smp;
		in[i].measured = vm_list_find(before, v->pid) != NULL;
		in[i].util_pct = v->vcpu_cpu_pct;
		in[i].steal_pct = v->vcpu_steal_pct;
		in[i].current_node = plan_find(&s->last, v->name) ? -1 : node_found(s, v->name);
	}
	return in;
}

static bool same_place(const struct plan_vm *a, const struct plan_vm *b)
{
	return a->pid == b->pid && a->weight == b->weight && a->node == b->node &&
	       a->pinned == b->pinned && cpumask_equal(&a->cpus, &b->cpus) &&
	       cpumask_equal(&a->mems, &b->mems);
}

static bool noted_before(const struct plan *p, const char *text)
{
	for (size_t i = 0; i < p->note_count; i++)
		if (!strcmp(p->notes[i], text))
			return true;
	return false;
}

/* Decisions are logged when they change: a VM's place, a move, a note. */
static void log_decisions(const struct state *s, const struct plan *p)
{
	for (size_t m = 0; m < p->move_count; m++)
		log_msg("%smove %s (pid %d) from node %d to node %d: %s", s->o->dry_run ? "would " : "",
			p->moves[m].name, (int)p->moves[m].pid, p->moves[m].from, p->moves[m].to,
			p->moves[m].reason);
	for (size_t i = 0; i < p->vm_count; i++) {
		const struct plan_vm *was = plan_find(&s->last, p->vms[i].name);
		if (!was || !same_place(was, &p->vms[i]))
			log_msg("%s (pid %d, %d vCPUs): %s", p->vms[i].name, (int)p->vms[i].pid,
				p->vms[i].vcpus, p->vms[i].reason);
	}
	for (size_t i = 0; i < p->note_count; i++)
		if (!noted_before(&s->last, p->notes[i]))
			log_msg("%s", p->notes[i]);
}

static void apply_plan(struct state *s, const struct plan *p, const struct vm_list *now)
{
	for (size_t i = 0; i < p->vm_count; i++)
		apply_vm(&s->applier, &p->vms[i], vm_list_find(now, p->vms[i].pid));
	for (size_t i = 0; i < s->last.vm_count; i++)
		if (!plan_find(p, s->last.vms[i].name))
			apply_forget(&s->applier, s->last.vms[i].name, "VM gone");
}

/* One interval's work. Returns -1 only when out of memory. */
static int pass(struct state *s)
{
	struct vm_list now;
	struct timespec at;
	int rc = vm_scan(s->o->proc_root, &now);
	clock_gettime(CLOCK_MONOTONIC, &at);
	if (rc) {
		log_msg("cannot list VMs under %s: %s; trying again next interval", s->o->proc_root,
			strerror(-rc));
		return 0;
	}
	vm_list_rates(&now, &s->before, ns_between(&s->before_at, &at));
	size_t count;
	struct engine_vm *in = engine_input(s, &now, &s->before, &count);
	struct plan p;
	if (!in || engine_step(&s->engine, &s->topo, &s->policy, in, count, &p)) {
		free(in);
		vm_list_free(&now);
		return -1;
	}
	free(in);
	log_decisions(s, &p);
	if (s->o->json)
		report_plan_json(stdout, &p, &s->topo, &s->policy, s->o->dry_run);
	else if (s->o->dry_run || s->o->once)
		report_plan(stdout, &p, &s->topo, &s->policy, s->o->dry_run);
	fflush(stdout);
	if (!s->o->dry_run)
		apply_plan(s, &p, &now);
	plan_free(&s->last);
	s->last = p;
	vm_list_free(&s->before);
	s->before = now;
	s->before_at = at;
	return 0;
}

static void reload(struct state *s)
{
	struct policy fresh;
	char err[512];
	if (place_load_policy(s->o, &fresh, err, sizeof err)) {
		log_msg("SIGHUP: policy not reloaded, the previous one stays: %s", err);
		return;
	}
	if (strcmp(fresh.parent, s->policy.parent)) {
		log_msg("SIGHUP: parent changed from %s to %s; restart lull place to move the "
			"cgroups; keeping %s", s->policy.parent, fresh.parent, s->policy.parent);
		snprintf(fresh.parent, sizeof fresh.parent, "%s", s->policy.parent);
	}
	s->policy = fresh;
	log_msg("SIGHUP: policy reloaded from %s (mode %s, %zu vm lines)",
		s->o->policy_file ? s->o->policy_file : "the defaults", policy_mode_name(fresh.mode),
		fresh.rule_count);
}

/* Waits `seconds`, handling SIGHUP on the way. Returns the ending signal,
 * or 0 when the time is up. */
static int wait_for(struct state *s, double seconds, const sigset_t *set)
{
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	end.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		uint64_t left = ns_between(&now, &end);
		struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig == SIGHUP)
			reload(s);
		else if (sig > 0)
			return sig;
	}
}

static void release_all(struct state *s)
{
	for (size_t i = 0; i < s->last.vm_count; i++)
		apply_release(&s->applier, s->last.vms[i].name, s->last.vms[i].pid);
	int rc = cgroup_remove(&s->layout, s->policy.parent);
	log_msg("--restore-on-exit: VMs moved back to the root cgroups; %s %s", s->policy.parent,
		rc ? "kept (not empty, or in use)" : "removed");
}

static int setup(struct state *s)
{
	const struct place_options *o = s->o;
	char why[512];
	if (topo_load(o->topology_xml, o->synthetic, &s->topo, why, sizeof why)) {
		log_msg("topology: %s", why);
		return 1;
	}
	s->have_cgroups = cgroup_detect(o->mountinfo, &s->layout, why, sizeof why) == 0;
	if (!s->have_cgroups && !o->dry_run) {
		log_msg("%s; lull place needs the cpu controller (cgroup v1 or v2) to place VMs", why);
		return 1;
	}
	if (!s->have_cgroups)
		log_msg("%s; a dry run goes on without cgroups", why);
	else if (s->layout.cpuset.version == CGROUP_NONE)
		log_msg("cgroups: cpu v%d at %s; no cpuset controller", s->layout.cpu.version,
			s->layout.cpu.mount);
	else
		log_msg("cgroups: cpu v%d at %s, cpuset v%d at %s", s->layout.cpu.version,
			s->layout.cpu.mount, s->layout.cpuset.version, s->layout.cpuset.mount);
	if (s->have_cgroups && s->layout.cpuset.version == CGROUP_NONE &&
	    (s->policy.mode == MODE_NUMA || s->policy.rule_count))
		log_msg("without a cpuset controller, numa placement and pinning cannot confine "
			"VMs: weights alone are applied");
	if (autonuma_check(o->proc_root, s->topo.node_count, o->autonuma_off, o->dry_run))
		return 1;
	s->applier = (struct applier){&s->layout, s->policy.parent, o->proc_root};
	log_msg("mode %s on %zu node%s, %u CPUs; every %.0f s%s%s", policy_mode_name(s->policy.mode),
		s->topo.node_count, s->topo.node_count == 1 ? "" : "s", cpumask_count(&s->topo.all_pus),
		o->interval_s, o->dry_run ? "; dry run: no cgroup is touched" : "",
		o->once ? "; one pass" : "");
	return 0;
}

int place_run(const struct place_options *o, const struct policy *initial)
{
	struct state s = {.o = o, .policy = *initial};
	engine_init(&s.engine);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int status = setup(&s);
	/* Rates need two scans: the first plan comes after a short sample,
	 * not a whole interval. */
	int sig = 0;
	if (!status) {
		vm_scan(o->proc_root, &s.before);
		clock_gettime(CLOCK_MONOTONIC, &s.before_at);
		sig = wait_for(&s, o->sample_s, &set);
	}
	while (!status && !sig) {
		if (pass(&s)) {
			log_msg("out of memory");
			status = 1;
		} else if (!o->once) {
			sig = wait_for(&s, o->interval_s, &set);
		} else {
			break;
		}
	}
	if (sig && (o->restore_on_exit || o->dry_run))
		log_msg("%s: stopping", strsignal(sig));
	else if (sig)
		log_msg("%s: stopping; the VMs stay in their cgroups and places", strsignal(sig));
	if (sig && o->restore_on_exit && !o->dry_run && s.have_cgroups)
		release_all(&s);
	plan_free(&s.last);
	vm_list_free(&s.before);
	engine_free(&s.engine);
	topo_free(&s.topo);
	return status;
}
