/* guest_memory.h: one VM's memory as the switch maps it (the regions of
 * a vhost-user memory table) and the bounds-checked translation of guest
 * physical and QEMU user addresses into it. */
#ifndef LULL_SWITCH_GUEST_MEMORY_H
#define LULL_SWITCH_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEMORY_MAX_REGIONS 8 /* the vhost-user memory table's limit */

/* A region as a SET_MEM_TABLE message describes it. */
struct guest_region_desc {
	uint64_t guest_addr, size, user_addr, mmap_offset;
};

struct guest_region {
	struct guest_region_desc desc;
	uint8_t *map; /* the fd's mapping from offset 0; region starts at map + mmap_offset */
	size_t map_size;
};

struct guest_memory {
	unsigned count;
	struct guest_region regions[GUEST_MEMORY_MAX_REGIONS];
};

/* Maps each region's fd (shared, read-write). On failure nothing stays
 * mapped and err says why. The fds are not closed: mappings outlive them. */
int guest_memory_map(struct guest_memory *m, const struct guest_region_desc *descs,
		     const int *fds, unsigned count, char *err, size_t err_size);
void guest_memory_unmap(struct guest_memory *m);

/* The host address of [addr, addr + len) in one region, or NULL when any
 * byte of it lies outside every region (or len is 0 and addr is too). */
void *guest_memory_at(const struct guest_memory *m, uint64_t guest_addr, uint64_t len);
void *guest_memory_at_user(const struct guest_memory *m, uint64_t user_addr, uint64_t len);

#endif
