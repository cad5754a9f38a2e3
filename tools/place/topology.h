/*
 * topology.h: the host's NUMA nodes, each with its cores and their PUs
 * (hardware threads), as hwloc finds them on this machine, in an XML export
 * or in a synthetic description ("package:2 [numa] core:8 pu:2").
 */
#ifndef LULL_PLACE_TOPOLOGY_H
#define LULL_PLACE_TOPOLOGY_H

#include <stddef.h>

#include "cpumask.h"

struct topo_node {
	unsigned os_index;      /* the kernel's node number, as cpuset.mems names it */
	struct cpumask pus;
	size_t core_count;
	struct cpumask *cores;  /* each core's PUs */
};

struct topo {
	size_t node_count;
	struct topo_node *nodes;
	struct cpumask all_pus;
	struct cpumask all_nodes; /* os indexes */
};

/* At most one of xml_file and synthetic is non-NULL; neither: this host.
 * Returns 0, or -1 with a reason in why. */
int topo_load(const char *xml_file, const char *synthetic, struct topo *out, char *why,
	      size_t why_size);
void topo_free(struct topo *t);
/* The node index (into nodes[]) whose PUs include all of `pus`, or -1. */
int topo_node_of(const struct topo *t, const struct cpumask *pus);

#endif
