/*
 * symbols.h: function names for addresses, from the table that `lull build`
 * embeds in the image (section .lull.symtab).
 */
#ifndef LULL_SYMBOLS_H
#define LULL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symtab_entry {
	uint64_t addr;
	uint64_t size;
	uint64_t name_offset;
};

struct symtab {
	uint64_t count;
	struct symtab_entry entry[];
	/* followed by the names; name_offset counts from the start of the table */
};

/* Returns the name of the function containing addr and the offset into it,
 * or NULL when the table has none (or the image has no table). */
const char *symtab_lookup(const struct symtab *table, uintptr_t addr, uintptr_t *offset);
const char *symbol_lookup(uintptr_t addr, uintptr_t *offset);

#endif
