/*
 * test_place_policy.c: lull place's policy file: good files, and each
 * kind of bad line refused with its file, line and what is wrong.
 */
// unit-under-test: tools/place/policy.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

/* Every scalar setting of a parsed policy against what it should be. */
static void expect_settings(const struct policy *p, const struct policy *want)
{
	assert_int_equal(p->mode, want->mode);
	assert_string_equal(p->parent, want->parent);
	assert_true(p->steal_threshold == want->steal_threshold);
	assert_int_equal(p->sustain, want->sustain);
	assert_int_equal(p->cooldown, want->cooldown);
	assert_int_equal(p->max_moves, want->max_moves);
	assert_true(p->max_fill == want->max_fill);
	assert_int_equal(p->rule_count, want->rule_count);
}

static void test_defaults_and_empty(void **state)
{
	(void)state;
	struct policy p;
	char err[256];
	assert_int_equal(policy_parse("p", "", &p, err, sizeof err), 0);
	expect_settings(&p, &(struct policy){.mode = MODE_SHARED, .parent = "/lull",
					     .steal_threshold = 10, .sustain = 3, .cooldown = 6,
					     .max_moves = 1, .max_fill = 90});
	assert_int_equal(policy_parse("p", "\n# only a comment\n   \t\n", &p, err, sizeof err), 0);
}

static void test_full_file(void **state)
{
	(void)state;
	static const char text[] = "# a host of web and db VMs\n"
				   "mode numa            # one node each\n"
				   "parent machines/lull\n"
				   "steal-threshold 12.5\n"
				   "sustain 4\n"
				   "cooldown 10\n"
				   "max-moves 2\n"
				   "max-fill 85\n"
				   "vm db-* pinned\n"
				   "vm batch-? weight 50\n"
				   "vm web-[0-9] pinned weight 300\n"
				   "vm * weight 120\n";
	struct policy p;
	char err[256];
	assert_int_equal(policy_parse("host.policy", text, &p, err, sizeof err), 0);
	expect_settings(&p, &(struct policy){.mode = MODE_NUMA, .parent = "/machines/lull",
					     .steal_threshold = 12.5, .sustain = 4, .cooldown = 10,
					     .max_moves = 2, .max_fill = 85, .rule_count = 4});
	bool pinned;
	unsigned weight;
	policy_for_vm(&p, "db-1", &pinned, &weight);
	assert_true(pinned);
	assert_int_equal(weight, 0);
	policy_for_vm(&p, "batch-7", &pinned, &weight);
	assert_false(pinned);
	assert_int_equal(weight, 50);
	policy_for_vm(&p, "web-3", &pinned, &weight);
	assert_true(pinned);
	assert_int_equal(weight, 300);
	/* The first matching line alone: batch-77 is not batch-?, so "*". */
	policy_for_vm(&p, "batch-77", &pinned, &weight);
	assert_false(pinned);
	assert_int_equal(weight, 120);
	assert_int_equal(policy_parse("p", "mode per-vm", &p, err, sizeof err), 0);
	assert_int_equal(p.mode, MODE_PER_VM);
}

/* Each bad line, where it is, and words the message must hold. */
static void test_malformed_lines(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"mode fast\n", "bad.policy:1: mode must be shared, per-vm or numa, not \"fast\""},
		{"mode\n", "bad.policy:1: mode must be"},
		{"\n\nmode numa shared\n", "bad.policy:3: mode takes one value"},
		{"mode numa\nmode shared\n", "bad.policy:2: mode given twice (first on line 1)"},
		{"frobnicate 3\n", "bad.policy:1: unknown directive \"frobnicate\""},
		{"steal-threshold ten\n", "bad.policy:1: steal-threshold: \"ten\" is not a number"},
		{"steal-threshold 0\n", "bad.policy:1: steal-threshold: 0 is out of range"},
		{"sustain 2.5\n", "bad.policy:1: sustain: \"2.5\" is not an integer"},
		{"sustain 0\n", "bad.policy:1: sustain: 0 is out of range"},
		{"cooldown\n", "bad.policy:1: cooldown needs a number"},
		{"max-moves -1\n", "bad.policy:1: max-moves: -1 is out of range"},
		{"max-fill 5\n", "bad.policy:1: max-fill: 5 is out of range"},
		{"steal-threshold nan\n", "bad.policy:1: steal-threshold: nan is out of range"},
		{"max-fill NAN\n", "bad.policy:1: max-fill: NAN is out of range"},
		{"parent ../etc\n", "bad.policy:1: parent: \"../etc\" is not a cgroup path"},
		{"parent a//b\n", "bad.policy:1: parent: \"a//b\" is not a cgroup path"},
		{"parent\n", "bad.policy:1: parent needs a cgroup path"},
		{"vm\n", "bad.policy:1: vm needs a name pattern"},
		{"vm web-*\n", "bad.policy:1: vm web-*: say what to do"},
		{"vm web-* fast\n", "bad.policy:1: vm web-*: unknown setting \"fast\""},
		{"vm web-* weight\n", "bad.policy:1: weight needs a number"},
		{"vm web-* weight 0\n", "bad.policy:1: weight: 0 is out of range (1..10000)"},
		{"vm web-* weight 20000\n", "bad.policy:1: weight: 20000 is out of range"},
		{"vm web-* weight x1\n", "bad.policy:1: weight: \"x1\" is not an integer"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct policy p;
		char err[256] = "";
		int rc = policy_parse("bad.policy", cases[i].text, &p, err, sizeof err);
		if (rc != -1 || strncmp(err, cases[i].want, strlen(cases[i].want)))
			fail_msg("%s: got %d \"%s\", wanted \"%s\"", cases[i].text, rc, err, cases[i].want);
	}
}

static void test_limits(void **state)
{
	(void)state;
	struct policy p;
	char err[256], text[4096] = "";
	for (int i = 0; i <= POLICY_MAX_RULES; i++)
		strcat(text, "vm x pinned\n");
	assert_int_equal(policy_parse("p", text, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "p:65: more than 64 vm lines"));
	char line[1100];
	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	assert_int_equal(policy_parse("p", line, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "p:1: line longer than"));
	char glob[100] = "vm ";
	memset(glob + 3, 'g', 80);
	strcat(glob, " pinned");
	assert_int_equal(policy_parse("p", glob, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "pattern longer than"));
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct policy p;
	char err[256];
	assert_int_equal(policy_load("/nonexistent/lull.policy", &p, err, sizeof err), -1);
	assert_string_equal(err, "/nonexistent/lull.policy: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_empty),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
