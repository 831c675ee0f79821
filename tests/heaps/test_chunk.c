/*
 * tests/heaps/test_chunk.c - the chunk heap.
 *
 * The reference is Linux 4.9 ion_chunk_heap.c: a gen_pool with one bit per
 * chunk; align > chunk_size refused with EINVAL; allocated_size =
 * ALIGN(len, chunk_size); the fast fail when allocated_size exceeds
 * size - allocated; sg_alloc_table before the chunks; one
 * gen_pool_alloc(chunk_size) per chunk (first fit), the ones taken given
 * back on a failure part-way, ENOMEM; buffer->size left at the
 * page-aligned request.  Deferred free and the retry are ion.c's, as in
 * test_carveout.c.  Placements are derived by hand in the comments; the
 * property test holds every chunk against a naive model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/heap.h"
#include "heaputil.h"

#define K 1024ULL
#define MB (1ULL << 20)
#define BASE 0x80000000ULL		/* outside RAM: extra memory */

static int alloc(struct rig *r, struct heap_buffer *b, uint64_t len)
{
	return rig_alloc(r, b, len, len, 0);
}

static void metrics(struct rig *r, struct heap_metrics *mt)
{
	heap_metrics(r->heap, mt);
}

/* --- rounding and placement ------------------------------------------ */

/* ION-SPEC.md 4.5's example: 4M of 16K chunks; 20K takes 2 chunks (32K
 * of the pool, two 16K entries, ascending first fit) and keeps
 * buffer->size 20480. */
START_TEST(twenty_k_in_16k_chunks_takes_two)
{
	struct heap_buffer b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=4M chunk=16K base=0x80000000");
	ck_assert_int_eq(rig_alloc(&r, &b, 20 * K, 20000, 0), 0);
	ck_assert_uint_eq(b.size, 20480);
	ck_assert_uint_eq(b.allocated, 32 * K);
	ck_assert_uint_eq(b.nruns, 2);
	ck_assert_uint_eq(b.runs[0].phys, BASE);
	ck_assert_uint_eq(b.runs[0].len, 16 * K);
	ck_assert_uint_eq(b.runs[1].phys, BASE + 16 * K);
	ck_assert_uint_eq(b.runs[1].len, 16 * K);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 32 * K);
	ck_assert_uint_eq(mt.free, 4 * MB - 32 * K);
	ck_assert_uint_eq(mt.waste, 32 * K - 20000);
	ck_assert_uint_eq(mt.largest_free, mt.free);	/* no contiguity needed */
	ck_assert(mt.frag == 0.0);
	ck_assert_uint_eq(mt.free_extents, 1);
	heap_buffer_free(&b);
	rig_down(&r);
}
END_TEST

/*
 * Each chunk is its own first-fit pick, so a buffer fills holes.  64K
 * chunks: A @0, B @1, C @2 (in chunks from BASE); free B; D of 2 chunks
 * takes the hole at 1 and then 3: two runs, not contiguous.
 */
START_TEST(chunks_fill_holes_and_need_no_contiguity)
{
	struct heap_buffer a, b, c, d;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=1M chunk=64K base=0x80000000 "
		   "defer_free=off");
	ck_assert_int_eq(alloc(&r, &a, 64 * K), 0);
	ck_assert_int_eq(alloc(&r, &b, 64 * K), 0);
	ck_assert_int_eq(alloc(&r, &c, 64 * K), 0);
	ck_assert_uint_eq(c.runs[0].phys, BASE + 128 * K);
	heap_buffer_free(&b);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.free_extents, 2);
	ck_assert(mt.frag == 0.0);
	ck_assert_int_eq(alloc(&r, &d, 128 * K), 0);
	ck_assert_uint_eq(d.nruns, 2);
	ck_assert_uint_eq(d.runs[0].phys, BASE + 64 * K);
	ck_assert_uint_eq(d.runs[1].phys, BASE + 192 * K);
	ck_assert(!heap_buffer_contiguous(&d));
	ck_assert(heap_buffer_contiguous(&a));
	heap_buffer_free(&a);
	heap_buffer_free(&c);
	heap_buffer_free(&d);
	rig_down(&r);
}
END_TEST

START_TEST(waste_is_allocated_minus_requested)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=1M chunk=64K defer_free=off");
	ck_assert_int_eq(rig_alloc(&r, &a, 4 * K, 100, 0), 0);
	ck_assert_uint_eq(a.allocated, 64 * K);
	ck_assert_int_eq(alloc(&r, &b, 68 * K), 0);
	ck_assert_uint_eq(b.allocated, 128 * K);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 192 * K);
	ck_assert_uint_eq(mt.waste, (64 * K - 100) + (128 - 68) * K);
	heap_buffer_free(&a);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.waste, (128 - 68) * K);
	heap_buffer_free(&b);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.waste, 0);
	rig_down(&r);
}
END_TEST

/* --- refusals and failures -------------------------------------------- */

START_TEST(align_above_the_chunk_is_einval)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=1M chunk=16K");
	ck_assert_int_eq(rig_alloc(&r, &a, 4 * K, 4 * K, 32 * K), -EINVAL);
	ck_assert_int_eq(rig_alloc(&r, &a, 4 * K, 4 * K, 16 * K), 0);
	ck_assert_int_eq(rig_alloc(&r, &b, 4 * K, 4 * K, 8 * K), 0);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	rig_down(&r);
}
END_TEST

/* 64K of 16K chunks: 48K held, so 32K is over size - allocated and fails
 * before gen_pool or the sg_table are touched. */
START_TEST(fast_fail_touches_nothing)
{
	struct heap_buffer a, b;
	struct sim_fault_stats before, after;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=64K chunk=16K defer_free=off");
	ck_assert_int_eq(alloc(&r, &a, 48 * K), 0);
	sim_fault_stats(r.m, &before);
	ck_assert_int_eq(alloc(&r, &b, 32 * K), -ENOMEM);
	sim_fault_stats(r.m, &after);
	ck_assert_uint_eq(after.calls[SIM_FAULT_GENPOOL],
			  before.calls[SIM_FAULT_GENPOOL]);
	ck_assert_uint_eq(after.calls[SIM_FAULT_KOBJ],
			  before.calls[SIM_FAULT_KOBJ]);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);	/* 16K free < 32K */
	ck_assert_int_eq(alloc(&r, &b, 16 * K), 0);	/* the last chunk */
	ck_assert_uint_eq(b.runs[0].phys, sim_region_get(r.m, 0)->base + 48 * K);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	rig_down(&r);
}
END_TEST

static void assert_empty(struct rig *r, unsigned long kobj_before)
{
	struct heap_metrics mt;

	metrics(r, &mt);
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_uint_eq(mt.free, mt.size);
	ck_assert_uint_eq(mt.free_extents, 1);
	ck_assert_uint_eq(sim_kobj_live(r->m), kobj_before);
	ck_assert_int_eq(heap_validate(r->heap, stderr), 0);
}

/* The 2nd chunk's gen_pool allocation fails: the 1st goes back, the
 * table goes, ENOMEM; the next buffer starts at the same first chunk. */
START_TEST(failure_part_way_rolls_back)
{
	struct heap_buffer b;
	struct heap_metrics mt;
	unsigned long kobj;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=1M chunk=64K base=0x80000000 "
		   "defer_free=off");
	kobj = sim_kobj_live(r.m);
	sim_fault_arm(r.m, SIM_FAULT_GENPOOL, 2);
	ck_assert_int_eq(alloc(&r, &b, 192 * K), -ENOMEM);
	assert_empty(&r, kobj);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);	/* injected */
	sim_fault_arm(r.m, SIM_FAULT_KOBJ, 1);	/* the sg_table */
	ck_assert_int_eq(alloc(&r, &b, 192 * K), -ENOMEM);
	assert_empty(&r, kobj);
	ck_assert_int_eq(alloc(&r, &b, 192 * K), 0);
	ck_assert_uint_eq(b.runs[0].phys, BASE);
	ck_assert_uint_eq(b.runs[2].phys, BASE + 128 * K);
	heap_buffer_free(&b);
	assert_empty(&r, kobj);
	rig_down(&r);
}
END_TEST

/* The kernel's deferred free: a freed buffer still holds its chunks (and
 * the heap's counter) until drained; a request that needs them drains
 * and retries. */
START_TEST(deferred_chunks_count_until_drained)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=256K chunk=64K base=0x80000000");
	ck_assert(heap_flags(r.heap) & HEAP_FLAG_DEFER_FREE);
	ck_assert_int_eq(alloc(&r, &a, 192 * K), 0);
	heap_buffer_free(&a);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 192 * K);
	ck_assert_uint_eq(mt.deferred, 192 * K);
	/* 128K > 256K - 192K: the fast fail, then the drain, then success */
	ck_assert_int_eq(alloc(&r, &b, 128 * K), 0);
	ck_assert_uint_eq(b.runs[0].phys, BASE);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.used, 128 * K);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_uint_eq(mt.deferred, 0);
	heap_buffer_free(&b);
	rig_down(&r);
}
END_TEST

/*
 * A chunk heap at physical 0: the first chunk placed at 0 is lost (the
 * kernel reads 0 as failure), the request fails.  The heap's counter
 * does not know, so a request for what the counter says is left passes
 * the fast fail, runs out of chunks part-way and fails after rollback.
 */
START_TEST(chunk_at_zero_loses_its_first_chunk)
{
	struct heap_buffer a, b;
	struct heap_metrics mt;
	struct rig r;

	rig_up(&r, "heap k type=chunk id=3 size=64K chunk=16K base=0 "
		   "defer_free=off");
	ck_assert_int_eq(alloc(&r, &a, 16 * K), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.size, 48 * K);
	ck_assert_uint_eq(mt.free, 48 * K);
	ck_assert_int_eq(heap_validate(r.heap, stderr), 0);
	ck_assert_int_eq(alloc(&r, &a, 48 * K), 0);
	ck_assert_uint_eq(a.runs[0].phys, 16 * K);
	ck_assert_int_eq(alloc(&r, &b, 16 * K), -ENOMEM);
	metrics(&r, &mt);
	ck_assert_uint_eq(mt.failures, 2);
	ck_assert_uint_eq(mt.free, 0);
	heap_buffer_free(&a);
	rig_down(&r);
}
END_TEST

/* --- property: random histories against a naive model ----------------- */

#define PROP_CHUNKS 128			/* 8M of 64K chunks */
#define PROP_SLOTS 128
#define PROP_CHUNK (64 * K)

/* The model: which chunk is taken, each slot's chunks, the free list. */
struct model {
	unsigned char busy[PROP_CHUNKS];
	unsigned int avail;			/* free chunks */
	unsigned int counter;			/* the kernel's, in chunks */
	unsigned int n[PROP_SLOTS];		/* chunks per slot; 0: unused */
	unsigned int at[PROP_SLOTS][PROP_CHUNKS];	/* their indexes */
	uint64_t size[PROP_SLOTS];		/* buffer->size */
	bool live[PROP_SLOTS];			/* false: deferred */
	int deferred[PROP_SLOTS];		/* the free list, its head last */
	unsigned int ndeferred;
};

static void model_release(struct model *mo, int s)
{
	for (unsigned int i = 0; i < mo->n[s]; i++)
		mo->busy[mo->at[s][i]] = 0;
	mo->avail += mo->n[s];
	mo->counter -= mo->n[s];
	mo->n[s] = 0;
}

static uint64_t model_drain(struct model *mo, uint64_t bytes)
{
	uint64_t got = 0;

	while (mo->ndeferred && (bytes == 0 || got < bytes)) {
		int s = mo->deferred[--mo->ndeferred];

		got += mo->size[s];
		model_release(mo, s);
	}
	return got;
}

/* One try of the chunk heap's allocate for @nr chunks: 0 (the model
 * now holds them in slot @s, lowest free first) or -errno. */
static int model_try(struct model *mo, int s, unsigned int nr,
		     uint64_t align)
{
	unsigned int got = 0;

	if (align > PROP_CHUNK)
		return -EINVAL;
	if (nr > PROP_CHUNKS - mo->counter || nr > mo->avail)
		return -ENOMEM;
	for (unsigned int c = 0; got < nr; c++) {
		if (mo->busy[c])
			continue;
		mo->busy[c] = 1;
		mo->at[s][got++] = c;
	}
	mo->avail -= nr;
	mo->counter += nr;
	mo->n[s] = nr;
	mo->live[s] = true;
	return 0;
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
		if (!p->mo.n[s])
			return s;
	return -1;
}

static void step_alloc(struct prop *p)
{
	uint64_t pages = 1 + sim_rng_below(&p->rng, 64);
	uint64_t align = sim_rng_below(&p->rng, 20) == 0 ? 2 * PROP_CHUNK : 0;
	unsigned int nr = (unsigned int)((pages * 4 * K + PROP_CHUNK - 1) /
					 PROP_CHUNK);
	int s = unused_slot(p), want, ret;

	if (s < 0)
		return;
	want = model_try(&p->mo, s, nr, align);
	if (want < 0 && p->defer) {
		model_drain(&p->mo, 0);
		want = model_try(&p->mo, s, nr, align);
	}
	ret = rig_alloc(&p->r, &p->buf[s], pages * 4 * K, pages * 4 * K,
			align);
	test_require((ret) == (want));
	if (want < 0)
		return;
	p->mo.size[s] = pages * 4 * K;
	test_require((p->buf[s].nruns) == (nr));
	for (unsigned int i = 0; i < nr; i++)
		test_require((p->buf[s].runs[i].phys) == (BASE + p->mo.at[s][i] * PROP_CHUNK));
}

static void step_free(struct prop *p)
{
	int s = (int)sim_rng_below(&p->rng, PROP_SLOTS);

	for (int tries = 0; tries < PROP_SLOTS; tries++, s = (s + 1) % PROP_SLOTS) {
		if (!p->mo.n[s] || !p->mo.live[s])
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
			 sim_rng_below(&p->rng, 1024) * 1024 * 4;
	uint64_t want = model_drain(&p->mo, bytes);

	test_require((heap_drain(p->r.heap, bytes)) == (want));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* No chunk is in two held buffers; the metrics add up. */
static void check_invariants(struct prop *p)
{
	uint64_t starts[PROP_CHUNKS];
	struct heap_metrics mt;
	unsigned int n = 0;

	test_require((heap_validate(p->r.heap, stderr)) == (0));
	heap_metrics(p->r.heap, &mt);
	test_require((mt.used + mt.free) == (mt.size));
	test_require((mt.free) == (p->mo.avail * PROP_CHUNK));
	test_require((mt.largest_free) == (mt.free));
	for (int s = 0; s < PROP_SLOTS; s++)
		for (unsigned int i = 0; i < p->mo.n[s]; i++)
			starts[n++] = p->buf[s].runs[i].phys;
	qsort(starts, n, sizeof(*starts), cmp_u64);
	for (unsigned int i = 1; i < n; i++)
		test_require((starts[i - 1] + PROP_CHUNK) <= (starts[i]));
}

static void run_property(const char *line, uint64_t seed)
{
	struct heap_metrics before, after;
	struct prop *p = calloc(1, sizeof(*p));

	ck_assert_ptr_nonnull(p);
	rig_up(&p->r, line);
	p->mo.avail = PROP_CHUNKS;
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
		if (p->mo.n[s] && p->mo.live[s])
			heap_buffer_free(&p->buf[s]);
	heap_drain(p->r.heap, 0);
	heap_metrics(p->r.heap, &after);
	test_require((after.used) == (0));
	test_require((after.free) == (before.free));
	test_require((after.free_extents) == (1));
	test_require((after.waste) == (0));
	test_require((after.deferred) == (0));
	test_require((after.allocs) > (1000));
	test_require((after.failures) > (0));	/* the heap did fill up */
	rig_down(&p->r);
	free(p);
}

START_TEST(property_deferred)
{
	run_property("heap k type=chunk id=3 size=8M chunk=64K base=0x80000000",
		     5);
}
END_TEST

START_TEST(property_immediate)
{
	run_property("heap k type=chunk id=3 size=8M chunk=64K base=0x80000000 "
		     "defer_free=off", 6);
}
END_TEST

static Suite *chunk_suite(void)
{
	Suite *s = suite_create("heaps-chunk");
	TCase *t = tcase_create("placement");

	tcase_add_test(t, twenty_k_in_16k_chunks_takes_two);
	tcase_add_test(t, chunks_fill_holes_and_need_no_contiguity);
	tcase_add_test(t, waste_is_allocated_minus_requested);
	tcase_add_test(t, chunk_at_zero_loses_its_first_chunk);
	suite_add_tcase(s, t);
	t = tcase_create("failures");
	tcase_add_test(t, align_above_the_chunk_is_einval);
	tcase_add_test(t, fast_fail_touches_nothing);
	tcase_add_test(t, failure_part_way_rolls_back);
	tcase_add_test(t, deferred_chunks_count_until_drained);
	suite_add_tcase(s, t);
	t = tcase_create("property");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, property_deferred);
	tcase_add_test(t, property_immediate);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(chunk_suite)
