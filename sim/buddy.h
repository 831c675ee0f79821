/*
 * sim/buddy.h - the buddy page allocator's state, shared inside sim/.
 *
 * Blocks are named by their offset from base_pfn, and per order by their
 * index (offset >> order).  Each order keeps, for its blocks, a doubly
 * linked free list threaded through a link array and two bitmaps: which
 * blocks are free (the "PageBuddy + page_order" of Linux) and which are
 * allocated at that order (so bad frees can be told from good ones).  All
 * these arrays live in one lazily-zeroed host mapping, so booting touches
 * only the entries of the blocks it frees.
 */
#ifndef IONSIM_SIM_BUDDY_H
#define IONSIM_SIM_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ionsim/sim.h"

/* "no block": the end of a free list */
#define SIM_BUDDY_NIL UINT32_MAX

struct sim_buddy_link {
	uint32_t next;		/* next free block of this order, or NIL */
	uint32_t prev;		/* previous free block, or NIL at the head */
};

/* One order's free_area, plus the allocation map Linux keeps in struct page. */
struct sim_buddy_area {
	struct sim_buddy_link *link;	/* per block; valid only when it is free */
	unsigned long *free_map;	/* bit per block: a free block starts here */
	unsigned long *used_map;	/* bit per block: allocated at this order */
	uint32_t head;			/* first free block (newest), or NIL */
	unsigned long nr_free;		/* blocks on the list */
};

struct sim_buddy {
	uint64_t base_pfn;	/* first pfn the maps cover, 2^(MAX_ORDER-1) aligned */
	uint64_t span;		/* pages the maps cover, a multiple of 2^(MAX_ORDER-1) */
	void *meta;		/* the host mapping holding every area's arrays */
	size_t meta_len;	/* its length in bytes */
	struct sim_buddy_area area[SIM_MAX_ORDER];
	unsigned int nonempty;	/* bit k: area[k] has a free block */
	uint64_t free_pages;	/* pages on all free lists */
	unsigned long bad_calls;	/* bad frees and splits seen (and ignored) */
};

/*
 * sim_buddy_validate - check the allocator's invariants the slow way: every
 * list is well linked and as long as its count, the free bitmaps agree with
 * the lists, no two free buddies are left unmerged, and every page of RAM
 * (and no page outside it) is covered by exactly one free or allocated
 * block.  Returns 0, or -EUCLEAN with a description of the first problem in
 * @why (@len bytes, may be 0).  For tests; costs O(RAM pages).
 */
int sim_buddy_validate(const struct sim_machine *m, char *why, size_t len);

/* Bad frees and splits reported and ignored since boot. */
unsigned long sim_buddy_bad_calls(const struct sim_machine *m);

#endif /* IONSIM_SIM_BUDDY_H */
