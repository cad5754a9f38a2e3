/*
 * policy.h: the policy file of lull place, parsed and checked. The format
 * is described in POLICY_FORMAT_HELP (shown by lull place --help).
 */
#ifndef LULL_PLACE_POLICY_H
#define LULL_PLACE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum policy_mode { MODE_SHARED, MODE_PER_VM, MODE_NUMA };

#define POLICY_MAX_RULES 64
#define POLICY_GLOB_MAX 64
#define POLICY_PARENT_MAX 256

/* A `vm GLOB ...` line. */
struct policy_rule {
	char glob[POLICY_GLOB_MAX];
	bool pinned;
	unsigned weight; /* cgroup v2 scale; 0: none given */
};

struct policy {
	enum policy_mode mode;
	char parent[POLICY_PARENT_MAX]; /* cgroup path, "/lull" */
	double steal_threshold;         /* % of a node's demand lost to steal */
	unsigned sustain;               /* intervals the steal must last */
	unsigned cooldown;              /* intervals a moved VM stays put */
	unsigned max_moves;             /* per interval */
	double max_fill;                /* % of a node's capacity a move may fill */
	size_t rule_count;
	struct policy_rule rules[POLICY_MAX_RULES];
};

extern const char POLICY_FORMAT_HELP[];

void policy_defaults(struct policy *p);
/* Parses `text` (named `name` in errors) over the defaults. Returns 0, or
 * -1 with "NAME:LINE: what is wrong" in err. */
int policy_parse(const char *name, const char *text, struct policy *out, char *err,
		 size_t err_size);
int policy_load(const char *path, struct policy *out, char *err, size_t err_size);
const char *policy_mode_name(enum policy_mode m);
bool policy_mode_parse(const char *word, enum policy_mode *out);
/* What the rules say of a VM: pinned, and a weight (0: none). */
void policy_for_vm(const struct policy *p, const char *name, bool *pinned, unsigned *weight);

#endif
