/*
 * autonuma.h: the kernel's automatic NUMA balancing, which moves tasks and
 * their memory between nodes on its own and so undoes a placement.
 */
#ifndef LULL_PLACE_AUTONUMA_H
#define LULL_PLACE_AUTONUMA_H

#include <stdbool.h>
#include <stddef.h>

/* Reports kernel.numa_balancing (under proc_root) in the log, recommends
 * turning it off when it is on and the host has more than one node, and
 * with turn_off writes 0 (or, with dry_run, says it would). Returns -1
 * only when turning it off was asked for and failed. */
int autonuma_check(const char *proc_root, size_t node_count, bool turn_off, bool dry_run);

#endif
