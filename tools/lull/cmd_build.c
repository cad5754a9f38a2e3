/*
 * cmd_build.c: `lull build`: compile C sources against musl and link them
 * with the kernel into a bootable image.
 *
 * The link runs twice: the first image's function symbols become the
 * .lull.symtab section of the second, which the kernel uses to name
 * functions in fault reports. The linker script places that section last,
 * so the check that no function moved between the passes should never fail.
 */
#include "app_toolchain.h"
#include "commands.h"
#include "elf_image.h"
#include "files_image.h"
#include "symtab_gen.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"usage: lull build FILE... -o IMAGE [--files DIR] [COMPILER FLAGS...] [-v]\n"
	"\n"
	"Compiles the C files (and links any .o/.a files) with musl and the Lull\n"
	"kernel into IMAGE, a bootable ELF for `lull run` or `qemu -kernel`.\n"
	"\n"
	"  -o IMAGE   the image to write (required)\n"
	"  --files DIR  embed the tree under DIR (files, directories, symlinks to\n"
	"             files inside it; at most 64 MiB): the application sees it\n"
	"             read-only at / (open, read, stat, readdir)\n"
	"  -v         print each command run\n"
	"  -l... -L... -Wl,...  passed to the link; every other -flag to the\n"
	"             compiler (e.g. -O3 -DNAME=1 -Iinclude -Wall -lm)\n"
	"  --help     this text\n"
	"\n"
	"Sources are compiled with -std=gnu11 -O2 -g -fno-omit-frame-pointer and can\n"
	"include <lull/lull.h>. Exit status: 0 built, 1 compile or link error,\n"
	"2 usage error.\n"
	"\n"
	"example: lull build server.c util.c -O3 -o server.elf\n"
	"`lull cc` compiles existing projects' objects and archives for it.\n";

struct build {
	struct argv_builder inputs, cflags, ldflags, objects;
	const char *output;
	const char *files;
	bool verbose;
	const char *home;
	char *tmp;
	char *crtbegin, *crtend;
};

static int parse(struct build *b, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "-o")) {
			if (++i == argc) {
				tool_error("build", "-o needs an image name");
				return EXIT_USAGE;
			}
			b->output = argv[i];
		} else if (!strcmp(a, "--files")) {
			if (++i == argc) {
				tool_error("build", "--files needs a directory");
				return EXIT_USAGE;
			}
			if (b->files) {
				tool_error("build", "--files may be given once");
				return EXIT_USAGE;
			}
			b->files = argv[i];
		} else if (!strcmp(a, "-v")) {
			b->verbose = true;
		} else if (!strncmp(a, "-l", 2) || !strncmp(a, "-L", 2) || !strncmp(a, "-Wl,", 4)) {
			argv_add(&b->ldflags, a);
		} else if (a[0] == '-') {
			argv_add(&b->cflags, a);
		} else {
			argv_add(&b->inputs, a);
		}
	}
	if (!b->inputs.count) {
		tool_error("build", "no input files (see lull build --help)");
		return EXIT_USAGE;
	}
	if (!b->output) {
		tool_error("build", "no output image: give -o IMAGE (see lull build --help)");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < b->inputs.count; i++) {
		const char *in = b->inputs.items[i];
		if (!file_exists(in)) {
			tool_error("build", "%s: no such file", in);
			return EXIT_USAGE;
		}
		if (!has_suffix(in, ".c") && !has_suffix(in, ".o") && !has_suffix(in, ".a")) {
			tool_error("build", "%s: expected a .c, .o or .a file", in);
			return EXIT_USAGE;
		}
	}
	struct stat st;
	if (b->files && (stat(b->files, &st) || !S_ISDIR(st.st_mode))) {
		tool_error("build", "--files %s: no such directory", b->files);
		return EXIT_USAGE;
	}
	return -1;
}

static bool check_resources(struct build *b)
{
	const char *needed[] = { "/lib/liblull.a", "/lib/lull.ld", "/include/lull/lull.h" };

	if (!app_toolchain_present("build"))
		return false;
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		char *path = concat(b->home, needed[i], NULL);
		bool ok = file_exists(path);
		if (!ok)
			tool_error("build", "%s is missing; run `make` at the top of the Lull repository", path);
		free(path);
		if (!ok)
			return false;
	}
	char *begin[] = { "gcc", "-print-file-name=crtbegin.o", NULL };
	char *end[] = { "gcc", "-print-file-name=crtend.o", NULL };
	b->crtbegin = command_output_line(begin);
	b->crtend = command_output_line(end);
	if (!b->crtbegin || !b->crtend) {
		tool_error("build", "gcc is not working; install it with: apt-get install gcc");
		return false;
	}
	return true;
}

static bool compile(struct build *b, const char *source, const char *object)
{
	struct argv_builder cmd = { 0 };

	app_compile_command(&cmd, b->home);
	argv_add_all(&cmd, (const char *const *)b->cflags.items, b->cflags.count);
	argv_add(&cmd, "-c");
	argv_add(&cmd, source);
	argv_add(&cmd, "-o");
	argv_add(&cmd, object);
	int status = run_command(cmd.items, b->verbose);
	argv_free(&cmd);
	if (status != 0)
		tool_error("build", "compiling %s failed", source);
	return status == 0;
}

static bool link_image(struct build *b, const char *symtab_object, const char *output)
{
	struct argv_builder cmd = { 0 };
	char *script = concat("-Wl,-T,", b->home, "/lib/lull.ld", NULL);
	char *kernel = concat(b->home, "/lib/liblull.a", NULL);
	const char *head[] = { "gcc", "-specs=" MUSL_SPECS, "-static", "-no-pie", "-nostartfiles",
			       script, "-Wl,--build-id=none", "-Wl,-z,max-page-size=4096",
			       "-Wl,-z,noexecstack", MUSL_DIR "/crt1.o", MUSL_DIR "/crti.o",
			       b->crtbegin };

	argv_add_all(&cmd, head, sizeof head / sizeof head[0]);
	argv_add_all(&cmd, (const char *const *)b->objects.items, b->objects.count);
	argv_add(&cmd, "-Wl,--whole-archive");
	argv_add(&cmd, kernel);
	argv_add(&cmd, "-Wl,--no-whole-archive");
	if (symtab_object)
		argv_add(&cmd, symtab_object);
	argv_add_all(&cmd, (const char *const *)b->ldflags.items, b->ldflags.count);
	argv_add(&cmd, b->crtend);
	argv_add(&cmd, MUSL_DIR "/crtn.o");
	argv_add(&cmd, "-o");
	argv_add(&cmd, output);
	int status = run_command(cmd.items, b->verbose);
	argv_free(&cmd);
	free(script);
	free(kernel);
	if (status != 0)
		tool_error("build", "linking %s failed", output);
	return status == 0;
}

static bool embed_symbols(struct build *b, const char *pass1, char **symtab_object)
{
	struct elf_image img;
	const char *problem = elf_image_load(pass1, &img);
	if (problem) {
		tool_error("build", "%s: %s", pass1, problem);
		return false;
	}
	char *source = concat(b->tmp, "/symtab.S", NULL);
	*symtab_object = concat(b->tmp, "/symtab.o", NULL);
	bool ok = symtab_write_source(&img, source);
	elf_image_free(&img);
	char *as[] = { "gcc", "-c", source, "-o", *symtab_object, NULL };
	ok = ok && run_command(as, b->verbose) == 0;
	free(source);
	if (!ok)
		tool_error("build", "assembling the symbol table failed");
	return ok;
}

/* The --files tree as an object linked into both passes. */
static bool embed_files(struct build *b)
{
	char *blob = concat(b->tmp, "/files.bin", NULL);
	char *source = concat(b->tmp, "/files.S", NULL);
	char *object = concat(b->tmp, "/files.o", NULL);
	char *as[] = { "gcc", "-c", source, "-o", object, NULL };
	bool ok = files_image_write(b->files, blob, source);
	if (ok && run_command(as, b->verbose) != 0) {
		tool_error("build", "assembling the embedded files failed");
		ok = false;
	}
	if (ok)
		argv_add(&b->objects, object);
	free(blob);
	free(source);
	free(object);
	return ok;
}

static bool check_nothing_moved(const char *pass1, const char *image)
{
	struct elf_image a, b;
	const char *moved;

	if (elf_image_load(pass1, &a))
		return false;
	if (elf_image_load(image, &b)) {
		elf_image_free(&a);
		return false;
	}
	bool same = symtab_same_addresses(&a, &b, &moved);
	if (!same)
		tool_error("build", "function %s moved when the symbol table was added; "
			   "the linker script must keep .lull.symtab last", moved);
	elf_image_free(&a);
	elf_image_free(&b);
	return same;
}

static int build(struct build *b)
{
	for (size_t i = 0; i < b->inputs.count; i++) {
		const char *in = b->inputs.items[i];
		if (!has_suffix(in, ".c")) {
			argv_add(&b->objects, in);
			continue;
		}
		char index[32];
		snprintf(index, sizeof index, "/%zu.o", i);
		char *object = concat(b->tmp, index, NULL);
		bool ok = compile(b, in, object);
		argv_add(&b->objects, object);
		free(object);
		if (!ok)
			return 1;
	}
	if (b->files && !embed_files(b))
		return 1;
	char *pass1 = concat(b->tmp, "/pass1.elf", NULL);
	char *symtab_object = NULL;
	bool ok = link_image(b, NULL, pass1) && embed_symbols(b, pass1, &symtab_object) &&
		  link_image(b, symtab_object, b->output) && check_nothing_moved(pass1, b->output);
	free(pass1);
	free(symtab_object);
	if (!ok)
		remove(b->output);
	return ok ? 0 : 1;
}

int cmd_build(int argc, char **argv)
{
	struct build b = { 0 };
	int status = parse(&b, argc, argv);

	if (status < 0) {
		b.home = lull_home();
		status = 1;
		if (check_resources(&b)) {
			b.tmp = make_temp_dir();
			if (!b.tmp)
				tool_error("build", "cannot create a temporary directory");
			else
				status = build(&b);
		}
	}
	if (b.tmp)
		remove_tree(b.tmp);
	free(b.tmp);
	free(b.crtbegin);
	free(b.crtend);
	argv_free(&b.inputs);
	argv_free(&b.cflags);
	argv_free(&b.ldflags);
	argv_free(&b.objects);
	return status;
}
