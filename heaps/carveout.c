/*
 * heaps/carveout.c - ION's carveout heap: one physically contiguous run
 * per buffer, placed by a gen_pool over a reserved region.
 *
 * Following Linux 4.9 ion_carveout_heap.c: the pool covers the whole
 * region (the sim region named after the heap) as one chunk, with the
 * region's physical address as the pool's address; a request takes
 * ceil(len / granule) granules; an align above one page is EINVAL, and
 * align is otherwise ignored (the kernel never hands it to gen_pool), so
 * buffers are granule-aligned relative to the base and nothing more.  The
 * kernel's granule is PAGE_SIZE and its algorithm first fit; the granule
 * and best fit are our options (cfg.granule, cfg.policy).  The sg_table
 * (one run) is allocated before the pool is searched, as the kernel's
 * kmalloc and sg_alloc_table come first, so a kernel-object fault never
 * touches the pool.  The run is the page-aligned length, as the kernel's
 * sg entry is; the granule tail beyond it is held but not in the run.
 *
 * The kernel zeroes the region when the heap is created and each buffer
 * when it is freed.  Here free memory is always zero (heap.c zeroes
 * dirty buffers on destroy, for every heap), so creation touches no
 * memory: that keeps the memfd unborn on boots that never write, which
 * the explorer's millions of boots rely on.
 *
 * The address-0 quirk is kept: gen_pool reports failure with 0, so a
 * carveout whose region starts at physical 0 loses the first range it
 * places there: the granules stay taken and the request fails (ENOMEM;
 * a DEFER_FREE heap then drains and retries, and the retry lands past
 * the lost range).  Lost bytes are counted apart; the metrics' size is
 * the region less them, so that used + free == size still holds and the
 * figures describe what the heap can still hand out.
 */
#include <errno.h>
#include <stdlib.h>

#include "heaps/genpool.h"
#include "heaps/heap_internal.h"

struct carveout {
	struct heap_genpool *pool;
	uint64_t base;		/* the region's physical address */
	uint64_t size;		/* the region's bytes */
	uint64_t granule;	/* bytes per gen_pool bit */
	uint64_t lost;		/* bytes taken by placements at address 0 */
};

static bool granule_ok(uint64_t granule, uint64_t size)
{
	return granule >= SIM_PAGE_SIZE && (granule & (granule - 1)) == 0 &&
	       size % granule == 0;
}

static unsigned int log2_of(uint64_t pow2)
{
	return (unsigned int)__builtin_ctzll(pow2);
}

/* @len rounded up to the granule, saturating rather than wrapping. */
static uint64_t round_to(uint64_t len, uint64_t unit)
{
	if (len > UINT64_MAX - (unit - 1))
		return UINT64_MAX;
	return (len + unit - 1) & ~(unit - 1);
}

/* The pool over [@base, @base + @size) with the configured policy. */
static int carveout_pool_init(struct heap *heap, struct carveout *cv)
{
	enum heap_genpool_algo algo = heap->cfg.policy == HEAP_POLICY_BEST_FIT
				      ? HEAP_GENPOOL_BEST_FIT
				      : HEAP_GENPOOL_FIRST_FIT;
	int ret;

	cv->pool = heap_genpool_create(heap->m, log2_of(cv->granule));
	if (!cv->pool)
		return -ENOMEM;
	ret = heap_genpool_add(cv->pool, cv->base, cv->size);
	if (ret)
		goto destroy_pool;
	ret = heap_genpool_set_algo(cv->pool, algo, 0);
	if (ret)
		goto destroy_pool;
	return 0;

destroy_pool:
	heap_genpool_destroy(cv->pool);
	cv->pool = NULL;
	return ret;
}

static int carveout_create(struct heap *heap)
{
	int idx = sim_region_find(heap->m, heap->cfg.name);
	const struct sim_region *reg;
	struct carveout *cv;
	int ret;

	if (idx < 0)
		return -ENOENT;
	reg = sim_region_get(heap->m, (unsigned int)idx);
	if (reg->kind != SIM_REGION_RESERVED ||
	    !granule_ok(heap->cfg.granule, reg->size))
		return -EINVAL;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	cv->base = reg->base;
	cv->size = reg->size;
	cv->granule = heap->cfg.granule;
	ret = carveout_pool_init(heap, cv);
	if (ret)
		goto free_cv;
	heap->priv = cv;
	return 0;

free_cv:
	free(cv);
	return ret;
}

static void carveout_destroy(struct heap *heap)
{
	struct carveout *cv = heap->priv;

	heap_genpool_destroy(cv->pool);
	free(cv);
	heap->priv = NULL;
}

static unsigned long lost_placements(const struct heap_genpool *pool)
{
	struct heap_genpool_stats st;

	heap_genpool_stats(pool, &st);
	return st.lost;
}

/* gen_pool_alloc, keeping count of what the address-0 quirk swallows.
 * Only a region at 0 can hit it, so only then are the stats read. */
static uint64_t carveout_pool_alloc(struct carveout *cv, uint64_t len)
{
	unsigned long lost = cv->base == 0 ? lost_placements(cv->pool) : 0;
	uint64_t addr = heap_genpool_alloc(cv->pool, len);

	if (!addr && cv->base == 0 && lost_placements(cv->pool) != lost)
		cv->lost += round_to(len, cv->granule);
	return addr;
}

static int carveout_allocate(struct heap *heap, struct heap_buffer *buf,
			     uint64_t len, uint64_t align, unsigned long flags)
{
	struct carveout *cv = heap->priv;
	uint64_t addr;
	int ret;

	if (align > SIM_PAGE_SIZE)
		return -EINVAL;
	ret = heap_runs_alloc(heap, buf, 1);
	if (ret)
		return ret;
	addr = carveout_pool_alloc(cv, len);
	if (!addr) {
		heap_runs_free(heap, buf);
		return -ENOMEM;
	}
	buf->runs[0].phys = addr;
	buf->runs[0].len = len;
	buf->allocated = round_to(len, cv->granule);
	return 0;
}

static void carveout_free(struct heap_buffer *buf)
{
	struct carveout *cv = buf->heap->priv;

	/* The kernel frees buffer->size; gen_pool rounds it up to the
	 * granule again.  A refusal (Linux's BUG) is counted in the pool's
	 * stats, which validate reports. */
	(void)heap_genpool_free(cv->pool, buf->runs[0].phys, buf->size);
	heap_runs_free(buf->heap, buf);
}

static uint64_t carveout_rounded(const struct heap *heap, uint64_t len)
{
	const struct carveout *cv = heap->priv;

	return round_to(len, cv->granule);
}

static void carveout_metrics(struct heap *heap, struct heap_metrics *out)
{
	const struct carveout *cv = heap->priv;

	out->size = cv->size - cv->lost;
	out->free = heap_genpool_avail(cv->pool);
	out->largest_free = heap_genpool_largest_free_extent(cv->pool);
	out->free_extents = (unsigned long)
		heap_genpool_free_extent_count(cv->pool);
	out->frag = out->free ? 1.0 - (double)out->largest_free /
				      (double)out->free : 0.0;
}

/* Sums the free extents, to hold the bitmap against avail. */
static int add_extent(uint64_t start, uint64_t len, void *ctx)
{
	(void)start;
	*(uint64_t *)ctx += len;
	return 0;
}

static int carveout_buffer_problems(const struct heap *heap,
				    const struct heap_buffer *buf,
				    FILE *report)
{
	const struct carveout *cv = heap->priv;

	if (buf->nruns == 1 && buf->runs &&
	    buf->allocated == round_to(buf->size, cv->granule) &&
	    heap_genpool_has_addr(cv->pool, buf->runs[0].phys, buf->allocated))
		return 0;
	if (report)
		fprintf(report, "heap %s: a buffer is not one granule-rounded "
			"run inside the pool\n", heap->cfg.name);
	return 1;
}

/* Problems of the pool as a whole: Linux BUGs, bits against avail. */
static int carveout_pool_problems(const struct heap *heap, FILE *report)
{
	const struct carveout *cv = heap->priv;
	struct heap_genpool_stats st;
	uint64_t extents = 0;
	int problems = 0;

	heap_genpool_stats(cv->pool, &st);
	if (st.bugs) {
		problems++;
		if (report)
			fprintf(report, "heap %s: %lu gen_pool calls Linux "
				"would BUG on\n", heap->cfg.name, st.bugs);
	}
	heap_genpool_for_each_free_extent(cv->pool, add_extent, &extents);
	if (extents != heap_genpool_avail(cv->pool)) {
		problems++;
		if (report)
			fprintf(report, "heap %s: free bits hold %llu bytes, "
				"avail says %llu\n", heap->cfg.name,
				(unsigned long long)extents,
				(unsigned long long)
				heap_genpool_avail(cv->pool));
	}
	return problems;
}

static int carveout_validate(struct heap *heap, FILE *report)
{
	const struct heap_buffer *buf;
	int problems = carveout_pool_problems(heap, report);
	unsigned long n;

	/* Bounded by the counts: the core reports a list that is longer
	 * (a cycle) and this must not spin on it. */
	for (buf = heap->live, n = 0; buf && n < heap->nlive;
	     buf = buf->live_next, n++)
		problems += carveout_buffer_problems(heap, buf, report);
	for (buf = heap->free_list, n = 0; buf && n < heap->free_list_count;
	     buf = buf->next_free, n++)
		problems += carveout_buffer_problems(heap, buf, report);
	return problems;
}

/* The carveout type, as heap.c dispatches to it by cfg.type. */
const struct heap_ops heap_carveout_ops = {
	.create = carveout_create,
	.destroy = carveout_destroy,
	.allocate = carveout_allocate,
	.free = carveout_free,
	.rounded = carveout_rounded,
	.metrics = carveout_metrics,
	.validate = carveout_validate,
};
