/*
 * cpumask.h: a fixed-size set of small integers (host CPUs, NUMA nodes) and
 * its Linux list form ("0-3,8,10-11") as cpuset files and taskset use it.
 */
#ifndef LULL_PLACE_CPUMASK_H
#define LULL_PLACE_CPUMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUMASK_MAX 1024

struct cpumask {
	uint64_t w[CPUMASK_MAX / 64];
};

void cpumask_set(struct cpumask *m, unsigned i);
bool cpumask_test(const struct cpumask *m, unsigned i);
unsigned cpumask_count(const struct cpumask *m);
bool cpumask_empty(const struct cpumask *m);
bool cpumask_equal(const struct cpumask *a, const struct cpumask *b);
void cpumask_or(struct cpumask *m, const struct cpumask *add);
void cpumask_andnot(struct cpumask *m, const struct cpumask *remove);
/* The list form; "" for an empty set. Returns the length, or -1 when it
 * does not fit in size bytes. */
int cpumask_format(const struct cpumask *m, char *out, size_t size);
/* Parses the list form (spaces and a trailing newline allowed; "" is the
 * empty set). Returns false on anything else. */
bool cpumask_parse(const char *text, struct cpumask *out);

#endif
