/* lull-test: status=0 mem=128M
 * expect: ^filled [0-9]+ MiB of [0-9]+ MiB$
 * expect: ^malloc stress ok$
 */
/* Fills most of memory with blocks of many sizes, checks every byte, frees
 * them in a scrambled order, and does it again: the second round only
 * succeeds if freed memory really comes back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#define MAX_BLOCKS 200000

static void *blocks[MAX_BLOCKS];
static size_t sizes[MAX_BLOCKS];

static uint32_t rng = 12345;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static size_t pick_size(void)
{
	uint32_t r = next_random();
	switch (r % 4) {
	case 0: return 1 + r % 64;
	case 1: return 64 + r % 4096;
	case 2: return 4096 + r % 65536;
	default: return 65536 + r % (1u << 20);
	}
}

static int round_trip(size_t target, size_t *filled)
{
	size_t n = 0, total = 0;

	while (total < target && n < MAX_BLOCKS) {
		size_t size = pick_size();
		unsigned char *p = malloc(size);
		if (!p) {
			printf("malloc(%zu) failed after %zu bytes\n", size, total);
			return 1;
		}
		memset(p, (int)(n & 0xff), size);
		blocks[n] = p;
		sizes[n] = size;
		total += size;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = blocks[i];
		for (size_t j = 0; j < sizes[i]; j++)
			if (p[j] != (unsigned char)(i & 0xff)) {
				printf("block %zu corrupted at byte %zu\n", i, j);
				return 1;
			}
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = i + next_random() % (n - i);
		void *tmp = blocks[i];
		blocks[i] = blocks[k];
		blocks[k] = tmp;
		free(blocks[i]);
	}
	*filled = total;
	return 0;
}

int main(void)
{
	struct sysinfo si;
	size_t filled = 0;

	if (sysinfo(&si) != 0)
		return 1;
	size_t ram = (size_t)si.totalram * si.mem_unit;
	size_t target = ram / 10 * 7;
	for (int round = 0; round < 2; round++)
		if (round_trip(target, &filled))
			return 1;
	printf("filled %zu MiB of %zu MiB\n", filled >> 20, ram >> 20);
	printf("malloc stress ok\n");
	return 0;
}
