/* main.c: the `lull` command: dispatches to its subcommands. */
#include "commands.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define LULL_VERSION "0.1.0"

static const char usage[] =
	"usage: lull COMMAND [ARGS...]\n"
	"\n"
	"Builds and runs Lull unikernel images.\n"
	"\n"
	"commands:\n"
	"  build FILE... -o IMAGE   compile C sources with musl and link them with the\n"
	"                           Lull kernel into a bootable image\n"
	"  run IMAGE [-- ARGS...]   boot an image under QEMU\n"
	"  help                     this text\n"
	"\n"
	"`lull COMMAND --help` describes each command. `lull --version` prints the\n"
	"version.\n"
	"\n"
	"example:\n"
	"  lull build hello.c -o hello.elf && lull run hello.elf\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
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
