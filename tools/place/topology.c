/*
 * topology.c: reading nodes, cores and PUs from hwloc into plain masks, so
 * that the rest of lull place never touches hwloc objects.
 */
#include "topology.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mask_of(hwloc_const_bitmap_t b, struct cpumask *out)
{
	memset(out, 0, sizeof *out);
	for (int i = hwloc_bitmap_first(b); i >= 0; i = hwloc_bitmap_next(b, i))
		cpumask_set(out, (unsigned)i);
}

/* A core's PUs; a level without cores (some synthetic topologies, some
 * virtual machines) makes each PU a core of its own. */
static int collect_cores(hwloc_topology_t h, struct topo_node *node, hwloc_const_cpuset_t set)
{
	hwloc_obj_type_t type =
		hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	int n = hwloc_get_nbobjs_inside_cpuset_by_type(h, set, type);
	node->cores = calloc(n > 0 ? (size_t)n : 1, sizeof *node->cores);
	if (!node->cores)
		return -1;
	for (int i = 0; i < n; i++) {
		hwloc_obj_t o = hwloc_get_obj_inside_cpuset_by_type(h, set, type, (unsigned)i);
		mask_of(o->cpuset, &node->cores[i]);
	}
	node->core_count = (size_t)n;
	return 0;
}

static int fill(hwloc_topology_t h, struct topo *out)
{
	int numa = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
	out->node_count = numa > 0 ? (size_t)numa : 1;
	out->nodes = calloc(out->node_count, sizeof *out->nodes);
	if (!out->nodes)
		return -1;
	mask_of(hwloc_topology_get_topology_cpuset(h), &out->all_pus);
	for (size_t i = 0; i < out->node_count; i++) {
		struct topo_node *n = &out->nodes[i];
		hwloc_obj_t o = numa > 0 ? hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, (unsigned)i)
					 : NULL;
		hwloc_const_cpuset_t set = o ? o->cpuset : hwloc_topology_get_topology_cpuset(h);
		n->os_index = o ? o->os_index : 0;
		cpumask_set(&out->all_nodes, n->os_index);
		mask_of(set, &n->pus);
		if (collect_cores(h, n, set))
			return -1;
	}
	return 0;
}

int topo_load(const char *xml_file, const char *synthetic, struct topo *out, char *why,
	      size_t why_size)
{
	memset(out, 0, sizeof *out);
	hwloc_topology_t h;
	if (hwloc_topology_init(&h) < 0) {
		snprintf(why, why_size, "hwloc could not start");
		return -1;
	}
	int rc = 0;
	if (xml_file && hwloc_topology_set_xml(h, xml_file) < 0) {
		snprintf(why, why_size, "%s: not a readable hwloc XML topology", xml_file);
		rc = -1;
	} else if (synthetic && hwloc_topology_set_synthetic(h, synthetic) < 0) {
		snprintf(why, why_size,
			 "\"%s\": not an hwloc synthetic topology (e.g. \"package:2 [numa] core:8 pu:2\")",
			 synthetic);
		rc = -1;
	} else if (hwloc_topology_load(h) < 0) {
		snprintf(why, why_size, "hwloc could not read the topology");
		rc = -1;
	} else if (fill(h, out)) {
		snprintf(why, why_size, "out of memory");
		rc = -1;
	}
	hwloc_topology_destroy(h);
	if (rc)
		topo_free(out);
	return rc;
}

void topo_free(struct topo *t)
{
	for (size_t i = 0; i < t->node_count && t->nodes; i++)
		free(t->nodes[i].cores);
	free(t->nodes);
	memset(t, 0, sizeof *t);
}

int topo_node_of(const struct topo *t, const struct cpumask *pus)
{
	for (size_t i = 0; i < t->node_count; i++) {
		struct cpumask rest = *pus;
		cpumask_andnot(&rest, &t->nodes[i].pus);
		if (cpumask_empty(&rest) && !cpumask_empty(pus))
			return (int)i;
	}
	return -1;
}
