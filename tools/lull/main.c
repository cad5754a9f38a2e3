/* main.c: the `lull` command: dispatches to its subcommands. */
#include "commands.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LULL_VERSION "0.1.0"

static const char usage[] =
	"usage: lull COMMAND [ARGS...]\n"
	"\n"
	"Builds and runs Lull unikernel images.\n"
	"\n"
	"commands:\n"
	"  build FILE... -o IMAGE   compile C sources with musl and link them with the\n"
	"                           Lull kernel into a bootable image\n"
	"  cc [GCC OPTIONS] FILE... a compiler driver for existing projects:\n"
	"                           make CC=\"lull cc\" links images (also lull-cc)\n"
	"  run IMAGE [-- ARGS...]   boot an image under QEMU\n"
	"  disk create FILE SIZE    make a FAT disk image for `lull run --disk`\n"
	"  top                      every QEMU VM on this host: CPU and steal per VM\n"
	"                           and vCPU, cgroups, a Lull guest's own counters\n"
	"  place                    steal-aware placement of VMs with cgroups and\n"
	"                           the host's topology (a daemon, or --dry-run)\n"
	"  switch start|stats       the shared vhost-user switch that VMs join with\n"
	"                           lull run --net switch:DIR/NAME\n"
	"  help                     this text\n"
	"\n"
	"`lull COMMAND --help` describes each command. `lull --version` prints the\n"
	"version.\n"
	"\n"
	"example:\n"
	"  lull build hello.c -o hello.elf && lull run hello.elf\n";

/* `lull top`, `lull place` and `lull switch` are programs of their own
 * (lull-top, lull-place, lull-switch) installed beside this one: they
 * need no compiler or kernel library, and lull-place links hwloc, which
 * building images does not. */
static int run_sibling(const char *cmd, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0) {
		tool_error(cmd, "cannot find the lull executable: %s", strerror(errno));
		return EXIT_NOT_FOUND;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	*slash = '\0';
	char *program = concat(self, "/lull-", cmd, NULL);
	argv[0] = program;
	execv(program, argv);
	tool_error(cmd, "cannot run %s: %s (make tools builds it)", program, strerror(errno));
	free(program);
	return EXIT_NOT_FOUND;
}

int main(int argc, char **argv)
{
	/* Build systems that need CC to be one word run it as lull-cc, a
	 * link to this program. */
	const char *name = strrchr(argv[0], '/');
	if (!strcmp(name ? name + 1 : argv[0], "lull-cc"))
		return cmd_cc(argc, argv);
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(cmd, "cc"))
		return cmd_cc(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "disk"))
		return cmd_disk(argc - 1, argv + 1);
	if (!strcmp(cmd, "top") || !strcmp(cmd, "place") || !strcmp(cmd, "switch"))
		return run_sibling(cmd, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("lull %s\n", LULL_VERSION);
		return 0;
	}
	tool_error(NULL, "unknown command '%s'; see lull --help", cmd);
	return EXIT_USAGE;
}
