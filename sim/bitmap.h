/*
 * sim/bitmap.h - bit arrays of unsigned long words, with the search
 * primitives of Linux's lib/bitmap.c and find_bit.c.
 *
 * gen_pool (heaps/) and the CMA areas (sim/) place allocations with these,
 * so their placement decisions depend on the exact semantics: a search
 * returns @size (or more) when nothing fits, never -1.
 */
#ifndef IONSIM_SIM_BITMAP_H
#define IONSIM_SIM_BITMAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define SIM_BITS_PER_LONG (sizeof(unsigned long) * CHAR_BIT)
#define SIM_BITS_TO_LONGS(n) (((n) + SIM_BITS_PER_LONG - 1) / SIM_BITS_PER_LONG)

/* The first set (zero) bit at or after @offset, or @size when none. */
unsigned long sim_find_next_bit(const unsigned long *map, unsigned long size,
				unsigned long offset);
unsigned long sim_find_next_zero_bit(const unsigned long *map,
				     unsigned long size, unsigned long offset);

/* Set or clear bits [@start, @start + @nr). */
void sim_bitmap_set(unsigned long *map, unsigned long start, unsigned long nr);
void sim_bitmap_clear(unsigned long *map, unsigned long start,
		      unsigned long nr);

/* Number of set bits among the first @size. */
unsigned long sim_bitmap_weight(const unsigned long *map, unsigned long size);

/*
 * sim_bitmap_find_next_zero_area_off - the first index >= @start where
 * @nr zero bits begin, with (index + @align_offset) rounded up to a
 * multiple of (@align_mask + 1) the way Linux rounds it.  Returns a value
 * whose end (index + nr) is > @size when no area fits.
 */
unsigned long sim_bitmap_find_next_zero_area_off(const unsigned long *map,
						 unsigned long size,
						 unsigned long start,
						 unsigned int nr,
						 unsigned long align_mask,
						 unsigned long align_offset);

static inline bool sim_test_bit(const unsigned long *map, unsigned long nr)
{
	return (map[nr / SIM_BITS_PER_LONG] >> (nr % SIM_BITS_PER_LONG)) & 1UL;
}

#endif /* IONSIM_SIM_BITMAP_H */
