/*
 * heaps/genpool.h - Linux's gen_pool (lib/genalloc.c), the bitmap allocator
 * under the carveout and chunk heaps.
 *
 * A pool hands out pieces of the address ranges ("chunks") added to it, in
 * granules of 2^min_alloc_order bytes, one bitmap bit per granule.  Where a
 * request goes is decided by an algorithm chosen per pool or per call, and
 * every decision is the one Linux 4.9 makes for the same sequence of calls
 * (the 5.x absolute alignment is offered as a separate algorithm).  The
 * kernel's quirks are kept on purpose:
 * - 0 is the failure value, so address 0 can never be handed out: a
 *   placement at address 0 takes its granules and returns 0, and they are
 *   lost, as in Linux (counted in the stats);
 * - the chunk searched first is the one added last;
 * - a chunk size that is not a multiple of the granule counts in avail and
 *   size, but its tail fraction can never be allocated;
 * - a request is skipped by a chunk when its unrounded size exceeds the
 *   chunk's avail, and takes ceil(size / granule) granules otherwise.
 *
 * Where Linux would BUG() (freeing outside every chunk, past a chunk's end
 * or bits that are already free; destroying a pool that still has
 * allocations; an alignment that makes the search spin) this returns an
 * error or a failure, changes nothing, and counts the event in the stats,
 * so that the ION audit can report it instead of the simulator crashing.
 *
 * Departures, all on inputs the kernel trusts its callers with: chunks
 * must not overlap or wrap around the address space, and hold at most
 * 2^31 - 1 granules (the kernel's int bit counts).
 *
 * Speed: first fit and best fit search indexes kept beside each chunk's
 * bitmap (see genpool_chunk.h), started the first time each is used; they
 * never change a decision.  The other algorithms and the extent walk go a
 * word at a time.  The free-extent count costs O(chunks); so does the
 * largest free extent once first or best fit has been used on every
 * chunk, and a word-at-a-time walk of the chunks where neither was.
 *
 * No call is a preemption point for the explorer: each is one atomic step.
 * Linux's gen_pool takes no lock (it sets bits with cmpxchg, and a CPU
 * that loses a race resumes its search from the contested bit); that race
 * is not modelled.  Host threads must not share a pool.
 */
#ifndef IONSIM_HEAPS_GENPOOL_H
#define IONSIM_HEAPS_GENPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct sim_machine;
struct heap_genpool;

/* The placement algorithms of lib/genalloc.c, by the kernel's names. */
enum heap_genpool_algo {
	HEAP_GENPOOL_FIRST_FIT,		/* gen_pool_first_fit: the default */
	HEAP_GENPOOL_BEST_FIT,		/* gen_pool_best_fit */
	/* gen_pool_first_fit_align as in 4.9-4.19: data = alignment in
	 * bytes, counted from the chunk start, not the address. */
	HEAP_GENPOOL_FIRST_FIT_ALIGN,
	/* the same as 5.x has it (align_off): the address is aligned. */
	HEAP_GENPOOL_FIRST_FIT_ALIGN_ABS,
	/* gen_pool_first_fit_order_align */
	HEAP_GENPOOL_FIRST_FIT_ORDER_ALIGN,
	/* gen_pool_fixed_alloc: data = offset in bytes from the chunk start */
	HEAP_GENPOOL_FIXED,
	HEAP_GENPOOL_NALGOS
};

/* The phys_addr of a chunk added with heap_genpool_add(): Linux's -1. */
#define HEAP_GENPOOL_NO_PHYS UINT64_MAX

/* Largest min_alloc_order a pool accepts: a granule is a 64-bit size. */
#define HEAP_GENPOOL_MAX_ORDER 63

struct heap_genpool_stats {
	unsigned long allocs;	/* allocations that placed a range */
	unsigned long failures;	/* allocations that returned 0 (size 0 too) */
	unsigned long injected;	/* of the failures, made by SIM_FAULT_GENPOOL */
	unsigned long lost;	/* placed at address 0: taken, 0 returned */
	unsigned long frees;	/* frees that released granules */
	unsigned long bugs;	/* calls on which Linux would BUG() or spin */
	unsigned long warnings;	/* calls on which Linux would WARN() */
};

/*
 * heap_genpool_create - gen_pool_create(): an empty pool of granule
 * 2^@min_alloc_order bytes, algorithm first fit.  Allocations ask
 * sim_should_fail(@m, SIM_FAULT_GENPOOL) when @m is not NULL.  Returns the
 * pool, or NULL for an order above HEAP_GENPOOL_MAX_ORDER or when the host
 * is out of memory.
 */
struct heap_genpool *heap_genpool_create(struct sim_machine *m,
					 unsigned int min_alloc_order);

/*
 * heap_genpool_destroy - gen_pool_destroy(): free the pool and its chunks.
 * Linux BUGs when a granule is still allocated; this frees everything
 * anyway and returns the number of granules that were still allocated (0
 * for a clean pool; lost granules count).  NULL is a no-op returning 0.
 */
long heap_genpool_destroy(struct heap_genpool *pool);

/*
 * heap_genpool_add_virt - gen_pool_add_virt(): add the chunk [@virt,
 * @virt + @size) whose physical address is @phys.  Its bitmap has
 * floor(@size / granule) bits, all free; its avail is @size, unrounded.  It
 * becomes the first chunk searched.  Returns 0, -EINVAL for a zero size, a
 * range that wraps, overlaps a chunk of the pool or has more than 2^31 - 1
 * granules, or -ENOMEM; the pool is unchanged on failure.
 */
int heap_genpool_add_virt(struct heap_genpool *pool, uint64_t virt,
			  uint64_t phys, uint64_t size);

/* gen_pool_add(): heap_genpool_add_virt() with phys HEAP_GENPOOL_NO_PHYS. */
int heap_genpool_add(struct heap_genpool *pool, uint64_t addr, uint64_t size);

/*
 * heap_genpool_set_algo - gen_pool_set_algo(): the algorithm, and its data
 * (alignment or offset in bytes, else ignored), that heap_genpool_alloc()
 * uses.  Returns 0, or -EINVAL for an unknown algorithm (pool unchanged).
 */
int heap_genpool_set_algo(struct heap_genpool *pool,
			  enum heap_genpool_algo algo, uint64_t data);

/*
 * heap_genpool_alloc - gen_pool_alloc(): @size bytes with the pool's
 * algorithm.  Returns the address of the range, or 0 on failure (size 0,
 * no chunk fits, or an injected SIM_FAULT_GENPOOL fault), in which case
 * nothing changed but the stats; see the address-0 quirk above.
 */
uint64_t heap_genpool_alloc(struct heap_genpool *pool, uint64_t size);

/*
 * heap_genpool_alloc_algo - gen_pool_alloc_algo(): as heap_genpool_alloc()
 * with @algo and @data for this call only.  The alignments of
 * HEAP_GENPOOL_FIRST_FIT_ALIGN(_ABS) must be in [1, INT_MAX] (Linux's int;
 * 0 would make it spin): others fail and count as a bug per chunk tried.
 * An offset that is not granule aligned fails HEAP_GENPOOL_FIXED and counts
 * as a warning per chunk tried, as Linux WARNs.  An unknown @algo fails.
 */
uint64_t heap_genpool_alloc_algo(struct heap_genpool *pool, uint64_t size,
				 enum heap_genpool_algo algo, uint64_t data);

/*
 * heap_genpool_free - gen_pool_free(): give back ceil(@size / granule)
 * granules from the one at @addr (rounded down to a granule, as Linux
 * does).  Returns 0 (a size of 0 frees nothing), or -EINVAL where Linux
 * would BUG(): @addr in no chunk, @addr + @size - 1 past the chunk's end
 * (in Linux's wrapping arithmetic), granules past the chunk's bitmap, or
 * any of the granules already free.  On -EINVAL nothing changes but
 * stats.bugs.
 */
int heap_genpool_free(struct heap_genpool *pool, uint64_t addr, uint64_t size);

/* gen_pool_avail(): the sum of the chunks' avail, in bytes. */
uint64_t heap_genpool_avail(const struct heap_genpool *pool);

/* gen_pool_size(): the sum of the chunks' sizes, in bytes. */
uint64_t heap_genpool_size(const struct heap_genpool *pool);

/*
 * heap_genpool_has_addr - addr_in_gen_pool() (gen_pool_has_addr() in 5.x):
 * true when [@start, @start + @size - 1] lies in one chunk, with Linux's
 * unsigned arithmetic (so size 0 is true for a start inside a chunk).
 */
bool heap_genpool_has_addr(const struct heap_genpool *pool, uint64_t start,
			   uint64_t size);

/* gen_pool_virt_to_phys(): the physical address of @addr, or UINT64_MAX
 * when no chunk holds it.  Chunks added without one give phys - 1 + offset,
 * as Linux's do. */
uint64_t heap_genpool_virt_to_phys(const struct heap_genpool *pool,
				   uint64_t addr);

/* The pool's min_alloc_order. */
unsigned int heap_genpool_min_alloc_order(const struct heap_genpool *pool);

/*
 * A free extent: a maximal run of free granules inside one chunk, from
 * @start for @len bytes.  Runs in two chunks are never merged, since no
 * allocation can span chunks; a chunk's unallocatable tail fraction is in
 * no extent, so the extents sum to avail minus the tail fractions.
 */
typedef int (*heap_genpool_extent_fn)(uint64_t start, uint64_t len,
				      void *ctx);

/*
 * heap_genpool_for_each_free_extent - call @fn for every free extent, in
 * address order.  Stops at the first non-zero return of @fn and returns it;
 * returns 0 after the last.  Word-at-a-time: O(bitmap words + extents).
 */
int heap_genpool_for_each_free_extent(const struct heap_genpool *pool,
				      heap_genpool_extent_fn fn, void *ctx);

/* The longest free extent in bytes (0 when none): O(chunks) from the
 * indexes, or a word-at-a-time walk for a chunk that has none started. */
uint64_t heap_genpool_largest_free_extent(const struct heap_genpool *pool);

/* The number of free extents, in O(chunks). */
uint64_t heap_genpool_free_extent_count(const struct heap_genpool *pool);

/* A copy of the pool's counters. */
void heap_genpool_stats(const struct heap_genpool *pool,
			struct heap_genpool_stats *out);

/* "first_fit", "best_fit", "first_fit_align", "first_fit_align_abs",
 * "first_fit_order_align", "fixed"; NULL for an unknown algorithm. */
const char *heap_genpool_algo_name(enum heap_genpool_algo algo);

/* The algorithm called @name, or -1. */
int heap_genpool_algo_parse(const char *name);

#endif /* IONSIM_HEAPS_GENPOOL_H */
