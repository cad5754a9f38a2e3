/*
 * engine.h: the placement policy as a pure function of what was measured.
 * Each interval the caller hands in the VMs with their vCPU counts and the
 * CPU use and steal of their vCPU threads; the engine keeps each VM's
 * history (smoothed demand, node, pinned cores, last move) and each node's
 * run of hot intervals, and returns a plan: every VM's cgroup weight,
 * cpuset and memory nodes, with moves, each with its reason. No I/O.
 *
 * Demand is use + steal: what a VM would have run had it never waited. A
 * node is hot in an interval when its VMs lost more than steal-threshold %
 * of their demand to steal. A VM moves off a node that stayed hot for
 * `sustain` intervals only to a node with room, only when the move makes
 * the two nodes' loads more even by a margin, and not again for `cooldown`
 * intervals; so every move lowers sum(demand^2 / capacity) over the nodes,
 * and moves cannot cycle while demand holds still.
 */
#ifndef LULL_PLACE_ENGINE_H
#define LULL_PLACE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpumask.h"
#include "policy.h"
#include "topology.h"

#define ENGINE_NAME_MAX 64
#define ENGINE_REASON_MAX 320

/* One VM as measured this interval. */
struct engine_vm {
	pid_t pid;
	char name[ENGINE_NAME_MAX];
	int vcpus;
	bool measured;       /* the rates below cover an interval */
	double util_pct;     /* % of one host CPU, summed over the vCPU threads */
	double steal_pct;    /* likewise, time runnable but waiting */
	int current_node;    /* node index it is on now, -1 unknown; used only for
	                        a VM the engine has no history of (a restart) */
};

struct plan_vm {
	pid_t pid;
	char name[ENGINE_NAME_MAX];
	int vcpus;
	unsigned weight;          /* cgroup v2 scale */
	int node;                 /* node index, -1: not bound to one node */
	bool pinned;
	struct cpumask cpus;      /* its cpuset */
	struct cpumask mems;      /* node os indexes */
	struct cpumask *vcpu_pus; /* pinned: vCPU i's core, vcpus entries */
	double demand_pct;        /* smoothed */
	char reason[ENGINE_REASON_MAX];
};

struct plan_move {
	pid_t pid;
	char name[ENGINE_NAME_MAX];
	int from, to; /* node indexes */
	char reason[ENGINE_REASON_MAX];
};

struct plan_node {
	double capacity_pct; /* 100 x PUs not pinned */
	double demand_pct;   /* smoothed demand of its unpinned VMs */
	double steal_ratio;  /* this interval: steal / demand, % */
	unsigned hot_streak;
};

struct plan {
	size_t vm_count;
	struct plan_vm *vms;
	size_t move_count;
	struct plan_move *moves;
	size_t node_count;
	struct plan_node *nodes;
	size_t note_count;
	char (*notes)[ENGINE_REASON_MAX]; /* decisions not to act, with why */
};

struct engine_hist;

struct engine {
	unsigned tick;
	size_t hist_count, hist_cap;
	struct engine_hist *hist;
	size_t node_count;
	unsigned *hot_streak;
};

void engine_init(struct engine *e);
void engine_free(struct engine *e);
/* One interval. Returns 0, or -1 when out of memory. */
int engine_step(struct engine *e, const struct topo *t, const struct policy *p,
		const struct engine_vm *vms, size_t count, struct plan *out);
void plan_free(struct plan *p);
/* The VM's entry in a plan, or NULL. */
const struct plan_vm *plan_find(const struct plan *p, const char *name);

#endif
