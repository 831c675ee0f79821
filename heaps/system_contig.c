/*
 * heaps/system_contig.c - ION's system-contig heap ("kmalloc" heap): one
 * physically contiguous buddy block per buffer.
 *
 * Following Linux 4.9 ion_system_heap.c (the contig half; 4.19 the same
 * without align): the block is the smallest order that covers the
 * length; in 4.9 an align beyond that block is EINVAL.  The block is
 * split into single pages and the tail pages past the length go back to
 * the buddy at once, so the buffer holds exactly its pages and frees them
 * one by one.  No pools, no deferred free of its own, no shrinker.  An
 * order past the buddy's largest (10) fails as alloc_pages does, ENOMEM.
 * Pages come zeroed because free memory is always zero (see heap.c).
 */
#include <errno.h>

#include "heaps/heap_internal.h"

/* get_order: the smallest order whose block holds @len bytes. */
static unsigned int len_order(uint64_t len)
{
	uint64_t pages = (len + SIM_PAGE_SIZE - 1) / SIM_PAGE_SIZE;
	unsigned int order = 0;

	while ((1ULL << order) < pages)
		order++;
	return order;
}

/* Bytes in a block of @order, saturating where 64 bits run out. */
static uint64_t order_bytes(unsigned int order)
{
	return order < 64 - SIM_PAGE_SHIFT ? SIM_PAGE_SIZE << order
					   : UINT64_MAX;
}

static int contig_create(struct heap *heap)
{
	heap->priv = NULL;
	return 0;
}

static void free_pages_from(struct sim_machine *m, uint64_t pfn,
			    uint64_t first, uint64_t end)
{
	uint64_t i;

	for (i = first; i < end; i++)
		sim_pages_free(m, pfn + i, 0);
}

static int contig_allocate(struct heap *heap, struct heap_buffer *buf,
			   uint64_t len, uint64_t align, unsigned long flags)
{
	unsigned int order = len_order(len);
	uint64_t pages = len / SIM_PAGE_SIZE;
	uint64_t pfn;
	int ret;

	if (heap->cfg.kernel == HEAP_KERNEL_4_9 && align > order_bytes(order))
		return -EINVAL;
	if (order >= SIM_MAX_ORDER || sim_pages_alloc(heap->m, order, &pfn))
		return -ENOMEM;
	sim_pages_split(heap->m, pfn, order);
	free_pages_from(heap->m, pfn, pages, 1ULL << order);
	ret = heap_runs_alloc(heap, buf, 1);
	if (ret)
		goto free_pages;
	buf->runs[0].phys = sim_pfn_to_phys(pfn);
	buf->runs[0].len = len;
	buf->allocated = len;
	return 0;

free_pages:
	free_pages_from(heap->m, pfn, 0, pages);
	return -ENOMEM;
}

static void contig_free(struct heap_buffer *buf)
{
	free_pages_from(buf->heap->m, sim_phys_to_pfn(buf->runs[0].phys), 0,
			buf->runs[0].len / SIM_PAGE_SIZE);
	heap_runs_free(buf->heap, buf);
}

/* The block the request must find free: 2^order pages, or "never" past
 * the largest order, so that refusal is not taken for fragmentation. */
static uint64_t contig_rounded(const struct heap *heap, uint64_t len)
{
	unsigned int order = len_order(len);

	return order < SIM_MAX_ORDER ? order_bytes(order) : UINT64_MAX;
}

static void contig_metrics(struct heap *heap, struct heap_metrics *out)
{
	int top = sim_buddy_largest_order(heap->m);

	out->size = sim_ram_pages(heap->m) * SIM_PAGE_SIZE;
	out->free = sim_buddy_free_pages(heap->m) * SIM_PAGE_SIZE;
	out->largest_free = top < 0 ? 0 : SIM_PAGE_SIZE << top;
	out->frag = sim_unusable_index(heap->m, SIM_MAX_ORDER - 1) / 1000.0;
}

const struct heap_ops heap_system_contig_ops = {
	.create = contig_create,
	.allocate = contig_allocate,
	.free = contig_free,
	.rounded = contig_rounded,
	.metrics = contig_metrics,
};
