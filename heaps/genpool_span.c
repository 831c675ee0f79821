/*
 * heaps/genpool_span.c - the span tree of a gen_pool chunk: for every
 * power-of-two span of bitmap words, its free bits at either end and its
 * longest free run.
 *
 * A leaf is computed from its word with a handful of bit tricks; a parent
 * from its two children.  An allocation or a free touches one or two words,
 * so keeping the tree costs O(log words).  In exchange first fit is a walk
 * from the root (Linux's scan re-reads every word of every hole before the
 * one it picks), and the chunk's longest free run is read at the root.
 */
#include "heaps/genpool_chunk.h"

#define WB HEAP_GENPOOL_WORD_BITS

/* A mask of @z whose set bits are the starts of @nr consecutive set bits
 * of @z, inside the word; 1 <= @nr <= WB.  Built by doubling, since
 * "starts of 2k" = "starts of k" AND "starts of k, k further on". */
static unsigned long window_starts(unsigned long z, uint32_t nr)
{
	uint32_t have = 1;

	while (2 * have <= nr) {
		z &= z >> have;
		have *= 2;
	}
	if (have < nr)
		z &= z >> (nr - have);
	return z;
}

/* The longest run of set bits in @z, for 0 < z < ~0.  A word holds few
 * runs, so each is measured from its start: the trailing ones there. */
static uint32_t longest_ones(unsigned long z)
{
	unsigned long starts = z & ~(z << 1);
	uint32_t best = 0;

	while (starts) {
		uint32_t at = (uint32_t)__builtin_ctzl(starts);
		/* z >> at shifts zeros in at the top, so this ends */
		uint32_t len = (uint32_t)__builtin_ctzl(~(z >> at));

		best = len > best ? len : best;
		starts &= starts - 1;
	}
	return best;
}

/* A leaf from its word @w (1 = busy). */
static void leaf_of(struct heap_genpool_span *s, unsigned long w)
{
	if (!w) {
		s->pre = s->suf = s->max = WB;
	} else if (!~w) {
		s->pre = s->suf = s->max = 0;
	} else {
		s->pre = (uint32_t)__builtin_ctzl(w);
		s->suf = (uint32_t)__builtin_clzl(w);
		s->max = longest_ones(~w);
	}
}

/* A parent from children each @width bits wide: a run that reaches a
 * child's far edge continues into its sibling. */
static void merge(struct heap_genpool_span *p,
		  const struct heap_genpool_span *l,
		  const struct heap_genpool_span *r, uint64_t width)
{
	uint32_t across = l->suf + r->pre;

	p->pre = l->pre == width ? (uint32_t)(width + r->pre) : l->pre;
	p->suf = r->suf == width ? (uint32_t)(width + l->suf) : r->suf;
	p->max = l->max > r->max ? l->max : r->max;
	if (across > p->max)
		p->max = across;
}

/* *@s = *@v; true when that changed *@s. */
static bool store(struct heap_genpool_span *s,
		  const struct heap_genpool_span *v)
{
	if (s->pre == v->pre && s->suf == v->suf && s->max == v->max)
		return false;
	*s = *v;
	return true;
}

/* One word changed, the common case: its leaf, then up while nodes change. */
static void update_word(struct heap_genpool_chunk *c, uint32_t word)
{
	struct heap_genpool_span *t = c->span, v;
	size_t k = (size_t)c->nleaves + word;
	uint64_t width = WB;

	leaf_of(&v, heap_genpool_chunk_word(c, word));
	if (!store(&t[k], &v))
		return;
	for (; k > 1; k /= 2, width *= 2) {
		merge(&v, &t[k & ~(size_t)1], &t[k | 1], width);
		if (!store(&t[k / 2], &v))
			return;
	}
}

void heap_genpool_span_start(struct heap_genpool_chunk *c)
{
	/* the tree was zeroed, which reads "all busy": a full update makes
	 * it describe the bitmap */
	if (c->nwords)
		heap_genpool_span_update(c, 0, c->nwords - 1);
	c->span_started = true;
}

/*
 * A range of words goes a level at a time, so that shared ancestors are
 * computed once; a level whose nodes all kept their values leaves every
 * ancestor as it was, so the climb stops there.
 */
void heap_genpool_span_update(struct heap_genpool_chunk *c, uint32_t first,
			      uint32_t last)
{
	struct heap_genpool_span *t = c->span, v;
	size_t lo = (size_t)c->nleaves + first, hi = (size_t)c->nleaves + last;
	uint64_t width = WB;
	bool changed = false;
	size_t k;

	if (first == last) {
		update_word(c, first);
		return;
	}
	for (k = lo; k <= hi; k++) {
		uint32_t word = first + (uint32_t)(k - lo);

		leaf_of(&v, heap_genpool_chunk_word(c, word));
		changed |= store(&t[k], &v);
	}
	while (changed && lo > 1) {
		lo /= 2;
		hi /= 2;
		changed = false;
		for (k = lo; k <= hi; k++) {
			merge(&v, &t[2 * k], &t[2 * k + 1], width);
			changed |= store(&t[k], &v);
		}
		width *= 2;
	}
}

/*
 * Descend towards the lowest run of @nr free bits: it lies in the left
 * child if that holds one, else it straddles the middle if the left's tail
 * and the right's head are long enough together, else it is in the right.
 * A run starting further left and reaching in was settled higher up.
 */
uint32_t heap_genpool_span_first_fit(const struct heap_genpool_chunk *c,
				     uint32_t nr)
{
	const struct heap_genpool_span *t = c->span;
	uint64_t base = 0, width = (uint64_t)c->nleaves * WB;
	unsigned long free_bits;
	size_t k = 1;

	if (t[1].max < nr)
		return c->nbits;
	while (k < c->nleaves) {
		const struct heap_genpool_span *l = &t[2 * k], *r = l + 1;
		/* computed, not branched on: the way down is a coin toss */
		uint64_t right = l->max < nr;

		width /= 2;
		if (right && (uint64_t)l->suf + r->pre >= nr)
			return (uint32_t)(base + width - l->suf);
		k = 2 * k + right;
		base += width & -right;
	}
	/* A leaf holds at most WB free bits, so here nr <= WB. */
	free_bits = ~heap_genpool_chunk_word(c, (uint32_t)(base / WB));
	return (uint32_t)base +
	       (uint32_t)__builtin_ctzl(window_starts(free_bits, nr));
}
