/* guest_memory.c: mapping a VM's memory table and translating addresses
 * into it, never past a region's end (see guest_memory.h). */
#include "guest_memory.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int guest_memory_map(struct guest_memory *m, const struct guest_region_desc *descs,
		     const int *fds, unsigned count, char *err, size_t err_size)
{
	*m = (struct guest_memory){ 0 };
	if (count > GUEST_MEMORY_MAX_REGIONS) {
		snprintf(err, err_size, "%u memory regions (at most %d)", count, GUEST_MEMORY_MAX_REGIONS);
		return -1;
	}
	for (unsigned i = 0; i < count; i++) {
		const struct guest_region_desc *d = &descs[i];
		uint64_t end;
		if (!d->size || __builtin_add_overflow(d->mmap_offset, d->size, &end) ||
		    __builtin_add_overflow(d->guest_addr, d->size - 1, &(uint64_t){ 0 }) ||
		    __builtin_add_overflow(d->user_addr, d->size - 1, &(uint64_t){ 0 }) ||
		    end > (uint64_t)SIZE_MAX) {
			snprintf(err, err_size, "memory region %u: bad size or offset", i);
			guest_memory_unmap(m);
			return -1;
		}
		void *map = mmap(NULL, (size_t)end, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (map == MAP_FAILED) {
			snprintf(err, err_size, "memory region %u: mmap: %s", i, strerror(errno));
			guest_memory_unmap(m);
			return -1;
		}
		m->regions[i] = (struct guest_region){ .desc = *d, .map = map, .map_size = (size_t)end };
		m->count = i + 1;
	}
	return 0;
}

void guest_memory_unmap(struct guest_memory *m)
{
	for (unsigned i = 0; i < m->count; i++)
		munmap(m->regions[i].map, m->regions[i].map_size);
	*m = (struct guest_memory){ 0 };
}

/* Both address spaces map linearly onto a region; only the base differs. */
static void *translate(const struct guest_memory *m, uint64_t addr, uint64_t len, bool user)
{
	for (unsigned i = 0; i < m->count; i++) {
		const struct guest_region *r = &m->regions[i];
		uint64_t base = user ? r->desc.user_addr : r->desc.guest_addr;
		if (addr < base)
			continue;
		uint64_t offset = addr - base;
		if (offset >= r->desc.size || len > r->desc.size - offset)
			continue;
		return r->map + r->desc.mmap_offset + offset;
	}
	return NULL;
}

void *guest_memory_at(const struct guest_memory *m, uint64_t guest_addr, uint64_t len)
{
	return translate(m, guest_addr, len, false);
}

void *guest_memory_at_user(const struct guest_memory *m, uint64_t user_addr, uint64_t len)
{
	return translate(m, user_addr, len, true);
}
