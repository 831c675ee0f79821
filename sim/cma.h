/*
 * sim/cma.h - the state of one CMA area, shared inside sim/.
 *
 * Each SIM_REGION_CMA region is an area with one bit per page (Linux's
 * order_per_bit 0).  The machine keeps one struct per region index; those
 * of other kinds of region stay zeroed (bitmap NULL).
 */
#ifndef IONSIM_SIM_CMA_H
#define IONSIM_SIM_CMA_H

#include <stdint.h>

struct sim_cma_area {
	unsigned long *bitmap;	/* bit per page: set when allocated; NULL: not CMA */
	uint64_t base_pfn;	/* first pfn of the area */
	unsigned long count;	/* pages in the area */
	unsigned long used;	/* set bits in bitmap */
};

#endif /* IONSIM_SIM_CMA_H */
