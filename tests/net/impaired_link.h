/*
 * impaired_link.h: one direction of a bad link, as netem would make it:
 * frames put in come out later, possibly lost, duplicated, or held back
 * so that later frames overtake them.
 */
#ifndef LULL_TEST_IMPAIRED_LINK_H
#define LULL_TEST_IMPAIRED_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct impairment {
	unsigned loss_pct, duplicate_pct, reorder_pct;
};

#define LINK_HELD_MAX 512

struct held_frame {
	uint64_t release_ns;
	size_t len;
	unsigned char *data;
};

struct impaired_link {
	struct impairment cfg;
	void (*deliver)(void *ctx, const void *frame, size_t len);
	void *ctx;
	uint64_t rng;
	unsigned held_count;
	struct held_frame held[LINK_HELD_MAX];
	uint64_t lost, duplicated, reordered;
};

void link_init(struct impaired_link *l, struct impairment cfg, uint64_t seed,
	       void (*deliver)(void *ctx, const void *frame, size_t len), void *ctx);
/* Delivers the frame now, later, twice, or never. */
void link_put(struct impaired_link *l, const void *frame, size_t len, uint64_t now_ns);
/* Delivers the held frames whose time has come. */
void link_release(struct impaired_link *l, uint64_t now_ns);
/* When the next held frame is due (0: none held). */
uint64_t link_next_release(const struct impaired_link *l);

#endif
