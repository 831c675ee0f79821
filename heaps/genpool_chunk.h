/*
 * heaps/genpool_chunk.h - one gen_pool chunk and its search indexes, shared
 * by the gen_pool files only (the pool itself is in genpool.c).
 *
 * The bitmap is the truth, with Linux's meaning (bit set = granule
 * allocated).  Two indexes can be kept beside it so that searches need not
 * walk it run by run the way lib/bitmap.c does:
 * - the span tree (genpool_span.c): a complete binary tree over the
 *   bitmap's words, each node summarising the free runs of its span.
 *   First fit descends it in O(log words), and its root holds the chunk's
 *   longest free run.
 * - the run index (genpool_runs.c): every maximal free run, ordered by
 *   (length, start), so that best fit is one ordered lookup.
 * Each is started, from the bitmap, the first time its algorithm runs on
 * the chunk, and kept in step from then on, so a pool pays only for the
 * algorithms it uses (and booting a machine stays cheap).  The span tree is
 * small (its memory comes with the chunk); the run index is not, and when
 * the host cannot spare it best fit runs Linux's own loop, which is also
 * what a one-word bitmap uses.  Both describe the bitmap exactly; a
 * decision made from them is the one the kernel's scan makes
 * (tests/heaps/test_genpool.c checks this against a bit-by-bit reference
 * on random histories).  The number of free runs is kept in any case, from
 * the two bits around each change.
 */
#ifndef IONSIM_HEAPS_GENPOOL_CHUNK_H
#define IONSIM_HEAPS_GENPOOL_CHUNK_H

#include <stdbool.h>
#include <stdint.h>

#include "heaps/genpool.h"
#include "sim/bitmap.h"

#define HEAP_GENPOOL_WORD_BITS ((uint32_t)SIM_BITS_PER_LONG)

/* The free runs of a span of bits, clipped at the span's edges. */
struct heap_genpool_span {
	uint32_t pre;	/* free bits at the span's low end */
	uint32_t suf;	/* free bits at the span's high end */
	uint32_t max;	/* longest free run inside the span */
};

struct heap_genpool_runs;

struct heap_genpool_chunk {
	uint64_t start_addr;	/* address of granule 0 */
	uint64_t end_addr;	/* last byte, inclusive, as Linux keeps it */
	uint64_t phys_addr;	/* physical address of start_addr */
	uint64_t avail;		/* free bytes: starts at the unrounded size */
	uint32_t nbits;		/* granules: size >> order, rounded down */
	uint32_t nwords;	/* words in bits[] */
	uint32_t nleaves;	/* span tree leaves: a power of two >= nwords */
	uint32_t nruns;		/* maximal free runs in the bitmap */
	bool span_started;	/* the span tree is filled and kept in step */
	/* Bits of the last word past nbits: searches take them as busy. */
	unsigned long tail_mask;
	unsigned long *bits;	/* 1 = allocated */
	/* span[1] is the root, span[k]'s children are span[2k], span[2k+1],
	 * leaf i (word i) is span[nleaves + i]; leaves past nwords are busy. */
	struct heap_genpool_span *span;
	struct heap_genpool_runs *runs;	/* the run index; NULL until started */
};

/*
 * heap_genpool_chunk_new - a chunk of @size bytes at @virt with granule
 * 2^@order, every granule free, no index started.  Returns NULL when the
 * host is out of memory.  The caller has checked the range.
 */
struct heap_genpool_chunk *heap_genpool_chunk_new(uint64_t virt, uint64_t phys,
						  uint64_t size,
						  unsigned int order);
/* Frees @c and everything it holds; NULL is a no-op. */
void heap_genpool_chunk_delete(struct heap_genpool_chunk *c);

/*
 * heap_genpool_chunk_take / _give - mark granules [@bit, @bit + @n) of @c
 * allocated (all free before) or free (all allocated before), moving
 * avail by @n << @order and keeping the indexes in step.  @n > 0.
 */
void heap_genpool_chunk_take(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n, unsigned int order);
void heap_genpool_chunk_give(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n, unsigned int order);

/* Allocated granules of @c. */
uint32_t heap_genpool_chunk_busy(const struct heap_genpool_chunk *c);

/* The longest run of free granules of @c: from an index when one is
 * started, else by a word-at-a-time walk of the bitmap. */
uint32_t heap_genpool_chunk_longest(const struct heap_genpool_chunk *c);

/* Word @w of @c's bitmap with the bits past nbits set, as searches see it. */
static inline unsigned long
heap_genpool_chunk_word(const struct heap_genpool_chunk *c, uint32_t w)
{
	unsigned long x = c->bits[w];

	return w + 1 == c->nwords ? x | c->tail_mask : x;
}

/* --- span tree (genpool_span.c) ------------------------------------ */

/* Fill @c's span tree from the bitmap and keep it from now on. */
void heap_genpool_span_start(struct heap_genpool_chunk *c);

/* Recompute the leaves of words [@first, @last] and their ancestors. */
void heap_genpool_span_update(struct heap_genpool_chunk *c, uint32_t first,
			      uint32_t last);

/* The lowest bit where @nr free bits begin, or c->nbits when none: Linux's
 * bitmap_find_next_zero_area(bits, nbits, 0, nr, 0).  @nr > 0, started
 * tree only. */
uint32_t heap_genpool_span_first_fit(const struct heap_genpool_chunk *c,
				     uint32_t nr);

/* --- run index (genpool_runs.c) ------------------------------------ */

/* Build @c's index from the bitmap, to be kept from now on (c->runs).
 * Returns 0, or -ENOMEM when the host is out of memory (@c unchanged).
 * @c has at least one granule. */
int heap_genpool_runs_start(struct heap_genpool_chunk *c);
/* Frees an index; NULL is a no-op. */
void heap_genpool_runs_delete(struct heap_genpool_runs *r);

/* Keep a started index in step after granules [@bit, @bit + @n) were
 * taken (_taken) or given back (_given) in the bitmap. */
void heap_genpool_runs_taken(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n);
void heap_genpool_runs_given(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n);

/* The start of the shortest free run of at least @nr granules, the lowest
 * of those when several tie, or c->nbits when none.  Started index only. */
uint32_t heap_genpool_runs_best_fit(const struct heap_genpool_chunk *c,
				    uint32_t nr);

/* The length of the longest free run, 0 when none.  Started index only. */
uint32_t heap_genpool_runs_longest(const struct heap_genpool_chunk *c);

/* --- algorithms (genpool_algo.c) ----------------------------------- */

/*
 * heap_genpool_algo_find - where @algo with @data puts @nr granules in @c,
 * for a pool of granule 2^@order: a bit such that [bit, bit + @nr) is free
 * inside the chunk, or c->nbits when the algorithm finds nothing.  Counts
 * what Linux would WARN or BUG on in @st.  Starts the index that first or
 * best fit needs when it is not yet; changes nothing else.
 */
uint32_t heap_genpool_algo_find(struct heap_genpool_chunk *c,
				enum heap_genpool_algo algo, uint32_t nr,
				uint64_t data, unsigned int order,
				struct heap_genpool_stats *st);

#endif /* IONSIM_HEAPS_GENPOOL_CHUNK_H */
