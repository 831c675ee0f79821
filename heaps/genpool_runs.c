/*
 * heaps/genpool_runs.c - the run index of a gen_pool chunk: every maximal
 * run of free granules, in a red-black tree ordered by (length, start).
 *
 * Linux's gen_pool_best_fit visits every free run long enough for the
 * request and keeps the shortest, the lowest of equals (it compares with a
 * strict "<" in address order, and stops early only on a run of exactly the
 * request, which is then also the lowest shortest one).  That is the least
 * (length, start) key at or above (nr, 0): one ordered lookup here.
 *
 * The nodes live in an array indexed by a run's first granule, and a second
 * array maps a run's last granule back to its first, so that a free finds
 * the runs it merges with in O(1).  That is 44 bytes per granule, allocated
 * when best fit is first used on the chunk; pages of it that no run ever
 * starts or ends in are never touched.
 */
#include <errno.h>
#include <stdlib.h>

/* libbsd's tree.h marks its static functions __unused (BSD's spelling). */
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif
#include <bsd/sys/tree.h>

#include "heaps/genpool_chunk.h"

#define WB HEAP_GENPOOL_WORD_BITS

struct heap_genpool_run {
	RB_ENTRY(heap_genpool_run) link;
	uint64_t key;	/* length << 32 | first granule */
};

RB_HEAD(heap_genpool_runtree, heap_genpool_run);

struct heap_genpool_runs {
	struct heap_genpool_runtree tree;
	struct heap_genpool_run *at;	/* at[s]: the run starting at s */
	uint32_t *first_of;	/* first_of[e]: start of the run ending at e */
};

static int run_cmp(const struct heap_genpool_run *a,
		   const struct heap_genpool_run *b)
{
	return (a->key > b->key) - (a->key < b->key);
}

RB_PROTOTYPE_STATIC(heap_genpool_runtree, heap_genpool_run, link, run_cmp)
RB_GENERATE_STATIC(heap_genpool_runtree, heap_genpool_run, link, run_cmp)

/* An empty index for @nbits granules, or NULL. */
static struct heap_genpool_runs *runs_new(uint32_t nbits)
{
	struct heap_genpool_runs *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	RB_INIT(&r->tree);
	r->at = calloc(nbits, sizeof(*r->at));
	r->first_of = calloc(nbits, sizeof(*r->first_of));
	if (!r->at || !r->first_of) {
		heap_genpool_runs_delete(r);
		return NULL;
	}
	return r;
}

void heap_genpool_runs_delete(struct heap_genpool_runs *r)
{
	if (!r)
		return;
	free(r->first_of);
	free(r->at);
	free(r);
}

static void run_add(struct heap_genpool_runs *r, uint32_t start, uint32_t len)
{
	struct heap_genpool_run *n = &r->at[start];

	n->key = (uint64_t)len << 32 | start;
	heap_genpool_runtree_RB_INSERT(&r->tree, n);
	r->first_of[start + len - 1] = start;
}

/* Drops the run starting at @start and returns its length. */
static uint32_t run_drop(struct heap_genpool_runs *r, uint32_t start)
{
	struct heap_genpool_run *n = &r->at[start];

	heap_genpool_runtree_RB_REMOVE(&r->tree, n);
	return (uint32_t)(n->key >> 32);
}

int heap_genpool_runs_start(struct heap_genpool_chunk *c)
{
	const unsigned long *map = c->bits;
	struct heap_genpool_runs *r = runs_new(c->nbits);
	uint32_t i, end;

	if (!r)
		return -ENOMEM;
	i = (uint32_t)sim_find_next_zero_bit(map, c->nbits, 0);
	while (i < c->nbits) {
		end = (uint32_t)sim_find_next_bit(map, c->nbits, i);
		run_add(r, i, end - i);
		i = (uint32_t)sim_find_next_zero_bit(map, c->nbits, end);
	}
	c->runs = r;
	return 0;
}

/* The first granule of the free run holding @i - 1, or @i when that granule
 * is busy or @i is 0: the bit after the last busy one below @i. */
static uint32_t free_run_start(const unsigned long *map, uint32_t i)
{
	uint32_t w, top;
	unsigned long x;

	if (i == 0)
		return 0;
	w = (i - 1) / WB;
	top = (i - 1) % WB;
	x = map[w] & (~0UL >> (WB - 1 - top));
	while (!x) {
		if (w == 0)
			return 0;
		x = map[--w];
	}
	return w * WB + (WB - (uint32_t)__builtin_clzl(x));
}

/* [bit, bit + n) was cut out of one free run: what is left of it on either
 * side stays a run.  First fit and best fit always cut at a run's start;
 * the aligned and fixed algorithms may cut inside one. */
void heap_genpool_runs_taken(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n)
{
	struct heap_genpool_runs *r = c->runs;
	uint32_t start = free_run_start(c->bits, bit);
	uint32_t len = run_drop(r, start);
	uint32_t right = start + len - (bit + n);

	if (bit > start)
		run_add(r, start, bit - start);
	if (right)
		run_add(r, bit + n, right);
}

/* [bit, bit + n) became free: it joins the free runs that end just below
 * it and start just above it. */
void heap_genpool_runs_given(struct heap_genpool_chunk *c, uint32_t bit,
			     uint32_t n)
{
	struct heap_genpool_runs *r = c->runs;
	uint32_t start = bit, len = n;

	if (bit > 0 && !sim_test_bit(c->bits, bit - 1)) {
		start = r->first_of[bit - 1];
		len += run_drop(r, start);
	}
	if (bit + n < c->nbits && !sim_test_bit(c->bits, bit + n))
		len += run_drop(r, bit + n);
	run_add(r, start, len);
}

uint32_t heap_genpool_runs_longest(const struct heap_genpool_chunk *c)
{
	struct heap_genpool_run *n;

	n = RB_MAX(heap_genpool_runtree, &c->runs->tree);
	return n ? (uint32_t)(n->key >> 32) : 0;
}

uint32_t heap_genpool_runs_best_fit(const struct heap_genpool_chunk *c,
				    uint32_t nr)
{
	struct heap_genpool_run probe = { .key = (uint64_t)nr << 32 };
	struct heap_genpool_run *n;

	n = heap_genpool_runtree_RB_NFIND(&c->runs->tree, &probe);
	return n ? (uint32_t)n->key : c->nbits;
}
