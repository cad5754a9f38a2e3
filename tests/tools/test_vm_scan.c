/* test_vm_scan.c: finding QEMU VMs in a fake /proc tree and the parsers
 * behind it (tools/hostvm/vm.c). */
// unit-under-test: tools/hostvm/vm.c
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

#include "vm.h"
#include "test_vm_fake_proc.h"

static void put_text(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}

/* A thread: its name, schedstat text and last CPU. */
static void put_thread(int pid, int tid, const char *comm, const char *schedstat, int cpu)
{
	char rel[128], stat[512];
	snprintf(rel, sizeof rel, "%d/task/%d/comm", pid, tid);
	put_text(rel, comm);
	snprintf(rel, sizeof rel, "%d/task/%d/schedstat", pid, tid);
	put_text(rel, schedstat);
	/* Field 39 is the CPU; the name holds a space and a ')'. */
	snprintf(stat, sizeof stat,
		 "%d (odd) name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
		 "26 27 28 29 30 31 32 33 34 35 %d 0 0\n", tid, cpu);
	snprintf(rel, sizeof rel, "%d/task/%d/stat", pid, tid);
	put_text(rel, stat);
}

static int make_tree(void **state)
{
	(void)state;
	fake_proc_create("test_vm_scan");
	static const char web[] = "/usr/bin/qemu-system-x86_64\0-nodefaults\0-smp\0" "2\0"
				  "-name\0guest=web,,1,debug-threads=on\0-kernel\0img/web.elf\0"
				  "-qmp\0unix:/run/web.qmp,server=on,wait=off\0-m\0" "256M\0";
	put("200/cmdline", web, sizeof web - 1);
	put_text("200/comm", "qemu-system-x86\n");
	char cwd[128];
	snprintf(cwd, sizeof cwd, "%s/200/cwd", root);
	assert_int_equal(symlink("/srv/vms", cwd), 0);
	put_thread(200, 200, "qemu-system-x86\n", "1000 10 5\n", 1);
	/* vCPU 1 started first: the order is by index, not tid. */
	put_thread(200, 202, "CPU 1/TCG\n", "5000000 700 9\n", 1);
	put_thread(200, 203, "CPU 0/TCG\n", "4000000 600 9\n", 0);
	put_thread(200, 201, "IO mon_iothread\n", "300 30 1\n", 0);
	put_thread(200, 204, "worker\n", "12", 0); /* truncated schedstat: left out */

	/* A QEMU under another name, without debug-threads: argv[0] tells. */
	static const char plain[] = "qemu-system-aarch64\0-M\0virt\0";
	put("100/cmdline", plain, sizeof plain - 1);
	put_text("100/comm", "vm-wrapper\n");
	put_thread(100, 100, "qemu-system-aar\n", "10 0 0\n", 0);
	put_thread(100, 101, "qemu-system-aar\n", "20 0 0\n", 1);

	/* Not QEMU. */
	static const char sh[] = "/bin/sh\0-c\0qemu-system-x86_64\0";
	put("300/cmdline", sh, sizeof sh - 1);
	put_text("300/comm", "sh\n");
	put_thread(300, 300, "sh\n", "1 1 1\n", 0);

	/* A QEMU that exited between the listing and the reading: no task/. */
	put_text("400/comm", "qemu-system-x86\n");
	put("400/cmdline", plain, sizeof plain - 1);
	put_text("self/not-a-pid", "");
	return 0;
}

static void finds_qemu_processes_and_their_threads(void **state)
{
	(void)state;
	struct vm_list l;
	assert_int_equal(vm_scan(root, &l), 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.vms[0].pid, 100);
	assert_int_equal(l.vms[1].pid, 200);

	const struct vm *web = vm_list_find(&l, 200);
	assert_non_null(web);
	assert_string_equal(web->name, "web,1");
	assert_string_equal(web->kernel, "/srv/vms/img/web.elf");
	assert_string_equal(web->qmp_socket, "/run/web.qmp");
	assert_int_equal(web->smp, 2);
	assert_true(web->named_threads);
	assert_int_equal(web->thread_count, 4);
	int order[][2] = { { 203, 0 }, { 202, 1 }, { 200, -1 }, { 201, -1 } };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(web->threads[i].tid, order[i][0]);
		assert_int_equal(web->threads[i].vcpu, order[i][1]);
	}
	assert_string_equal(web->threads[0].comm, "CPU 0/TCG");
	assert_int_equal(web->threads[0].run_ns, 4000000);
	assert_int_equal(web->threads[0].wait_ns, 600);
	assert_int_equal(web->threads[0].last_cpu, 0);
	assert_int_equal(web->threads[1].last_cpu, 1);

	const struct vm *plain = vm_list_find(&l, 100);
	assert_string_equal(plain->name, "pid-100");
	assert_false(plain->named_threads);
	assert_int_equal(plain->smp, 1);
	assert_string_equal(plain->qmp_socket, "");
	assert_int_equal(plain->threads[0].vcpu, -1);
	assert_null(vm_list_find(&l, 300));
	vm_list_free(&l);

	assert_int_equal(vm_scan("/nonexistent/proc", &l), -2);
	assert_int_equal(l.count, 0);
}

static struct vm_thread thread(pid_t tid, int vcpu, uint64_t run, uint64_t wait)
{
	return (struct vm_thread){ .tid = tid, .vcpu = vcpu, .run_ns = run, .wait_ns = wait };
}

static void rates_are_growth_over_the_interval(void **state)
{
	(void)state;
	struct vm_thread old_t[] = { thread(11, 0, 1000000000, 0), thread(12, 1, 0, 0),
				     thread(10, -1, 0, 0) };
	struct vm_thread new_t[] = { thread(11, 0, 1500000000, 250000000),
				     thread(12, 1, 100000000, 0), thread(10, -1, 20000000, 0),
				     thread(13, -1, 900000000, 900000000) };
	struct vm old_vm = { .pid = 7, .thread_count = 3, .threads = old_t };
	struct vm new_vm = { .pid = 7, .thread_count = 4, .threads = new_t };
	struct vm gone_vm = { .pid = 9, .thread_count = 1, .threads = new_t };
	struct vm_list before = { 1, &old_vm }, now = { 1, &new_vm }, other = { 1, &gone_vm };

	vm_list_rates(&now, &before, 1000000000);
	assert_float_equal(new_t[0].cpu_pct, 50.0, 1e-9);
	assert_float_equal(new_t[0].steal_pct, 25.0, 1e-9);
	assert_float_equal(new_t[1].cpu_pct, 10.0, 1e-9);
	assert_float_equal(new_t[3].cpu_pct, 0.0, 1e-9); /* a new thread */
	assert_float_equal(new_vm.vcpu_cpu_pct, 60.0, 1e-9);
	assert_float_equal(new_vm.vcpu_steal_pct, 25.0, 1e-9);
	assert_float_equal(new_vm.other_cpu_pct, 2.0, 1e-9);

	/* A reused tid whose counters went back grows by nothing. */
	old_t[0].run_ns = 9000000000;
	vm_list_rates(&now, &before, 1000000000);
	assert_float_equal(new_t[0].cpu_pct, 0.0, 1e-9);

	/* A VM missing from the earlier scan. */
	vm_list_rates(&other, &before, 1000000000);
	assert_float_equal(gone_vm.vcpu_cpu_pct, 0.0, 1e-9);
}

static void schedstat_parsing(void **state)
{
	(void)state;
	uint64_t run = 1, wait = 1;
	assert_true(vm_parse_schedstat("123 456 7\n", &run, &wait));
	assert_int_equal(run, 123);
	assert_int_equal(wait, 456);
	assert_true(vm_parse_schedstat("18446744073709551615 0", &run, &wait));
	assert_false(vm_parse_schedstat("123", &run, &wait));
	assert_false(vm_parse_schedstat("123 ", &run, &wait));
	assert_false(vm_parse_schedstat("", &run, &wait));
	assert_false(vm_parse_schedstat("x 1 2", &run, &wait));
	assert_false(vm_parse_schedstat("1 -2 3", &run, &wait));
	assert_false(vm_parse_schedstat("1 2x 3", &run, &wait));
	assert_false(vm_parse_schedstat("99999999999999999999 1 1", &run, &wait));
}

static void vcpu_names(void **state)
{
	(void)state;
	assert_int_equal(vm_vcpu_of_comm("CPU 0/TCG"), 0);
	assert_int_equal(vm_vcpu_of_comm("CPU 12/KVM"), 12);
	assert_int_equal(vm_vcpu_of_comm("CPU 3/"), -1);
	assert_int_equal(vm_vcpu_of_comm("CPU /KVM"), -1);
	assert_int_equal(vm_vcpu_of_comm("CPU 99999999999/KVM"), -1);
	assert_int_equal(vm_vcpu_of_comm("qemu-system-x86"), -1);
	assert_int_equal(vm_vcpu_of_comm("IO mon_iothread"), -1);
}

static void parse(const char *words, size_t len, struct vm *vm)
{
	*vm = (struct vm){ .pid = 42 };
	vm_parse_cmdline(words, len, vm);
}

static void command_lines(void **state)
{
	(void)state;
	struct vm vm;
	static const char a[] = "qemu\0-name\0db,debug-threads=on\0--smp\0sockets=2,cores=3\0"
				"-qmp\0unix:/q,server,nowait\0";
	parse(a, sizeof a - 1, &vm);
	assert_string_equal(vm.name, "db");
	assert_int_equal(vm.smp, 6);
	assert_string_equal(vm.qmp_socket, "/q");

	/* A client-side -qmp is no socket to connect to; flags take no value. */
	static const char b[] = "qemu\0-qmp\0unix:/q\0-no-reboot\0-smp\0cpus=4,maxcpus=8\0-kernel\0/k\0";
	parse(b, sizeof b - 1, &vm);
	assert_string_equal(vm.qmp_socket, "");
	assert_string_equal(vm.name, "pid-42");
	assert_int_equal(vm.smp, 4);
	assert_string_equal(vm.kernel, "/k");

	static const char c[] = "qemu\0-qmp\0unix:/q,server=off\0-smp\0lots\0-name\0process=p,guest=g\0";
	parse(c, sizeof c - 1, &vm);
	assert_string_equal(vm.qmp_socket, "");
	assert_int_equal(vm.smp, 1);
	assert_string_equal(vm.name, "g");

	/* Cut short: the last word has no NUL, and an option lacks its value. */
	static const char d[] = "qemu\0-name\0half";
	parse(d, sizeof d - 1, &vm);
	assert_string_equal(vm.name, "pid-42");
	static const char e[] = "qemu\0-kernel\0";
	parse(e, sizeof e - 1, &vm);
	assert_string_equal(vm.kernel, "");

	char longname[300];
	memset(longname, 'n', sizeof longname);
	memcpy(longname, "qemu\0-name\0", 11);
	longname[sizeof longname - 1] = '\0';
	parse(longname, sizeof longname, &vm);
	assert_int_equal(strlen(vm.name), VM_NAME_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(finds_qemu_processes_and_their_threads, make_tree,
						fake_proc_remove),
		cmocka_unit_test(rates_are_growth_over_the_interval),
		cmocka_unit_test(schedstat_parsing),
		cmocka_unit_test(vcpu_names),
		cmocka_unit_test(command_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
