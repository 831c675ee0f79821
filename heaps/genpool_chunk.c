/*
 * heaps/genpool_chunk.c - a gen_pool chunk: its bitmap, its avail counter,
 * and the one place where both change, so that the search indexes beside
 * the bitmap can never fall out of step with it.
 */
#include <stdlib.h>

#include "heaps/genpool_chunk.h"

/* The span tree needs at least one leaf, even for a chunk of no granule. */
static uint32_t leaves_for(uint32_t nwords)
{
	uint32_t n = 1;

	while (n < nwords)
		n <<= 1;
	return n;
}

/* The bits of the last word that lie past @nbits. */
static unsigned long tail_mask_for(uint32_t nbits)
{
	uint32_t used = nbits % HEAP_GENPOOL_WORD_BITS;

	return used ? ~0UL << used : 0;
}

struct heap_genpool_chunk *heap_genpool_chunk_new(uint64_t virt, uint64_t phys,
						  uint64_t size,
						  unsigned int order)
{
	struct heap_genpool_chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->start_addr = virt;
	c->end_addr = virt + size - 1;
	c->phys_addr = phys;
	c->avail = size;
	c->nbits = (uint32_t)(size >> order);
	c->nwords = (uint32_t)SIM_BITS_TO_LONGS(c->nbits);
	c->nleaves = leaves_for(c->nwords);
	c->tail_mask = tail_mask_for(c->nbits);
	c->nruns = c->nbits ? 1 : 0;	/* the whole bitmap */
	c->bits = calloc(c->nwords ? c->nwords : 1, sizeof(*c->bits));
	c->span = calloc(2 * (size_t)c->nleaves, sizeof(*c->span));
	if (!c->bits || !c->span) {
		heap_genpool_chunk_delete(c);
		return NULL;
	}
	return c;
}

void heap_genpool_chunk_delete(struct heap_genpool_chunk *c)
{
	if (!c)
		return;
	heap_genpool_runs_delete(c->runs);
	free(c->span);
	free(c->bits);
	free(c);
}

/* Whether the granules just below and just above [@bit, @bit + @n) are
 * free: they decide how the number of free runs moves. */
static unsigned int free_neighbours(const struct heap_genpool_chunk *c,
				    uint32_t bit, uint32_t n)
{
	uint32_t end = bit + n;
	unsigned int below = bit > 0 && !sim_test_bit(c->bits, bit - 1);
	unsigned int above = end < c->nbits && !sim_test_bit(c->bits, end);

	return below + above;
}

/* The words holding granules [@bit, @bit + @n) changed. */
static void update_span(struct heap_genpool_chunk *c, uint32_t bit,
			uint32_t n)
{
	const uint32_t wb = HEAP_GENPOOL_WORD_BITS;

	if (c->span_started)
		heap_genpool_span_update(c, bit / wb, (bit + n - 1) / wb);
}

void heap_genpool_chunk_take(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n, unsigned int order)
{
	/* one run is cut: what is left of it on each side stays a run */
	c->nruns += free_neighbours(c, bit, n);
	c->nruns--;
	sim_bitmap_set(c->bits, bit, n);
	c->avail -= (uint64_t)n << order;
	update_span(c, bit, n);
	if (c->runs)
		heap_genpool_runs_taken(c, bit, n);
}

void heap_genpool_chunk_give(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n, unsigned int order)
{
	/* one run appears, and swallows the runs on either side */
	c->nruns++;
	c->nruns -= free_neighbours(c, bit, n);
	sim_bitmap_clear(c->bits, bit, n);
	c->avail += (uint64_t)n << order;
	update_span(c, bit, n);
	if (c->runs)
		heap_genpool_runs_given(c, bit, n);
}

uint32_t heap_genpool_chunk_busy(const struct heap_genpool_chunk *c)
{
	return (uint32_t)sim_bitmap_weight(c->bits, c->nbits);
}

uint32_t heap_genpool_chunk_longest(const struct heap_genpool_chunk *c)
{
	unsigned long i, end;
	uint32_t best = 0;

	if (c->span_started)
		return c->span[1].max;
	if (c->runs)
		return heap_genpool_runs_longest(c);
	i = sim_find_next_zero_bit(c->bits, c->nbits, 0);
	while (i < c->nbits) {
		end = sim_find_next_bit(c->bits, c->nbits, i);
		if (end - i > best)
			best = (uint32_t)(end - i);
		i = sim_find_next_zero_bit(c->bits, c->nbits, end);
	}
	return best;
}
