/* util.c: shared helpers of the lull tool (see util.h). */
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void tool_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lull%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void out_of_memory(void)
{
	fputs("lull: out of memory\n", stderr);
	exit(1);
}

char *concat(const char *first, ...)
{
	va_list ap;
	size_t len = 0;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		len += strlen(s);
	va_end(ap);
	char *out = malloc(len + 1);
	if (!out)
		out_of_memory();
	out[0] = '\0';
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		strcat(out, s);
	va_end(ap);
	return out;
}

void argv_add(struct argv_builder *a, const char *item)
{
	if (a->count + 2 > a->capacity) {
		a->capacity = a->capacity ? a->capacity * 2 : 16;
		a->items = realloc(a->items, a->capacity * sizeof *a->items);
		if (!a->items)
			out_of_memory();
	}
	a->items[a->count] = strdup(item);
	if (!a->items[a->count])
		out_of_memory();
	a->items[++a->count] = NULL;
}

void argv_add_all(struct argv_builder *a, const char *const *items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		argv_add(a, items[i]);
}

void argv_free(struct argv_builder *a)
{
	for (size_t i = 0; i < a->count; i++)
		free(a->items[i]);
	free(a->items);
	*a = (struct argv_builder){ 0 };
}

static void echo_command(char *const argv[])
{
	for (size_t i = 0; argv[i]; i++)
		fprintf(stderr, "%s%s", i ? " " : "+ ", argv[i]);
	fputc('\n', stderr);
}

int run_command(char *const argv[], bool verbose)
{
	if (verbose)
		echo_command(argv);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "lull: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(EXIT_NOT_FOUND);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *command_output_line(char *const argv[])
{
	int fds[2];

	if (pipe(fds) != 0)
		return NULL;
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(EXIT_NOT_FOUND);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = f ? getline(&line, &cap, f) : -1;
	if (f)
		fclose(f);
	int status;
	waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = concat(base && *base ? base : "/tmp", "/lull.XXXXXX", NULL);

	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	return path;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *lull_home(void)
{
	static char home[PATH_MAX];
	const char *env = getenv("LULL_HOME");

	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", home, sizeof home - 1);
	if (n <= 0)
		return ".";
	home[n] = '\0';
	return dirname(home);
}

char *find_program(const char *name, const char *more_dirs)
{
	const char *env = getenv("PATH");
	char *dirs = concat(env ? env : "", ":", more_dirs ? more_dirs : "", NULL);
	char *found = NULL;

	for (char *dir = strtok(dirs, ":"); dir && !found; dir = strtok(NULL, ":")) {
		char *candidate = concat(dir, "/", name, NULL);
		if (access(candidate, X_OK) == 0)
			found = candidate;
		else
			free(candidate);
	}
	free(dirs);
	return found;
}

bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}
