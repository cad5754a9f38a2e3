/*
 * impaired_link.c: loss, duplication and reordering for the network tests.
 * The kernel here has no netem qdisc, so the test program impairs its own
 * TAP traffic, in both directions; a reordered frame is held for 1-8 ms.
 */
#include "impaired_link.h"

#include <stdlib.h>
#include <string.h>

void link_init(struct impaired_link *l, struct impairment cfg, uint64_t seed,
	       void (*deliver)(void *ctx, const void *frame, size_t len), void *ctx)
{
	memset(l, 0, sizeof *l);
	l->cfg = cfg;
	l->deliver = deliver;
	l->ctx = ctx;
	l->rng = seed | 1;
}

static unsigned next_random(struct impaired_link *l)
{
	/* xorshift64: reproducible for a seed, good enough for coin tosses */
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 7;
	l->rng ^= l->rng << 17;
	return (unsigned)(l->rng >> 32);
}

static bool chance(struct impaired_link *l, unsigned pct)
{
	return pct && next_random(l) % 100 < pct;
}

static bool hold(struct impaired_link *l, const void *frame, size_t len, uint64_t release_ns)
{
	if (l->held_count == LINK_HELD_MAX)
		return false;
	unsigned char *copy = malloc(len);
	if (!copy)
		return false;
	memcpy(copy, frame, len);
	l->held[l->held_count++] = (struct held_frame){ release_ns, len, copy };
	return true;
}

void link_put(struct impaired_link *l, const void *frame, size_t len, uint64_t now_ns)
{
	if (chance(l, l->cfg.loss_pct)) {
		l->lost++;
		return;
	}
	uint64_t delay_ns = (1 + next_random(l) % 8) * 1000000u;
	if (chance(l, l->cfg.reorder_pct) && hold(l, frame, len, now_ns + delay_ns))
		l->reordered++;
	else
		l->deliver(l->ctx, frame, len);
	if (chance(l, l->cfg.duplicate_pct)) {
		l->duplicated++;
		l->deliver(l->ctx, frame, len);
	}
}

void link_release(struct impaired_link *l, uint64_t now_ns)
{
	for (unsigned i = 0; i < l->held_count;) {
		struct held_frame h = l->held[i];
		if (h.release_ns > now_ns) {
			i++;
			continue;
		}
		l->held[i] = l->held[--l->held_count];
		l->deliver(l->ctx, h.data, h.len);
		free(h.data);
	}
}

uint64_t link_next_release(const struct impaired_link *l)
{
	uint64_t next = 0;

	for (unsigned i = 0; i < l->held_count; i++)
		if (!next || l->held[i].release_ns < next)
			next = l->held[i].release_ns;
	return next;
}
