/*
 * heaps/page_pool.h - ion_page_pool: a cache of free buddy blocks of one
 * order, kept by the system heap so that a warm allocation never reaches
 * the buddy allocator.
 *
 * Linux keeps two FIFO lists per pool, highmem and lowmem blocks, and
 * takes from the highmem list first.  The simulated machine has no
 * highmem, so every block lands on the low list; the high list and its
 * count stay, always empty, because the debugfs lines print both.
 *
 * Blocks in a pool are zero: the heap core zeroes a dirty buffer before
 * its pages come back (see heap.c, "free memory is always zero"), so a
 * pool never zeroes anything itself, neither on free nor on alloc.
 *
 * A pool lives inside its heap's state (no allocation of its own) and
 * uses host memory only for its lists, so it consumes no kernel-object
 * fault points; its buddy allocations go through SIM_FAULT_PAGES.
 */
#ifndef IONSIM_HEAPS_PAGE_POOL_H
#define IONSIM_HEAPS_PAGE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ionsim/sim.h"

/* A FIFO of block pfns (the kernel's list of pages), as a growable ring. */
struct heap_pfn_fifo {
	uint64_t *pfn;		/* ring slots, host memory */
	size_t cap;		/* slots, 0 or a power of two */
	size_t head;		/* slot of the oldest entry */
	size_t count;		/* entries, i.e. blocks */
};

struct heap_page_pool {
	struct sim_machine *m;
	unsigned int order;		/* every block is 2^order pages */
	bool cached;			/* its set (for debugfs only) */
	unsigned long cap_pages;	/* pool_high: 0 = no cap */
	struct heap_pfn_fifo high;	/* highmem blocks: never any here */
	struct heap_pfn_fifo low;	/* lowmem blocks, oldest first */
};

/* Sets up an empty pool of @order blocks.  Nothing to fail. */
void heap_page_pool_init(struct heap_page_pool *pool, struct sim_machine *m,
			 unsigned int order, bool cached,
			 unsigned long cap_pages);

/* Gives every block back to the buddy and frees the lists. */
void heap_page_pool_fini(struct heap_page_pool *pool);

/*
 * heap_page_pool_alloc - a zeroed block of the pool's order: the oldest
 * pooled one (high list first), else a fresh one from the buddy.
 * Returns 0 with *@pfn set, or -ENOMEM when the buddy has none (or a
 * fault was injected).
 */
int heap_page_pool_alloc(struct heap_page_pool *pool, uint64_t *pfn);

/*
 * heap_page_pool_free - take back a zero block of the pool's order, at
 * the tail of its list; when that would put the pool over its cap (or the
 * host refuses to grow the list) the block goes to the buddy instead.
 */
void heap_page_pool_free(struct heap_page_pool *pool, uint64_t pfn);

/*
 * heap_page_pool_shrink - with @nr == 0, the pages the pool could give
 * back; otherwise give blocks back to the buddy, low list first, until at
 * least @nr pages went (or the pool is empty), and return how many did.
 */
unsigned long heap_page_pool_shrink(struct heap_page_pool *pool,
				    unsigned long nr);

/*
 * heap_page_pool_fill - warm the pool with fresh buddy blocks until it
 * holds at least @pages pages, never passing its cap.  Returns 0, or
 * -ENOMEM with the blocks already taken kept in the pool.
 */
int heap_page_pool_fill(struct heap_page_pool *pool, unsigned long pages);

/* Blocks on the high or the low list (the kernel's high_count, low_count). */
static inline unsigned long
heap_page_pool_blocks(const struct heap_page_pool *pool, bool high)
{
	return high ? pool->high.count : pool->low.count;
}

/* Pages held, both lists. */
static inline unsigned long
heap_page_pool_pages(const struct heap_page_pool *pool)
{
	return (pool->high.count + pool->low.count) << pool->order;
}

/* Calls @fn on every pooled block's pfn, high list then low, oldest first;
 * stops at and returns the first non-zero result. */
int heap_page_pool_foreach(const struct heap_page_pool *pool,
			   int (*fn)(uint64_t pfn, unsigned int order,
				     void *ctx),
			   void *ctx);

#endif /* IONSIM_HEAPS_PAGE_POOL_H */
