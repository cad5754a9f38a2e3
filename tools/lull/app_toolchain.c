/* app_toolchain.c: the compiler and flags for application code (see
 * app_toolchain.h). */
#include "app_toolchain.h"

#include <stdlib.h>

void app_compile_command(struct argv_builder *cmd, const char *home)
{
	/* Frame pointers let the kernel's fault reports walk the stack; the
	 * image is linked at a fixed address, so no position-independent code. */
	const char *fixed[] = { "gcc", "-specs=" MUSL_SPECS, "-std=gnu11", "-O2", "-g",
				"-fno-omit-frame-pointer", "-fno-pie" };
	char *include = concat("-I", home, "/include", NULL);

	argv_add_all(cmd, fixed, sizeof fixed / sizeof fixed[0]);
	argv_add(cmd, include);
	free(include);
}

bool app_toolchain_present(const char *cmd)
{
	if (file_exists(MUSL_SPECS))
		return true;
	tool_error(cmd, "musl is not installed; install it with: apt-get install musl-tools musl-dev");
	return false;
}
