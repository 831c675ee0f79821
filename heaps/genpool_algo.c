/*
 * heaps/genpool_algo.c - the placement algorithms of Linux's lib/genalloc.c
 * (4.9, with 5.x's absolute alignment as a separate algorithm), and their
 * names.
 *
 * Each answers "where in this chunk would Linux put nr granules?".  First
 * and best fit answer from the chunk's indexes (best fit from Linux's own
 * loop on a one-word bitmap); the others run Linux's search loop
 * (sim_bitmap_find_next_zero_area_off), whose rounding they depend on.  All
 * return c->nbits for "nothing here", where Linux returns some value >= the
 * bitmap size.
 */
#include <limits.h>
#include <string.h>

#include "heaps/genpool_chunk.h"

static const char *const algo_names[HEAP_GENPOOL_NALGOS] = {
	[HEAP_GENPOOL_FIRST_FIT] = "first_fit",
	[HEAP_GENPOOL_BEST_FIT] = "best_fit",
	[HEAP_GENPOOL_FIRST_FIT_ALIGN] = "first_fit_align",
	[HEAP_GENPOOL_FIRST_FIT_ALIGN_ABS] = "first_fit_align_abs",
	[HEAP_GENPOOL_FIRST_FIT_ORDER_ALIGN] = "first_fit_order_align",
	[HEAP_GENPOOL_FIXED] = "fixed",
};

const char *heap_genpool_algo_name(enum heap_genpool_algo algo)
{
	if ((unsigned int)algo >= HEAP_GENPOOL_NALGOS)
		return NULL;
	return algo_names[algo];
}

int heap_genpool_algo_parse(const char *name)
{
	int a;

	for (a = 0; a < HEAP_GENPOOL_NALGOS; a++)
		if (strcmp(name, algo_names[a]) == 0)
			return a;
	return -1;
}

/* Linux's search loop, its "nothing" folded into c->nbits. */
static uint32_t zero_area(const struct heap_genpool_chunk *c, uint64_t from,
			  uint32_t nr, uint64_t mask, uint64_t off)
{
	unsigned long bit = sim_bitmap_find_next_zero_area_off(
		c->bits, c->nbits, from, nr, mask, off);

	return bit < c->nbits ? (uint32_t)bit : c->nbits;
}

static uint32_t first_fit(struct heap_genpool_chunk *c, uint32_t nr)
{
	if (!c->span_started)
		heap_genpool_span_start(c);
	return heap_genpool_span_first_fit(c, nr);
}

/* gen_pool_best_fit as Linux runs it: every free run that can hold nr,
 * the shortest kept (strict "<", so the lowest of equals), stopping at an
 * exact fit.  A run ends at the next busy bit at or after index + nr. */
static uint32_t best_fit_scan(const struct heap_genpool_chunk *c, uint32_t nr)
{
	uint32_t best = c->nbits, best_len = UINT32_MAX;
	uint32_t i = zero_area(c, 0, nr, 0, 0);

	while (i < c->nbits) {
		unsigned long from = (unsigned long)i + nr;
		uint32_t end = (uint32_t)sim_find_next_bit(c->bits, c->nbits,
							   from);

		if (end - i < best_len) {
			best_len = end - i;
			best = i;
			if (best_len == nr)
				break;
		}
		i = zero_area(c, (uint64_t)end + 1, nr, 0, 0);
	}
	return best;
}

/* A one-word bitmap is scanned as fast as the index is searched; the scan
 * is also the way when the host cannot spare the index's memory. */
static uint32_t best_fit(struct heap_genpool_chunk *c, uint32_t nr)
{
	if (c->nwords > 1 && (c->runs || heap_genpool_runs_start(c) == 0))
		return heap_genpool_runs_best_fit(c, nr);
	return best_fit_scan(c, nr);
}

/*
 * gen_pool_first_fit_align: the mask is the alignment in granules, rounded
 * up, minus one; 4.9-4.19 align the bit index (so the address only when
 * the chunk start is aligned), 5.x add the chunk start's misalignment as
 * an offset so the address is aligned.  Linux's align is an int, and 0
 * makes the mask all ones, under which its loop never ends once bit 0 is
 * busy: out-of-range alignments fail here and count as bugs.
 */
static uint32_t first_fit_align(const struct heap_genpool_chunk *c,
				uint32_t nr, uint64_t align, unsigned int order,
				bool absolute, struct heap_genpool_stats *st)
{
	uint64_t granule = 1ULL << order, mask, off = 0;

	if (align == 0 || align > INT_MAX) {
		st->bugs++;
		return c->nbits;
	}
	mask = ((align + granule - 1) >> order) - 1;
	if (absolute)
		off = (c->start_addr & (align - 1)) >> order;
	return zero_area(c, 0, nr, mask, off);
}

/* gen_pool_first_fit_order_align: the bit index aligned to the power of two
 * at or above nr (nr 3 aligns to 4), relative to the chunk start. */
static uint32_t first_fit_order_align(const struct heap_genpool_chunk *c,
				      uint32_t nr)
{
	uint64_t pow = nr <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(nr - 1ULL));

	return zero_area(c, 0, nr, pow - 1, 0);
}

/*
 * gen_pool_fixed_alloc: Linux searches from the offset and accepts the
 * result only when it is the offset itself, which happens exactly when the
 * nr granules there are free and inside the bitmap; that is tested
 * directly.  An offset off the granule is a WARN and a failure.
 */
static uint32_t fixed(const struct heap_genpool_chunk *c, uint32_t nr,
		      uint64_t offset, unsigned int order,
		      struct heap_genpool_stats *st)
{
	uint64_t bit = offset >> order;

	if (offset & ((1ULL << order) - 1)) {
		st->warnings++;
		return c->nbits;
	}
	if (bit > c->nbits || nr > c->nbits - bit)
		return c->nbits;
	if (sim_find_next_bit(c->bits, bit + nr, bit) < bit + nr)
		return c->nbits;
	return (uint32_t)bit;
}

uint32_t heap_genpool_algo_find(struct heap_genpool_chunk *c,
				enum heap_genpool_algo algo, uint32_t nr,
				uint64_t data, unsigned int order,
				struct heap_genpool_stats *st)
{
	switch (algo) {
	case HEAP_GENPOOL_FIRST_FIT:
		return first_fit(c, nr);
	case HEAP_GENPOOL_BEST_FIT:
		return best_fit(c, nr);
	case HEAP_GENPOOL_FIRST_FIT_ALIGN:
		return first_fit_align(c, nr, data, order, false, st);
	case HEAP_GENPOOL_FIRST_FIT_ALIGN_ABS:
		return first_fit_align(c, nr, data, order, true, st);
	case HEAP_GENPOOL_FIRST_FIT_ORDER_ALIGN:
		return first_fit_order_align(c, nr);
	case HEAP_GENPOOL_FIXED:
		return fixed(c, nr, data, order, st);
	case HEAP_GENPOOL_NALGOS:
		break;
	}
	return c->nbits;
}
