/*
 * sim/bitmap.c - bit-array search and update, with lib/bitmap.c's meaning.
 *
 * Words are scanned whole where they can be; the edge words are masked.
 * The searches are the inner loop of gen_pool and CMA placement, so they
 * are kept branch-light.
 */
#include "sim/bitmap.h"

#define WORD(i) ((i) / SIM_BITS_PER_LONG)
#define BIT(i) ((i) % SIM_BITS_PER_LONG)
/* Bits at and above @b of a word. */
#define MASK_FROM(b) (~0UL << (b))

/* Shared search: @invert flips each word so that "find zero" becomes
 * "find set". */
static unsigned long find_next(const unsigned long *map, unsigned long size,
			       unsigned long offset, unsigned long invert)
{
	unsigned long w;

	if (offset >= size)
		return size;
	w = (map[WORD(offset)] ^ invert) & MASK_FROM(BIT(offset));
	offset -= BIT(offset);
	while (!w) {
		offset += SIM_BITS_PER_LONG;
		if (offset >= size)
			return size;
		w = map[WORD(offset)] ^ invert;
	}
	offset += (unsigned long)__builtin_ctzl(w);
	return offset < size ? offset : size;
}

unsigned long sim_find_next_bit(const unsigned long *map, unsigned long size,
				unsigned long offset)
{
	return find_next(map, size, offset, 0UL);
}

unsigned long sim_find_next_zero_bit(const unsigned long *map,
				     unsigned long size, unsigned long offset)
{
	return find_next(map, size, offset, ~0UL);
}

/* Apply @set or clear to bits [@start, @start + @nr), a word at a time. */
static void bitmap_update(unsigned long *map, unsigned long start,
			  unsigned long nr, bool set)
{
	unsigned long *p = map + WORD(start);
	unsigned long b = BIT(start);	/* first bit in the current word */
	unsigned long mask;

	while (nr) {
		unsigned long take = SIM_BITS_PER_LONG - b;

		if (take > nr)
			take = nr;
		mask = MASK_FROM(b);
		if (b + take < SIM_BITS_PER_LONG)
			mask &= ~MASK_FROM(b + take);
		if (set)
			*p |= mask;
		else
			*p &= ~mask;
		p++;
		nr -= take;
		b = 0;
	}
}

void sim_bitmap_set(unsigned long *map, unsigned long start, unsigned long nr)
{
	bitmap_update(map, start, nr, true);
}

void sim_bitmap_clear(unsigned long *map, unsigned long start,
		      unsigned long nr)
{
	bitmap_update(map, start, nr, false);
}

unsigned long sim_bitmap_weight(const unsigned long *map, unsigned long size)
{
	unsigned long n = 0, i;

	for (i = 0; i < size / SIM_BITS_PER_LONG; i++)
		n += (unsigned long)__builtin_popcountl(map[i]);
	if (BIT(size))
		n += (unsigned long)__builtin_popcountl(map[i] &
							~MASK_FROM(BIT(size)));
	return n;
}

unsigned long sim_bitmap_find_next_zero_area_off(const unsigned long *map,
						 unsigned long size,
						 unsigned long start,
						 unsigned int nr,
						 unsigned long align_mask,
						 unsigned long align_offset)
{
	unsigned long index, end, busy;

	for (;;) {
		index = sim_find_next_zero_bit(map, size, start);
		/* Linux rounds (index + offset) up under the mask; with a
		 * mask that is not 2^k - 1 this is not a real alignment, and
		 * that is kept on purpose. */
		index = ((index + align_offset + align_mask) & ~align_mask) -
			align_offset;
		end = index + nr;
		if (end > size)
			return end;
		busy = sim_find_next_bit(map, end, index);
		if (busy >= end)
			return index;
		start = busy + 1;
	}
}
