/*
 * heaps/page_pool.c - ion_page_pool over the simulated buddy allocator.
 *
 * Behaviour follows Linux 4.9 ion_page_pool.c (unchanged in substance up
 * to 4.19): allocation takes the oldest pooled block, high list first,
 * and falls back to the buddy; a freed block joins the tail of its list;
 * the shrinker empties the low list before the high one and counts in
 * pages, overshooting by up to one block.  Two things are ours: a cap
 * (the scenario's pool_high) past which freed blocks go straight to the
 * buddy, and a warm-up fill (pool_low).  Linux's pool_destroy frees the
 * pool and forgets its pages; ours returns them, so that a heap torn down
 * leaves the buddy as it found it.
 *
 * The __GFP_ZERO of the kernel's pool mask costs nothing here: free
 * memory is always zero on this machine (heap.c keeps that invariant), so
 * a fresh buddy block is already zero.
 */
#include <errno.h>
#include <stdlib.h>

#include "heaps/page_pool.h"

/* First ring size: enough for a warm pool of a few buffers, one alloc. */
#define FIFO_MIN_CAP 16

static int fifo_grow(struct heap_pfn_fifo *f)
{
	size_t ncap = f->cap ? f->cap * 2 : FIFO_MIN_CAP;
	uint64_t *slots = malloc(ncap * sizeof(*slots));
	size_t i;

	if (!slots)
		return -ENOMEM;
	/* Unwrap the ring so the oldest entry lands in slot 0. */
	for (i = 0; i < f->count; i++)
		slots[i] = f->pfn[(f->head + i) & (f->cap - 1)];
	free(f->pfn);
	f->pfn = slots;
	f->cap = ncap;
	f->head = 0;
	return 0;
}

static int fifo_push(struct heap_pfn_fifo *f, uint64_t pfn)
{
	if (f->count == f->cap && fifo_grow(f))
		return -ENOMEM;
	f->pfn[(f->head + f->count) & (f->cap - 1)] = pfn;
	f->count++;
	return 0;
}

/* The oldest entry; the fifo must not be empty. */
static uint64_t fifo_pop(struct heap_pfn_fifo *f)
{
	uint64_t pfn = f->pfn[f->head];

	f->head = (f->head + 1) & (f->cap - 1);
	f->count--;
	return pfn;
}

static void fifo_release(struct heap_pfn_fifo *f)
{
	free(f->pfn);
	f->pfn = NULL;
	f->cap = f->head = f->count = 0;
}

void heap_page_pool_init(struct heap_page_pool *pool, struct sim_machine *m,
			 unsigned int order, bool cached,
			 unsigned long cap_pages)
{
	pool->m = m;
	pool->order = order;
	pool->cached = cached;
	pool->cap_pages = cap_pages;
	pool->high = (struct heap_pfn_fifo){ 0 };
	pool->low = (struct heap_pfn_fifo){ 0 };
}

void heap_page_pool_fini(struct heap_page_pool *pool)
{
	heap_page_pool_shrink(pool, heap_page_pool_pages(pool));
	fifo_release(&pool->high);
	fifo_release(&pool->low);
}

int heap_page_pool_alloc(struct heap_page_pool *pool, uint64_t *pfn)
{
	if (pool->high.count) {
		*pfn = fifo_pop(&pool->high);
		return 0;
	}
	if (pool->low.count) {
		*pfn = fifo_pop(&pool->low);
		return 0;
	}
	return sim_pages_alloc(pool->m, pool->order, pfn) ? -ENOMEM : 0;
}

/* Whether one more block keeps the pool within its cap. */
static bool pool_has_room(const struct heap_page_pool *pool)
{
	unsigned long block = 1UL << pool->order;

	return !pool->cap_pages ||
	       heap_page_pool_pages(pool) + block <= pool->cap_pages;
}

void heap_page_pool_free(struct heap_page_pool *pool, uint64_t pfn)
{
	/* No highmem on this machine: every block is a lowmem block. */
	if (!pool_has_room(pool) || fifo_push(&pool->low, pfn))
		sim_pages_free(pool->m, pfn, pool->order);
}

unsigned long heap_page_pool_shrink(struct heap_page_pool *pool,
				    unsigned long nr)
{
	unsigned long freed = 0;

	if (nr == 0)
		return heap_page_pool_pages(pool);
	while (freed < nr) {
		uint64_t pfn;

		if (pool->low.count)
			pfn = fifo_pop(&pool->low);
		else if (pool->high.count)
			pfn = fifo_pop(&pool->high);
		else
			break;
		sim_pages_free(pool->m, pfn, pool->order);
		freed += 1UL << pool->order;
	}
	return freed;
}

int heap_page_pool_fill(struct heap_page_pool *pool, unsigned long pages)
{
	while (heap_page_pool_pages(pool) < pages && pool_has_room(pool)) {
		uint64_t pfn;

		if (sim_pages_alloc(pool->m, pool->order, &pfn))
			return -ENOMEM;
		if (fifo_push(&pool->low, pfn)) {
			sim_pages_free(pool->m, pfn, pool->order);
			return -ENOMEM;
		}
	}
	return 0;
}

static int fifo_foreach(const struct heap_pfn_fifo *f, unsigned int order,
			int (*fn)(uint64_t pfn, unsigned int order, void *ctx),
			void *ctx)
{
	size_t i;
	int ret;

	for (i = 0; i < f->count; i++) {
		ret = fn(f->pfn[(f->head + i) & (f->cap - 1)], order, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int heap_page_pool_foreach(const struct heap_page_pool *pool,
			   int (*fn)(uint64_t pfn, unsigned int order,
				     void *ctx),
			   void *ctx)
{
	int ret = fifo_foreach(&pool->high, pool->order, fn, ctx);

	return ret ? ret : fifo_foreach(&pool->low, pool->order, fn, ctx);
}
