/* elf_image.h: reading the ELF files `lull` builds and runs, defensively:
 * any file may be handed to `lull run`. */
#ifndef LULL_TOOL_ELF_IMAGE_H
#define LULL_TOOL_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_image {
	unsigned char *data;
	size_t size;
};

struct elf_function {
	uint64_t addr, size;
	const char *name; /* points into the image's data */
	bool global;
};

/* Loads and checks an ELF64 x86-64 executable. Returns NULL on success, or
 * what is wrong with the file. */
const char *elf_image_load(const char *path, struct elf_image *img);
void elf_image_free(struct elf_image *img);

/* True if a note with this name is in a PT_NOTE segment or SHT_NOTE section. */
bool elf_image_has_note(const struct elf_image *img, const char *name);

/* The defined function symbols of .symtab (malloc'd array); returns the
 * count, or 0 when there is no symbol table. */
size_t elf_image_functions(const struct elf_image *img, struct elf_function **out);

/* The address and size of the defined data symbol (STT_OBJECT) `name` in
 * .symtab. False when there is no such symbol or no usable symbol table. */
bool elf_image_symbol(const struct elf_image *img, const char *name, uint64_t *addr, uint64_t *size);

#endif
