/*
 * vm.h: the QEMU virtual machines running on this host, as /proc shows
 * them: each VM's name, its vCPU threads and its other (emulator, I/O)
 * threads, and what the host scheduler says of each thread.
 *
 * Steal is read from /proc/PID/task/TID/schedstat: its second field is the
 * time the thread was runnable but waiting for a host CPU (run_delay). For
 * a vCPU thread that is exactly the time the guest lost to its neighbours.
 *
 * vCPU threads are told apart by name when QEMU runs with
 * `-name ...,debug-threads=on` ("CPU 0/TCG", "CPU 1/KVM"), which `lull run`
 * passes. Without it every thread is "qemu-system-x86"; then the threads
 * are listed with vcpu = -1 and the VM's named_threads is false.
 *
 * Every function takes the /proc root so that tests can hand it a fake
 * tree; real callers pass "/proc".
 */
#ifndef LULL_HOSTVM_VM_H
#define LULL_HOSTVM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VM_NAME_MAX 64
#define VM_PATH_MAX 4096
#define VM_SOCKET_MAX 108 /* sun_path */

struct vm_thread {
	pid_t tid;
	int vcpu;          /* vCPU index, or -1 for any other thread */
	char comm[32];     /* the thread's name (/proc/.../comm) */
	uint64_t run_ns;   /* schedstat 1: time on a host CPU */
	uint64_t wait_ns;  /* schedstat 2: time runnable, waiting for a CPU */
	int last_cpu;      /* host CPU it last ran on (/proc/.../stat field 39) */
	/* Filled by vm_list_rates(); 0 until then, and for a new thread. */
	double cpu_pct;    /* % of one host CPU over the interval */
	double steal_pct;  /* run_delay growth, % of the interval */
};

struct vm {
	pid_t pid;
	char name[VM_NAME_MAX];        /* -name (guest=X or the first value), else "pid-N" */
	char kernel[VM_PATH_MAX];      /* the -kernel file, "" if none */
	char qmp_socket[VM_SOCKET_MAX]; /* a `-qmp unix:PATH,server...` socket, "" if none */
	int smp;                       /* vCPUs from -smp (1 when absent) */
	bool named_threads;            /* vCPU threads were found by name */
	size_t thread_count;
	struct vm_thread *threads;     /* sorted: vCPUs by index, then the others by tid */
	/* Filled by vm_list_rates(): sums over the VM's threads. */
	double vcpu_cpu_pct, vcpu_steal_pct;   /* vCPU threads only */
	double other_cpu_pct;                  /* emulator and I/O threads */
};

struct vm_list {
	size_t count;
	struct vm *vms; /* sorted by pid */
};

/* Finds every QEMU process (comm or argv[0] starting "qemu-system-") under
 * proc_root. Processes that vanish during the scan are skipped. Returns 0,
 * or -errno when proc_root cannot be read. */
int vm_scan(const char *proc_root, struct vm_list *out);
void vm_list_free(struct vm_list *list);

/* Fills the rate fields of `now` from the counters' growth since `before`
 * (an earlier scan), over elapsed_ns of wall time. Threads or VMs missing
 * from `before` get rates of 0. */
void vm_list_rates(struct vm_list *now, const struct vm_list *before, uint64_t elapsed_ns);

/* The VM with this pid, or NULL. */
struct vm *vm_list_find(const struct vm_list *list, pid_t pid);

/* Parsers, exposed for the tests. */
bool vm_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns);
/* argv as NUL-separated words (the /proc/PID/cmdline form), len bytes. */
void vm_parse_cmdline(const char *words, size_t len, struct vm *out);
/* "CPU 3/TCG" -> 3; -1 for any other thread name. */
int vm_vcpu_of_comm(const char *comm);

#endif
