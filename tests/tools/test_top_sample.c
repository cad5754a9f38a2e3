/* test_top_sample.c: `lull top`'s samples of a fake /proc tree (collect.c)
 * and their text and JSON (render.c). */
// unit-under-test: tools/top/collect.c tools/top/render.c tools/hostvm/vm.c tools/hostvm/qmp.c tools/hostvm/guest_stats.c tools/hostvm/cgroup.c tools/lull/elf_image.c
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

#include "qmp.h"
#include "top.h"
#include "test_vm_fake_proc.h"

static void put_schedstat(int pid, int tid, unsigned long long run, unsigned long long wait)
{
	char rel[128], text[64];
	snprintf(rel, sizeof rel, "%d/task/%d/schedstat", pid, tid);
	snprintf(text, sizeof text, "%llu %llu 1\n", run, wait);
	put(rel, text, strlen(text));
}

static void put_vm(int pid, const char *cmdline, size_t len, unsigned long long vcpu_run)
{
	char rel[128];
	snprintf(rel, sizeof rel, "%d/cmdline", pid);
	put(rel, cmdline, len);
	snprintf(rel, sizeof rel, "%d/comm", pid);
	put(rel, "qemu-system-x86\n", 16);
	snprintf(rel, sizeof rel, "%d/task/%d/comm", pid, pid);
	put(rel, "qemu-system-x86\n", 16);
	snprintf(rel, sizeof rel, "%d/task/%d/comm", pid, pid + 1);
	put(rel, "CPU 0/TCG\n", 10);
	put_schedstat(pid, pid, 0, 0);
	put_schedstat(pid, pid + 1, vcpu_run, 0);
}

static int make_tree(void **state)
{
	(void)state;
	fake_proc_create("test_top");
	/* "quiet" claims a Lull kernel that does not exist and a socket that
	 * does not either: host figures with a note, never a failure. */
	static const char quiet[] = "qemu-system-x86_64\0-name\0quiet\0-kernel\0/nonexistent/q.elf\0"
				    "-qmp\0unix:/nonexistent/qmp,server=on,wait=off\0";
	static const char busy[] = "qemu-system-x86_64\0-name\0busy \"one\"\0";
	put_vm(10, quiet, sizeof quiet - 1, 0);
	put_vm(20, busy, sizeof busy - 1, 0);
	put("sys/kernel/numa_balancing", "1\n", 2);
	return 0;
}

static char *render(const struct top_state *s, bool json)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (json)
		top_render_json(f, &s->sample);
	else
		top_render_text(f, &s->sample, s->sort, true, 0);
	fclose(f);
	return text;
}

static void samples_a_fake_host(void **state)
{
	(void)state;
	struct top_state s;
	assert_int_equal(top_init(&s, root, 100, TOP_SORT_CPU), 0);
	/* The vCPU of "busy" runs 0.5 s and waits 0.25 s more than "quiet". */
	put_schedstat(20, 21, 500000000, 250000000);
	put_schedstat(10, 11, 1000000, 0);
	assert_int_equal(top_collect(&s), 0);
	assert_int_equal(s.sample.count, 2);
	assert_string_equal(s.sample.numa_balancing, "1");
	assert_string_equal(s.sample.rows[0].vm->name, "busy \"one\"");
	assert_true(s.sample.rows[0].vm->vcpu_cpu_pct > s.sample.rows[1].vm->vcpu_cpu_pct);
	assert_true(s.sample.rows[0].vm->vcpu_steal_pct > 0);
	assert_string_equal(s.sample.rows[1].vm->name, "quiet");
	assert_non_null(strstr(s.sample.rows[1].guest->note, "/nonexistent/q.elf"));
	assert_false(s.sample.rows[0].has_cgroup); /* the fake tree has no mountinfo */

	char *text = render(&s, false);
	assert_non_null(strstr(text, "numa_balancing 1"));
	assert_non_null(strstr(text, "vCPU 0"));
	assert_non_null(strstr(text, "guest: kernel /nonexistent/q.elf"));
	assert_non_null(strstr(text, "qemu-system-x86")); /* --detail lists it */
	free(text);

	/* The JSON parses, and holds what the text does. */
	char *json = render(&s, true);
	const char *vms = qmp_json_member(json, "vms");
	assert_non_null(vms);
	assert_true(*vms == '[');
	const char *host = qmp_json_member(json, "host");
	char *numa = qmp_json_string(qmp_json_member(host, "numa_balancing"));
	assert_string_equal(numa, "1");
	free(numa);
	char *name = qmp_json_string(qmp_json_member(vms + 1, "name"));
	assert_string_equal(name, "busy \"one\"");
	free(name);
	assert_non_null(strstr(json, "\"guest\":null,\"guest_note\":\"kernel /nonexistent/q.elf"));
	free(json);

	s.sort = TOP_SORT_NAME;
	top_sort_rows(&s.sample, TOP_SORT_NAME);
	assert_string_equal(s.sample.rows[0].vm->name, "busy \"one\"");
	top_sort_rows(&s.sample, TOP_SORT_STEAL);
	assert_int_equal(s.sample.rows[0].vm->pid, 20);

	/* A VM that exits between samples just leaves the list. */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s/20", root);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(top_collect(&s), 0);
	assert_int_equal(s.sample.count, 1);
	assert_int_equal(s.guest_count, 1);
	top_free(&s);
}

static void an_empty_host_is_valid_json(void **state)
{
	(void)state;
	struct top_state s;
	char empty[] = "/tmp/test_top_empty.XXXXXX";
	assert_non_null(mkdtemp(empty));
	assert_int_equal(top_init(&s, empty, 100, TOP_SORT_CPU), 0);
	assert_int_equal(top_collect(&s), 0);
	rmdir(empty);
	char *json = render(&s, true);
	assert_non_null(strstr(json, "\"vms\":[]"));
	assert_non_null(strstr(json, "\"numa_balancing\":\"absent\""));
	assert_non_null(qmp_json_member(json, "time"));
	free(json);
	char *text = render(&s, false);
	assert_non_null(strstr(text, "no QEMU VMs"));
	free(text);
	top_free(&s);
	assert_int_equal(top_init(&s, "/nonexistent/proc", 100, TOP_SORT_CPU), -2);
	top_free(&s);
}

static void numa_balancing_states(void **state)
{
	(void)state;
	char v[16];
	top_numa_balancing(root, v, sizeof v);
	assert_string_equal(v, "1");
	top_numa_balancing("/nonexistent", v, sizeof v);
	assert_string_equal(v, "absent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(samples_a_fake_host, make_tree, fake_proc_remove),
		cmocka_unit_test_setup_teardown(numa_balancing_states, make_tree, fake_proc_remove),
		cmocka_unit_test(an_empty_host_is_valid_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
