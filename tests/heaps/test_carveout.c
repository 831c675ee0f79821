/*
 * tests/heaps/test_carveout.c - the carveout heap.
 *
 * The reference is Linux 4.9 ion_carveout_heap.c over lib/genalloc.c:
 * one gen_pool chunk over the region, gen_pool_alloc(len) (first fit;
 * best fit is our option, gen_pool_best_fit's choice), align > PAGE_SIZE
 * refused with EINVAL, a failed gen_pool_alloc reported as ENOMEM, and
 * ION_HEAP_FLAG_DEFER_FREE with ion_buffer_create's drain-and-retry
 * (ion.c).  Placements in the worked histories are derived by hand in the
 * comments; the property test holds every placement against a naive
 * model of the two algorithms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/heap.h"
#include "heaputil.h"

#define P 4096ULL			/* one page, one granule */
#define MB (1ULL << 20)
#define BASE 0x80000000ULL		/* outside RAM: extra memory */

static int alloc_align(struct rig *r, struct heap_buffer *b, uint64_t len,
		       uint64_t align)
{
	return rig_alloc(r, b, len, len, align);
}

static int alloc(struct rig *r, struct heap_buffer *b, uint64_t len)
{
	return alloc_align(r, b, len, 0);
}

/* Allocates and returns the buffer's address, failing the test if the
 * allocation fails. */
static uint64_t alloc_at(struct rig *r, struct heap_buffer *b, uint64_t len)
{
	int ret = alloc(r, b, len);

	ck_assert_msg(ret == 0, "alloc %llu: %d", (unsigned long long)len, ret);
	ck_assert_uint_eq(b->nruns, 1);
	return b->runs[0].phys;
}

static void metrics(struct rig *r, struct heap_metrics *mt)
{
	heap_metrics(r->heap, mt);
}

/* --- placement ------------------------------------------------------- */

/*
 * One history, two policies.  In pages from BASE (1M carveout, 256
 * granules): a1 8 @0, a2 1 @8, a3 3 @9, a4 1 @12, a5 5 @13, a6 1 @18,
 * a7 4 @19, a8 1 @23; free a1, a3, a5, a7, leaving holes
 * [0,8) 8, [9,12) 3, [13,18) 5, [19,23) 4 and the tail [24,256).
 *
 *   request  first fit (lowest hole that fits)   best fit (smallest hole, lowest on a tie)
 *   x 3      0  (hole [0,8))                     9  ([9,12) is exact)
 *   y 4      3  ([3,8) has 5)                    19 ([19,23) is exact)
 *   z 2      9  ([7,8) is too small)             13 (smallest of 8, 5, 232)
 *   w 6      24 (no hole below holds 6)          0  (8 beats 232)
 */
static const uint64_t history_sizes[8] = { 8, 1, 3, 1, 5, 1, 4, 1 };
static const uint64_t requests[4] = { 3, 4, 2, 6 };
static const uint64_t expect_first[4] = { 0, 3, 9, 24 };
static const uint64_t expect_best[4] = { 9, 19, 13, 0 };

static void run_history(const char *line, const uint64_t *expect)
{
	struct heap_buffer a[8], x[4];
	uint64_t at = 0;
	struct rig r;

	rig_up(&r, line);
	for (int i = 0; i < 8; i++) {
		ck_assert_uint_eq(alloc_at(&r, &a[i], history_sizes[i] * P),
				  BASE + at * P);
		at += history_sizes[i];
	}
	for (int i = 0; i < 8; i += 2)
		heap_buffer_free(&a[i]);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(alloc_at(&r, &x[i], requests[i] * P),
				  BASE + expect[i] * P);
	for (int i = 1; i < 8; i += 2)
		heap_buffer_free(&a[i]);
	for (int i = 0; i < 4; i++)
		heap_buffer_free(&x[i]);
	rig_down(&r);
}

START_TEST(first_fit_takes_the_lowest_hole)
{
	run_history("heap cv type=carveout id=2 size=1M base=0x80000000 "
		    "defer_free=off", expect_first);
}
END_TEST

START_TEST(best_fit_takes_the_smallest_hole)
{
	run_history("heap cv type=carveout id=2 size=1M base=0x80000000 "
		    "defer_free=off policy=best-fit", expect_best);
}
END_TEST

/*
 * ION-SPEC.md 5.7: 4M at 0x80000000.  A 8K @0, B 12K @0x2000; free A;
 * C 4K goes to 0 (first fit, and best fit too: the 2-granule hole is the
 * smallest); D 8K skips the 1-granule hole left at 0x1000 and goes to
 * 0x5000.
 */
START_TEST(spec_worked_example)
{
	static const char *const lines[] = {
		"heap cv type=carveout id=2 size=4M base=0x80000000 defer_free=off",
		"heap cv type=carveout id=2 size=4M base=0x80000000 defer_free=off "
		"policy=best-fit",
	};

	for (int i = 0; i < 2; i++) {
		struct heap_buffer a, b, c, d;
		struct heap_metrics mt;
		struct rig r;

		rig_up(&r, lines[i]);
		ck_assert_uint_eq(alloc_at(&r, &a, 8192), BASE);
		ck_assert_uint_eq(alloc_at(&r, &b, 12288), BASE + 0x2000);
		heap_buffer_free(&a);
		ck_assert_uint_eq(alloc_at(&r, &c, 4096), BASE);
		ck_assert_uint_eq(alloc_at(&r, &d, 8192), BASE + 0x5000);
		metrics(&r, &mt);
		ck_assert_uint_eq(mt.free, 4 * MB - (4 + 12 + 8) * 1024);
		ck_assert_uint_eq(mt.size, 4 * MB);
		heap_buffer_free(&b);
		heap_buffer_free(&c);
		heap_buffer_free(&d);
		rig_down(&r);
	}
}
END_TEST

/* --- refusals and failures ------------------------------------------ */

START_TEST(align_above_a_page_is_einval)
{
	struct heap_buffer b, c, d;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M");
	ck_assert_int_eq(alloc_align(&r, &b, P, 2 * P), -EINVAL);
	ck_assert_int_eq(alloc_align(&r, &b, P, 1 * MB), -EINVAL);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 0);	/* refused, not unsatisfied */
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_int_eq(alloc_align(&r, &c, P, P), 0);
	ck_assert_int_eq(alloc_align(&r, &d, 3 * P, 1), 0);
	heap_buffer_free(&c);
	heap_buffer_free(&d);
	rig_down(&r);
}
END_TEST

START_TEST(full_pool_is_enomem_not_fragmentation)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M defer_free=off");
	ck_assert_int_eq(alloc(&r, &a, MB), 0);
	ck_assert_int_eq(alloc(&r, &b, P), -ENOMEM);
	ck_assert_int_eq(alloc(&r, &b, 2 * MB), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 2);
	ck_assert_uint_eq(mt.frag_failures, 0);
	ck_assert_uint_eq(mt.free, 0);
	ck_assert_uint_eq(mt.largest_free, 0);
	ck_assert_uint_eq(mt.free_extents, 0);
	ck_assert(mt.frag == 0.0);
	heap_buffer_free(&a);
	/* larger than the whole carveout: a failure, never fragmentation */
	ck_assert_int_eq(alloc(&r, &b, 2 * MB), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 3);
	ck_assert_uint_eq(mt.frag_failures, 0);
	rig_down(&r);
}
END_TEST

/* Four 256K buffers, the 1st and 3rd freed: 512K free in two 256K holes,
 * so a 512K request fails on fragmentation. */
START_TEST(fragmented_pool_counts_a_frag_failure)
{
	struct heap_buffer q[4], big;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M defer_free=off");
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(alloc(&r, &q[i], MB / 4), 0);
	heap_buffer_free(&q[0]);
	heap_buffer_free(&q[2]);
	ck_assert_int_eq(alloc(&r, &big, MB / 2), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 1);
	ck_assert_uint_eq(mt.free, MB / 2);
	ck_assert_uint_eq(mt.largest_free, MB / 4);
	ck_assert_uint_eq(mt.free_extents, 2);
	ck_assert(mt.frag > 0.4999 && mt.frag < 0.5001);
	heap_buffer_free(&q[1]);
	heap_buffer_free(&q[3]);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.largest_free, MB);
	ck_assert_uint_eq(mt.free_extents, 1);
	ck_assert(mt.frag == 0.0);
	rig_down(&r);
}
END_TEST

/* --- deferred free -------------------------------------------------- */

static int released;

static void count_release(struct heap_buffer *buf)
{
	(void)buf;
	released++;
}

/*
 * The Samsung trace, on a 10M carveout at BASE with the kernel's deferred
 * free.  A 4M @0, B 2M @4M; free both: they wait on the free list and
 * still hold [0,6M).  C 3M fits the tail, so no drain: C @6M.  Drain:
 * [0,6M) and [9M,10M) are free.  D 4M @0 (first fit).  E 3M: 3M is free
 * but as 2M @4M and 1M @9M, so it fails (the retry drains an empty list
 * and fails again): one fragmentation failure.
 */
START_TEST(samsung_trace_deferred_free_fragments)
{
	struct heap_buffer a, b, c, d, e;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=10M base=0x80000000");
	ck_assert(heap_flags(r.heap) & HEAP_FLAG_DEFER_FREE);
	released = 0;
	ck_assert_uint_eq(alloc_at(&r, &a, 4 * MB), BASE);
	ck_assert_uint_eq(alloc_at(&r, &b, 2 * MB), BASE + 4 * MB);
	a.release = b.release = count_release;
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 6 * MB);	/* deferred still counts */
	ck_assert_uint_eq(mt.live, 0);
	ck_assert_uint_eq(mt.deferred, 6 * MB);
	ck_assert_uint_eq(mt.deferred_buffers, 2);
	ck_assert_int_eq(released, 0);
	ck_assert_uint_eq(alloc_at(&r, &c, 3 * MB), BASE + 6 * MB);
	ck_assert_uint_eq(heap_drain(r.heap, 0), 6 * MB);
	ck_assert_int_eq(released, 2);
	ck_assert_uint_eq(alloc_at(&r, &d, 4 * MB), BASE);
	ck_assert_int_eq(alloc(&r, &e, 3 * MB), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 1);
	ck_assert_uint_eq(mt.free, 3 * MB);
	ck_assert_uint_eq(mt.largest_free, 2 * MB);
	ck_assert_uint_eq(mt.free_extents, 2);
	ck_assert(mt.frag > 0.3333 && mt.frag < 0.3334);
	heap_buffer_free(&c);
	heap_buffer_free(&d);
	rig_down(&r);
}
END_TEST

/* The same trace with immediate frees: C 3M @0, D 4M @3M, E 3M @7M. */
START_TEST(samsung_trace_without_deferred_free_fits)
{
	struct heap_buffer a, b, c, d, e;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=10M base=0x80000000 "
		   "defer_free=off");
	alloc_at(&r, &a, 4 * MB);
	alloc_at(&r, &b, 2 * MB);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	ck_assert_uint_eq(alloc_at(&r, &c, 3 * MB), BASE);
	ck_assert_uint_eq(alloc_at(&r, &d, 4 * MB), BASE + 3 * MB);
	ck_assert_uint_eq(alloc_at(&r, &e, 3 * MB), BASE + 7 * MB);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_uint_eq(mt.free, 0);
	heap_buffer_free(&c);
	heap_buffer_free(&d);
	heap_buffer_free(&e);
	rig_down(&r);
}
END_TEST

/* A deferred backlog never causes a failure by itself: the failed
 * attempt drains the list and the retry succeeds (ion_buffer_create). */
START_TEST(failure_drains_the_free_list_and_retries)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M base=0x80000000");
	alloc_at(&r, &a, MB);
	heap_buffer_free(&a);
	ck_assert_uint_eq(alloc_at(&r, &b, MB), BASE);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_uint_eq(mt.deferred, 0);
	heap_buffer_free(&b);
	heap_drain(r.heap, 0);
	rig_down(&r);
}
END_TEST

/* --- faults ----------------------------------------------------------- */

static void assert_pristine(struct rig *r, unsigned long kobj_before)
{
	struct heap_metrics mt;

	metrics(r, &mt);
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_uint_eq(mt.free, mt.size);
	ck_assert_uint_eq(mt.largest_free, mt.size);
	ck_assert_uint_eq(mt.free_extents, 1);
	ck_assert_uint_eq(mt.live, 0);
	ck_assert_uint_eq(sim_kobj_live(r->m), kobj_before);
	ck_assert_int_eq(heap_validate(r->heap, stderr), 0);
}

START_TEST(injected_faults_leave_nothing_behind)
{
	struct heap_buffer b;
	struct heap_metrics mt;
	unsigned long kobj;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M defer_free=off");
	kobj = sim_kobj_live(r.m);
	sim_fault_arm(r.m, SIM_FAULT_GENPOOL, 1);
	ck_assert_int_eq(alloc(&r, &b, 64 * P), -ENOMEM);
	assert_pristine(&r, kobj);
	sim_fault_arm(r.m, SIM_FAULT_KOBJ, 1);	/* the sg_table */
	ck_assert_int_eq(alloc(&r, &b, 64 * P), -ENOMEM);
	assert_pristine(&r, kobj);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 2);
	ck_assert_uint_eq(mt.frag_failures, 0);	/* faults are not fragmentation */
	rig_down(&r);
}
END_TEST

/* With deferred free the first failure is retried: one fault is not
 * enough to fail, two are. */
START_TEST(injected_fault_is_retried_on_a_defer_free_heap)
{
	struct heap_buffer b;
	struct heap_metrics mt;
	unsigned long kobj;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M base=0x80000000");
	kobj = sim_kobj_live(r.m);
	sim_fault_arm(r.m, SIM_FAULT_GENPOOL, 1);
	ck_assert_uint_eq(alloc_at(&r, &b, P), BASE);
	heap_buffer_free(&b);
	heap_drain(r.heap, 0);
	sim_fault_arm(r.m, SIM_FAULT_GENPOOL, 1);
	sim_fault_arm(r.m, SIM_FAULT_GENPOOL, 2);
	ck_assert_int_eq(alloc(&r, &b, P), -ENOMEM);
	assert_pristine(&r, kobj);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);
	rig_down(&r);
}
END_TEST

/* --- granule and the address-0 quirk ---------------------------------- */

START_TEST(granule_rounds_and_counts_waste)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M base=0x80000000 "
		   "granule=64K defer_free=off");
	ck_assert_uint_eq(alloc_at(&r, &a, P), BASE);
	ck_assert_uint_eq(a.runs[0].len, P);	/* the sg entry is the length */
	ck_assert_uint_eq(a.allocated, 64 * 1024);
	ck_assert_uint_eq(alloc_at(&r, &b, 68 * 1024), BASE + 64 * 1024);
	ck_assert_uint_eq(b.allocated, 128 * 1024);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 192 * 1024);
	ck_assert_uint_eq(mt.free, MB - 192 * 1024);
	ck_assert_uint_eq(mt.waste, (64 - 4) * 1024 + (128 - 68) * 1024);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	rig_down(&r);
}
END_TEST

/*
 * A carveout at physical 0: gen_pool returns 0 for failure, so the first
 * placement, at address 0, takes its granule and reports failure; that
 * granule is gone for good, as in Linux.  Without deferred free the
 * request fails; the next one lands past the lost granule.
 */
START_TEST(carveout_at_zero_loses_its_first_block)
{
	struct heap_buffer a;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M base=0 defer_free=off");
	ck_assert_int_eq(alloc(&r, &a, P), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.size, MB - P);
	ck_assert_uint_eq(mt.free, MB - P);
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_int_eq(heap_validate(r.heap, stderr), 0);
	ck_assert_uint_eq(alloc_at(&r, &a, P), P);
	heap_buffer_free(&a);
	rig_down(&r);
}
END_TEST

/* With the kernel's deferred free the failed attempt is retried at once
 * and succeeds past the lost range: the caller never sees the quirk. */
START_TEST(carveout_at_zero_with_retry_succeeds_past_the_loss)
{
	struct heap_buffer a;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap cv type=carveout id=2 size=1M base=0");
	ck_assert_uint_eq(alloc_at(&r, &a, 2 * P), 2 * P);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_uint_eq(mt.size, MB - 2 * P);
	heap_buffer_free(&a);
	rig_down(&r);
}
END_TEST

/* --- property: random histories against a naive model ----------------- */

#define PROP_PAGES 1024			/* a 4M carveout */
#define PROP_SLOTS 256

/* The model: one byte per granule, each slot's place, the free list. */
struct model {
	bool best_fit;
	unsigned char busy[PROP_PAGES];
	unsigned int avail;		/* free granules */
	unsigned int pages[PROP_SLOTS];	/* 0: slot unused */
	unsigned int start[PROP_SLOTS];	/* first granule */
	bool live[PROP_SLOTS];		/* false: on the free list */
	int deferred[PROP_SLOTS];	/* the free list, its head last */
	unsigned int ndeferred;
};

/* gen_pool_first_fit / gen_pool_best_fit over the model: the start
 * granule, or -1 when nothing fits. */
static int model_find(const struct model *mo, unsigned int nr)
{
	int best = -1;
	unsigned int best_len = PROP_PAGES + 1, i = 0;

	while (i < PROP_PAGES) {
		unsigned int start, len;

		while (i < PROP_PAGES && mo->busy[i])
			i++;
		start = i;
		while (i < PROP_PAGES && !mo->busy[i])
			i++;
		len = i - start;
		if (len == 0 || len < nr)
			continue;
		if (!mo->best_fit)
			return (int)start;
		if (len < best_len) {
			best_len = len;
			best = (int)start;
		}
	}
	return best;
}

static void model_take(struct model *mo, int s, unsigned int at,
		       unsigned int nr)
{
	memset(&mo->busy[at], 1, nr);
	mo->avail -= nr;
	mo->pages[s] = nr;
	mo->start[s] = at;
	mo->live[s] = true;
}

static void model_release(struct model *mo, int s)
{
	memset(&mo->busy[mo->start[s]], 0, mo->pages[s]);
	mo->avail += mo->pages[s];
	mo->pages[s] = 0;
}

/* freelist_drain: whole buffers from the head until @bytes went (0:
 * all); returns the bytes. */
static uint64_t model_drain(struct model *mo, uint64_t bytes)
{
	uint64_t got = 0;

	while (mo->ndeferred && (bytes == 0 || got < bytes)) {
		int s = mo->deferred[--mo->ndeferred];

		got += (uint64_t)mo->pages[s] * P;
		model_release(mo, s);
	}
	return got;
}

/* One try of the carveout's allocate: the start granule or -errno. */
static int model_try(const struct model *mo, unsigned int nr, uint64_t align)
{
	int at;

	if (align > P)
		return -EINVAL;
	at = model_find(mo, nr);
	return at < 0 ? -ENOMEM : at;
}

struct prop {
	struct rig r;
	struct model mo;
	struct sim_rng rng;
	bool defer;			/* the heap defers its frees */
	struct heap_buffer buf[PROP_SLOTS];
};

static int unused_slot(const struct prop *p)
{
	for (int s = 0; s < PROP_SLOTS; s++)
		if (!p->mo.pages[s])
			return s;
	return -1;
}

/* ion_buffer_create's expectation: a failed first try of a DEFER_FREE
 * heap drains the whole list and tries once more. */
static int model_alloc(struct prop *p, unsigned int nr, uint64_t align)
{
	int want = model_try(&p->mo, nr, align);

	if (want < 0 && p->defer) {
		model_drain(&p->mo, 0);
		want = model_try(&p->mo, nr, align);
	}
	return want;
}

static void step_alloc(struct prop *p)
{
	static const unsigned int sizes[] = { 1, 1, 2, 3, 4, 8, 16, 17, 32, 64 };
	unsigned int nr = sizes[sim_rng_below(&p->rng, 10)];
	uint64_t align = sim_rng_below(&p->rng, 20) == 0 ? 2 * P : P;
	int s = unused_slot(p), want, ret;

	if (s < 0)
		return;
	want = model_alloc(p, nr, align);
	ret = alloc_align(&p->r, &p->buf[s], nr * P, align);
	if (want < 0) {
		test_require((ret) == (want));
		return;
	}
	test_require((ret) == (0));
	test_require((p->buf[s].runs[0].phys) == (BASE + (uint64_t)want * P));
	model_take(&p->mo, s, (unsigned int)want, nr);
}

static void step_free(struct prop *p)
{
	int s = (int)sim_rng_below(&p->rng, PROP_SLOTS);

	for (int tries = 0; tries < PROP_SLOTS; tries++, s = (s + 1) % PROP_SLOTS) {
		if (!p->mo.pages[s] || !p->mo.live[s])
			continue;
		heap_buffer_free(&p->buf[s]);
		p->mo.live[s] = false;
		if (p->defer)
			p->mo.deferred[p->mo.ndeferred++] = s;
		else
			model_release(&p->mo, s);
		return;
	}
}

static void step_drain(struct prop *p)
{
	uint64_t bytes = sim_rng_below(&p->rng, 4) == 0 ? 0 :
			 sim_rng_below(&p->rng, 64) * P;
	uint64_t want = model_drain(&p->mo, bytes);

	test_require((heap_drain(p->r.heap, bytes)) == (want));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* No two live or deferred buffers share a byte; the metrics add up. */
static void check_invariants(struct prop *p)
{
	uint64_t starts[PROP_SLOTS], ends[PROP_SLOTS];
	struct heap_metrics mt;
	unsigned int n = 0;

	test_require((heap_validate(p->r.heap, stderr)) == (0));
	heap_metrics(p->r.heap, &mt);
	test_require((mt.used + mt.free) == (mt.size));
	test_require((mt.free) == ((uint64_t)p->mo.avail * P));
	for (int s = 0; s < PROP_SLOTS; s++) {
		if (!p->mo.pages[s])
			continue;
		/* held (live or deferred): the heap's own runs are valid */
		starts[n] = p->buf[s].runs[0].phys;
		ends[n] = starts[n] + p->buf[s].allocated;
		n++;
	}
	qsort(starts, n, sizeof(*starts), cmp_u64);
	qsort(ends, n, sizeof(*ends), cmp_u64);
	for (unsigned int i = 1; i < n; i++)
		test_require((ends[i - 1]) <= (starts[i]));
}

static void run_property(const char *line, bool best_fit, uint64_t seed)
{
	struct heap_metrics before, after;
	struct prop *p = calloc(1, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	rig_up(&p->r, line);
	p->mo.best_fit = best_fit;
	p->mo.avail = PROP_PAGES;
	p->defer = heap_flags(p->r.heap) & HEAP_FLAG_DEFER_FREE;
	sim_rng_seed(&p->rng, seed);
	heap_metrics(p->r.heap, &before);
	for (int step = 0; step < 4000; step++) {
		uint64_t what = sim_rng_below(&p->rng, 100);

		if (what < 50)
			step_alloc(p);
		else if (what < 95)
			step_free(p);
		else
			step_drain(p);
		check_invariants(p);
	}
	for (int s = 0; s < PROP_SLOTS; s++)
		if (p->mo.pages[s] && p->mo.live[s])
			heap_buffer_free(&p->buf[s]);
	heap_drain(p->r.heap, 0);
	heap_metrics(p->r.heap, &after);
	test_require((after.used) == (0));
	test_require((after.free) == (before.free));
	test_require((after.largest_free) == (before.largest_free));
	test_require((after.free_extents) == (before.free_extents));
	test_require((after.live) == (0));
	test_require((after.deferred) == (0));
	ck_assert(after.frag == 0.0);
	test_require((after.allocs) > (1000));
	test_require((after.failures) > (0));	/* the pool did fill up */
	test_require((after.frag_failures) > (0));	/* and fragmented */
	rig_down(&p->r);
	free(p);
}

START_TEST(property_first_fit_deferred)
{
	run_property("heap cv type=carveout id=2 size=4M base=0x80000000",
		     false, 1);
}
END_TEST

START_TEST(property_best_fit_deferred)
{
	run_property("heap cv type=carveout id=2 size=4M base=0x80000000 "
		     "policy=best-fit", true, 2);
}
END_TEST

START_TEST(property_first_fit_immediate)
{
	run_property("heap cv type=carveout id=2 size=4M base=0x80000000 "
		     "defer_free=off", false, 3);
}
END_TEST

START_TEST(property_best_fit_immediate)
{
	run_property("heap cv type=carveout id=2 size=4M base=0x80000000 "
		     "defer_free=off policy=best-fit", true, 4);
}
END_TEST

static Suite *carveout_suite(void)
{
	Suite *s = suite_create("heaps-carveout");
	TCase *t = tcase_create("placement");

	tcase_add_test(t, first_fit_takes_the_lowest_hole);
	tcase_add_test(t, best_fit_takes_the_smallest_hole);
	tcase_add_test(t, spec_worked_example);
	tcase_add_test(t, granule_rounds_and_counts_waste);
	tcase_add_test(t, carveout_at_zero_loses_its_first_block);
	tcase_add_test(t, carveout_at_zero_with_retry_succeeds_past_the_loss);
	suite_add_tcase(s, t);
	t = tcase_create("failures");
	tcase_add_test(t, align_above_a_page_is_einval);
	tcase_add_test(t, full_pool_is_enomem_not_fragmentation);
	tcase_add_test(t, fragmented_pool_counts_a_frag_failure);
	tcase_add_test(t, injected_faults_leave_nothing_behind);
	tcase_add_test(t, injected_fault_is_retried_on_a_defer_free_heap);
	suite_add_tcase(s, t);
	t = tcase_create("deferred");
	tcase_add_test(t, samsung_trace_deferred_free_fragments);
	tcase_add_test(t, samsung_trace_without_deferred_free_fits);
	tcase_add_test(t, failure_drains_the_free_list_and_retries);
	suite_add_tcase(s, t);
	t = tcase_create("property");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, property_first_fit_deferred);
	tcase_add_test(t, property_best_fit_deferred);
	tcase_add_test(t, property_first_fit_immediate);
	tcase_add_test(t, property_best_fit_immediate);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(carveout_suite)
