/* vm.c: finding QEMU processes under a /proc tree and reading what the host
 * scheduler says of their threads (see vm.h). */
#include "vm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QEMU_PREFIX "qemu-system-"

/* Copies src into out (size bytes), cut short when it does not fit. */
static void copy_str(char *out, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(out, src, n);
	out[n] = '\0';
}

/* DIR/ID/LEAF into out; false when it does not fit. */
static bool path_of(char *out, size_t size, const char *dir, pid_t id, const char *leaf)
{
	int n = snprintf(out, size, "%s/%d/%s", dir, (int)id, leaf);
	return n > 0 && (size_t)n < size;
}

/* Reads DIR/ID/LEAF whole (any size) into a NUL-terminated malloc'd
 * buffer. /proc files report size 0, so this reads until EOF. */
static char *read_all(const char *dir, pid_t id, const char *leaf, size_t *len_out)
{
	char path[PATH_MAX];
	if (!path_of(path, sizeof path, dir, id, leaf))
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 512, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *bigger = cap < (1u << 24) ? realloc(buf, cap * 2) : NULL;
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf) {
		buf[len] = '\0';
		if (len_out)
			*len_out = len;
	}
	return buf;
}

/* Reads a short file into buf, without its trailing newline. */
static bool read_line(const char *dir, pid_t id, const char *leaf, char *buf, size_t size)
{
	char *text = read_all(dir, id, leaf, NULL);
	if (!text)
		return false;
	text[strcspn(text, "\n")] = '\0';
	copy_str(buf, size, text);
	free(text);
	return true;
}

static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	char *e;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return false;
	*out = v;
	*end = e;
	return true;
}

bool vm_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns)
{
	const char *p = text;
	uint64_t run, wait;
	if (!parse_u64(p, &p, &run) || *p != ' ')
		return false;
	if (!parse_u64(p + 1, &p, &wait) || (*p != ' ' && *p != '\n' && *p != '\0'))
		return false;
	*run_ns = run;
	*wait_ns = wait;
	return true;
}

int vm_vcpu_of_comm(const char *comm)
{
	if (strncmp(comm, "CPU ", 4) != 0)
		return -1;
	const char *p = comm + 4;
	uint64_t n;
	if (!parse_u64(p, &p, &n) || n > INT_MAX || *p != '/' || p[1] == '\0')
		return -1;
	return (int)n;
}

/* QEMU option values are comma-separated; ",," stands for a comma. Copies
 * the element starting at *p into out (truncated to size) and moves *p past
 * it and its separating comma. */
static void next_element(const char **p, char *out, size_t size)
{
	size_t n = 0;
	const char *s = *p;
	while (*s) {
		if (*s == ',') {
			if (s[1] != ',')
				break;
			s++;
		}
		if (n + 1 < size)
			out[n++] = *s;
		s++;
	}
	out[n] = '\0';
	*p = *s ? s + 1 : s;
}

/* The value of key=VALUE among the option's elements, or of the first
 * element when it has no '=' and first_is_key is the key asked for. */
static bool option_value(const char *opt, const char *key, bool bare_first, char *out, size_t size)
{
	char el[VM_PATH_MAX];
	size_t klen = strlen(key);
	bool first = true;
	for (const char *p = opt; *p;) {
		next_element(&p, el, sizeof el);
		if (!strncmp(el, key, klen) && el[klen] == '=') {
			copy_str(out, size, el + klen + 1);
			return true;
		}
		if (first && bare_first && !strchr(el, '=')) {
			copy_str(out, size, el);
			return true;
		}
		first = false;
	}
	return false;
}

/* True when the option has a "server" element that is not switched off
 * ("server", "server=on", "server=yes"). */
static bool option_is_server(const char *opt)
{
	char el[64];
	for (const char *p = opt; *p;) {
		next_element(&p, el, sizeof el);
		if (!strcmp(el, "server") || !strcmp(el, "server=on") || !strcmp(el, "server=yes"))
			return true;
	}
	return false;
}

static void parse_qmp(const char *opt, struct vm *out)
{
	if (strncmp(opt, "unix:", 5) != 0 || !option_is_server(opt))
		return;
	char path[VM_PATH_MAX];
	const char *p = opt + 5;
	next_element(&p, path, sizeof path);
	if (path[0] && strlen(path) < sizeof out->qmp_socket)
		copy_str(out->qmp_socket, sizeof out->qmp_socket, path);
}

/* -smp N, -smp cpus=N,..., or only the topology (sockets*dies*cores*threads). */
static int parse_smp(const char *opt)
{
	char v[32];
	uint64_t n;
	const char *end;
	if (option_value(opt, "cpus", true, v, sizeof v) && parse_u64(v, &end, &n) && !*end &&
	    n >= 1 && n <= 4096)
		return (int)n;
	static const char *const topo[] = { "sockets", "dies", "clusters", "cores", "threads" };
	uint64_t product = 1;
	bool any = false;
	for (size_t i = 0; i < sizeof topo / sizeof topo[0]; i++) {
		if (option_value(opt, topo[i], false, v, sizeof v) && parse_u64(v, &end, &n) &&
		    !*end && n >= 1 && n <= 4096) {
			product *= n;
			any = true;
		}
	}
	return any && product <= 4096 ? (int)product : 1;
}

void vm_parse_cmdline(const char *words, size_t len, struct vm *out)
{
	out->name[0] = out->kernel[0] = out->qmp_socket[0] = '\0';
	out->smp = 1;

	static const char *const wanted[] = { "name", "kernel", "qmp", "smp" };
	const char *end = words + len;
	const char *opt = NULL; /* one of wanted[], whose value the next word is */
	for (const char *w = words; w < end; w += strnlen(w, (size_t)(end - w)) + 1) {
		size_t wlen = strnlen(w, (size_t)(end - w));
		if (w + wlen == end)
			break; /* an unterminated last word: cut short, ignore it */
		if (!opt) {
			/* Other options' values are skipped as words not starting
			 * with '-'; a flag with no value is just another option. */
			const char *o = w[0] != '-' ? NULL : w[1] == '-' ? w + 2 : w + 1;
			for (size_t i = 0; o && i < sizeof wanted / sizeof wanted[0]; i++)
				if (!strcmp(o, wanted[i]))
					opt = wanted[i];
			continue;
		}
		if (!strcmp(opt, "name"))
			option_value(w, "guest", true, out->name, sizeof out->name);
		else if (!strcmp(opt, "kernel"))
			copy_str(out->kernel, sizeof out->kernel, w);
		else if (!strcmp(opt, "qmp"))
			parse_qmp(w, out);
		else if (!strcmp(opt, "smp"))
			out->smp = parse_smp(w);
		opt = NULL;
	}
	if (!out->name[0])
		snprintf(out->name, sizeof out->name, "pid-%d", (int)out->pid);
}

static bool is_qemu(const char *comm, const char *cmdline, size_t len)
{
	if (!strncmp(comm, QEMU_PREFIX, strlen(QEMU_PREFIX)))
		return true;
	if (!len)
		return false;
	const char *slash = strrchr(cmdline, '/');
	const char *base = slash ? slash + 1 : cmdline;
	return !strncmp(base, QEMU_PREFIX, strlen(QEMU_PREFIX));
}

/* Field 39 of /proc/.../stat, the CPU the thread last ran on. The name
 * (field 2) may hold spaces and parentheses, so counting starts after the
 * last ')'. */
static int last_cpu_of_stat(const char *stat)
{
	const char *p = strrchr(stat, ')');
	if (!p)
		return -1;
	for (int field = 2; field < 39; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -1;
	}
	uint64_t cpu;
	const char *end;
	if (!parse_u64(p + 1, &end, &cpu) || cpu > INT_MAX)
		return -1;
	return (int)cpu;
}

static bool read_thread(const char *task_dir, pid_t tid, struct vm_thread *t)
{
	*t = (struct vm_thread){ .tid = tid, .vcpu = -1, .last_cpu = -1 };

	if (!read_line(task_dir, tid, "comm", t->comm, sizeof t->comm))
		return false;
	char *text = read_all(task_dir, tid, "schedstat", NULL);
	if (!text)
		return false;
	bool ok = vm_parse_schedstat(text, &t->run_ns, &t->wait_ns);
	free(text);
	if (!ok)
		return false;
	text = read_all(task_dir, tid, "stat", NULL);
	if (text) {
		t->last_cpu = last_cpu_of_stat(text);
		free(text);
	}
	t->vcpu = vm_vcpu_of_comm(t->comm);
	return true;
}

static bool pid_of_name(const char *name, pid_t *out)
{
	uint64_t n;
	const char *end;
	if (!parse_u64(name, &end, &n) || *end || n == 0 || n > INT_MAX)
		return false;
	*out = (pid_t)n;
	return true;
}

/* Makes room for one more element in a doubling array; false when memory
 * runs out. */
static bool make_room(void **array, size_t *cap, size_t count, size_t elem_size, size_t first)
{
	if (count < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : first;
	void *bigger = realloc(*array, ncap * elem_size);
	if (!bigger)
		return false;
	*array = bigger;
	*cap = ncap;
	return true;
}

static int compare_threads(const void *a, const void *b)
{
	const struct vm_thread *x = a, *y = b;
	bool xv = x->vcpu >= 0, yv = y->vcpu >= 0;
	if (xv != yv)
		return xv ? -1 : 1;
	if (xv && x->vcpu != y->vcpu)
		return x->vcpu < y->vcpu ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Reads every thread of the process. False when the process is gone (or no
 * thread could be read). */
static bool read_threads(const char *proc_root, struct vm *vm)
{
	char task_dir[PATH_MAX];
	if (!path_of(task_dir, sizeof task_dir, proc_root, vm->pid, "task"))
		return false;
	DIR *d = opendir(task_dir);
	if (!d)
		return false;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		pid_t tid;
		if (!pid_of_name(e->d_name, &tid))
			continue;
		if (!make_room((void **)&vm->threads, &cap, vm->thread_count, sizeof *vm->threads, 16))
			break;
		if (read_thread(task_dir, tid, &vm->threads[vm->thread_count]))
			vm->thread_count++;
	}
	closedir(d);
	if (!vm->thread_count)
		return false;
	qsort(vm->threads, vm->thread_count, sizeof *vm->threads, compare_threads);
	for (size_t i = 0; i < vm->thread_count; i++)
		if (vm->threads[i].vcpu >= 0)
			vm->named_threads = true;
	return true;
}

/* A relative -kernel or socket path is relative to QEMU's working
 * directory, which /proc/PID/cwd tells. */
static void absolute_path(const char *proc_root, pid_t pid, char *path, size_t size)
{
	if (!path[0] || path[0] == '/')
		return;
	char link[PATH_MAX], cwd[PATH_MAX], joined[VM_PATH_MAX];
	if (!path_of(link, sizeof link, proc_root, pid, "cwd"))
		return;
	ssize_t n = readlink(link, cwd, sizeof cwd - 1);
	if (n <= 0)
		return;
	cwd[n] = '\0';
	int len = snprintf(joined, sizeof joined, "%s/%s", cwd, path);
	if (len > 0 && (size_t)len < size)
		memcpy(path, joined, (size_t)len + 1);
}

static bool read_vm(const char *proc_root, pid_t pid, struct vm *vm)
{
	char comm[32] = "";
	*vm = (struct vm){ .pid = pid };

	if (!read_line(proc_root, pid, "comm", comm, sizeof comm))
		return false;
	size_t len = 0;
	char *cmdline = read_all(proc_root, pid, "cmdline", &len);
	if (!cmdline)
		return false;
	if (!is_qemu(comm, cmdline, len)) {
		free(cmdline);
		return false;
	}
	vm_parse_cmdline(cmdline, len, vm);
	free(cmdline);
	absolute_path(proc_root, pid, vm->kernel, sizeof vm->kernel);
	absolute_path(proc_root, pid, vm->qmp_socket, sizeof vm->qmp_socket);
	if (!read_threads(proc_root, vm)) {
		free(vm->threads);
		return false;
	}
	return true;
}

static int compare_vms(const void *a, const void *b)
{
	const struct vm *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int vm_scan(const char *proc_root, struct vm_list *out)
{
	*out = (struct vm_list){ 0 };
	DIR *d = opendir(proc_root);
	if (!d)
		return -errno;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		pid_t pid;
		if (!pid_of_name(e->d_name, &pid))
			continue;
		if (!make_room((void **)&out->vms, &cap, out->count, sizeof *out->vms, 8))
			break;
		if (read_vm(proc_root, pid, &out->vms[out->count]))
			out->count++;
	}
	closedir(d);
	if (out->count)
		qsort(out->vms, out->count, sizeof *out->vms, compare_vms);
	return 0;
}

void vm_list_free(struct vm_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->vms[i].threads);
	free(list->vms);
	*list = (struct vm_list){ 0 };
}

struct vm *vm_list_find(const struct vm_list *list, pid_t pid)
{
	struct vm key = { .pid = pid };
	if (!list->count)
		return NULL;
	return bsearch(&key, list->vms, list->count, sizeof key, compare_vms);
}

static const struct vm_thread *find_thread(const struct vm *vm, pid_t tid)
{
	for (size_t i = 0; i < vm->thread_count; i++)
		if (vm->threads[i].tid == tid)
			return &vm->threads[i];
	return NULL;
}

/* Growth of a counter as % of the interval; a counter that went back (a
 * reused tid) counts as no growth. */
static double growth_pct(uint64_t now, uint64_t before, uint64_t elapsed_ns)
{
	if (now < before || !elapsed_ns)
		return 0;
	return (double)(now - before) * 100.0 / (double)elapsed_ns;
}

void vm_list_rates(struct vm_list *now, const struct vm_list *before, uint64_t elapsed_ns)
{
	for (size_t i = 0; i < now->count; i++) {
		struct vm *vm = &now->vms[i];
		const struct vm *old = vm_list_find(before, vm->pid);
		vm->vcpu_cpu_pct = vm->vcpu_steal_pct = vm->other_cpu_pct = 0;
		for (size_t k = 0; k < vm->thread_count; k++) {
			struct vm_thread *t = &vm->threads[k];
			const struct vm_thread *o = old ? find_thread(old, t->tid) : NULL;
			t->cpu_pct = o ? growth_pct(t->run_ns, o->run_ns, elapsed_ns) : 0;
			t->steal_pct = o ? growth_pct(t->wait_ns, o->wait_ns, elapsed_ns) : 0;
			if (t->vcpu >= 0) {
				vm->vcpu_cpu_pct += t->cpu_pct;
				vm->vcpu_steal_pct += t->steal_pct;
			} else {
				vm->other_cpu_pct += t->cpu_pct;
			}
		}
	}
}
