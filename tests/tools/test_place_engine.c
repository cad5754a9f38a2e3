/*
 * test_place_engine.c: the placement engine on hwloc synthetic topologies,
 * fed by a small model of the host scheduler: VMs on a node share its CPUs
 * in proportion to what they want, and what they do not get is steal.
 */
// unit-under-test: tools/place/engine.c tools/place/policy.c tools/place/topology.c tools/place/cpumask.c -lhwloc
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#define ONE_SOCKET "package:1 core:4 pu:2"
#define TWO_SOCKETS "package:2 [numa] core:8 pu:1"
#define FOUR_NODES_SMT "package:2 group:2 [numa] core:4 pu:2"

#define MAX_VMS 32

struct sim {
	struct topo topo;
	struct policy policy;
	struct engine engine;
	struct plan plan;
	size_t count;
	struct engine_vm vms[MAX_VMS];
	double want[MAX_VMS]; /* CPU % the VM would use with no neighbours */
	double noise;         /* want varies by +- this fraction each interval */
	double steal_noise;   /* steal up to this fraction of want, whatever the load */
	bool scripted;        /* the test sets util and steal itself */
	uint64_t rng;
	unsigned moves;
	unsigned moves_of[MAX_VMS];
};

static struct sim *sim_new(const char *synthetic, const char *policy_text)
{
	struct sim *s = test_calloc(1, sizeof *s);
	char why[256];
	assert_int_equal(topo_load(NULL, synthetic, &s->topo, why, sizeof why), 0);
	assert_int_equal(policy_parse("test.policy", policy_text, &s->policy, why, sizeof why), 0);
	engine_init(&s->engine);
	s->rng = 12345;
	return s;
}

static void sim_free(struct sim *s)
{
	plan_free(&s->plan);
	engine_free(&s->engine);
	topo_free(&s->topo);
	test_free(s);
}

static size_t add_vm(struct sim *s, const char *name, int vcpus, double want, int node)
{
	size_t i = s->count++;
	struct engine_vm *v = &s->vms[i];
	memset(v, 0, sizeof *v);
	v->pid = 1000 + (pid_t)i;
	snprintf(v->name, sizeof v->name, "%s", name);
	v->vcpus = vcpus;
	v->current_node = node;
	s->want[i] = want;
	return i;
}

static double uniform(struct sim *s)
{
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(s->rng >> 11) / (double)(1ULL << 53) * 2 - 1;
}

/* What the VMs got under the current plan: each node's (or, for VMs not
 * bound to one, the machine's) CPUs shared in proportion to want. */
static void measure(struct sim *s)
{
	double want[MAX_VMS], total[64] = {0};
	int where[MAX_VMS];
	size_t nodes = s->topo.node_count;
	for (size_t i = 0; i < s->count; i++) {
		const struct plan_vm *p = plan_find(&s->plan, s->vms[i].name);
		want[i] = s->want[i] * (1 + s->noise * uniform(s));
		if (want[i] > 100.0 * s->vms[i].vcpus)
			want[i] = 100.0 * s->vms[i].vcpus;
		where[i] = !p || p->pinned ? -2 : p->node;
		if (where[i] >= 0)
			total[where[i]] += want[i];
		else if (where[i] == -1)
			total[nodes] += want[i];
	}
	for (size_t i = 0; i < s->count; i++) {
		double cap = where[i] >= 0 ? 100.0 * cpumask_count(&s->topo.nodes[where[i]].pus)
					   : 100.0 * cpumask_count(&s->topo.all_pus);
		double t = where[i] >= 0 ? total[where[i]] : total[nodes];
		double share = where[i] == -2 || t <= cap ? 1 : cap / t;
		s->vms[i].measured = true;
		s->vms[i].util_pct = want[i] * share;
		s->vms[i].steal_pct = want[i] - s->vms[i].util_pct;
		s->vms[i].steal_pct += want[i] * s->steal_noise * (uniform(s) + 1) / 2;
	}
}

static void step(struct sim *s)
{
	if (s->plan.vms && !s->scripted)
		measure(s);
	plan_free(&s->plan);
	assert_int_equal(engine_step(&s->engine, &s->topo, &s->policy, s->vms, s->count, &s->plan), 0);
	s->moves += (unsigned)s->plan.move_count;
	for (size_t m = 0; m < s->plan.move_count; m++)
		for (size_t i = 0; i < s->count; i++)
			if (!strcmp(s->vms[i].name, s->plan.moves[m].name))
				s->moves_of[i]++;
}

static int node_of(struct sim *s, size_t i)
{
	const struct plan_vm *p = plan_find(&s->plan, s->vms[i].name);
	assert_non_null(p);
	return p->node;
}

static double node_want(struct sim *s, int node)
{
	double sum = 0;
	for (size_t i = 0; i < s->count; i++)
		if (node_of(s, i) == node)
			sum += s->want[i];
	return sum;
}

static void test_topologies(void **state)
{
	(void)state;
	static const struct {
		const char *desc;
		size_t nodes, pus_per_node, cores_per_node;
	} cases[] = {{ONE_SOCKET, 1, 8, 4}, {TWO_SOCKETS, 2, 8, 8}, {FOUR_NODES_SMT, 4, 8, 4}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct topo t;
		char why[256];
		assert_int_equal(topo_load(NULL, cases[c].desc, &t, why, sizeof why), 0);
		assert_int_equal(t.node_count, cases[c].nodes);
		for (size_t n = 0; n < t.node_count; n++) {
			assert_int_equal(cpumask_count(&t.nodes[n].pus), cases[c].pus_per_node);
			assert_int_equal(t.nodes[n].core_count, cases[c].cores_per_node);
			assert_int_equal(t.nodes[n].os_index, n);
		}
		assert_int_equal(cpumask_count(&t.all_pus), cases[c].nodes * cases[c].pus_per_node);
		topo_free(&t);
	}
	struct topo t;
	char why[256];
	assert_int_equal(topo_load(NULL, "banana:3", &t, why, sizeof why), -1);
	assert_non_null(strstr(why, "banana:3"));
}

/* The seed's example: weights by vCPUs in shared, equal in per-vm. */
static void test_shared_and_per_vm_weights(void **state)
{
	(void)state;
	static const struct {
		const char *policy;
		unsigned weights[3];
	} cases[] = {{"mode shared\n", {400, 200, 200}},
		     {"mode per-vm\n", {100, 100, 100}},
		     {"mode shared\nvm small-* weight 50\n", {400, 50, 50}}};
	for (size_t c = 0; c < 3; c++) {
		struct sim *s = sim_new(ONE_SOCKET, cases[c].policy);
		add_vm(s, "large", 4, 400, -1);
		add_vm(s, "small-1", 2, 200, -1);
		add_vm(s, "small-2", 2, 200, -1);
		step(s);
		assert_int_equal(s->plan.vm_count, 3);
		for (size_t i = 0; i < 3; i++) {
			const struct plan_vm *p = &s->plan.vms[i];
			assert_int_equal(p->weight, cases[c].weights[i]);
			assert_true(cpumask_equal(&p->cpus, &s->topo.all_pus));
			assert_int_equal(p->node, -1);
			assert_non_null(strstr(p->reason, "weight"));
		}
		sim_free(s);
	}
}

/* numa: new VMs spread over the nodes, each on one node's CPUs and memory. */
static void test_numa_initial_placement(void **state)
{
	(void)state;
	struct sim *s = sim_new(FOUR_NODES_SMT, "mode numa\n");
	for (int i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof name, "vm%d", i);
		add_vm(s, name, 4, 0, -1);
	}
	step(s);
	unsigned per_node[4] = {0};
	for (size_t i = 0; i < s->count; i++) {
		const struct plan_vm *p = &s->plan.vms[i];
		assert_true(p->node >= 0 && p->node < 4);
		per_node[p->node]++;
		assert_true(cpumask_equal(&p->cpus, &s->topo.nodes[p->node].pus));
		assert_int_equal(cpumask_count(&p->mems), 1);
		assert_true(cpumask_test(&p->mems, s->topo.nodes[p->node].os_index));
		assert_int_equal(p->weight, 400);
	}
	for (int n = 0; n < 4; n++)
		assert_int_equal(per_node[n], 2);
	sim_free(s);
}

/* Two nodes of 8 CPUs: 8 VMs wanting 266% each on node 0 (266% of its
 * capacity), 2 on node 1 (66%). Balanced is 5 and 5, three moves away. */
static void test_seed_overcommit_converges(void **state)
{
	(void)state;
	struct sim *s = sim_new(TWO_SOCKETS, "mode numa\n");
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof name, "vm%d", i);
		add_vm(s, name, 4, 800.0 / 3, i < 8 ? 0 : 1);
	}
	step(s);
	assert_int_equal((int)(100 * node_want(s, 0) / 800 + 0.5), 267);
	assert_int_equal((int)(100 * node_want(s, 1) / 800 + 0.5), 67);
	unsigned converged_at = 0;
	for (unsigned i = 1; i <= 40 && !converged_at; i++) {
		step(s);
		if (node_want(s, 0) - node_want(s, 1) < 1)
			converged_at = i;
	}
	assert_true(converged_at > 0);
	assert_int_equal(s->moves, 3);
	for (size_t m = 0; m < MAX_VMS; m++)
		assert_true(s->moves_of[m] <= 1);
	for (unsigned i = 0; i < 200; i++)
		step(s);
	assert_int_equal(s->moves, 3);
	/* Both nodes are still over-committed: said, not acted upon. */
	assert_true(s->plan.node_count == 2 && s->plan.nodes[0].hot_streak > 0);
	sim_free(s);
}

/* Demand jittering by 35% every interval, either with every node near its
 * capacity (steal comes and goes with the load) or at 60% with residual
 * steal of up to 30% everywhere (nodes hot all the time, none with a real
 * reason to move): no VM may bounce between nodes. */
static void test_no_oscillation_under_noise(void **state)
{
	(void)state;
	static const struct {
		double want, steal_noise;
	} cases[] = {{200, 0}, {120, 0.3}};
	for (size_t c = 0; c < 2; c++) {
		struct sim *s = sim_new(FOUR_NODES_SMT, "mode numa\n");
		for (int i = 0; i < 16; i++) {
			char name[16];
			snprintf(name, sizeof name, "vm%02d", i);
			add_vm(s, name, 4, cases[c].want, i % 4);
		}
		s->noise = 0.35;
		s->steal_noise = cases[c].steal_noise;
		unsigned hot_intervals = 0;
		for (unsigned i = 0; i < 500; i++) {
			step(s);
			hot_intervals += s->plan.nodes[0].steal_ratio > s->policy.steal_threshold;
		}
		assert_true(hot_intervals > 30); /* the noise does make steal */
		assert_true(s->moves <= 2);
		for (size_t m = 0; m < MAX_VMS; m++)
			assert_true(s->moves_of[m] <= 1);
		sim_free(s);
	}
}

/* Steal above the threshold for one interval less than `sustain`, again
 * and again, is noise: no move. */
static void test_short_steal_runs_do_not_move(void **state)
{
	(void)state;
	struct sim *s = sim_new(TWO_SOCKETS, "mode numa\nsustain 3\n");
	add_vm(s, "a", 4, 400, 0);
	add_vm(s, "b", 4, 400, 0);
	add_vm(s, "c", 2, 100, 1);
	s->scripted = true;
	for (unsigned i = 0; i < 60; i++) {
		/* Two intervals in three, a and b lose a quarter to steal. */
		double steal = i % 3 == 2 ? 0 : 100;
		for (size_t v = 0; v < 3; v++) {
			s->vms[v].measured = true;
			s->vms[v].steal_pct = v < 2 ? steal : 0;
			s->vms[v].util_pct = s->want[v] - s->vms[v].steal_pct;
		}
		step(s);
	}
	assert_int_equal(s->moves, 0);
	sim_free(s);
}

/* A pinned VM on the hot node keeps its cores; the others move off. */
static void test_pinned_never_moves(void **state)
{
	(void)state;
	struct sim *s = sim_new(TWO_SOCKETS, "mode numa\nvm db* pinned\n");
	size_t db = add_vm(s, "db", 4, 400, 0);
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "web%d", i);
		add_vm(s, name, 2, 200, 0);
	}
	step(s);
	const struct plan_vm *p = plan_find(&s->plan, "db");
	assert_true(p->pinned);
	struct cpumask pinned = p->cpus;
	assert_int_equal(cpumask_count(&pinned), 4);
	for (int v = 0; v < 4; v++)
		assert_int_equal(cpumask_count(&p->vcpu_pus[v]), 1);
	for (unsigned i = 0; i < 100; i++) {
		step(s);
		p = plan_find(&s->plan, "db");
		assert_true(p->pinned);
		assert_true(cpumask_equal(&p->cpus, &pinned));
		for (size_t k = 0; k < s->plan.vm_count; k++) {
			struct cpumask both = s->plan.vms[k].cpus;
			cpumask_andnot(&both, &pinned);
			if (k != db)
				assert_true(cpumask_equal(&both, &s->plan.vms[k].cpus));
		}
	}
	assert_int_equal(s->moves_of[db], 0);
	assert_true(s->moves > 0);
	sim_free(s);
}

/* Pinning that would take every core is refused, with a note; a pinned
 * VM's cores are free again once it has gone. */
static void test_pin_refused_then_freed(void **state)
{
	(void)state;
	struct sim *s = sim_new(ONE_SOCKET, "vm * pinned\n");
	add_vm(s, "big", 3, 0, -1);
	add_vm(s, "next", 1, 0, -1);
	step(s);
	assert_true(plan_find(&s->plan, "big")->pinned);
	assert_false(plan_find(&s->plan, "next")->pinned);
	assert_int_equal(s->plan.note_count, 1);
	assert_non_null(strstr(s->plan.notes[0], "next: not pinned"));
	s->vms[0] = s->vms[1];
	s->count = 1;
	step(s);
	assert_true(plan_find(&s->plan, "next")->pinned);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topologies),
		cmocka_unit_test(test_shared_and_per_vm_weights),
		cmocka_unit_test(test_numa_initial_placement),
		cmocka_unit_test(test_seed_overcommit_converges),
		cmocka_unit_test(test_no_oscillation_under_noise),
		cmocka_unit_test(test_short_steal_runs_do_not_move),
		cmocka_unit_test(test_pinned_never_moves),
		cmocka_unit_test(test_pin_refused_then_freed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
