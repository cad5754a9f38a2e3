/*
 * cpumask.c: sets of CPU or node numbers and their list form.
 */
#include "cpumask.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cpumask_set(struct cpumask *m, unsigned i)
{
	if (i < CPUMASK_MAX)
		m->w[i / 64] |= UINT64_C(1) << (i % 64);
}

bool cpumask_test(const struct cpumask *m, unsigned i)
{
	return i < CPUMASK_MAX && (m->w[i / 64] >> (i % 64) & 1);
}

unsigned cpumask_count(const struct cpumask *m)
{
	unsigned n = 0;
	for (size_t i = 0; i < CPUMASK_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(m->w[i]);
	return n;
}

bool cpumask_empty(const struct cpumask *m)
{
	return cpumask_count(m) == 0;
}

bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	return !memcmp(a->w, b->w, sizeof a->w);
}

void cpumask_or(struct cpumask *m, const struct cpumask *add)
{
	for (size_t i = 0; i < CPUMASK_MAX / 64; i++)
		m->w[i] |= add->w[i];
}

void cpumask_andnot(struct cpumask *m, const struct cpumask *remove)
{
	for (size_t i = 0; i < CPUMASK_MAX / 64; i++)
		m->w[i] &= ~remove->w[i];
}

int cpumask_format(const struct cpumask *m, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < CPUMASK_MAX; i++) {
		if (!cpumask_test(m, i))
			continue;
		unsigned j = i;
		while (j + 1 < CPUMASK_MAX && cpumask_test(m, j + 1))
			j++;
		int n = j == i ? snprintf(out + len, size - len, "%s%u", len ? "," : "", i)
			       : snprintf(out + len, size - len, "%s%u-%u", len ? "," : "", i, j);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
		i = j;
	}
	return (int)len;
}

static bool parse_number(const char **p, unsigned *out)
{
	if (!isdigit((unsigned char)**p))
		return false;
	char *end;
	unsigned long v = strtoul(*p, &end, 10);
	if (v >= CPUMASK_MAX)
		return false;
	*out = (unsigned)v;
	*p = end;
	return true;
}

bool cpumask_parse(const char *text, struct cpumask *out)
{
	memset(out, 0, sizeof *out);
	const char *p = text;
	while (*p == ' ')
		p++;
	while (*p && *p != '\n') {
		unsigned lo, hi;
		if (!parse_number(&p, &lo))
			return false;
		hi = lo;
		if (*p == '-' && (p++, !parse_number(&p, &hi) || hi < lo))
			return false;
		for (unsigned i = lo; i <= hi; i++)
			cpumask_set(out, i);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n' && *p != ' ')
			return false;
		while (*p == ' ')
			p++;
	}
	return true;
}
