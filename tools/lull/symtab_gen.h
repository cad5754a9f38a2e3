/* symtab_gen.h: the function table `lull build` embeds in an image, read by
 * the kernel's kernel/symbols.c (the layout is struct symtab there). */
#ifndef LULL_TOOL_SYMTAB_GEN_H
#define LULL_TOOL_SYMTAB_GEN_H

#include "elf_image.h"

#include <stdbool.h>

/* Writes the assembly source of the table for the image's functions.
 * Returns false (and says why) on failure. */
bool symtab_write_source(const struct elf_image *img, const char *path);

/* Checks that every function has the same address in both images; if not,
 * names the first that moved in *moved (pointing into `before`). */
bool symtab_same_addresses(const struct elf_image *before, const struct elf_image *after,
			   const char **moved);

#endif
