/*
 * sim/cma.c - CMA areas: contiguous page runs from reserved regions.
 *
 * An area hands out runs of pages as Linux's mm/cma.c cma_alloc() does
 * with one bit per page: the lowest run of free bits whose first pfn is a
 * multiple of 2^align_order.  The bitmap search aligns bit indices, so the
 * area's own misalignment is handed to it as an offset (base_pfn mod the
 * alignment), which makes the absolute pfn aligned.  Linux 4.9 computed
 * that offset as ALIGN(base_pfn, alignment) - base_pfn, which aligns the
 * pfn only when the base sits on a multiple of half the alignment; later
 * kernels use base_pfn mod the alignment, and so do we (sim.h promises
 * aligned pfns).  Pages never need migrating here, so the kernel's retry
 * after a busy range has no counterpart.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "sim/bitmap.h"
#include "sim/sim_internal.h"

/*
 * Pfns stay below 2^36 (physical addresses below 2^48), so alignments
 * beyond 2^40 pages all mean "pfn 0 only"; capping there keeps the mask
 * arithmetic inside an unsigned long without changing any answer.
 */
#define ALIGN_ORDER_CAP 40

/*
 * sim_cma_init - one area per CMA region of @m (sim_phys_init has run).
 * Returns 0, or -ENOMEM when a bitmap cannot be allocated (every bitmap
 * already made is freed).
 */
int sim_cma_init(struct sim_machine *m)
{
	unsigned int i;

	for (i = 0; i < sim_region_count(m); i++) {
		const struct sim_region *r = sim_region_get(m, i);
		struct sim_cma_area *a = &m->cma[i];

		if (r->kind != SIM_REGION_CMA)
			continue;
		a->count = (unsigned long)(r->size >> SIM_PAGE_SHIFT);
		a->base_pfn = sim_phys_to_pfn(r->base);
		a->used = 0;
		a->bitmap = calloc(SIM_BITS_TO_LONGS(a->count),
				   sizeof(unsigned long));
		if (!a->bitmap)
			goto free_bitmaps;
	}
	return 0;

free_bitmaps:
	sim_cma_fini(m);
	return -ENOMEM;
}

/* sim_cma_fini - free every area's bitmap; pages in use need no care. */
void sim_cma_fini(struct sim_machine *m)
{
	unsigned int i;

	for (i = 0; i < SIM_MAX_REGIONS; i++) {
		free(m->cma[i].bitmap);
		m->cma[i].bitmap = NULL;
	}
}

/* True when region @region of @m is a CMA area. */
static bool is_cma(const struct sim_machine *m, unsigned int region)
{
	return region < SIM_MAX_REGIONS && m->cma[region].bitmap != NULL;
}

int sim_cma_alloc(struct sim_machine *m, unsigned int region,
		  unsigned long count, unsigned int align_order, uint64_t *pfn)
{
	struct sim_cma_area *a;
	unsigned long mask, offset, bit;

	if (!is_cma(m, region) || count == 0)
		return -EINVAL;
	a = &m->cma[region];
	/* the bitmap search counts in unsigned int, as the kernel's does */
	if (count > a->count || count > UINT_MAX)
		return -ENOMEM;
	if (align_order > ALIGN_ORDER_CAP)
		align_order = ALIGN_ORDER_CAP;
	mask = (1UL << align_order) - 1;
	offset = (unsigned long)a->base_pfn & mask;
	bit = sim_bitmap_find_next_zero_area_off(a->bitmap, a->count, 0,
						 (unsigned int)count, mask,
						 offset);
	if (bit >= a->count)
		return -ENOMEM;
	if (sim_should_fail(m, SIM_FAULT_PAGES))
		return -ENOMEM;
	sim_bitmap_set(a->bitmap, bit, count);
	a->used += count;
	*pfn = a->base_pfn + bit;
	return 0;
}

/* True when [@pfn, @pfn + @count) is a non-empty run inside area @a. */
static bool run_inside(const struct sim_cma_area *a, uint64_t pfn,
		       unsigned long count)
{
	return count && pfn >= a->base_pfn && count <= a->count &&
	       pfn - a->base_pfn <= a->count - count;
}

int sim_cma_release(struct sim_machine *m, unsigned int region, uint64_t pfn,
		    unsigned long count)
{
	struct sim_cma_area *a;
	unsigned long bit;

	if (!is_cma(m, region))
		return -EINVAL;
	a = &m->cma[region];
	if (!run_inside(a, pfn, count))
		return -EINVAL;
	bit = (unsigned long)(pfn - a->base_pfn);
	if (sim_find_next_zero_bit(a->bitmap, bit + count, bit) < bit + count)
		return -EINVAL;	/* some page of the run is not in use */
	sim_bitmap_clear(a->bitmap, bit, count);
	a->used -= count;
	return 0;
}

unsigned long sim_cma_free_pages(const struct sim_machine *m,
				 unsigned int region)
{
	if (!is_cma(m, region))
		return 0;
	return m->cma[region].count - m->cma[region].used;
}

unsigned long sim_cma_largest_free(const struct sim_machine *m,
				   unsigned int region)
{
	const struct sim_cma_area *a;
	unsigned long at, end, best = 0;

	if (!is_cma(m, region))
		return 0;
	a = &m->cma[region];
	at = sim_find_next_zero_bit(a->bitmap, a->count, 0);
	while (at < a->count) {
		end = sim_find_next_bit(a->bitmap, a->count, at);
		if (end - at > best)
			best = end - at;
		at = sim_find_next_zero_bit(a->bitmap, a->count, end);
	}
	return best;
}
