/*
 * engine.c: the placement policy: pinning, choosing a node for each VM,
 * deciding moves between nodes, and writing the plan with its reasons.
 */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A move must make the two nodes' loads (demand / capacity, summed before
 * and after) more even by this much: noise smaller than a tenth of a node
 * never justifies one. */
#define BALANCE_MARGIN 0.10
/* Below half a CPU of demand a node's steal ratio says nothing. */
#define MIN_NODE_DEMAND 50.0
/* Free capacities closer than this (CPU %) count as equal when placing,
 * and the node with fewer vCPUs per PU wins. */
#define PLACE_TIE 50.0

struct engine_hist {
	char name[ENGINE_NAME_MAX];
	pid_t pid;
	int vcpus;
	bool seen;
	bool measured;      /* demand holds at least one interval */
	double demand;      /* smoothed use + steal, CPU % */
	double util, steal; /* this interval */
	int node;           /* -1: none chosen, or spanning */
	bool pinned;
	struct cpumask pin_pus;
	struct cpumask *vcpu_pus;
	bool moved;
	unsigned last_move;
	char why[ENGINE_REASON_MAX]; /* why it is where it is */
};

/* Per-step view of the nodes: what pinning left and what is on them. */
struct nodes {
	size_t count;
	struct cpumask *avail; /* PUs not pinned */
	double *cap, *demand, *vcpus;
};

void engine_init(struct engine *e)
{
	memset(e, 0, sizeof *e);
}

static void unpin(struct engine_hist *h)
{
	free(h->vcpu_pus);
	h->vcpu_pus = NULL;
	h->pinned = false;
	memset(&h->pin_pus, 0, sizeof h->pin_pus);
}

void engine_free(struct engine *e)
{
	for (size_t i = 0; i < e->hist_count; i++)
		unpin(&e->hist[i]);
	free(e->hist);
	free(e->hot_streak);
	memset(e, 0, sizeof *e);
}

static void say(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, ENGINE_REASON_MAX, fmt, ap);
	va_end(ap);
}

static int note(struct plan *p, const char *fmt, ...)
{
	void *grown = realloc(p->notes, (p->note_count + 1) * sizeof *p->notes);
	if (!grown)
		return -1;
	p->notes = grown;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->note_count++], ENGINE_REASON_MAX, fmt, ap);
	va_end(ap);
	return 0;
}

static struct engine_hist *find(struct engine *e, const char *name)
{
	for (size_t i = 0; i < e->hist_count; i++)
		if (!strcmp(e->hist[i].name, name))
			return &e->hist[i];
	return NULL;
}

/* A new VM, or a new process under an old name: history starts afresh,
 * except where the VM is now (the placement found on a restart). */
static int track(struct engine *e, const struct engine_vm *v, size_t node_count)
{
	struct engine_hist *h = find(e, v->name);
	bool fresh = !h || h->pid != v->pid;
	if (h && fresh)
		unpin(h);
	if (!h) {
		if (e->hist_count == e->hist_cap) {
			size_t cap = e->hist_cap ? e->hist_cap * 2 : 16;
			void *grown = realloc(e->hist, cap * sizeof *e->hist);
			if (!grown)
				return -1;
			e->hist = grown;
			e->hist_cap = cap;
		}
		h = &e->hist[e->hist_count++];
	}
	if (fresh) {
		memset(h, 0, sizeof *h);
		snprintf(h->name, sizeof h->name, "%s", v->name);
		h->pid = v->pid;
		h->node = v->current_node >= 0 && (size_t)v->current_node < node_count
				  ? v->current_node
				  : -1;
		if (h->node >= 0)
			say(h->why, "kept on node %d, where it was found", h->node);
	}
	h->seen = true;
	h->vcpus = v->vcpus > 0 ? v->vcpus : 1;
	h->util = v->measured ? v->util_pct : 0;
	h->steal = v->measured ? v->steal_pct : 0;
	if (v->measured) {
		double d = v->util_pct + v->steal_pct;
		double most = 100.0 * h->vcpus;
		d = d < 0 ? 0 : d > most ? most : d;
		h->demand = h->measured ? (h->demand + d) / 2 : d;
		h->measured = true;
	}
	return 0;
}

static void forget_unseen(struct engine *e)
{
	size_t kept = 0;
	for (size_t i = 0; i < e->hist_count; i++) {
		if (e->hist[i].seen)
			e->hist[kept++] = e->hist[i];
		else
			unpin(&e->hist[i]);
	}
	e->hist_count = kept;
}

static bool wants_pin(const struct policy *p, const char *name)
{
	bool pinned;
	unsigned weight;
	policy_for_vm(p, name, &pinned, &weight);
	return pinned;
}

static bool intersects(const struct cpumask *a, const struct cpumask *b)
{
	struct cpumask rest = *a;
	cpumask_andnot(&rest, b);
	return !cpumask_equal(&rest, a);
}

static unsigned free_cores(const struct topo_node *n, const struct cpumask *taken)
{
	unsigned f = 0;
	for (size_t c = 0; c < n->core_count; c++)
		f += !intersects(&n->cores[c], taken);
	return f;
}

/* Gives h one free core per vCPU, on one node when one has enough (the one
 * with the most free cores), else across nodes; one core of the machine
 * always stays for the unpinned VMs and the host. */
static int pin(struct engine_hist *h, const struct topo *t, struct cpumask *taken, struct plan *out)
{
	unsigned total = 0, best_free = 0;
	int best = -1;
	for (size_t n = 0; n < t->node_count; n++) {
		unsigned f = free_cores(&t->nodes[n], taken);
		total += f;
		if (f >= (unsigned)h->vcpus && f > best_free) {
			best_free = f;
			best = (int)n;
		}
	}
	if ((unsigned)h->vcpus + 1 > total)
		return note(out, "%s: not pinned: it needs %d cores, %u are free and one must stay unpinned",
			    h->name, h->vcpus, total);
	h->vcpu_pus = calloc((size_t)h->vcpus, sizeof *h->vcpu_pus);
	if (!h->vcpu_pus)
		return -1;
	int given = 0;
	for (size_t k = 0; k < t->node_count && given < h->vcpus; k++) {
		/* The chosen node first, then the others in order. */
		size_t n = best >= 0 ? (k == 0 ? (size_t)best : k <= (size_t)best ? k - 1 : k) : k;
		const struct topo_node *node = &t->nodes[n];
		for (size_t c = 0; c < node->core_count && given < h->vcpus; c++) {
			if (intersects(&node->cores[c], taken))
				continue;
			h->vcpu_pus[given++] = node->cores[c];
			cpumask_or(&h->pin_pus, &node->cores[c]);
			cpumask_or(taken, &node->cores[c]);
		}
	}
	h->pinned = true;
	h->node = best;
	char cpus[256];
	cpumask_format(&h->pin_pus, cpus, sizeof cpus);
	if (best >= 0)
		say(h->why, "pinned 1:1 to %d core%s on node %d (CPUs %s)", h->vcpus,
		    h->vcpus == 1 ? "" : "s", best, cpus);
	else
		say(h->why, "pinned 1:1 to %d cores across nodes (CPUs %s): no node has that many free",
		    h->vcpus, cpus);
	return 0;
}

/* Keeps existing pins (pinned VMs never move), drops those the policy no
 * longer asks for, and pins the VMs that newly ask. */
static int update_pins(struct engine *e, const struct topo *t, const struct policy *p,
		       struct cpumask *taken, struct plan *out)
{
	memset(taken, 0, sizeof *taken);
	for (size_t i = 0; i < e->hist_count; i++) {
		struct engine_hist *h = &e->hist[i];
		if (h->pinned && !wants_pin(p, h->name)) {
			unpin(h);
			h->node = -1;
		}
		if (h->pinned)
			cpumask_or(taken, &h->pin_pus);
	}
	for (size_t i = 0; i < e->hist_count; i++) {
		struct engine_hist *h = &e->hist[i];
		if (!h->pinned && wants_pin(p, h->name) && pin(h, t, taken, out))
			return -1;
	}
	return 0;
}

static int nodes_init(struct nodes *ns, const struct topo *t, const struct cpumask *taken)
{
	ns->count = t->node_count;
	ns->avail = calloc(ns->count, sizeof *ns->avail);
	ns->cap = calloc(ns->count, sizeof *ns->cap);
	ns->demand = calloc(ns->count, sizeof *ns->demand);
	ns->vcpus = calloc(ns->count, sizeof *ns->vcpus);
	if (!ns->avail || !ns->cap || !ns->demand || !ns->vcpus)
		return -1;
	for (size_t n = 0; n < ns->count; n++) {
		ns->avail[n] = t->nodes[n].pus;
		cpumask_andnot(&ns->avail[n], taken);
		ns->cap[n] = 100.0 * cpumask_count(&ns->avail[n]);
	}
	return 0;
}

static void nodes_free(struct nodes *ns)
{
	free(ns->avail);
	free(ns->cap);
	free(ns->demand);
	free(ns->vcpus);
}

static bool fits(const struct nodes *ns, int n, const struct engine_hist *h)
{
	return n >= 0 && (size_t)n < ns->count && ns->cap[n] >= 100.0 * h->vcpus;
}

/* Is node a a better home than node b for a new VM? */
static bool roomier(const struct nodes *ns, int a, int b)
{
	double fa = ns->cap[a] - ns->demand[a], fb = ns->cap[b] - ns->demand[b];
	if (fa > fb + PLACE_TIE || fb > fa + PLACE_TIE)
		return fa > fb;
	return ns->vcpus[a] * ns->cap[b] < ns->vcpus[b] * ns->cap[a];
}

static int by_demand(const void *a, const void *b)
{
	const struct engine_hist *x = *(struct engine_hist *const *)a, *y = *(struct engine_hist *const *)b;
	if (x->demand != y->demand)
		return x->demand < y->demand ? 1 : -1;
	if (x->vcpus != y->vcpus)
		return y->vcpus - x->vcpus;
	return strcmp(x->name, y->name);
}

/* numa: VMs without a node (new, or whose node lost the cores they need)
 * go, largest first, to the node with the most free capacity. */
static int place_unplaced(struct engine *e, struct nodes *ns)
{
	struct engine_hist **todo = calloc(e->hist_count + 1, sizeof *todo);
	if (!todo)
		return -1;
	size_t n_todo = 0;
	for (size_t i = 0; i < e->hist_count; i++) {
		struct engine_hist *h = &e->hist[i];
		if (h->pinned)
			continue;
		if (fits(ns, h->node, h)) {
			ns->demand[h->node] += h->demand;
			ns->vcpus[h->node] += h->vcpus;
		} else {
			todo[n_todo++] = h;
		}
	}
	qsort(todo, n_todo, sizeof *todo, by_demand);
	for (size_t i = 0; i < n_todo; i++) {
		struct engine_hist *h = todo[i];
		int best = -1;
		for (int n = 0; (size_t)n < ns->count; n++)
			if (fits(ns, n, h) && (best < 0 || roomier(ns, n, best)))
				best = n;
		h->node = best;
		if (best < 0) {
			say(h->why, "on all nodes: its %d vCPUs are more than any node's free CPUs",
			    h->vcpus);
			continue;
		}
		say(h->why, "placed on node %d, which had the most free capacity (%.0f%% of %.0f%%)",
		    best, ns->cap[best] - ns->demand[best], ns->cap[best]);
		ns->demand[best] += h->demand;
		ns->vcpus[best] += h->vcpus;
	}
	free(todo);
	return 0;
}

/* Counts each node's run of hot intervals from this interval's figures. */
static void update_streaks(struct engine *e, const struct nodes *ns, const struct policy *p,
			   struct plan *out)
{
	for (size_t n = 0; n < ns->count; n++) {
		double use = 0, steal = 0;
		for (size_t i = 0; i < e->hist_count; i++) {
			const struct engine_hist *h = &e->hist[i];
			if (!h->pinned && h->node == (int)n) {
				use += h->util;
				steal += h->steal;
			}
		}
		double demand = use + steal;
		double ratio = demand >= MIN_NODE_DEMAND ? 100.0 * steal / demand : 0;
		e->hot_streak[n] = ratio > p->steal_threshold ? e->hot_streak[n] + 1 : 0;
		out->nodes[n] = (struct plan_node){ns->cap[n], ns->demand[n], ratio, e->hot_streak[n]};
	}
}

struct candidate {
	struct engine_hist *h;
	int from, to;
	double score, load_from, load_to;
};

static bool movable(const struct engine *e, const struct engine_hist *h, const struct policy *p)
{
	return !h->pinned && h->measured && h->demand > 0 &&
	       !(h->moved && e->tick - h->last_move < p->cooldown);
}

/* The move off a hot node that leaves the pair most even, if any passes
 * the room and margin rules. */
static struct candidate best_move(struct engine *e, const struct nodes *ns, const struct policy *p)
{
	struct candidate best = {0};
	for (size_t i = 0; i < e->hist_count; i++) {
		struct engine_hist *h = &e->hist[i];
		int s = h->node;
		if (s < 0 || e->hot_streak[s] < p->sustain || !movable(e, h, p))
			continue;
		double ls = ns->demand[s] / ns->cap[s], ls2 = (ns->demand[s] - h->demand) / ns->cap[s];
		for (int t = 0; (size_t)t < ns->count; t++) {
			if (t == s || !fits(ns, t, h))
				continue;
			double lt = ns->demand[t] / ns->cap[t], lt2 = (ns->demand[t] + h->demand) / ns->cap[t];
			double room = p->max_fill / 100 > ls2 ? p->max_fill / 100 : ls2;
			if (lt2 > room || (ls + ls2) - (lt + lt2) < BALANCE_MARGIN)
				continue;
			double score = ls2 > lt2 ? ls2 : lt2;
			if (!best.h || score < best.score ||
			    (score == best.score && h->demand < best.h->demand))
				best = (struct candidate){h, s, t, score, ls, lt};
		}
	}
	return best;
}

static int add_move(struct plan *out, const struct candidate *c, unsigned steal_runs, double ratio,
		    const struct nodes *ns)
{
	void *grown = realloc(out->moves, (out->move_count + 1) * sizeof *out->moves);
	if (!grown)
		return -1;
	out->moves = grown;
	struct plan_move *m = &out->moves[out->move_count++];
	m->pid = c->h->pid;
	snprintf(m->name, sizeof m->name, "%s", c->h->name);
	m->from = c->from;
	m->to = c->to;
	say(m->reason,
	    "node %d lost %.0f%% of its demand to steal for %u intervals; node %d has room for "
	    "the VM's %.0f%% (loads %.0f%% and %.0f%% of capacity become %.0f%% and %.0f%%)",
	    c->from, ratio, steal_runs, c->to, c->h->demand, 100 * c->load_from, 100 * c->load_to,
	    100 * (ns->demand[c->from] / ns->cap[c->from]), 100 * (ns->demand[c->to] / ns->cap[c->to]));
	return 0;
}

static int rebalance(struct engine *e, struct nodes *ns, const struct policy *p, struct plan *out)
{
	for (unsigned moves = 0; moves < p->max_moves; moves++) {
		struct candidate c = best_move(e, ns, p);
		if (!c.h)
			break;
		unsigned runs = e->hot_streak[c.from];
		ns->demand[c.from] -= c.h->demand;
		ns->vcpus[c.from] -= c.h->vcpus;
		ns->demand[c.to] += c.h->demand;
		ns->vcpus[c.to] += c.h->vcpus;
		if (add_move(out, &c, runs, out->nodes[c.from].steal_ratio, ns))
			return -1;
		say(c.h->why, "moved from node %d to node %d: %s", c.from, c.to,
		    out->moves[out->move_count - 1].reason);
		/* Both nodes must show anew, for `sustain` intervals, that
		 * they are still hot: one move at a time per node. */
		e->hot_streak[c.from] = e->hot_streak[c.to] = 0;
		c.h->node = c.to;
		c.h->moved = true;
		c.h->last_move = e->tick;
	}
	/* A node hot for long with nothing to do is said once a run of
	 * `sustain` intervals, not every interval. */
	for (size_t n = 0; n < ns->count; n++) {
		unsigned s = e->hot_streak[n];
		if (s >= p->sustain && s % p->sustain == 0 &&
		    note(out, "node %zu lost %.0f%% of its demand to steal for %u intervals, but no move "
			      "fits: no other node has room, or none would be more even by %.0f%%",
			 n, out->nodes[n].steal_ratio, s, 100 * BALANCE_MARGIN))
			return -1;
	}
	return 0;
}

static unsigned weight_of(const struct policy *p, const struct engine_hist *h, char *why,
			  size_t why_size)
{
	bool pinned;
	unsigned w;
	policy_for_vm(p, h->name, &pinned, &w);
	if (w) {
		snprintf(why, why_size, "weight %u from its vm line", w);
		return w;
	}
	if (p->mode == MODE_PER_VM) {
		snprintf(why, why_size, "weight 100 whatever its %d vCPUs (per-vm baseline)", h->vcpus);
		return 100;
	}
	w = 100u * (unsigned)h->vcpus > 10000 ? 10000 : 100u * (unsigned)h->vcpus;
	snprintf(why, why_size, "weight %u = 100 x %d vCPUs", w, h->vcpus);
	return w;
}

static int plan_one(const struct topo *t, const struct policy *p, const struct nodes *ns,
		    const struct cpumask *unpinned, const struct engine_hist *h, struct plan_vm *v)
{
	memset(v, 0, sizeof *v);
	v->pid = h->pid;
	snprintf(v->name, sizeof v->name, "%s", h->name);
	v->vcpus = h->vcpus;
	v->pinned = h->pinned;
	v->node = h->node;
	v->demand_pct = h->demand;
	char wwhy[96];
	v->weight = weight_of(p, h, wwhy, sizeof wwhy);
	if (h->pinned) {
		v->cpus = h->pin_pus;
		for (size_t n = 0; n < t->node_count; n++)
			if (intersects(&t->nodes[n].pus, &h->pin_pus))
				cpumask_set(&v->mems, t->nodes[n].os_index);
		v->vcpu_pus = malloc((size_t)h->vcpus * sizeof *v->vcpu_pus);
		if (!v->vcpu_pus)
			return -1;
		memcpy(v->vcpu_pus, h->vcpu_pus, (size_t)h->vcpus * sizeof *v->vcpu_pus);
	} else if (h->node >= 0) {
		v->cpus = ns->avail[h->node];
		cpumask_set(&v->mems, t->nodes[h->node].os_index);
	} else {
		v->cpus = *unpinned;
		v->mems = t->all_nodes;
	}
	const char *where = h->pinned || h->node >= 0 || h->why[0] ? h->why : "on every unpinned CPU";
	say(v->reason, "%s: %s; %s", policy_mode_name(p->mode), wwhy, where);
	return 0;
}

static int build_plan(struct engine *e, const struct topo *t, const struct policy *p,
		      const struct nodes *ns, const struct cpumask *taken,
		      const struct engine_vm *vms, size_t count, struct plan *out)
{
	struct cpumask unpinned = t->all_pus;
	cpumask_andnot(&unpinned, taken);
	out->vms = calloc(count + 1, sizeof *out->vms);
	if (!out->vms)
		return -1;
	for (size_t i = 0; i < count; i++) {
		const struct engine_hist *h = find(e, vms[i].name);
		/* Two VMs of one name: the first is placed, the other noted. */
		if (h->pid != vms[i].pid) {
			if (note(out, "%s: a second VM of this name (pid %d) is left alone", vms[i].name,
				 (int)vms[i].pid))
				return -1;
			continue;
		}
		if (plan_one(t, p, ns, &unpinned, h, &out->vms[out->vm_count++]))
			return -1;
	}
	return 0;
}

int engine_step(struct engine *e, const struct topo *t, const struct policy *p,
		const struct engine_vm *vms, size_t count, struct plan *out)
{
	memset(out, 0, sizeof *out);
	e->tick++;
	if (e->node_count != t->node_count) {
		free(e->hot_streak);
		e->hot_streak = calloc(t->node_count, sizeof *e->hot_streak);
		if (!e->hot_streak)
			return -1;
		e->node_count = t->node_count;
	}
	for (size_t i = 0; i < e->hist_count; i++)
		e->hist[i].seen = false;
	for (size_t i = 0; i < count; i++) {
		struct engine_hist *h = find(e, vms[i].name);
		if (h && h->seen && h->pid != vms[i].pid)
			continue;
		if (track(e, &vms[i], t->node_count))
			return -1;
	}
	forget_unseen(e);
	out->node_count = t->node_count;
	out->nodes = calloc(t->node_count, sizeof *out->nodes);
	struct cpumask taken;
	struct nodes ns = {0};
	int rc = !out->nodes || update_pins(e, t, p, &taken, out) || nodes_init(&ns, t, &taken) ? -1 : 0;
	if (!rc && p->mode == MODE_NUMA) {
		rc = place_unplaced(e, &ns);
	} else if (!rc) {
		for (size_t i = 0; i < e->hist_count; i++)
			if (!e->hist[i].pinned) {
				e->hist[i].node = -1;
				e->hist[i].why[0] = '\0';
			}
	}
	if (!rc) {
		update_streaks(e, &ns, p, out);
		if (p->mode == MODE_NUMA && t->node_count > 1)
			rc = rebalance(e, &ns, p, out);
	}
	if (!rc)
		rc = build_plan(e, t, p, &ns, &taken, vms, count, out);
	nodes_free(&ns);
	if (rc)
		plan_free(out);
	return rc;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->vm_count; i++)
		free(p->vms[i].vcpu_pus);
	free(p->vms);
	free(p->moves);
	free(p->nodes);
	free(p->notes);
	memset(p, 0, sizeof *p);
}

const struct plan_vm *plan_find(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->vm_count; i++)
		if (!strcmp(p->vms[i].name, name))
			return &p->vms[i];
	return NULL;
}
