/* app_toolchain.h: how application code is compiled for a Lull image, the
 * one place `lull build` and `lull cc` take it from. */
#ifndef LULL_TOOL_APP_TOOLCHAIN_H
#define LULL_TOOL_APP_TOOLCHAIN_H

#include "util.h"

#define MUSL_DIR "/usr/lib/x86_64-linux-musl"
#define MUSL_SPECS MUSL_DIR "/musl-gcc.specs"

/* Appends gcc and the flags every application source is compiled with
 * (musl's headers, Lull's include/ from HOME); the caller's flags go after
 * them, so that its -O or -std wins. */
void app_compile_command(struct argv_builder *cmd, const char *home);

/* Whether musl's specs are installed; says how to install them if not. */
bool app_toolchain_present(const char *cmd);

#endif
