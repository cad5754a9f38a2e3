/*
 * apply.h: making the host match a plan: each VM's cgroup (created when
 * missing, again if it vanished), its weight and cpuset, the VM's process
 * in it, and for pinned VMs each vCPU thread's affinity. Only what differs
 * is written, and each write is logged.
 */
#ifndef LULL_PLACE_APPLY_H
#define LULL_PLACE_APPLY_H

#include <stddef.h>

#include "cgroup.h"
#include "engine.h"
#include "vm.h"

struct applier {
	const struct cgroup_layout *layout;
	const char *parent;     /* "/lull" */
	const char *proc_root;  /* "/proc" */
};

/* The cgroup path of a VM: PARENT/vm-NAME, NAME's odd characters as '_'. */
void apply_cgroup_path(const struct applier *a, const char *name, char *out, size_t size);
/* Returns 0, -ESRCH when the VM exited meanwhile, or another -errno; all
 * logged. */
int apply_vm(const struct applier *a, const struct plan_vm *v, const struct vm *vm);
/* Removes the (empty) cgroup of a VM; `why` says why, for the log. */
void apply_forget(const struct applier *a, const char *name, const char *why);
/* Moves the VM back to the root cgroups and removes its cgroup. */
void apply_release(const struct applier *a, const char *name, pid_t pid);

#endif
