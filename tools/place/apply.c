/*
 * apply.c: writing a plan into cgroups and thread affinities.
 */
#include "apply.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void apply_cgroup_path(const struct applier *a, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/vm-", a->parent);
	for (const char *s = name; *s && n >= 0 && (size_t)n + 1 < size; s++, n++) {
		char c = *s;
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			     c == '-' || c == '_' || c == '.';
		out[n] = plain ? c : '_';
		out[n + 1] = '\0';
	}
}

static int set_weight(const struct applier *a, const char *path, const struct plan_vm *v,
		      const struct cgroup_limits *now)
{
	if (now->weight == v->weight)
		return 0;
	int rc = cgroup_set_weight(a->layout, path, v->weight);
	if (!rc)
		log_msg("%s: %s weight %u (was %u)", v->name, path, v->weight, now->weight);
	return rc;
}

static int set_cpuset(const struct applier *a, const char *path, const struct plan_vm *v,
		      const struct cgroup_limits *now)
{
	if (a->layout->cpuset.version == CGROUP_NONE)
		return 0;
	char cpus[CGROUP_LIST_MAX], mems[CGROUP_LIST_MAX];
	if (cpumask_format(&v->cpus, cpus, sizeof cpus) < 0 ||
	    cpumask_format(&v->mems, mems, sizeof mems) < 0)
		return -EOVERFLOW;
	if (!strcmp(cpus, now->cpus) && !strcmp(mems, now->mems))
		return 0;
	/* v1 leaves memory behind when mems change unless told. */
	int rc = cgroup_set_memory_migrate(a->layout, path, true);
	if (!rc)
		rc = cgroup_set_cpuset(a->layout, path, cpus, mems);
	if (!rc)
		log_msg("%s: %s cpus %s mems %s (were %s / %s)", v->name, path, cpus, mems,
			now->cpus[0] ? now->cpus : "-", now->mems[0] ? now->mems : "-");
	return rc;
}

static int join_cgroup(const struct applier *a, const char *path, const struct plan_vm *v)
{
	const struct cgroup_controller *cs[] = {&a->layout->cpu, &a->layout->cpuset};
	bool inside = true;
	for (size_t i = 0; i < 2 && inside; i++) {
		char cur[CGROUP_PATH_MAX];
		if (cs[i]->version == CGROUP_NONE)
			continue;
		int rc = cgroup_of_pid(a->proc_root, v->pid, cs[i], cur, sizeof cur);
		if (rc == -ESRCH)
			return rc;
		inside = !rc && !strcmp(cur, path);
	}
	if (inside)
		return 0;
	int rc = cgroup_move_process(a->layout, path, v->pid);
	if (!rc)
		log_msg("%s: pid %d moved into %s", v->name, (int)v->pid, path);
	return rc;
}

static void to_cpu_set(const struct cpumask *m, cpu_set_t *out)
{
	CPU_ZERO(out);
	for (unsigned i = 0; i < CPU_SETSIZE && i < CPUMASK_MAX; i++)
		if (cpumask_test(m, i))
			CPU_SET(i, out);
}

/* One core per vCPU thread. A thread gone since the scan is not an error
 * of the VM's: the next interval sees the VM as it is. */
static int pin_threads(const struct plan_vm *v, const struct vm *vm)
{
	if (!vm->named_threads) {
		log_msg("%s: cannot pin: its vCPU threads have no names (QEMU needs "
			"-name ...,debug-threads=on); the cpuset alone holds it", v->name);
		return 0;
	}
	for (size_t i = 0; i < vm->thread_count; i++) {
		const struct vm_thread *t = &vm->threads[i];
		if (t->vcpu < 0 || t->vcpu >= v->vcpus)
			continue;
		cpu_set_t want, now;
		to_cpu_set(&v->vcpu_pus[t->vcpu], &want);
		if (sched_getaffinity(t->tid, sizeof now, &now) == 0 && CPU_EQUAL(&want, &now))
			continue;
		if (sched_setaffinity(t->tid, sizeof want, &want) < 0) {
			if (errno == ESRCH)
				continue;
			int err = errno;
			log_msg("%s: vCPU %d (tid %d): sched_setaffinity: %s", v->name, t->vcpu,
				(int)t->tid, strerror(err));
			return -err;
		}
		char cpus[64];
		cpumask_format(&v->vcpu_pus[t->vcpu], cpus, sizeof cpus);
		log_msg("%s: vCPU %d (tid %d) pinned to CPUs %s", v->name, t->vcpu, (int)t->tid, cpus);
	}
	return 0;
}

static int apply_once(const struct applier *a, const char *path, const struct plan_vm *v,
		      const struct vm *vm)
{
	struct cgroup_limits now;
	/* Missing: new, or removed behind our back; either way made again. */
	if (cgroup_read_limits(a->layout, path, &now) == -ENOENT)
		log_msg("%s: cgroup %s does not exist; creating it", v->name, path);
	int rc = cgroup_create(a->layout, path);
	if (!rc)
		rc = cgroup_read_limits(a->layout, path, &now);
	if (!rc)
		rc = set_weight(a, path, v, &now);
	/* The cpuset before the move: a v1 cpuset takes no task until it has
	 * CPUs, and joining one resets the threads' affinity to it, so the
	 * pins come last. */
	if (!rc)
		rc = set_cpuset(a, path, v, &now);
	if (!rc)
		rc = join_cgroup(a, path, v);
	if (!rc && v->pinned)
		rc = pin_threads(v, vm);
	return rc;
}

int apply_vm(const struct applier *a, const struct plan_vm *v, const struct vm *vm)
{
	char path[CGROUP_PATH_MAX];
	apply_cgroup_path(a, v->name, path, sizeof path);
	int rc = apply_once(a, path, v, vm);
	if (rc == -ENOENT) {
		log_msg("%s: cgroup %s vanished while being set up; creating it again", v->name, path);
		rc = apply_once(a, path, v, vm);
	}
	if (rc == -ESRCH)
		log_msg("%s: pid %d exited while being placed; nothing more to do for it", v->name,
			(int)v->pid);
	else if (rc)
		log_msg("%s: could not place it in %s: %s", v->name, path, strerror(-rc));
	return rc;
}

void apply_forget(const struct applier *a, const char *name, const char *why)
{
	char path[CGROUP_PATH_MAX];
	apply_cgroup_path(a, name, path, sizeof path);
	int rc = cgroup_remove(a->layout, path);
	if (rc)
		log_msg("%s: %s; could not remove %s: %s", name, why, path, strerror(-rc));
	else
		log_msg("%s: %s; removed %s", name, why, path);
}

void apply_release(const struct applier *a, const char *name, pid_t pid)
{
	int rc = cgroup_move_process(a->layout, "/", pid);
	if (rc && rc != -ESRCH)
		log_msg("%s: could not move pid %d back to the root cgroup: %s", name, (int)pid,
			strerror(-rc));
	else
		log_msg("%s: pid %d moved back to the root cgroups", name, (int)pid);
	apply_forget(a, name, "released");
}
