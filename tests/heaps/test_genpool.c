/*
 * tests/heaps/test_genpool.c - gen_pool checked against Linux 4.9
 * lib/genalloc.c and lib/bitmap.c (and 5.10 lib/genalloc.c for the
 * absolute alignment): the worked example of ION-SPEC.md section 5.7,
 * histories worked out by hand for each algorithm, the kernel's quirks and
 * BUG() cases, fault injection, random properties per algorithm, and a
 * step-by-step cross-check of every algorithm against a bit-by-bit
 * reference written below from the kernel's description.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "heaps/genpool.h"
#include "testlib.h"

#define PG 4096ULL		/* the granule of every pool here: order 12 */
#define ORDER 12

static struct heap_genpool *pool_with(struct sim_machine *m, uint64_t base,
				      uint64_t size)
{
	struct heap_genpool *p = heap_genpool_create(m, ORDER);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(heap_genpool_add(p, base, size), 0);
	return p;
}

/* heap_genpool_alloc_algo(), under a name short enough for a table. */
static uint64_t alloc_as(struct heap_genpool *p, uint64_t size,
			 enum heap_genpool_algo algo, uint64_t data)
{
	return heap_genpool_alloc_algo(p, size, algo, data);
}

static void destroy_clean(struct heap_genpool *p)
{
	ck_assert_int_eq(heap_genpool_destroy(p), 0);
}

/* --- free extents, as a list ----------------------------------------- */

/* Enough for every layout below: a run needs a granule and a gap. */
#define MAX_EXTENTS 1024
#define MAX_LIVE 2048

struct extents {
	unsigned int n;
	uint64_t start[MAX_EXTENTS];
	uint64_t len[MAX_EXTENTS];
};

static int collect(uint64_t start, uint64_t len, void *ctx)
{
	struct extents *e = ctx;

	test_require(e->n < MAX_EXTENTS);
	e->start[e->n] = start;
	e->len[e->n++] = len;
	return 0;
}

static struct extents *extents_of(const struct heap_genpool *p)
{
	struct extents *e = malloc(sizeof(*e));

	ck_assert_ptr_nonnull(e);
	e->n = 0;
	ck_assert_int_eq(heap_genpool_for_each_free_extent(p, collect, e), 0);
	return e;
}

static uint64_t extents_sum(const struct extents *e)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < e->n; i++)
		sum += e->len[i];
	return sum;
}

static bool extents_equal(const struct extents *a, const struct extents *b)
{
	return a->n == b->n &&
	       memcmp(a->start, b->start, a->n * sizeof(a->start[0])) == 0 &&
	       memcmp(a->len, b->len, a->n * sizeof(a->len[0])) == 0;
}

/* --- ION-SPEC.md 5.7 ---------------------------------------------------- */

/* A carveout of 4 MiB at 0x8000_0000 with 4 KiB granules (1024 bits). */
static void worked_example(enum heap_genpool_algo algo)
{
	struct heap_genpool *p = pool_with(NULL, 0x80000000, 4 << 20);
	uint64_t a, b, c, d;

	ck_assert_int_eq(heap_genpool_set_algo(p, algo, 0), 0);
	a = heap_genpool_alloc(p, 8 << 10);		/* bits 0-1 */
	ck_assert_uint_eq(a, 0x80000000);
	ck_assert_uint_eq(heap_genpool_avail(p), (4 << 20) - (8 << 10));
	b = heap_genpool_alloc(p, 12 << 10);		/* bits 2-4 */
	ck_assert_uint_eq(b, 0x80002000);
	ck_assert_int_eq(heap_genpool_free(p, a, 8 << 10), 0);
	/* runs [0..1] (2 bits) and [5..1023]: first fit takes bit 0, and
	 * best fit too, the 2-bit run being the shortest */
	c = heap_genpool_alloc(p, 4 << 10);
	ck_assert_uint_eq(c, 0x80000000);
	/* the 1-bit hole at bit 1 is too small: bits 5-6 */
	d = heap_genpool_alloc(p, 8 << 10);
	ck_assert_uint_eq(d, 0x80005000);
	ck_assert_uint_eq(heap_genpool_avail(p), (4 << 20) - (24 << 10));
	ck_assert_uint_eq(heap_genpool_size(p), 4 << 20);
	ck_assert_uint_eq(heap_genpool_destroy(p), 1 + 3 + 2);
}

START_TEST(spec_worked_example_first_fit)
{
	worked_example(HEAP_GENPOOL_FIRST_FIT);
}
END_TEST

START_TEST(spec_worked_example_best_fit)
{
	worked_example(HEAP_GENPOOL_BEST_FIT);
}
END_TEST

/* --- first fit against best fit ---------------------------------------- */

/*
 * One chunk of 16 granules at 0x1000_0000, and the same history for both
 * algorithms (Linux 4.9 gen_pool_first_fit and gen_pool_best_fit):
 *   A=3 -> bits 0-2, B=1 -> 3, C=2 -> 4-5, D=1 -> 6, E=2 -> 7-8, F=1 -> 9
 *   free A, C, E: free runs [0..2] (3), [4..5] (2), [7..8] (2), [10..15] (6)
 * X = 2 granules:
 *   first fit: the lowest window of 2 free bits -> bit 0.
 *   best fit: runs >= 2 are 3@0, 2@4, 2@7, 6@10; the shortest is 2, and of
 *   the two the lower wins (strict "<", and the exact fit at 4 returns at
 *   once) -> bit 4.
 * Y = 1 granule:
 *   first fit (X at 0-1): runs [2], [4..5], [7..8], [10..15] -> bit 2.
 *   best fit (X at 4-5): runs 3@0, 2@7, 6@10; the shortest >= 1 is 2@7
 *   -> bit 7 (first fit would say 0 here).
 * Z = 4 granules:
 *   first fit: runs [4..5], [7..8], [10..15] -> bit 10.
 *   best fit: runs 3@0, 1@8, 6@10 -> only 6@10 holds 4 -> bit 10.
 * W = 3 granules:
 *   first fit: runs [4..5], [7..8], [14..15]: none holds 3 -> fails (0).
 *   best fit: runs 3@0, 1@8, 2@14 -> bit 0, an exact fit.
 */
static void fit_history(enum heap_genpool_algo algo, const uint64_t want[4])
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 16 * PG);
	static const unsigned int pages[6] = { 3, 1, 2, 1, 2, 1 };
	uint64_t at[6], got[4];
	unsigned int i;

	ck_assert_int_eq(heap_genpool_set_algo(p, algo, 0), 0);
	for (i = 0; i < 6; i++)
		at[i] = heap_genpool_alloc(p, pages[i] * PG);
	ck_assert_uint_eq(at[5], 0x10009000);
	for (i = 0; i < 6; i += 2)
		ck_assert_int_eq(heap_genpool_free(p, at[i], pages[i] * PG), 0);
	got[0] = heap_genpool_alloc(p, 2 * PG);
	got[1] = heap_genpool_alloc(p, 1 * PG);
	got[2] = heap_genpool_alloc(p, 4 * PG);
	got[3] = heap_genpool_alloc(p, 3 * PG);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(got[i], want[i]);
	heap_genpool_destroy(p);
}

START_TEST(first_fit_and_best_fit_choose_different_holes)
{
	static const uint64_t first[4] = { 0x10000000, 0x10002000,
					   0x1000a000, 0 };
	static const uint64_t best[4] = { 0x10004000, 0x10007000,
					  0x1000a000, 0x10000000 };

	fit_history(HEAP_GENPOOL_FIRST_FIT, first);
	fit_history(HEAP_GENPOOL_BEST_FIT, best);
}
END_TEST

START_TEST(alloc_algo_is_per_call)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 16 * PG);

	/* holes of 3 at bit 0 and of 2 at bit 4 */
	heap_genpool_alloc(p, 3 * PG);
	heap_genpool_alloc(p, 1 * PG);
	heap_genpool_alloc(p, 2 * PG);
	heap_genpool_alloc(p, 1 * PG);
	heap_genpool_free(p, 0x10000000, 3 * PG);
	heap_genpool_free(p, 0x10004000, 2 * PG);
	ck_assert_uint_eq(alloc_as(p, 2 * PG,
						  HEAP_GENPOOL_BEST_FIT, 0),
			  0x10004000);
	/* the pool's algorithm is still first fit */
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x10000000);
	heap_genpool_destroy(p);
}
END_TEST

/* --- alignment ----------------------------------------------------------- */

/*
 * A chunk of 16 granules at 0x8000_1000, which is not 16 KiB aligned.
 * gen_pool_first_fit_align with align 16 KiB: mask = 16K/4K - 1 = 3.
 * Linux 4.9-4.19 align the bit index: bit 0 (0x8000_1000, not 16 KiB
 * aligned), then the first free bit 1 rounds up to 4 (0x8000_5000).
 * Linux 5.10 adds align_off = (0x8000_1000 & 0x3fff) >> 12 = 1, and rounds
 * (index + 1) up to 4: bit 3 (0x8000_4000), then from bit 4: 7 (0x8000_8000).
 */
START_TEST(align_chunk_relative_in_4_9_absolute_in_5_x)
{
	struct heap_genpool *p = pool_with(NULL, 0x80001000, 16 * PG);
	struct heap_genpool *q = pool_with(NULL, 0x80001000, 16 * PG);
	const enum heap_genpool_algo rel = HEAP_GENPOOL_FIRST_FIT_ALIGN;
	const enum heap_genpool_algo abs = HEAP_GENPOOL_FIRST_FIT_ALIGN_ABS;

	ck_assert_uint_eq(alloc_as(p, PG, rel, 16384), 0x80001000);
	ck_assert_uint_eq(alloc_as(p, PG, rel, 16384), 0x80005000);
	ck_assert_uint_eq(alloc_as(q, PG, abs, 16384), 0x80004000);
	ck_assert_uint_eq(alloc_as(q, PG, abs, 16384), 0x80008000);
	/* an alignment below the granule is no alignment: mask 0 */
	ck_assert_uint_eq(alloc_as(p, PG, rel, 1), 0x80002000);
	ck_assert_uint_eq(alloc_as(q, PG, abs, 2048), 0x80001000);
	heap_genpool_destroy(p);
	heap_genpool_destroy(q);
}
END_TEST

/*
 * Linux rounds with ((index + mask) & ~mask), a true alignment only for a
 * power-of-two alignment.  align 12 KiB gives mask 2: index 0 -> 0, index
 * 1 -> (3 & ~2) = 1, index 2 -> (4 & ~2) = 4.  align 0 would make the mask
 * all ones, and Linux's loop would spin once bit 0 is busy: we fail it and
 * count a bug.
 */
START_TEST(align_odd_values_as_linux_rounds_them)
{
	struct heap_genpool *p = pool_with(NULL, 0x80000000, 16 * PG);
	const enum heap_genpool_algo rel = HEAP_GENPOOL_FIRST_FIT_ALIGN;
	struct heap_genpool_stats st;

	ck_assert_uint_eq(alloc_as(p, PG, rel, 3 * PG), 0x80000000);
	ck_assert_uint_eq(alloc_as(p, PG, rel, 3 * PG), 0x80001000);
	ck_assert_uint_eq(alloc_as(p, PG, rel, 3 * PG), 0x80004000);
	ck_assert_uint_eq(alloc_as(p, PG, rel, 0), 0);
	ck_assert_uint_eq(alloc_as(p, PG, rel, 1ULL << 31), 0);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.bugs, 2);
	ck_assert_uint_eq(heap_genpool_avail(p), 13 * PG);
	heap_genpool_destroy(p);
}
END_TEST

/*
 * gen_pool_first_fit_order_align: nr 1 has mask 0 -> bit 0; nr 3 aligns to
 * 4 -> the first free bit 1 rounds to 4, bits 4-6; nr 2 aligns to 2 -> the
 * first free bit 1 rounds to 2, bits 2-3; first fit would put 3 at bit 1.
 */
START_TEST(order_align_rounds_nr_up_to_a_power_of_two)
{
	struct heap_genpool *p = pool_with(NULL, 0x20000000, 16 * PG);
	struct heap_genpool *q = pool_with(NULL, 0x20000000, 16 * PG);
	const enum heap_genpool_algo oa = HEAP_GENPOOL_FIRST_FIT_ORDER_ALIGN;

	ck_assert_int_eq(heap_genpool_set_algo(p, oa, 0), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x20000000);
	ck_assert_uint_eq(heap_genpool_alloc(p, 3 * PG), 0x20004000);
	ck_assert_uint_eq(heap_genpool_alloc(p, 2 * PG), 0x20002000);
	ck_assert_uint_eq(heap_genpool_alloc(q, PG), 0x20000000);
	ck_assert_uint_eq(heap_genpool_alloc(q, 3 * PG), 0x20001000);
	heap_genpool_destroy(p);
	heap_genpool_destroy(q);
}
END_TEST

/* gen_pool_fixed_alloc: the request lands at the offset or nowhere. */
START_TEST(fixed_offset_hit_miss_unaligned)
{
	struct heap_genpool *p = pool_with(NULL, 0x30000000, 16 * PG);
	const enum heap_genpool_algo fx = HEAP_GENPOOL_FIXED;
	struct heap_genpool_stats st;

	ck_assert_uint_eq(alloc_as(p, 2 * PG, fx, 0x4000), 0x30004000);
	ck_assert_uint_eq(alloc_as(p, 2 * PG, fx, 0x4000), 0);
	/* bits 3-4: 4 is busy, so Linux's search from 3 ends at 6: a miss */
	ck_assert_uint_eq(alloc_as(p, 2 * PG, fx, 0x3000), 0);
	ck_assert_uint_eq(alloc_as(p, 2 * PG, fx, 0x2000), 0x30002000);
	ck_assert_uint_eq(alloc_as(p, 2 * PG, fx, 0xf000), 0);
	ck_assert_uint_eq(alloc_as(p, PG, fx, 0x10000), 0);
	ck_assert_uint_eq(alloc_as(p, PG, fx, UINT64_MAX & ~0xfffULL), 0);
	ck_assert_uint_eq(alloc_as(p, PG, fx, 0x1001), 0);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.warnings, 1);
	ck_assert_uint_eq(st.bugs, 0);
	ck_assert_uint_eq(alloc_as(p, PG, fx, 0xf000), 0x3000f000);
	heap_genpool_destroy(p);
}
END_TEST

/* --- chunks and quirks ------------------------------------------------ */

/* Linux adds each chunk at the head of its list: the newest is searched
 * first, and a chunk whose avail is below the request is skipped. */
START_TEST(two_chunks_newest_searched_first)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 4 * PG);

	ck_assert_int_eq(heap_genpool_add_virt(p, 0x20000000, 0x90000000,
					       4 * PG), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x20000000);
	ck_assert_uint_eq(heap_genpool_alloc(p, 3 * PG), 0x20001000);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x10000000);
	ck_assert_int_eq(heap_genpool_free(p, 0x20000000, PG), 0);
	/* the newer chunk has 4 KiB: too little for 8 KiB */
	ck_assert_uint_eq(heap_genpool_alloc(p, 2 * PG), 0x10001000);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x20000000);
	ck_assert_uint_eq(heap_genpool_size(p), 8 * PG);
	ck_assert_uint_eq(heap_genpool_avail(p), 1 * PG);
	ck_assert_uint_eq(heap_genpool_virt_to_phys(p, 0x20001234), 0x90001234);
	ck_assert_uint_eq(heap_genpool_virt_to_phys(p, 0x10000010),
			  HEAP_GENPOOL_NO_PHYS + 0x10);
	ck_assert_uint_eq(heap_genpool_virt_to_phys(p, 0x30000000), UINT64_MAX);
	ck_assert_uint_eq(heap_genpool_destroy(p), 7);
}
END_TEST

/* Six chunks, added out of address order: searched newest first, walked
 * in address order. */
START_TEST(many_chunks_search_order_and_walk_order)
{
	static const uint64_t added[6] = { 0x60000000, 0x10000000, 0x50000000,
					   0x20000000, 0x40000000, 0x30000000 };
	struct heap_genpool *p = heap_genpool_create(NULL, ORDER);
	struct extents *e;
	unsigned int i;

	for (i = 0; i < 6; i++)
		ck_assert_int_eq(heap_genpool_add(p, added[i], 2 * PG), 0);
	e = extents_of(p);
	ck_assert_uint_eq(e->n, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_uint_eq(e->start[i], 0x10000000 * (i + 1ULL));
		ck_assert_uint_eq(e->len[i], 2 * PG);
	}
	free(e);
	for (i = 6; i-- > 0;)
		ck_assert_uint_eq(heap_genpool_alloc(p, 2 * PG), added[i]);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0);
	ck_assert_int_eq(heap_genpool_free(p, 0x50000000, 2 * PG), 0);
	ck_assert_int_eq(heap_genpool_free(p, 0x20000000, 2 * PG), 0);
	e = extents_of(p);
	ck_assert_uint_eq(e->n, 2);
	ck_assert_uint_eq(e->start[0], 0x20000000);
	ck_assert_uint_eq(e->start[1], 0x50000000);
	free(e);
	ck_assert_uint_eq(heap_genpool_size(p), 12 * PG);
	ck_assert_uint_eq(heap_genpool_destroy(p), 8);
}
END_TEST

/*
 * Other granules.  ION-SPEC.md 4.5's chunk heap: 4 MiB in 16 KiB chunks
 * is order 14, and 20 KiB takes 2 granules (32 KiB).  Order 0 counts bytes.
 */
START_TEST(other_orders)
{
	struct heap_genpool *p = heap_genpool_create(NULL, 14);
	uint64_t a;

	ck_assert_int_eq(heap_genpool_add(p, 0x90000000, 4 << 20), 0);
	a = heap_genpool_alloc(p, 20 << 10);
	ck_assert_uint_eq(a, 0x90000000);
	ck_assert_uint_eq(heap_genpool_avail(p), (4 << 20) - (32 << 10));
	ck_assert_uint_eq(heap_genpool_alloc(p, 16 << 10), 0x90008000);
	ck_assert_int_eq(heap_genpool_free(p, a, 20 << 10), 0);
	ck_assert_uint_eq(heap_genpool_avail(p), (4 << 20) - (16 << 10));
	ck_assert_uint_eq(heap_genpool_destroy(p), 1);

	p = heap_genpool_create(NULL, 0);
	ck_assert_int_eq(heap_genpool_add(p, 0x1000, 100), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, 1), 0x1000);
	ck_assert_uint_eq(heap_genpool_alloc(p, 99), 0x1001);
	ck_assert_uint_eq(heap_genpool_alloc(p, 1), 0);
	ck_assert_int_eq(heap_genpool_free(p, 0x1001, 99), 0);
	ck_assert_uint_eq(heap_genpool_largest_free_extent(p), 99);
	ck_assert_uint_eq(heap_genpool_destroy(p), 1);
}
END_TEST

/*
 * A chunk of 4 granules and 100 bytes: avail and size say 16484, but the
 * bitmap has 4 bits.  16484 passes the avail test (size <= avail) and needs
 * 5 granules: no room.  After 16 KiB, avail is 100 and a 100-byte request
 * passes the test again, needing a granule there is not.
 */
START_TEST(tail_fraction_counts_but_cannot_be_allocated)
{
	struct heap_genpool *p = pool_with(NULL, 0x40000000, 4 * PG + 100);
	struct extents *e;

	ck_assert_uint_eq(heap_genpool_size(p), 16484);
	ck_assert_uint_eq(heap_genpool_avail(p), 16484);
	ck_assert_uint_eq(heap_genpool_alloc(p, 16484), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, 4 * PG), 0x40000000);
	ck_assert_uint_eq(heap_genpool_avail(p), 100);
	ck_assert_uint_eq(heap_genpool_alloc(p, 100), 0);
	e = extents_of(p);
	ck_assert_uint_eq(e->n, 0);
	free(e);
	/* the tail is inside end_addr but past the bitmap: a BUG in Linux */
	ck_assert_int_eq(heap_genpool_free(p, 0x40004000, 100), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, 0x40000000, 4 * PG), 0);
	ck_assert_uint_eq(heap_genpool_avail(p), 16484);
	ck_assert_uint_eq(heap_genpool_largest_free_extent(p), 4 * PG);
	destroy_clean(p);

	/* a chunk smaller than one granule has no bit at all */
	p = pool_with(NULL, 0x50000000, 100);
	ck_assert_uint_eq(heap_genpool_avail(p), 100);
	ck_assert_uint_eq(heap_genpool_alloc(p, 1), 0);
	ck_assert_uint_eq(heap_genpool_free_extent_count(p), 0);
	destroy_clean(p);
}
END_TEST

START_TEST(size_zero_and_full_pool)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 4 * PG);
	struct heap_genpool_stats st;
	unsigned int i;

	ck_assert_uint_eq(heap_genpool_alloc(p, 0), 0);
	ck_assert_uint_eq(heap_genpool_avail(p), 4 * PG);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(heap_genpool_alloc(p, PG - i),
				  0x10000000 + i * PG);
	ck_assert_uint_eq(heap_genpool_alloc(p, 1), 0);
	ck_assert_uint_eq(alloc_as(p, 1, HEAP_GENPOOL_BEST_FIT, 0),
			  0);
	ck_assert_uint_eq(heap_genpool_avail(p), 0);
	ck_assert_uint_eq(heap_genpool_largest_free_extent(p), 0);
	ck_assert_uint_eq(heap_genpool_free_extent_count(p), 0);
	/* a free of size 0 frees nothing, as in Linux */
	ck_assert_int_eq(heap_genpool_free(p, 0x10001000, 0), 0);
	ck_assert_uint_eq(heap_genpool_avail(p), 0);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.allocs, 4);
	ck_assert_uint_eq(st.failures, 3);
	ck_assert_uint_eq(st.frees, 0);
	ck_assert_uint_eq(heap_genpool_destroy(p), 4);
}
END_TEST

/* Linux returns 0 for failure, so a placement at address 0 looks failed
 * to the caller while its granule stays taken for good. */
START_TEST(address_zero_is_taken_and_lost)
{
	struct heap_genpool *p = pool_with(NULL, 0, 4 * PG);
	struct heap_genpool_stats st;

	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0);
	ck_assert_uint_eq(heap_genpool_avail(p), 3 * PG);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), PG);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.lost, 1);
	ck_assert_uint_eq(st.allocs, 1);
	/* Linux's "addr + size - 1 > end" wraps for a free of 0 bytes at 0 */
	ck_assert_int_eq(heap_genpool_free(p, 0, 0), -EINVAL);
	ck_assert_uint_eq(heap_genpool_destroy(p), 2);
}
END_TEST

/* Every free that Linux 4.9 gen_pool_free() would BUG() on. */
START_TEST(bad_frees_return_einval_and_change_nothing)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 16 * PG);
	struct heap_genpool_stats st;
	struct extents *before, *after;
	uint64_t a, b, avail;

	a = heap_genpool_alloc(p, 2 * PG);	/* bits 0-1 */
	b = heap_genpool_alloc(p, 3 * PG);	/* bits 2-4 */
	ck_assert_int_eq(heap_genpool_free(p, a, 2 * PG), 0);
	avail = heap_genpool_avail(p);
	before = extents_of(p);
	ck_assert_int_eq(heap_genpool_free(p, 0x0fffffff, PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, 0x10010000, PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, 0x1000f000, 2 * PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, a, 2 * PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, 0x10001000, 2 * PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, b, 4 * PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, 0x10008000, PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_free(p, b, UINT64_MAX), -EINVAL);
	after = extents_of(p);
	ck_assert(extents_equal(before, after));
	ck_assert_uint_eq(heap_genpool_avail(p), avail);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.bugs, 8);
	ck_assert_uint_eq(st.frees, 1);
	/* Linux rounds the address down to its granule */
	ck_assert_int_eq(heap_genpool_free(p, b + 123, 3 * PG), 0);
	destroy_clean(p);
	free(before);
	free(after);
}
END_TEST

START_TEST(injected_fault_changes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_genpool *p = pool_with(m, 0x10000000, 16 * PG);
	struct sim_fault_stats fs;
	struct heap_genpool_stats st;
	struct extents *before, *after;

	ck_assert_uint_eq(heap_genpool_alloc(p, 2 * PG), 0x10000000);
	before = extents_of(p);
	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_GENPOOL, 1), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0);
	after = extents_of(p);
	ck_assert(extents_equal(before, after));
	ck_assert_uint_eq(heap_genpool_avail(p), 14 * PG);
	/* the next try lands where the failed one would have */
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), 0x10002000);
	/* a request that finds no room never reaches the fault point */
	ck_assert_uint_eq(heap_genpool_alloc(p, 64 * PG), 0);
	ck_assert_uint_eq(heap_genpool_alloc(p, 0), 0);
	sim_fault_stats(m, &fs);
	ck_assert_uint_eq(fs.calls[SIM_FAULT_GENPOOL], 3);
	ck_assert_uint_eq(fs.injected[SIM_FAULT_GENPOOL], 1);
	heap_genpool_stats(p, &st);
	ck_assert_uint_eq(st.injected, 1);
	ck_assert_uint_eq(st.failures, 3);
	ck_assert_uint_eq(heap_genpool_destroy(p), 3);
	free(before);
	free(after);
	test_shutdown(m);
}
END_TEST

START_TEST(destroy_reports_busy_granules)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 16 * PG);

	heap_genpool_add(p, 0x20000000, 16 * PG);
	heap_genpool_alloc(p, 3 * PG);
	heap_genpool_alloc(p, 16 * PG);
	ck_assert_int_eq(heap_genpool_destroy(p), 19);
	ck_assert_int_eq(heap_genpool_destroy(NULL), 0);
}
END_TEST

START_TEST(create_add_and_set_algo_validate)
{
	struct heap_genpool *p;

	ck_assert_ptr_null(heap_genpool_create(NULL,
					       HEAP_GENPOOL_MAX_ORDER + 1));
	p = heap_genpool_create(NULL, ORDER);
	ck_assert_int_eq(heap_genpool_min_alloc_order(p), ORDER);
	ck_assert_int_eq(heap_genpool_add(p, 0x1000, 0), -EINVAL);
	ck_assert_int_eq(heap_genpool_add(p, UINT64_MAX - 10, 12), -EINVAL);
	ck_assert_int_eq(heap_genpool_add(p, 0, (uint64_t)INT_MAX * PG + PG),
			 -EINVAL);
	ck_assert_int_eq(heap_genpool_add(p, 0x10000, 16 * PG), 0);
	ck_assert_int_eq(heap_genpool_add(p, 0x1f000, PG), -EINVAL);
	ck_assert_int_eq(heap_genpool_add(p, 0x8000, 0x8001), -EINVAL);
	ck_assert_int_eq(heap_genpool_add(p, 0x8000, 0x8000), 0);
	ck_assert_int_eq(heap_genpool_add(p, UINT64_MAX - PG + 1, PG), 0);
	ck_assert_uint_eq(heap_genpool_size(p), 0x18000 + PG);
	ck_assert_int_eq(heap_genpool_set_algo(p, HEAP_GENPOOL_NALGOS, 0),
			 -EINVAL);
	ck_assert_uint_eq(alloc_as(p, PG, HEAP_GENPOOL_NALGOS, 0),
			  0);
	ck_assert_uint_eq(heap_genpool_alloc(p, PG), UINT64_MAX - PG + 1);
	ck_assert_uint_eq(heap_genpool_destroy(p), 1);
	for (int a = 0; a < HEAP_GENPOOL_NALGOS; a++)
		ck_assert_int_eq(heap_genpool_algo_parse(
			heap_genpool_algo_name((enum heap_genpool_algo)a)), a);
	ck_assert_ptr_null(heap_genpool_algo_name(HEAP_GENPOOL_NALGOS));
	ck_assert_int_eq(heap_genpool_algo_parse("worst_fit"), -1);
}
END_TEST

/* addr_in_gen_pool, Linux 4.9: the whole range inside one chunk, computed
 * with unsigned wrap-around (size 0 ends one byte before the start). */
START_TEST(has_addr_like_linux)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 4 * PG);

	heap_genpool_add(p, 0x10004000, 4 * PG);
	ck_assert(heap_genpool_has_addr(p, 0x10000000, 4 * PG));
	ck_assert(!heap_genpool_has_addr(p, 0x10000000, 4 * PG + 1));
	ck_assert(heap_genpool_has_addr(p, 0x10007fff, 1));
	ck_assert(!heap_genpool_has_addr(p, 0x10008000, 1));
	ck_assert(heap_genpool_has_addr(p, 0x10001000, 0));
	ck_assert(!heap_genpool_has_addr(p, 0x0fffffff, 2));
	destroy_clean(p);
}
END_TEST

START_TEST(extent_metrics_follow_the_bitmap)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 200 * PG);
	struct extents *e;

	heap_genpool_add(p, 0x00100000, 10 * PG);	/* lower, added later */
	/* in the newer chunk: bits 0-2 taken, then 3 free, 4-9 taken */
	heap_genpool_alloc(p, 3 * PG);
	heap_genpool_alloc(p, 1 * PG);
	heap_genpool_alloc(p, 6 * PG);
	heap_genpool_free(p, 0x00103000, PG);
	/* in the older one: 70 taken, 60 free, 70 taken; then free 0-9 */
	heap_genpool_alloc(p, 70 * PG);
	heap_genpool_alloc(p, 60 * PG);
	heap_genpool_alloc(p, 70 * PG);
	heap_genpool_free(p, 0x10000000 + 70 * PG, 60 * PG);
	heap_genpool_free(p, 0x10000000, 10 * PG);
	e = extents_of(p);
	ck_assert_uint_eq(e->n, 3);
	ck_assert_uint_eq(e->start[0], 0x00103000);
	ck_assert_uint_eq(e->len[0], PG);
	ck_assert_uint_eq(e->start[1], 0x10000000);
	ck_assert_uint_eq(e->len[1], 10 * PG);
	ck_assert_uint_eq(e->start[2], 0x10000000 + 70 * PG);
	ck_assert_uint_eq(e->len[2], 60 * PG);
	ck_assert_uint_eq(heap_genpool_free_extent_count(p), 3);
	ck_assert_uint_eq(heap_genpool_largest_free_extent(p), 60 * PG);
	ck_assert_uint_eq(extents_sum(e), heap_genpool_avail(p));
	free(e);
	heap_genpool_destroy(p);
}
END_TEST

static int stop_at_second(uint64_t start, uint64_t len, void *ctx)
{
	(void)start;
	(void)len;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

START_TEST(extent_walk_stops_on_nonzero)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 16 * PG);
	int seen = 0;

	alloc_as(p, PG, HEAP_GENPOOL_FIXED, 4 * PG);
	alloc_as(p, PG, HEAP_GENPOOL_FIXED, 8 * PG);
	ck_assert_int_eq(heap_genpool_for_each_free_extent(p, stop_at_second,
							   &seen), 42);
	ck_assert_int_eq(seen, 2);
	heap_genpool_destroy(p);
}
END_TEST

/* --- the reference: Linux 4.9 lib/genalloc.c, one bit at a time ----------- */

#define REF_MAX_CHUNKS 4

struct ref_chunk {
	uint64_t start, end, avail;	/* end inclusive */
	unsigned long nbits;
	unsigned char *bit;		/* 1 = allocated */
};

struct ref_pool {
	unsigned int order;		/* min_alloc_order */
	unsigned int n;
	struct ref_chunk c[REF_MAX_CHUNKS];	/* c[n - 1] is searched first */
};

static unsigned long ref_next(const unsigned char *b, unsigned long size,
			      unsigned long from, unsigned char want)
{
	while (from < size && b[from] != want)
		from++;
	return from < size ? from : size;
}

/* lib/bitmap.c bitmap_find_next_zero_area_off, as its loop reads. */
static unsigned long ref_zero_area(const unsigned char *b, unsigned long size,
				   unsigned long start, unsigned long nr,
				   unsigned long mask, unsigned long off)
{
	for (;;) {
		unsigned long index = ref_next(b, size, start, 0), end, busy;

		index = ((index + off + mask) & ~mask) - off;
		end = index + nr;
		if (end > size)
			return end;
		busy = ref_next(b, end, index, 1);
		if (busy >= end)
			return index;
		start = busy + 1;
	}
}

/* gen_pool_best_fit: every run that fits, keep the shortest (strict <),
 * return at once on an exact fit. */
static unsigned long ref_best_fit(const unsigned char *b, unsigned long size,
				  unsigned long nr)
{
	unsigned long start_bit = size, len = size + 1, index;

	index = ref_zero_area(b, size, 0, nr, 0, 0);
	while (index < size) {
		unsigned long next = ref_next(b, size, index + nr, 1);

		if (next - index < len) {
			len = next - index;
			start_bit = index;
			if (len == nr)
				return start_bit;
		}
		index = ref_zero_area(b, size, next + 1, nr, 0, 0);
	}
	return start_bit;
}

static unsigned long ref_algo(const struct ref_chunk *c, int algo,
			      unsigned long nr, uint64_t data,
			      unsigned int order)
{
	const unsigned long size = c->nbits, g = 1UL << order;
	unsigned long mask, pow = 1, bit;

	switch (algo) {
	case HEAP_GENPOOL_FIRST_FIT:
		return ref_zero_area(c->bit, size, 0, nr, 0, 0);
	case HEAP_GENPOOL_BEST_FIT:
		return ref_best_fit(c->bit, size, nr);
	case HEAP_GENPOOL_FIRST_FIT_ALIGN:
	case HEAP_GENPOOL_FIRST_FIT_ALIGN_ABS:
		if (data == 0 || data > INT_MAX)	/* we refuse to spin */
			return size;
		mask = ((data + g - 1) >> order) - 1;
		return ref_zero_area(c->bit, size, 0, nr, mask,
				     algo == HEAP_GENPOOL_FIRST_FIT_ALIGN ? 0 :
				     (c->start & (data - 1)) >> order);
	case HEAP_GENPOOL_FIRST_FIT_ORDER_ALIGN:
		while (pow < nr)
			pow *= 2;
		return ref_zero_area(c->bit, size, 0, nr, pow - 1, 0);
	case HEAP_GENPOOL_FIXED:
		if (data & (g - 1))
			return size;
		bit = ref_zero_area(c->bit, size, data >> order, nr, 0, 0);
		return bit == data >> order ? bit : size;
	}
	return size;
}

static uint64_t ref_alloc(struct ref_pool *p, uint64_t size, int algo,
			  uint64_t data)
{
	const unsigned int order = p->order;
	unsigned long nr = (size + (1UL << order) - 1) >> order, bit, k;

	if (size == 0)
		return 0;
	for (unsigned int i = p->n; i-- > 0;) {
		struct ref_chunk *c = &p->c[i];

		if (size > c->avail)
			continue;
		bit = ref_algo(c, algo, nr, data, order);
		if (bit >= c->nbits)
			continue;
		for (k = 0; k < nr; k++)
			c->bit[bit + k] = 1;
		c->avail -= nr << order;
		return c->start + (bit << order);
	}
	return 0;
}

/* gen_pool_free, with each BUG_ON checked before anything changes. */
static int ref_free(struct ref_pool *p, uint64_t addr, uint64_t size)
{
	const unsigned int order = p->order;
	unsigned long nr = (size + (1UL << order) - 1) >> order, bit, k;

	for (unsigned int i = p->n; i-- > 0;) {
		struct ref_chunk *c = &p->c[i];

		if (addr < c->start || addr > c->end)
			continue;
		if (addr + size - 1 > c->end)
			return -EINVAL;
		bit = (addr - c->start) >> order;
		for (k = 0; k < nr; k++)
			if (bit + k >= c->nbits || !c->bit[bit + k])
				return -EINVAL;
		for (k = 0; k < nr; k++)
			c->bit[bit + k] = 0;
		c->avail += nr << order;
		return 0;
	}
	return -EINVAL;
}

/* The reference's free runs in address order, as the walk reports them. */
static struct extents *ref_extents(const struct ref_pool *p)
{
	struct extents *e = malloc(sizeof(*e));
	const struct ref_chunk *order[REF_MAX_CHUNKS];
	unsigned int i, j;

	test_require(e != NULL);
	e->n = 0;
	for (i = 0; i < p->n; i++) {
		for (j = i; j > 0 && order[j - 1]->start > p->c[i].start; j--)
			order[j] = order[j - 1];
		order[j] = &p->c[i];
	}
	for (i = 0; i < p->n; i++) {
		const struct ref_chunk *c = order[i];
		unsigned long b = ref_next(c->bit, c->nbits, 0, 0);

		while (b < c->nbits) {
			unsigned long end = ref_next(c->bit, c->nbits, b, 1);

			collect(c->start + (b << p->order),
				(end - b) << p->order, e);
			b = ref_next(c->bit, c->nbits, end, 0);
		}
	}
	return e;
}

static uint64_t ref_avail(const struct ref_pool *p)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < p->n; i++)
		sum += p->c[i].avail;
	return sum;
}

/* --- random histories ------------------------------------------------- */

struct live {
	unsigned int n;
	uint64_t addr[MAX_LIVE];
	uint64_t size[MAX_LIVE];
};

/* Both pools get the same chunks: starts off the granule and off any
 * alignment, a tail fraction, one big enough for a span tree of several
 * levels.  Sizes are in granules, plus a tail in bytes (kept below the
 * granule, so none at order 0). */
static const struct {
	uint64_t start, granules, tail;
} layout[3] = {
	{ 0x40000000, 1500, 0 },
	{ 0x10003000, 37, 1000 },
	{ 0x20001000, 300, 0 },
};

static struct heap_genpool *twin_pools(struct ref_pool *ref,
				       unsigned int order)
{
	struct heap_genpool *p = heap_genpool_create(NULL, order);

	memset(ref, 0, sizeof(*ref));
	ref->order = order;
	for (unsigned int i = 0; i < 3; i++) {
		struct ref_chunk *c = &ref->c[ref->n++];
		uint64_t size = (layout[i].granules << order) +
				layout[i].tail % (1ULL << order);

		test_require(heap_genpool_add(p, layout[i].start, size) == 0);
		c->start = layout[i].start;
		c->end = layout[i].start + size - 1;
		c->avail = size;
		c->nbits = size >> order;
		c->bit = calloc(c->nbits, 1);
	}
	return p;
}

static void ref_release(struct ref_pool *ref)
{
	for (unsigned int i = 0; i < ref->n; i++)
		free(ref->c[i].bit);
}

/* A request size for granule @g: mostly whole granules, sometimes ragged,
 * rarely 0, hundreds of granules (several bitmap words) or more than any
 * chunk. */
static uint64_t draw_size(struct sim_rng *rng, uint64_t g)
{
	uint64_t r = sim_rng_below(rng, 100);
	uint64_t n = 1 + sim_rng_below(rng, r < 60 ? 8 : 70);

	if (r < 2)
		return 0;
	if (r < 3)
		return 2000 * g;
	if (r < 5)
		return (100 + sim_rng_below(rng, 600)) * g;
	if (r < 25)
		return n * g - sim_rng_below(rng, g);
	return n * g;
}

/* An alignment or offset in bytes for @algo, granule @g. */
static uint64_t draw_data(struct sim_rng *rng, int algo, uint64_t g)
{
	const uint64_t aligns[] = {
		1, 2048, g, 2 * g, 3 * g, 4 * g, 8 * g, 16 * g, 64 * g, 0
	};

	if (algo == HEAP_GENPOOL_FIXED) {
		uint64_t off = sim_rng_below(rng, 400) * g;

		return sim_rng_below(rng, 20) ? off : off + g / 2;
	}
	return aligns[sim_rng_below(rng, sizeof(aligns) / sizeof(aligns[0]))];
}

static void live_add(struct live *l, uint64_t addr, uint64_t size)
{
	test_require(l->n < MAX_LIVE);
	l->addr[l->n] = addr;
	l->size[l->n++] = size;
}

/* Frees live allocation @v in @p, and in @ref unless NULL, and forgets it;
 * returns its size. */
static uint64_t free_live(struct heap_genpool *p, struct ref_pool *ref,
			  struct live *l, unsigned int v)
{
	uint64_t size = l->size[v];

	if (ref)
		test_require(ref_free(ref, l->addr[v], size) == 0);
	test_require(heap_genpool_free(p, l->addr[v], size) == 0);
	l->addr[v] = l->addr[--l->n];
	l->size[v] = l->size[l->n];
	return size;
}

/* A random live allocation. */
static unsigned int pick(struct sim_rng *rng, const struct live *l)
{
	return (unsigned int)sim_rng_below(rng, l->n);
}

/* A granule the reference says is free: freeing it must be refused. */
static void bad_free(struct heap_genpool *p, struct ref_pool *ref,
		     struct sim_rng *rng)
{
	const struct ref_chunk *c = &ref->c[sim_rng_below(rng, ref->n)];
	unsigned long bit = sim_rng_below(rng, c->nbits + 2);
	uint64_t addr = c->start + (bit << ref->order);

	if (bit < c->nbits && c->bit[bit])
		return;
	test_require(ref_free(ref, addr, 1) == -EINVAL);
	test_require(heap_genpool_free(p, addr, 1) == -EINVAL);
}

static void compare_state(const struct heap_genpool *p,
			  const struct ref_pool *ref, unsigned int step)
{
	struct extents *a = extents_of(p), *b = ref_extents(ref);
	uint64_t largest = 0;

	if (!extents_equal(a, b))
		ck_abort_msg("bitmaps differ after step %u", step);
	test_require(heap_genpool_avail(p) == ref_avail(ref));
	test_require(heap_genpool_free_extent_count(p) == b->n);
	for (unsigned int i = 0; i < b->n; i++)
		if (b->len[i] > largest)
			largest = b->len[i];
	test_require(heap_genpool_largest_free_extent(p) == largest);
	free(a);
	free(b);
}

/* One alloc, through the pool's algorithm or per call, on both pools. */
static void twin_alloc(struct heap_genpool *p, struct ref_pool *ref,
		       struct live *l, struct sim_rng *rng, int algo,
		       unsigned int step)
{
	const enum heap_genpool_algo a = (enum heap_genpool_algo)algo;
	const uint64_t g = 1ULL << ref->order;
	uint64_t size = draw_size(rng, g), data = draw_data(rng, algo, g);
	uint64_t got, want;

	want = ref_alloc(ref, size, algo, data);
	if (sim_rng_below(rng, 2)) {
		heap_genpool_set_algo(p, a, data);
		got = heap_genpool_alloc(p, size);
	} else {
		got = heap_genpool_alloc_algo(p, size, a, data);
	}
	if (got != want)
		ck_abort_msg("step %u: %s(%llu, data %llu) gave %#llx, "
			     "Linux %#llx", step, heap_genpool_algo_name(a),
			     (unsigned long long)size, (unsigned long long)data,
			     (unsigned long long)got, (unsigned long long)want);
	if (got)
		live_add(l, got, size);
}

/* @algo < 0: a random algorithm at every step. */
static void cross_check(uint64_t seed, int algo, unsigned int steps,
			unsigned int order)
{
	struct ref_pool ref;
	struct heap_genpool *p = twin_pools(&ref, order);
	struct live *l = calloc(1, sizeof(*l));
	struct heap_genpool_stats st;
	struct sim_rng rng;
	unsigned int step;

	sim_rng_seed(&rng, seed);
	for (step = 0; step < steps; step++) {
		uint64_t r = sim_rng_below(&rng, 100);

		if (l->n == 0 || r < 52) {
			int a = algo >= 0 ? algo :
				(int)sim_rng_below(&rng, HEAP_GENPOOL_NALGOS);

			twin_alloc(p, &ref, l, &rng, a, step);
		} else if (r < 96) {
			free_live(p, &ref, l, pick(&rng, l));
		} else {
			bad_free(p, &ref, &rng);
		}
		compare_state(p, &ref, step);
	}
	/* the history was not vacuous: it placed and it was refused */
	heap_genpool_stats(p, &st);
	test_require(st.allocs > steps / 4 && st.failures > 0);
	while (l->n)
		free_live(p, &ref, l, 0);
	compare_state(p, &ref, step);
	destroy_clean(p);
	ref_release(&ref);
	free(l);
}

START_TEST(cross_check_each_algorithm)
{
	cross_check(100 + (uint64_t)_i, _i, 2500, 12);
}
END_TEST

/* Mixed algorithms, with 4 KiB granules (the carveout's), 16 KiB (a
 * chunk heap's) and bytes. */
START_TEST(cross_check_mixed_algorithms)
{
	static const unsigned int orders[3] = { 12, 14, 0 };

	cross_check(7 + (uint64_t)_i, -1, 4000, orders[_i % 3]);
}
END_TEST

/* --- random properties ------------------------------------------------ */

static uint64_t whole(uint64_t size)
{
	return (size + PG - 1) & ~(PG - 1);
}

/* The invariants of a pool of whole-granule chunks with @used bytes
 * allocated. */
static void check_properties(const struct heap_genpool *p, uint64_t used)
{
	struct extents *e = extents_of(p);
	uint64_t size = heap_genpool_size(p), avail = heap_genpool_avail(p);
	uint64_t largest = 0;

	test_require(avail + used == size);
	test_require(extents_sum(e) == avail);
	for (unsigned int i = 0; i < e->n; i++) {
		test_require(heap_genpool_has_addr(p, e->start[i], e->len[i]));
		if (e->len[i] > largest)
			largest = e->len[i];
	}
	test_require(heap_genpool_largest_free_extent(p) == largest);
	test_require(heap_genpool_free_extent_count(p) == e->n);
	free(e);
}

/* A new allocation must not overlap any live one, granules rounded up. */
static void check_disjoint(const struct live *l, uint64_t addr, uint64_t size)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (addr + whole(size) > l->addr[i] &&
		    l->addr[i] + whole(l->size[i]) > addr)
			ck_abort_msg("%#llx overlaps %#llx",
				     (unsigned long long)addr,
				     (unsigned long long)l->addr[i]);
}

/* Records @a, just given for @size bytes, after checking it lies in the
 * pool and overlaps nothing live; returns the bytes it takes. */
static uint64_t accept(const struct heap_genpool *p, struct live *l,
		       uint64_t a, uint64_t size)
{
	test_require(heap_genpool_has_addr(p, a, whole(size)));
	check_disjoint(l, a, size);
	live_add(l, a, size);
	return whole(size);
}

START_TEST(random_properties_per_algorithm)
{
	struct heap_genpool *p = pool_with(NULL, 0x10000000, 512 * PG);
	struct live *l = calloc(1, sizeof(*l));
	struct extents *initial, *final;
	struct sim_rng rng;
	uint64_t used = 0;
	const int algo = _i;

	test_require(heap_genpool_add(p, 0x30005000, 200 * PG) == 0);
	initial = extents_of(p);
	sim_rng_seed(&rng, 1000 + (uint64_t)algo);
	for (unsigned int step = 0; step < 5000; step++) {
		if (l->n == 0 || sim_rng_below(&rng, 100) < 55) {
			uint64_t size = draw_size(&rng, PG);
			uint64_t a = heap_genpool_alloc_algo(
				p, size, (enum heap_genpool_algo)algo,
				draw_data(&rng, algo, PG));

			if (a)
				used += accept(p, l, a, size);
		} else {
			used -= whole(free_live(p, NULL, l, pick(&rng, l)));
		}
		check_properties(p, used);
	}
	while (l->n)
		free_live(p, NULL, l, 0);
	final = extents_of(p);
	test_require(extents_equal(initial, final));
	test_require(heap_genpool_avail(p) == heap_genpool_size(p));
	test_require(heap_genpool_largest_free_extent(p) == 512 * PG);
	destroy_clean(p);
	free(initial);
	free(final);
	free(l);
}
END_TEST

static Suite *genpool_suite(void)
{
	Suite *s = suite_create("heaps-genpool");
	TCase *t = tcase_create("linux-4.9");

	tcase_add_test(t, spec_worked_example_first_fit);
	tcase_add_test(t, spec_worked_example_best_fit);
	tcase_add_test(t, first_fit_and_best_fit_choose_different_holes);
	tcase_add_test(t, alloc_algo_is_per_call);
	tcase_add_test(t, align_chunk_relative_in_4_9_absolute_in_5_x);
	tcase_add_test(t, align_odd_values_as_linux_rounds_them);
	tcase_add_test(t, order_align_rounds_nr_up_to_a_power_of_two);
	tcase_add_test(t, fixed_offset_hit_miss_unaligned);
	tcase_add_test(t, two_chunks_newest_searched_first);
	tcase_add_test(t, many_chunks_search_order_and_walk_order);
	tcase_add_test(t, other_orders);
	suite_add_tcase(s, t);
	t = tcase_create("quirks-and-bugs");
	tcase_add_test(t, tail_fraction_counts_but_cannot_be_allocated);
	tcase_add_test(t, size_zero_and_full_pool);
	tcase_add_test(t, address_zero_is_taken_and_lost);
	tcase_add_test(t, bad_frees_return_einval_and_change_nothing);
	tcase_add_test(t, injected_fault_changes_nothing);
	tcase_add_test(t, destroy_reports_busy_granules);
	tcase_add_test(t, create_add_and_set_algo_validate);
	tcase_add_test(t, has_addr_like_linux);
	tcase_add_test(t, extent_metrics_follow_the_bitmap);
	tcase_add_test(t, extent_walk_stops_on_nonzero);
	suite_add_tcase(s, t);
	t = tcase_create("random");
	tcase_add_loop_test(t, random_properties_per_algorithm, 0,
			    HEAP_GENPOOL_NALGOS);
	tcase_add_loop_test(t, cross_check_each_algorithm, 0,
			    HEAP_GENPOOL_NALGOS);
	tcase_add_loop_test(t, cross_check_mixed_algorithms, 0, 6);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(genpool_suite)
