/*
 * fuzz_vring.c: libFuzzer target over lull-switch's ring handling: an
 * input is a guest's descriptor table and available ring, laid into a
 * memfd mapped as the guest's only memory region (one page of rings, then
 * buffers); the target pops every chain both ways, copies through each,
 * and checks that every segment it was given lies inside the region. The
 * mapping is exactly the region: a read past it faults, and is a finding.
 *
 * Input: u8 log2 of the ring size (mod 9: 1 to 256 entries), u8 the
 * direction (bit 0: receive), u16 avail->idx, u16 the starting index, then
 * the descriptor table (16 bytes an entry) and the available ring's
 * entries (2 bytes each), zeros where the input ends.
 */
#include "guest_memory.h"
#include "vring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_BASE 0x40000ULL
#define USER_BASE 0x7f0000000000ULL
#define MEM_SIZE (64 * 1024)
#define DESC_OFF 0
#define AVAIL_OFF 4096
#define USED_OFF 5120 /* 6 + 8 * 256 bytes fit below 8192 */

static int memory_fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_region_desc region = { GUEST_BASE, MEM_SIZE, USER_BASE, 0 };
	struct guest_memory mem;
	struct vring ring;
	struct vring_chain c;
	static uint8_t scratch[2 * MEM_SIZE];
	char err[128];

	if (size < 6)
		return 0;
	if (memory_fd < 0) {
		memory_fd = memfd_create("fuzz-guest", 0);
		if (memory_fd < 0 || ftruncate(memory_fd, MEM_SIZE) < 0)
			abort();
	}
	if (guest_memory_map(&mem, &region, &memory_fd, 1, err, sizeof err) < 0)
		abort();
	uint8_t *base = mem.regions[0].map;
	memset(base, 0, MEM_SIZE);
	unsigned num = 1u << (data[0] % 9);
	bool receive = data[1] & 1;
	uint16_t avail_idx, start;
	memcpy(&avail_idx, data + 2, 2);
	memcpy(&start, data + 4, 2);
	size_t rest = size - 6, table = 16 * (size_t)num;
	memcpy(base + DESC_OFF, data + 6, rest < table ? rest : table);
	if (rest > table) {
		size_t n = rest - table < 2 * (size_t)num ? rest - table : 2 * (size_t)num;
		memcpy(base + AVAIL_OFF + 4, data + 6 + table, n);
	}
	memcpy(base + AVAIL_OFF + 2, &avail_idx, 2);
	if (vring_attach(&ring, &mem, num, USER_BASE + DESC_OFF, USER_BASE + AVAIL_OFF,
			 USER_BASE + USED_OFF, start) < 0)
		abort();
	/* Each entry is taken at most once: the loop ends within num pops. */
	for (unsigned pops = 0; pops <= num; pops++) {
		enum vring_status s = vring_pop_avail(&ring, &mem, receive, &c);
		if (s == VRING_EMPTY)
			break;
		if (s != VRING_CHAIN)
			continue;
		for (unsigned k = 0; k < c.count; k++) {
			uint8_t *seg = c.segs[k].iov_base;
			if (seg < base || seg + c.segs[k].iov_len > base + MEM_SIZE)
				abort();
		}
		size_t n = c.total < sizeof scratch ? c.total : sizeof scratch;
		if (receive)
			vring_chain_write(&c, 0, scratch, n);
		else
			vring_chain_read(&c, 0, scratch, n);
		vring_push_used(&ring, c.head, (uint32_t)n);
	}
	guest_memory_unmap(&mem);
	return 0;
}
