/*
 * test_cgroup.c: cgroup detection from fake mount tables, and the cgroup
 * operations on a tree of plain files in a temporary directory.
 */
// unit-under-test: tools/hostvm/cgroup.c
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *rel)
{
	static char buf[256];
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/test_cgroup.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd);
}

/* A mountinfo line for a cgroup mount at ROOT/DIR. */
static void mount_line(char *buf, size_t size, int id, const char *dir, const char *fstype,
		       const char *super)
{
	size_t len = strlen(buf);
	snprintf(buf + len, size - len, "%d 31 0:%d / %s/%s rw,relatime shared:9 - %s %s %s\n", id,
		 id, root, dir, fstype, fstype, super);
}

static int detect(const char *mountinfo, struct cgroup_layout *l, char *why)
{
	put("mountinfo", mountinfo);
	char path[300];
	snprintf(path, sizeof path, "%s/mountinfo", root);
	return cgroup_detect(path, l, why, 256);
}

static void expect(const struct cgroup_controller *c, enum cgroup_version v, const char *dir)
{
	assert_int_equal(c->version, v);
	if (!dir)
		return;
	char want[300];
	snprintf(want, sizeof want, "%s/%s", root, dir);
	assert_string_equal(c->mount, want);
}

static void test_detect_v1_separate(void **state)
{
	(void)state;
	char mi[4096] = "23 1 8:1 / / rw - ext4 /dev/sda1 rw\n";
	mount_line(mi, sizeof mi, 40, "systemd", "cgroup", "rw,name=systemd");
	mount_line(mi, sizeof mi, 41, "cpuacct", "cgroup", "rw,cpuacct");
	mount_line(mi, sizeof mi, 42, "cpu", "cgroup", "rw,cpu");
	mount_line(mi, sizeof mi, 43, "cpuset", "cgroup", "rw,cpuset");
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V1, "cpu");
	expect(&l.cpuset, CGROUP_V1, "cpuset");
}

static void test_detect_v1_combined(void **state)
{
	(void)state;
	char mi[4096] = "";
	mount_line(mi, sizeof mi, 41, "cpu,cpuacct", "cgroup", "rw,cpu,cpuacct");
	mount_line(mi, sizeof mi, 42, "cpuset", "cgroup", "rw,cpuset");
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V1, "cpu,cpuacct");
	expect(&l.cpuset, CGROUP_V1, "cpuset");
}

/* cpuacct alone is not cpu; a cpu mount only for a sub-cgroup is not one
 * /proc/PID/cgroup paths can be read against. */
static void test_detect_none(void **state)
{
	(void)state;
	char mi[4096] = "";
	mount_line(mi, sizeof mi, 41, "cpuacct", "cgroup", "rw,cpuacct");
	strcat(mi, "50 31 0:50 /docker/abc /x rw - cgroup cgroup rw,cpu\n");
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), -ENOENT);
	expect(&l.cpu, CGROUP_NONE, NULL);
	assert_non_null(strstr(why, "cpu"));
	assert_int_equal(detect("23 1 8:1 / / rw - ext4 /dev/sda1 rw\n", &l, why), -ENOENT);
	assert_non_null(strstr(why, "no cgroup hierarchy"));
}

static void test_detect_v2_only(void **state)
{
	(void)state;
	char mi[4096] = "";
	mount_line(mi, sizeof mi, 30, "v2", "cgroup2", "rw,nsdelegate");
	put("v2/cgroup.controllers", "cpuset cpu io memory pids\n");
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V2, "v2");
	expect(&l.cpuset, CGROUP_V2, "v2");
}

/* This host: cpu and cpuset on v1, an empty v2 tree beside them. */
static void test_detect_hybrid(void **state)
{
	(void)state;
	char mi[4096] = "";
	mount_line(mi, sizeof mi, 32, "h/cpu", "cgroup", "rw,cpu");
	mount_line(mi, sizeof mi, 34, "h/cpuset", "cgroup", "rw,cpuset");
	mount_line(mi, sizeof mi, 41, "h/unified", "cgroup2", "rw");
	put("h/unified/cgroup.controllers", "hugetlb\n");
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V1, "h/cpu");
	expect(&l.cpuset, CGROUP_V1, "h/cpuset");
	/* cpu on v1, cpuset on v2 (listed there): each where it is. */
	mi[0] = '\0';
	mount_line(mi, sizeof mi, 32, "h/cpu", "cgroup", "rw,cpu");
	mount_line(mi, sizeof mi, 41, "h/unified", "cgroup2", "rw");
	put("h/unified/cgroup.controllers", "cpuset hugetlb\n");
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V1, "h/cpu");
	expect(&l.cpuset, CGROUP_V2, "h/unified");
}

static void test_detect_escaped_mount_point(void **state)
{
	(void)state;
	char mi[4096];
	snprintf(mi, sizeof mi, "32 31 0:29 / %s/my\\040cpu rw - cgroup cgroup rw,cpu\n", root);
	struct cgroup_layout l;
	char why[256];
	assert_int_equal(detect(mi, &l, why), 0);
	expect(&l.cpu, CGROUP_V1, "my cpu");
}

static struct cgroup_layout v1_layout(void)
{
	struct cgroup_layout l = {0};
	l.cpu.version = l.cpuset.version = CGROUP_V1;
	snprintf(l.cpu.mount, sizeof l.cpu.mount, "%s/cpu", root);
	snprintf(l.cpuset.mount, sizeof l.cpuset.mount, "%s/cpuset", root);
	put("cpu/cpu.shares", "1024\n");
	put("cpuset/cpuset.cpus", "0-7\n");
	put("cpuset/cpuset.mems", "0-1\n");
	return l;
}

static struct cgroup_layout v2_layout(void)
{
	struct cgroup_layout l = {0};
	l.cpu.version = l.cpuset.version = CGROUP_V2;
	snprintf(l.cpu.mount, sizeof l.cpu.mount, "%s/v2", root);
	l.cpuset = l.cpu;
	put("v2/cgroup.controllers", "cpuset cpu\n");
	return l;
}

/* v1: the new cpuset gets its parent's CPUs and nodes (a task could not
 * join it otherwise); weights are written as shares. */
static void test_v1_create_weight_cpuset_move(void **state)
{
	(void)state;
	struct cgroup_layout l = v1_layout();
	assert_int_equal(cgroup_create(&l, "/lull/vm-web"), 0);
	assert_string_equal(get("cpuset/lull/cpuset.cpus"), "0-7");
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.cpus"), "0-7");
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.mems"), "0-1");
	assert_int_equal(cgroup_create(&l, "/lull/vm-web"), 0);
	assert_int_equal(cgroup_set_weight(&l, "/lull/vm-web", 400), 0);
	assert_string_equal(get("cpu/lull/vm-web/cpu.shares"), "4096");
	assert_int_equal(cgroup_set_weight(&l, "/lull/vm-web", 0), -EINVAL);
	assert_int_equal(cgroup_set_cpuset(&l, "/lull/vm-web", "4-7", "1"), 0);
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.cpus"), "4-7");
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.mems"), "1");
	assert_int_equal(cgroup_set_cpuset(&l, "/lull/vm-web", "0-3", NULL), 0);
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.mems"), "1");
	assert_int_equal(cgroup_set_memory_migrate(&l, "/lull/vm-web", true), 0);
	assert_string_equal(get("cpuset/lull/vm-web/cpuset.memory_migrate"), "1");
	assert_int_equal(cgroup_move_process(&l, "/lull/vm-web", 4242), 0);
	assert_string_equal(get("cpu/lull/vm-web/cgroup.procs"), "4242");
	assert_string_equal(get("cpuset/lull/vm-web/cgroup.procs"), "4242");
	struct cgroup_limits lim;
	put("cpu/lull/vm-web/cpu.cfs_quota_us", "50000\n");
	put("cpu/lull/vm-web/cpu.cfs_period_us", "100000\n");
	assert_int_equal(cgroup_read_limits(&l, "/lull/vm-web", &lim), 0);
	assert_int_equal(lim.weight, 400);
	assert_int_equal(lim.quota_us, 50000);
	assert_int_equal(lim.period_us, 100000);
	assert_string_equal(lim.cpus, "0-3");
	assert_string_equal(lim.mems, "1");
	put("cpu/lull/vm-web/cpu.cfs_quota_us", "-1\n");
	assert_int_equal(cgroup_read_limits(&l, "/lull/vm-web", &lim), 0);
	assert_int_equal(lim.quota_us, -1);
	assert_int_equal(cgroup_read_limits(&l, "/lull/vm-gone", &lim), -ENOENT);
}

/* A cgroup that vanished: writes into it fail with ENOENT, not by
 * creating a plain directory in its place. */
static void test_vanished_cgroup(void **state)
{
	(void)state;
	struct cgroup_layout l = v1_layout();
	assert_int_equal(cgroup_create(&l, "/lull/vm-a"), 0);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s/cpu/lull/vm-a' '%s/cpuset/lull/vm-a'", root, root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(cgroup_set_weight(&l, "/lull/vm-a", 100), -ENOENT);
	assert_int_equal(cgroup_move_process(&l, "/lull/vm-a", 1), -ENOENT);
	assert_int_equal(cgroup_remove(&l, "/lull/vm-a"), 0);
}

/* v2: controllers enabled in every parent's subtree_control on the way
 * down; cpu.weight as is; cpu.max and the effective cpuset read back. */
static void test_v2_create_and_limits(void **state)
{
	(void)state;
	struct cgroup_layout l = v2_layout();
	assert_int_equal(cgroup_create(&l, "/lull/vm-db"), 0);
	assert_string_equal(get("v2/cgroup.subtree_control"), "+cpu +cpuset");
	assert_string_equal(get("v2/lull/cgroup.subtree_control"), "+cpu +cpuset");
	assert_null(get("v2/lull/vm-db/cgroup.subtree_control"));
	assert_null(get("v2/lull/vm-db/cpuset.cpus"));
	assert_int_equal(cgroup_set_weight(&l, "/lull/vm-db", 250), 0);
	assert_string_equal(get("v2/lull/vm-db/cpu.weight"), "250");
	assert_int_equal(cgroup_move_process(&l, "/lull/vm-db", 77), 0);
	assert_string_equal(get("v2/lull/vm-db/cgroup.procs"), "77");
	put("v2/lull/vm-db/cpu.max", "max 100000\n");
	put("v2/lull/vm-db/cpuset.cpus.effective", "2-3\n");
	put("v2/lull/vm-db/cpuset.mems.effective", "0\n");
	struct cgroup_limits lim;
	assert_int_equal(cgroup_read_limits(&l, "/lull/vm-db", &lim), 0);
	assert_int_equal(lim.weight, 250);
	assert_int_equal(lim.quota_us, -1);
	assert_int_equal(lim.period_us, 100000);
	assert_string_equal(lim.cpus, "2-3");
	assert_string_equal(lim.mems, "0");
	put("v2/lull/vm-db/cpu.max", "20000 50000\n");
	assert_int_equal(cgroup_read_limits(&l, "/lull/vm-db", &lim), 0);
	assert_int_equal(lim.quota_us, 20000);
	assert_int_equal(lim.period_us, 50000);
	/* The root has no cpu.weight: the default. */
	assert_int_equal(cgroup_read_limits(&l, "/", &lim), 0);
	assert_int_equal(lim.weight, 100);
	assert_int_equal(cgroup_remove(&l, "/lull/vm-db"), -ENOTEMPTY);
	assert_int_equal(cgroup_create(&l, "/a/../b"), -EINVAL);
}

/* Which line of /proc/PID/cgroup belongs to which hierarchy. */
static void test_cgroup_of_pid(void **state)
{
	(void)state;
	put("proc/99/cgroup", "9:name=systemd:/init.scope\n4:cpu,cpuacct:/lull/vm-x\n"
			      "3:cpuset:/lull/vm-y\n0::/user.slice\n");
	char proc[300], out[256];
	snprintf(proc, sizeof proc, "%s/proc", root);
	struct cgroup_layout l = v1_layout();
	assert_int_equal(cgroup_of_pid(proc, 99, &l.cpu, out, sizeof out), 0);
	assert_string_equal(out, "/lull/vm-x");
	assert_int_equal(cgroup_of_pid(proc, 99, &l.cpuset, out, sizeof out), 0);
	assert_string_equal(out, "/lull/vm-y");
	struct cgroup_layout v2 = v2_layout();
	assert_int_equal(cgroup_of_pid(proc, 99, &v2.cpu, out, sizeof out), 0);
	assert_string_equal(out, "/user.slice");
	assert_int_equal(cgroup_of_pid(proc, 12345, &l.cpu, out, sizeof out), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_detect_v1_separate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_v1_combined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_v2_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_escaped_mount_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_create_weight_cpuset_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanished_cgroup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_create_and_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_of_pid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
