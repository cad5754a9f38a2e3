/*
 * policy.c: reading the policy file line by line into a struct policy,
 * refusing anything it does not understand with the file and line.
 */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char POLICY_FORMAT_HELP[] =
	"Policy file (--policy FILE): one directive a line; '#' starts a comment.\n"
	"  mode shared|per-vm|numa   shared (default): every VM in a cgroup of its own,\n"
	"                            weighted by its vCPUs (cpu.weight 100 x vCPUs, v1\n"
	"                            cpu.shares 1024 x vCPUs), so every vCPU competes\n"
	"                            equally and large VMs are not penalised.\n"
	"                            per-vm: the same cgroups with equal weights whatever\n"
	"                            the size (the usual default; a benchmark baseline).\n"
	"                            numa: weights as in shared, and each VM's vCPUs and\n"
	"                            memory on one NUMA node, chosen by free capacity;\n"
	"                            VMs move between nodes when steal persists.\n"
	"  parent PATH               the cgroup holding the VMs' cgroups (default lull:\n"
	"                            /lull/vm-NAME in the cpu and cpuset hierarchies)\n"
	"  vm GLOB pinned            VMs whose -name matches GLOB get one dedicated core\n"
	"                            per vCPU thread (1:1); they never move, and no other\n"
	"                            VM's cpuset includes those cores\n"
	"  vm GLOB weight N          cpu.weight N (1..10000, v2 scale) instead of the mode's\n"
	"                            (both may be on one line; of the vm lines that match\n"
	"                            a VM, the first one alone applies)\n"
	"  steal-threshold PCT       a node is hot when its VMs lose more than PCT% of\n"
	"                            their demand (use + steal) to steal (default 10)\n"
	"  sustain N                 ... for N intervals in a row (default 3)\n"
	"  cooldown N                a moved VM stays put for N intervals (default 6)\n"
	"  max-moves N               moves per interval at most (default 1)\n"
	"  max-fill PCT              a move may fill its target node to PCT% of its\n"
	"                            capacity, or to the source's load if that is higher\n"
	"                            (default 90)\n";

void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof *p);
	p->mode = MODE_SHARED;
	snprintf(p->parent, sizeof p->parent, "/lull");
	p->steal_threshold = 10;
	p->sustain = 3;
	p->cooldown = 6;
	p->max_moves = 1;
	p->max_fill = 90;
}

static const char *const mode_names[] = {
	[MODE_SHARED] = "shared", [MODE_PER_VM] = "per-vm", [MODE_NUMA] = "numa"};

const char *policy_mode_name(enum policy_mode m)
{
	return mode_names[m];
}

bool policy_mode_parse(const char *word, enum policy_mode *out)
{
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
		if (!strcmp(word, mode_names[i])) {
			*out = (enum policy_mode)i;
			return true;
		}
	}
	return false;
}

/* Where a parse is, for messages. */
struct cursor {
	const char *name;
	unsigned line;
	char *err;
	size_t err_size;
};

static int fail(struct cursor *c, const char *fmt, ...)
{
	int n = snprintf(c->err, c->err_size, "%s:%u: ", c->name, c->line);
	if (n > 0 && (size_t)n < c->err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int number(struct cursor *c, const char *key, const char *word, double lo, double hi,
		  bool integer, double *out)
{
	if (!word)
		return fail(c, "%s needs a number", key);
	char *end;
	errno = 0;
	double v = integer ? (double)strtol(word, &end, 10) : strtod(word, &end);
	if (errno || end == word || *end)
		return fail(c, "%s: \"%s\" is not a%s number", key, word, integer ? "n integer" : "");
	/* Written so that NaN ("nan" is a number to strtod) is refused too. */
	if (!(v >= lo && v <= hi))
		return fail(c, "%s: %s is out of range (%g..%g)", key, word, lo, hi);
	*out = v;
	return 0;
}

static int parse_parent(struct cursor *c, const char *word, struct policy *p)
{
	if (!word)
		return fail(c, "parent needs a cgroup path");
	const char *rel = word[0] == '/' ? word + 1 : word;
	bool ok = *rel && strlen(rel) + 2 <= sizeof p->parent && rel[strlen(rel) - 1] != '/';
	for (const char *s = rel; ok && *s; s++)
		ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		     strchr("._-/", *s);
	ok = ok && !strstr(word, "//") && !strstr(word, "..");
	if (!ok)
		return fail(c, "parent: \"%s\" is not a cgroup path (letters, digits, . _ - /)", word);
	snprintf(p->parent, sizeof p->parent, "/%s", rel);
	return 0;
}

static int parse_vm(struct cursor *c, char **words, size_t n, struct policy *p)
{
	if (n < 2)
		return fail(c, "vm needs a name pattern and what to do (pinned, weight N)");
	if (strlen(words[1]) >= POLICY_GLOB_MAX)
		return fail(c, "vm: pattern longer than %d characters", POLICY_GLOB_MAX - 1);
	if (p->rule_count == POLICY_MAX_RULES)
		return fail(c, "more than %d vm lines", POLICY_MAX_RULES);
	if (n < 3)
		return fail(c, "vm %s: say what to do (pinned, weight N)", words[1]);
	struct policy_rule r = {0};
	snprintf(r.glob, sizeof r.glob, "%s", words[1]);
	for (size_t i = 2; i < n; i++) {
		double w;
		if (!strcmp(words[i], "pinned")) {
			r.pinned = true;
		} else if (!strcmp(words[i], "weight")) {
			if (number(c, "weight", i + 1 < n ? words[i + 1] : NULL, 1, 10000, true, &w))
				return -1;
			r.weight = (unsigned)w;
			i++;
		} else {
			return fail(c, "vm %s: unknown setting \"%s\" (pinned, weight N)", words[1],
				    words[i]);
		}
	}
	p->rules[p->rule_count++] = r;
	return 0;
}

/* The directives with one number: where each goes and what it allows. */
struct numeric {
	const char *key;
	double lo, hi;
	bool integer;
};
static const struct numeric numerics[] = {
	{"steal-threshold", 0.1, 100, false}, {"sustain", 1, 1000, true},
	{"cooldown", 0, 100000, true},        {"max-moves", 0, 1000, true},
	{"max-fill", 10, 1000, false},
};

static void store_numeric(struct policy *p, size_t which, double v)
{
	switch (which) {
	case 0: p->steal_threshold = v; break;
	case 1: p->sustain = (unsigned)v; break;
	case 2: p->cooldown = (unsigned)v; break;
	case 3: p->max_moves = (unsigned)v; break;
	default: p->max_fill = v; break;
	}
}

#define MAX_WORDS 16

static int parse_line(struct cursor *c, char *line, struct policy *p, unsigned seen[])
{
	line[strcspn(line, "#")] = '\0';
	char *words[MAX_WORDS], *save;
	size_t n = 0;
	for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (n == MAX_WORDS)
			return fail(c, "more than %d words", MAX_WORDS);
		words[n++] = w;
	}
	if (n == 0)
		return 0;
	if (!strcmp(words[0], "vm"))
		return parse_vm(c, words, n, p);
	/* Every other directive is given once and takes one value. */
	static const char *const singles[] = {"mode", "parent", "steal-threshold", "sustain",
					      "cooldown", "max-moves", "max-fill"};
	size_t which = 0;
	while (which < sizeof singles / sizeof singles[0] && strcmp(words[0], singles[which]))
		which++;
	if (which == sizeof singles / sizeof singles[0])
		return fail(c, "unknown directive \"%s\" (mode, parent, vm, steal-threshold, "
			       "sustain, cooldown, max-moves, max-fill)",
			    words[0]);
	if (seen[which])
		return fail(c, "%s given twice (first on line %u)", words[0], seen[which]);
	seen[which] = c->line;
	if (n > 2)
		return fail(c, "%s takes one value, not %zu", words[0], n - 1);
	if (which == 0) {
		if (n < 2 || !policy_mode_parse(words[1], &p->mode))
			return fail(c, "mode must be shared, per-vm or numa, not \"%s\"",
				    n < 2 ? "" : words[1]);
		return 0;
	}
	if (which == 1)
		return parse_parent(c, n < 2 ? NULL : words[1], p);
	const struct numeric *d = &numerics[which - 2];
	double v;
	if (number(c, d->key, n < 2 ? NULL : words[1], d->lo, d->hi, d->integer, &v))
		return -1;
	store_numeric(p, which - 2, v);
	return 0;
}

int policy_parse(const char *name, const char *text, struct policy *out, char *err,
		 size_t err_size)
{
	policy_defaults(out);
	struct cursor c = {name, 0, err, err_size};
	unsigned seen[8] = {0};
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[1024];
		c.line++;
		if (len >= sizeof line)
			return fail(&c, "line longer than %zu characters", sizeof line - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		if (parse_line(&c, line, out, seen))
			return -1;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

int policy_load(const char *path, struct policy *out, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, err_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;
	while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, mem);
	bool read_error = ferror(f);
	fclose(f);
	if (!mem || fclose(mem) || read_error) {
		free(text);
		snprintf(err, err_size, "%s: could not read it", path);
		return -1;
	}
	int rc = policy_parse(path, text, out, err, err_size);
	free(text);
	return rc;
}

void policy_for_vm(const struct policy *p, const char *name, bool *pinned, unsigned *weight)
{
	*pinned = false;
	*weight = 0;
	for (size_t i = 0; i < p->rule_count; i++) {
		if (!fnmatch(p->rules[i].glob, name, 0)) {
			*pinned = p->rules[i].pinned;
			*weight = p->rules[i].weight;
			return;
		}
	}
}
