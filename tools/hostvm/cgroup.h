/*
 * cgroup.h: the host's control groups, whichever way they are mounted.
 *
 * A host may have the unified (v2) hierarchy, v1 hierarchies (one mount per
 * controller or several controllers per mount), or both at once with each
 * controller bound to one of them: this machine mounts cpu and cpuset as v1
 * beside an empty v2 tree. So nothing here assumes a layout: cgroup_detect()
 * reads the mount table and finds, per controller, which hierarchy has it.
 *
 * Paths named "cgroup path" are relative to a hierarchy's root and start
 * with '/' ("/lull/vm-web"), as /proc/PID/cgroup shows them.
 */
#ifndef LULL_HOSTVM_CGROUP_H
#define LULL_HOSTVM_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_PATH_MAX 4096
/* A cpuset list ("0-3,8"): room for 1024 CPUs numbered anyhow, so that a
 * big host's list is never cut short (and then rewritten every interval). */
#define CGROUP_LIST_MAX 4096

enum cgroup_version { CGROUP_NONE = 0, CGROUP_V1 = 1, CGROUP_V2 = 2 };

/* Where one controller lives. */
struct cgroup_controller {
	enum cgroup_version version;
	char mount[CGROUP_PATH_MAX]; /* the hierarchy's mount point */
};

struct cgroup_layout {
	struct cgroup_controller cpu;
	struct cgroup_controller cpuset;
};

/* Reads a mountinfo file (normally "/proc/self/mountinfo"). Returns 0 when
 * it found the cpu controller (cpuset may be missing: version NONE), or
 * -ENOENT with a reason in `why` (why_size bytes). */
int cgroup_detect(const char *mountinfo_path, struct cgroup_layout *out, char *why, size_t why_size);

/* The cgroup path of a process for the hierarchy of `c`, from
 * PROC_ROOT/PID/cgroup. Returns 0 or -errno. */
int cgroup_of_pid(const char *proc_root, pid_t pid, const struct cgroup_controller *c, char *out,
		  size_t out_size);

/* CPU limits of a cgroup, in one scale whatever the version. */
struct cgroup_limits {
	unsigned weight;      /* v2 cpu.weight scale (1..10000, default 100);
	                         from v1 cpu.shares as shares * 100 / 1024 */
	int64_t quota_us;     /* -1 when unlimited */
	uint64_t period_us;
	char cpus[CGROUP_LIST_MAX]; /* cpuset.cpus (effective where v2 says it), "" if unknown */
	char mems[CGROUP_LIST_MAX]; /* cpuset.mems, "" if unknown */
};
int cgroup_read_limits(const struct cgroup_layout *l, const char *path, struct cgroup_limits *out);

/* Creates the cgroup in both hierarchies (cpu, and cpuset when present),
 * with its parents; on v2, enables the cpu and cpuset controllers in the
 * parents' cgroup.subtree_control; on v1 cpuset, copies cpus and mems from
 * the parent so that tasks can join. Exists already: not an error. */
int cgroup_create(const struct cgroup_layout *l, const char *path);
/* Removes an empty cgroup from both hierarchies. */
int cgroup_remove(const struct cgroup_layout *l, const char *path);

/* Sets the CPU weight (v2 scale, 1..10000; written as shares on v1). */
int cgroup_set_weight(const struct cgroup_layout *l, const char *path, unsigned weight);
/* Sets the cpuset's CPUs and memory nodes ("0-3", "1"); mems NULL keeps
 * them. -ENOTSUP when there is no cpuset controller. */
int cgroup_set_cpuset(const struct cgroup_layout *l, const char *path, const char *cpus,
		      const char *mems);
/* v1 cpuset: whether a task's memory follows it when the cgroup's mems
 * change (cpuset.memory_migrate). v2 always migrates: 0 without writing. */
int cgroup_set_memory_migrate(const struct cgroup_layout *l, const char *path, bool on);
/* Moves a whole process (all its threads) into the cgroup in both
 * hierarchies. -ESRCH when it has exited. */
int cgroup_move_process(const struct cgroup_layout *l, const char *path, pid_t pid);

#endif
