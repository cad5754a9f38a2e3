/*
 * cgroup.c: finding the cpu and cpuset controllers in the mount table and
 * reading and writing the few files of theirs that lull top and lull place
 * use, for v1 and v2 hierarchies alike.
 */
#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_mount_field(char *s)
{
	char *out = s;
	for (const char *in = s; *in; out++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			*out = *in++;
		}
	}
	*out = '\0';
}

/* Is `name` one of the comma-separated words of `list`? */
static bool list_has(const char *list, char sep, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

/* Writes as `echo text > path` would: one write, whose error is the
 * kernel's answer for cgroup files (ESRCH, EBUSY, EINVAL...). O_CREAT lets
 * the same code fill a plain directory tree in the tests. */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int err = n < 0 ? errno : 0;
	if (close(fd) < 0 && !err)
		err = errno;
	if (err)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

static int join(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The file FILE of the cgroup PATH in the hierarchy mounted at MOUNT. */
static int file_path(char *out, size_t size, const struct cgroup_controller *c, const char *path,
		     const char *file)
{
	const char *rel = strcmp(path, "/") ? path : "";
	return file ? join(out, size, "%s%s/%s", c->mount, rel, file)
		    : join(out, size, "%s%s", c->mount, rel);
}

static void take_mount(struct cgroup_controller *c, enum cgroup_version v, const char *mount)
{
	c->version = v;
	snprintf(c->mount, sizeof c->mount, "%s", mount);
}

/* A v2 mount offers the controllers its root's cgroup.controllers lists;
 * a controller bound to a v1 hierarchy is not listed there. */
static void consider_v2(struct cgroup_layout *out, const char *mount)
{
	char path[CGROUP_PATH_MAX + 32], list[1024];
	if (join(path, sizeof path, "%s/cgroup.controllers", mount) ||
	    read_text(path, list, sizeof list))
		return;
	if (out->cpu.version == CGROUP_NONE && list_has(list, ' ', "cpu"))
		take_mount(&out->cpu, CGROUP_V2, mount);
	if (out->cpuset.version == CGROUP_NONE && list_has(list, ' ', "cpuset"))
		take_mount(&out->cpuset, CGROUP_V2, mount);
}

int cgroup_detect(const char *mountinfo_path, struct cgroup_layout *out, char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(mountinfo_path, "re");
	if (!f) {
		snprintf(why, why_size, "%s: %s", mountinfo_path, strerror(errno));
		return -ENOENT;
	}
	/* v2 mounts are looked at after v1 ones, so a v1 binding wins. */
	char v2_mount[8][CGROUP_PATH_MAX];
	size_t v2_count = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *dash = strstr(line, " - ");
		if (!dash)
			continue;
		char root[CGROUP_PATH_MAX], mount[CGROUP_PATH_MAX], fstype[64], opts[1024];
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		unescape_mount_field(mount);
		/* A mount of a sub-cgroup (a container's view) would give
		 * paths that /proc/PID/cgroup does not name from its root. */
		if (strcmp(root, "/"))
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			if (v2_count < sizeof v2_mount / sizeof v2_mount[0])
				snprintf(v2_mount[v2_count++], CGROUP_PATH_MAX, "%s", mount);
		} else if (!strcmp(fstype, "cgroup")) {
			if (out->cpu.version == CGROUP_NONE && list_has(opts, ',', "cpu"))
				take_mount(&out->cpu, CGROUP_V1, mount);
			if (out->cpuset.version == CGROUP_NONE && list_has(opts, ',', "cpuset"))
				take_mount(&out->cpuset, CGROUP_V1, mount);
		}
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < v2_count; i++)
		consider_v2(out, v2_mount[i]);
	if (out->cpu.version != CGROUP_NONE)
		return 0;
	if (v2_count)
		snprintf(why, why_size,
			 "no cpu controller: not mounted as cgroup v1, and not listed in %s/cgroup.controllers",
			 v2_mount[0]);
	else
		snprintf(why, why_size, "no cgroup hierarchy with the cpu controller is mounted (%s)",
			 mountinfo_path);
	return -ENOENT;
}

/* Which name a v1 hierarchy goes by in /proc/PID/cgroup: its files tell
 * whether it holds cpuset (checked first: a "cpu,cpuset" mount has both). */
static const char *v1_controller_name(const struct cgroup_controller *c)
{
	char path[CGROUP_PATH_MAX + 32];
	if (!join(path, sizeof path, "%s/cpuset.cpus", c->mount) && access(path, F_OK) == 0)
		return "cpuset";
	return "cpu";
}

int cgroup_of_pid(const char *proc_root, pid_t pid, const struct cgroup_controller *c, char *out,
		  size_t out_size)
{
	if (c->version == CGROUP_NONE)
		return -ENOENT;
	char path[CGROUP_PATH_MAX];
	if (join(path, sizeof path, "%s/%d/cgroup", proc_root, (int)pid))
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	const char *want = c->version == CGROUP_V1 ? v1_controller_name(c) : NULL;
	int rc = -ENOENT;
	char *line = NULL;
	size_t cap = 0;
	while (rc == -ENOENT && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = *c2 = '\0';
		bool match = want ? list_has(c1 + 1, ',', want) : !strcmp(line, "0") && !c1[1];
		if (match)
			rc = join(out, out_size, "%s", c2 + 1);
	}
	free(line);
	fclose(f);
	return rc;
}

static int read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	int rc = read_text(path, buf, sizeof buf);
	if (rc)
		return rc;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*v = x;
	return 0;
}

static unsigned clamp_weight(uint64_t w)
{
	return w < 1 ? 1 : w > 10000 ? 10000 : (unsigned)w;
}

static int read_cpu_limits(const struct cgroup_controller *c, const char *cg,
			   struct cgroup_limits *out)
{
	char path[CGROUP_PATH_MAX + 64];
	uint64_t v;
	if (file_path(path, sizeof path, c, cg, NULL))
		return -ENAMETOOLONG;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (c->version == CGROUP_V1) {
		if (!file_path(path, sizeof path, c, cg, "cpu.shares") && !read_u64(path, &v))
			out->weight = clamp_weight(v * 100 / 1024);
		if (!file_path(path, sizeof path, c, cg, "cpu.cfs_period_us") && !read_u64(path, &v))
			out->period_us = v;
		char buf[64];
		if (!file_path(path, sizeof path, c, cg, "cpu.cfs_quota_us") &&
		    !read_text(path, buf, sizeof buf))
			out->quota_us = strtoll(buf, NULL, 10) < 0 ? -1 : strtoll(buf, NULL, 10);
		return 0;
	}
	if (!file_path(path, sizeof path, c, cg, "cpu.weight") && !read_u64(path, &v))
		out->weight = clamp_weight(v);
	char buf[64], quota[32];
	unsigned long long period;
	if (!file_path(path, sizeof path, c, cg, "cpu.max") && !read_text(path, buf, sizeof buf) &&
	    sscanf(buf, "%31s %llu", quota, &period) == 2) {
		out->period_us = period;
		out->quota_us = strcmp(quota, "max") ? strtoll(quota, NULL, 10) : -1;
	}
	return 0;
}

int cgroup_read_limits(const struct cgroup_layout *l, const char *path, struct cgroup_limits *out)
{
	memset(out, 0, sizeof *out);
	/* What a cgroup without these files (a v2 root) effectively has. */
	out->weight = 100;
	out->quota_us = -1;
	out->period_us = 100000;
	if (l->cpu.version == CGROUP_NONE)
		return -ENOENT;
	int rc = read_cpu_limits(&l->cpu, path, out);
	if (rc || l->cpuset.version == CGROUP_NONE)
		return rc;
	bool v2 = l->cpuset.version == CGROUP_V2;
	char file[CGROUP_PATH_MAX + 64];
	if (!file_path(file, sizeof file, &l->cpuset, path,
		       v2 ? "cpuset.cpus.effective" : "cpuset.cpus"))
		read_text(file, out->cpus, sizeof out->cpus);
	if (!file_path(file, sizeof file, &l->cpuset, path,
		       v2 ? "cpuset.mems.effective" : "cpuset.mems"))
		read_text(file, out->mems, sizeof out->mems);
	return 0;
}

/* The distinct hierarchies holding cpu and cpuset: one when both
 * controllers share a mount (v2, or a combined v1 mount). */
static size_t hierarchies(const struct cgroup_layout *l, const struct cgroup_controller *out[2])
{
	size_t n = 0;
	out[n++] = &l->cpu;
	if (l->cpuset.version != CGROUP_NONE && strcmp(l->cpuset.mount, l->cpu.mount))
		out[n++] = &l->cpuset;
	return n;
}

static bool has_cpuset(const struct cgroup_layout *l, const struct cgroup_controller *c)
{
	return l->cpuset.version != CGROUP_NONE && !strcmp(l->cpuset.mount, c->mount);
}

/* v2: a cgroup's children get a controller only when the cgroup lists it
 * in cgroup.subtree_control. EBUSY here is the "no internal processes"
 * rule: the parent holds processes of its own. */
static int v2_enable_below(const struct cgroup_layout *l, const struct cgroup_controller *c,
			   const char *cg)
{
	char path[CGROUP_PATH_MAX + 64];
	int rc = file_path(path, sizeof path, c, cg, "cgroup.subtree_control");
	if (rc)
		return rc;
	return write_text(path, has_cpuset(l, c) && l->cpu.version == CGROUP_V2 ? "+cpu +cpuset"
						  : has_cpuset(l, c)			? "+cpuset"
											: "+cpu");
}

/* v1 cpuset: a new cgroup's cpus and mems are empty, and a task may not
 * join it until both are set; the parent's are the widest it may have. */
static int v1_fill_cpuset(const struct cgroup_controller *c, const char *parent, const char *cg)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < 2; i++) {
		char from[CGROUP_PATH_MAX + 64], to[CGROUP_PATH_MAX + 64], val[1024], cur[1024];
		if (file_path(from, sizeof from, c, parent, files[i]) ||
		    file_path(to, sizeof to, c, cg, files[i]))
			return -ENAMETOOLONG;
		if (read_text(to, cur, sizeof cur) == 0 && cur[0])
			continue;
		int rc = read_text(from, val, sizeof val);
		if (!rc)
			rc = write_text(to, val);
		if (rc)
			return rc;
	}
	return 0;
}

static int create_in(const struct cgroup_layout *l, const struct cgroup_controller *c,
		     const char *cg)
{
	char prefix[CGROUP_PATH_MAX], parent[CGROUP_PATH_MAX] = "/";
	size_t len = strlen(cg);
	if (len >= sizeof prefix)
		return -ENAMETOOLONG;
	/* Each component from the root down: "/a", "/a/b", ... */
	for (size_t i = 1; i <= len; i++) {
		if (i < len && cg[i] != '/')
			continue;
		memcpy(prefix, cg, i);
		prefix[i] = '\0';
		if (!strcmp(prefix, parent) || prefix[i - 1] == '/')
			continue;
		int rc = 0;
		if (c->version == CGROUP_V2)
			rc = v2_enable_below(l, c, parent);
		char dir[CGROUP_PATH_MAX + 64];
		if (!rc)
			rc = file_path(dir, sizeof dir, c, prefix, NULL);
		if (!rc && mkdir(dir, 0755) < 0 && errno != EEXIST)
			rc = -errno;
		if (!rc && c->version == CGROUP_V1 && has_cpuset(l, c))
			rc = v1_fill_cpuset(c, parent, prefix);
		if (rc)
			return rc;
		memcpy(parent, prefix, i + 1);
	}
	return 0;
}

static int check_path(const char *path)
{
	return path[0] == '/' && !strstr(path, "/../") && !strstr(path, "//") ? 0 : -EINVAL;
}

int cgroup_create(const struct cgroup_layout *l, const char *path)
{
	if (l->cpu.version == CGROUP_NONE)
		return -ENOENT;
	if (check_path(path))
		return -EINVAL;
	const struct cgroup_controller *h[2];
	size_t n = hierarchies(l, h);
	for (size_t i = 0; i < n; i++) {
		int rc = create_in(l, h[i], path);
		if (rc)
			return rc;
	}
	return 0;
}

int cgroup_remove(const struct cgroup_layout *l, const char *path)
{
	if (check_path(path) || !strcmp(path, "/"))
		return -EINVAL;
	const struct cgroup_controller *h[2];
	size_t n = hierarchies(l, h);
	int first_error = 0;
	for (size_t i = 0; i < n; i++) {
		char dir[CGROUP_PATH_MAX + 64];
		int rc = file_path(dir, sizeof dir, h[i], path, NULL);
		if (!rc && rmdir(dir) < 0 && errno != ENOENT)
			rc = -errno;
		if (rc && !first_error)
			first_error = rc;
	}
	return first_error;
}

int cgroup_set_weight(const struct cgroup_layout *l, const char *path, unsigned weight)
{
	if (weight < 1 || weight > 10000)
		return -EINVAL;
	if (l->cpu.version == CGROUP_NONE)
		return -ENOENT;
	bool v1 = l->cpu.version == CGROUP_V1;
	char file[CGROUP_PATH_MAX + 64], text[32];
	int rc = file_path(file, sizeof file, &l->cpu, path, v1 ? "cpu.shares" : "cpu.weight");
	if (rc)
		return rc;
	/* The kernel's own mapping between the scales: shares 1024 = weight 100. */
	snprintf(text, sizeof text, "%u", v1 ? (weight * 1024 + 50) / 100 : weight);
	return write_text(file, text);
}

int cgroup_set_cpuset(const struct cgroup_layout *l, const char *path, const char *cpus,
		      const char *mems)
{
	if (l->cpuset.version == CGROUP_NONE)
		return -ENOTSUP;
	char file[CGROUP_PATH_MAX + 64];
	int rc = file_path(file, sizeof file, &l->cpuset, path, "cpuset.cpus");
	if (!rc)
		rc = write_text(file, cpus);
	if (rc || !mems)
		return rc;
	rc = file_path(file, sizeof file, &l->cpuset, path, "cpuset.mems");
	return rc ? rc : write_text(file, mems);
}

int cgroup_set_memory_migrate(const struct cgroup_layout *l, const char *path, bool on)
{
	if (l->cpuset.version != CGROUP_V1)
		return l->cpuset.version == CGROUP_V2 ? 0 : -ENOTSUP;
	char file[CGROUP_PATH_MAX + 64];
	int rc = file_path(file, sizeof file, &l->cpuset, path, "cpuset.memory_migrate");
	return rc ? rc : write_text(file, on ? "1" : "0");
}

int cgroup_move_process(const struct cgroup_layout *l, const char *path, pid_t pid)
{
	if (l->cpu.version == CGROUP_NONE)
		return -ENOENT;
	const struct cgroup_controller *h[2];
	size_t n = hierarchies(l, h);
	char text[24];
	snprintf(text, sizeof text, "%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		char file[CGROUP_PATH_MAX + 64];
		int rc = file_path(file, sizeof file, h[i], path, "cgroup.procs");
		if (!rc)
			rc = write_text(file, text);
		if (rc)
			return rc;
	}
	return 0;
}
