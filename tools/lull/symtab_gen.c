/*
 * symtab_gen.c: generating the embedded symbol table.
 *
 * One entry per address, sorted, preferring a global name to a local or weak
 * one at the same address (aliases such as musl's weak names).
 */
#include "symtab_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_address(const void *a, const void *b)
{
	const struct elf_function *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->global != y->global)
		return x->global ? -1 : 1; /* the global name first */
	return strcmp(x->name, y->name);
}

static size_t sorted_unique(const struct elf_image *img, struct elf_function **out)
{
	size_t n = elf_image_functions(img, out);
	size_t kept = 0;

	qsort(*out, n, sizeof **out, by_address);
	for (size_t i = 0; i < n; i++)
		if (!kept || (*out)[kept - 1].addr != (*out)[i].addr)
			(*out)[kept++] = (*out)[i];
	return kept;
}

static void write_string(FILE *f, const char *s)
{
	fputs("\t.asciz \"", f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			fprintf(f, "\\%03o", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputs("\"\n", f);
}

bool symtab_write_source(const struct elf_image *img, const char *path)
{
	struct elf_function *fns;
	size_t n = sorted_unique(img, &fns);
	FILE *f = fopen(path, "w");

	if (!f) {
		free(fns);
		perror(path);
		return false;
	}
	fprintf(f, "\t.section .lull.symtab,\"a\"\n\t.balign 8\n\t.globl lull_symtab\nlull_symtab:\n");
	fprintf(f, "\t.quad %zu\n", n);
	uint64_t name_offset = 8 + n * 24;
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t.quad 0x%llx, 0x%llx, %llu\n", (unsigned long long)fns[i].addr,
			(unsigned long long)fns[i].size, (unsigned long long)name_offset);
		name_offset += strlen(fns[i].name) + 1;
	}
	for (size_t i = 0; i < n; i++)
		write_string(f, fns[i].name);
	free(fns);
	return fclose(f) == 0;
}

bool symtab_same_addresses(const struct elf_image *before, const struct elf_image *after,
			   const char **moved)
{
	struct elf_function *a, *b;
	size_t na = sorted_unique(before, &a), nb = sorted_unique(after, &b);

	*moved = NULL;
	for (size_t i = 0; i < na && !*moved; i++)
		if (i >= nb || a[i].addr != b[i].addr || strcmp(a[i].name, b[i].name))
			*moved = a[i].name;
	if (!*moved && nb != na)
		*moved = "(the number of functions changed)";
	free(a);
	free(b);
	return !*moved;
}
