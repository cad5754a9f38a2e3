/* symbols.c: binary search of the embedded symbol table. */
#include "symbols.h"

/* Absent in the first link pass of `lull build`, present in the image. */
extern const struct symtab lull_symtab __attribute__((weak));

const char *symtab_lookup(const struct symtab *table, uintptr_t addr, uintptr_t *offset)
{
	if (!table || !table->count)
		return NULL;

	/* Find the last entry whose address is <= addr. */
	size_t lo = 0, hi = table->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (table->entry[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	const struct symtab_entry *e = &table->entry[lo];
	if (addr < e->addr)
		return NULL;
	/* Size 0 means unknown (hand-written assembly): accept anything up to
	 * the next symbol. */
	if (e->size && addr - e->addr >= e->size)
		return NULL;
	*offset = addr - e->addr;
	return (const char *)table + e->name_offset;
}

const char *symbol_lookup(uintptr_t addr, uintptr_t *offset)
{
	return symtab_lookup(&lull_symtab, addr, offset);
}
