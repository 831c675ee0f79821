/*
 * heaps/cma_heap.c - ION's CMA heap (ION_HEAP_TYPE_DMA): one contiguous
 * run per buffer from a CMA area, the sim region named after the heap.
 *
 * Three kernels, three behaviours:
 * - 4.9 goes through the DMA API (dma_alloc_coherent on the heap's
 *   device).  ION_FLAG_CACHED and an align beyond one page are EINVAL;
 *   any other failure returns the literal -1, which userspace reads as
 *   EPERM, so that is what comes back here.  On arm64 the DMA API takes
 *   the run from the device's CMA area aligned to the buffer's order,
 *   capped at CONFIG_CMA_ALIGNMENT (8), and zeroes it.
 * - 4.14 calls cma_alloc directly with no alignment; failures are
 *   ENOMEM.  The real 4.14 passes the byte length where a page count is
 *   expected (and leaks on its error path); that defect is left to the
 *   switchable mutants, so this is the fixed behaviour.
 * - 4.19 asks cma_alloc for the page count aligned to the buffer's order
 *   (capped at 8) and zeroes the pages; failures are ENOMEM.
 * Zeroing is free here: CMA memory starts zero and every dirty buffer is
 * zeroed when destroyed (heap.c), so a run handed out is already zero.
 * No deferred free of its own, no pools, no shrinker.
 */
#include <errno.h>
#include <stdlib.h>

#include "heaps/heap_internal.h"

#define CMA_ALIGNMENT 8	/* CONFIG_CMA_ALIGNMENT's default */

struct cma_heap {
	unsigned int region;		/* the CMA area's region index */
	uint64_t base;			/* its first physical address */
	uint64_t size;			/* its bytes */
	struct sim_run *scratch;	/* runs sorted for the extent count */
	size_t scratch_cap;		/* its slots (host memory, kept) */
};

static int cma_create(struct heap *heap)
{
	int idx = sim_region_find(heap->m, heap->cfg.name);
	const struct sim_region *reg;
	struct cma_heap *ch;

	if (idx < 0)
		return -ENOENT;
	reg = sim_region_get(heap->m, (unsigned int)idx);
	if (reg->kind != SIM_REGION_CMA)
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->region = (unsigned int)idx;
	ch->base = reg->base;
	ch->size = reg->size;
	heap->priv = ch;
	return 0;
}

static void cma_destroy(struct heap *heap)
{
	struct cma_heap *ch = heap->priv;

	free(ch->scratch);
	free(ch);
	heap->priv = NULL;
}

/* get_order(len) capped at CONFIG_CMA_ALIGNMENT, as both the arm64 DMA
 * API (4.9) and ion_cma_allocate (4.19) align the run. */
static unsigned int order_alignment(uint64_t len)
{
	uint64_t pages = len / SIM_PAGE_SIZE;
	unsigned int order = 0;

	while (order < CMA_ALIGNMENT && (1ULL << order) < pages)
		order++;
	return order;
}

/* The run and its sg_table; -ENOMEM with nothing held on failure. */
static int take_run(struct heap *heap, struct heap_buffer *buf, uint64_t len,
		    unsigned int align_order)
{
	struct cma_heap *ch = heap->priv;
	unsigned long count = (unsigned long)(len / SIM_PAGE_SIZE);
	uint64_t pfn;

	if (sim_cma_alloc(heap->m, ch->region, count, align_order, &pfn))
		return -ENOMEM;
	if (heap_runs_alloc(heap, buf, 1))
		goto release_run;
	buf->runs[0].phys = sim_pfn_to_phys(pfn);
	buf->runs[0].len = len;
	buf->allocated = len;
	return 0;

release_run:
	sim_cma_release(heap->m, ch->region, pfn, count);
	return -ENOMEM;
}

static int cma_allocate_4_9(struct heap *heap, struct heap_buffer *buf,
			    uint64_t len, uint64_t align, unsigned long flags)
{
	if (flags & HEAP_BUF_CACHED)
		return -EINVAL;
	if (align > SIM_PAGE_SIZE)
		return -EINVAL;
	/* ION_CMA_ALLOCATE_FAILED is -1: EPERM to whoever reads errno. */
	return take_run(heap, buf, len, order_alignment(len)) ? -EPERM : 0;
}

static int cma_allocate(struct heap *heap, struct heap_buffer *buf,
			uint64_t len, uint64_t align, unsigned long flags)
{
	switch (heap->cfg.kernel) {
	case HEAP_KERNEL_4_9:
		return cma_allocate_4_9(heap, buf, len, align, flags);
	case HEAP_KERNEL_4_14:
		return take_run(heap, buf, len, 0);
	default:
		return take_run(heap, buf, len, order_alignment(len));
	}
}

static void cma_free(struct heap_buffer *buf)
{
	struct cma_heap *ch = buf->heap->priv;

	sim_cma_release(buf->heap->m, ch->region,
			sim_phys_to_pfn(buf->runs[0].phys),
			(unsigned long)(buf->runs[0].len / SIM_PAGE_SIZE));
	heap_runs_free(buf->heap, buf);
}

static uint64_t cma_rounded(const struct heap *heap, uint64_t len)
{
	return len;
}

static int cmp_run(const void *a, const void *b)
{
	const struct sim_run *x = a, *y = b;

	return (x->phys > y->phys) - (x->phys < y->phys);
}

/* Every buffer's run (live and deferred) into the scratch, sorted;
 * -ENOMEM when the host refuses the room. */
static int sorted_runs(struct heap *heap, size_t *n)
{
	struct cma_heap *ch = heap->priv;
	size_t want = heap->nlive + heap->free_list_count;
	const struct heap_buffer *buf;

	if (want > ch->scratch_cap) {
		struct sim_run *grown = realloc(ch->scratch,
						want * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ch->scratch = grown;
		ch->scratch_cap = want;
	}
	*n = 0;
	for (buf = heap->live; buf && *n < want; buf = buf->live_next)
		ch->scratch[(*n)++] = buf->runs[0];
	for (buf = heap->free_list; buf && *n < want; buf = buf->next_free)
		ch->scratch[(*n)++] = buf->runs[0];
	if (*n > 1)
		qsort(ch->scratch, *n, sizeof(*ch->scratch), cmp_run);
	return 0;
}

/* Free runs of the area: the gaps between the buffers' runs. */
static unsigned long free_extents(struct heap *heap)
{
	struct cma_heap *ch = heap->priv;
	uint64_t at = ch->base;
	unsigned long extents = 0;
	size_t n, i;

	if (sorted_runs(heap, &n))
		return 0;
	for (i = 0; i < n; i++) {
		extents += ch->scratch[i].phys > at;
		at = ch->scratch[i].phys + ch->scratch[i].len;
	}
	return extents + (ch->base + ch->size > at);
}

static void cma_metrics(struct heap *heap, struct heap_metrics *out)
{
	struct cma_heap *ch = heap->priv;
	uint64_t free_pages = sim_cma_free_pages(heap->m, ch->region);
	uint64_t largest = sim_cma_largest_free(heap->m, ch->region);

	out->size = ch->size;
	out->free = free_pages * SIM_PAGE_SIZE;
	out->largest_free = largest * SIM_PAGE_SIZE;
	out->free_extents = free_extents(heap);
	out->frag = free_pages ? 1.0 - (double)largest / (double)free_pages
			       : 0.0;
}

const struct heap_ops heap_cma_ops = {
	.create = cma_create,
	.destroy = cma_destroy,
	.allocate = cma_allocate,
	.free = cma_free,
	.rounded = cma_rounded,
	.metrics = cma_metrics,
};
