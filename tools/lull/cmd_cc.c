/*
 * cmd_cc.c: `lull cc` (also `lull-cc`, for build systems that want one
 * word): a compiler driver for existing projects, given to make or
 * ./configure as CC. Compiling is gcc with the application flags of
 * app_toolchain.h; linking is `lull build` from the objects and archives,
 * so what a Makefile links is a bootable image.
 */
#include "app_toolchain.h"
#include "commands.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lull cc [GCC OPTIONS...] FILE...\n"
	"       make CC=\"lull cc\"    ./configure CC=\"lull cc\" --host=x86_64-linux-musl\n"
	"\n"
	"A compiler driver for building existing C projects into Lull images.\n"
	"With -c, -S, -E, -M or -MM (or no input file) it is gcc with musl's\n"
	"headers and the flags `lull build` compiles applications with (-std=gnu11\n"
	"-O2 -g -fno-omit-frame-pointer -fno-pie, <lull/lull.h> on the include\n"
	"path); every option is gcc's and yours come last, so -O3 or -std=c99\n"
	"wins. --version, -v and -dumpversion answer as gcc does.\n"
	"\n"
	"Without -c it links: C files among the inputs are compiled as above,\n"
	"then the objects and .a archives become a bootable image (-o, default\n"
	"a.out) exactly as `lull build` links them. -l, -L, -Wl, and -Xlinker\n"
	"go to that link; -v prints its commands; other options only compile.\n"
	"-shared is refused: an image is one whole program.\n"
	"\n"
	"`lull-cc`, a link to `lull` beside it (make apps creates build/lull-cc),\n"
	"is the same command as one word, for build systems that run CC without\n"
	"a shell. ./configure needs --host (any cross triplet) because an image\n"
	"cannot run on the build machine; it then skips its run tests.\n"
	"\n"
	"Exit status: gcc's; when linking 0 built, 1 compile or link error,\n"
	"2 usage error.\n"
	"\n"
	"example: make -C src posix CC=\"$PWD/build/lull cc\"   (Lua)\n";

/* gcc options that may take their argument as the next word. */
static const char *const takes_argument[] = {
	"-o", "-I", "-D", "-U", "-L", "-l", "-x", "-include", "-imacros", "-isystem",
	"-iquote", "-idirafter", "-MF", "-MT", "-MQ", "-Xlinker", "-T",
};

struct cc {
	struct argv_builder inputs, cflags, ldflags;
	const char *output;
	bool compile_only, verbose, shared;
};

static bool takes_next(const char *a)
{
	for (size_t i = 0; i < sizeof takes_argument / sizeof takes_argument[0]; i++)
		if (!strcmp(a, takes_argument[i]))
			return true;
	return false;
}

static bool is_link_flag(const char *a)
{
	return !strncmp(a, "-l", 2) || !strncmp(a, "-L", 2) || !strncmp(a, "-Wl,", 4);
}

static void parse(struct cc *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-c") || !strcmp(a, "-S") || !strcmp(a, "-E") || !strcmp(a, "-M") ||
		    !strcmp(a, "-MM"))
			c->compile_only = true;
		if (!strcmp(a, "-v"))
			c->verbose = true;
		if (!strcmp(a, "-shared"))
			c->shared = true;
		if (takes_next(a) && i + 1 < argc) {
			const char *value = argv[++i];
			if (!strcmp(a, "-o")) {
				c->output = value;
			} else if (!strcmp(a, "-Xlinker")) {
				char *joined = concat("-Wl,", value, NULL);
				argv_add(&c->ldflags, joined);
				free(joined);
			} else if (is_link_flag(a)) {
				char *joined = concat(a, value, NULL);
				argv_add(&c->ldflags, joined);
				free(joined);
			} else {
				argv_add(&c->cflags, a);
				argv_add(&c->cflags, value);
			}
		} else if (is_link_flag(a)) {
			argv_add(&c->ldflags, a);
		} else if (a[0] == '-' && a[1]) {
			argv_add(&c->cflags, a);
		} else {
			argv_add(&c->inputs, a);
		}
	}
}

/* gcc with the application flags and ARGS; its exit status. */
static int run_gcc(const char *home, char *const *args, size_t count, bool verbose)
{
	struct argv_builder cmd = { 0 };
	app_compile_command(&cmd, home);
	argv_add_all(&cmd, (const char *const *)args, count);
	int status = run_command(cmd.items, verbose);
	argv_free(&cmd);
	return status < 0 ? 1 : status;
}

/* Compiles the sources among the inputs into TMP, then hands every object
 * and archive to `lull build`. */
static int link_image(struct cc *c, const char *home, const char *tmp)
{
	struct argv_builder build = { 0 };
	int status = 0;

	argv_add(&build, "build");
	for (size_t i = 0; i < c->inputs.count && !status; i++) {
		const char *in = c->inputs.items[i];
		if (has_suffix(in, ".o") || has_suffix(in, ".a")) {
			argv_add(&build, in);
			continue;
		}
		char name[32];
		snprintf(name, sizeof name, "/%zu.o", i);
		char *object = concat(tmp, name, NULL);
		struct argv_builder args = { 0 };
		argv_add_all(&args, (const char *const *)c->cflags.items, c->cflags.count);
		const char *tail[] = { "-c", in, "-o", object };
		argv_add_all(&args, tail, sizeof tail / sizeof tail[0]);
		status = run_gcc(home, args.items, args.count, c->verbose);
		argv_add(&build, object);
		argv_free(&args);
		free(object);
	}
	if (!status) {
		const char *out[] = { "-o", c->output ? c->output : "a.out" };
		argv_add_all(&build, out, 2);
		argv_add_all(&build, (const char *const *)c->ldflags.items, c->ldflags.count);
		if (c->verbose)
			argv_add(&build, "-v");
		status = cmd_build((int)build.count, build.items);
	}
	argv_free(&build);
	return status;
}

int cmd_cc(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (!app_toolchain_present("cc"))
		return 1;
	struct cc c = { 0 };
	const char *home = lull_home();
	int status;

	parse(&c, argc, argv);
	if (c.compile_only || !c.inputs.count) {
		status = run_gcc(home, argv + 1, (size_t)argc - 1, false);
	} else if (c.shared) {
		tool_error("cc", "-shared: a Lull image is one whole program, there are no shared libraries");
		status = 1;
	} else {
		char *tmp = make_temp_dir();
		if (!tmp) {
			tool_error("cc", "cannot create a temporary directory");
			status = 1;
		} else {
			status = link_image(&c, home, tmp);
			remove_tree(tmp);
			free(tmp);
		}
	}
	argv_free(&c.inputs);
	argv_free(&c.cflags);
	argv_free(&c.ldflags);
	return status;
}
