/*
 * tests/heaps/test_cma_heap.c - the CMA heap in its three kernels: 4.9's
 * EINVAL for cached buffers and large align and EPERM for everything
 * else; 4.19's order-aligned runs (capped at order 8) and ENOMEM; 4.14's
 * unaligned runs; metrics, zeroing, and a seeded random walk.
 * Kernel reference: Linux 4.9 ion_cma_heap.c with arm64's DMA API
 * (dma_alloc_from_contiguous aligns to get_order, capped at
 * CONFIG_CMA_ALIGNMENT); Linux 4.14.5 and 4.19.48 ion_cma_heap.c.
 */
#include <errno.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "testlib.h"

#define PAGE SIM_PAGE_SIZE
#define K4 (4ULL << 10)
#define M1 (1ULL << 20)

/* 64 MiB of RAM, a CMA area "cma" of @size, a reserved region "carve". */
static struct sim_machine *boot_cma(uint64_t size)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_size = 64 * M1;
	ck_assert_int_ge(sim_config_add_region(&cfg, "cma", SIM_REGION_CMA,
					       false, 0, size), 0);
	ck_assert_int_ge(sim_config_add_region(&cfg, "carve",
					       SIM_REGION_RESERVED, false, 0,
					       M1), 0);
	return test_boot(&cfg);
}

static struct heap *make_cma(struct sim_machine *m, enum heap_kernel k)
{
	struct heap_config cfg;
	int err = 1;
	struct heap *h;

	heap_config_defaults(&cfg, HEAP_TYPE_DMA);
	strcpy(cfg.name, "cma");
	cfg.id = 4;
	cfg.kernel = k;
	h = heap_create(m, &cfg, &err);
	ck_assert_msg(h != NULL, "heap_create: %d", err);
	return h;
}

static int alloc(struct heap *h, struct heap_buffer *b, uint64_t len,
		 uint64_t align, unsigned long flags)
{
	memset(b, 0, sizeof(*b));
	return heap_buffer_alloc(h, b, len, len, align, flags);
}

static uint64_t area_pfn(struct sim_machine *m)
{
	return sim_phys_to_pfn(sim_region_get(m, 0)->base);
}

static uint64_t pfn_of(const struct heap_buffer *b)
{
	return sim_phys_to_pfn(b->runs[0].phys);
}

START_TEST(create_needs_a_cma_region_of_that_name)
{
	struct sim_machine *m = boot_cma(M1);
	struct heap_config cfg;
	int err = 0;

	heap_config_defaults(&cfg, HEAP_TYPE_DMA);
	strcpy(cfg.name, "nowhere");
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -ENOENT);
	strcpy(cfg.name, "carve");
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
	test_shutdown(m);
}
END_TEST

START_TEST(cached_and_large_align_are_einval_in_4_9)
{
	struct sim_machine *m = boot_cma(M1);
	struct heap *h = make_cma(m, HEAP_KERNEL_4_9);
	struct heap *h19;
	struct heap_buffer b;
	struct heap_metrics mt;

	ck_assert_int_eq(alloc(h, &b, K4, 0, HEAP_BUF_CACHED), -EINVAL);
	ck_assert_int_eq(alloc(h, &b, K4, 2 * PAGE, 0), -EINVAL);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_int_eq(alloc(h, &b, K4, PAGE, 0), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	/* 4.14 dropped the cached check and the align argument. */
	h19 = make_cma(m, HEAP_KERNEL_4_19);
	ck_assert_int_eq(alloc(h19, &b, K4, M1, HEAP_BUF_CACHED), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h19), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(exhaustion_is_eperm_in_4_9_and_enomem_later)
{
	static const enum heap_kernel kernels[] = {
		HEAP_KERNEL_4_9, HEAP_KERNEL_4_14, HEAP_KERNEL_4_19,
	};
	static const int want[] = { -EPERM, -ENOMEM, -ENOMEM };
	struct sim_machine *m = boot_cma(M1);
	struct heap_buffer a, b;
	struct heap_metrics mt;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct heap *h = make_cma(m, kernels[i]);

		ck_assert_int_eq(alloc(h, &a, M1, 0, 0), 0);
		ck_assert_int_eq(alloc(h, &b, K4, 0, 0), want[i]);
		heap_metrics(h, &mt);
		ck_assert_uint_eq(mt.failures, 1);
		ck_assert_uint_eq(mt.frag_failures, 0);
		ck_assert_uint_eq(mt.free, 0);
		ck_assert(mt.frag == 0.0);
		heap_buffer_free(&a);
		/* A fault in the sg_table allocation: the same errno, and
		 * the run goes back. */
		sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
		ck_assert_int_eq(alloc(h, &b, K4, 0, 0), want[i]);
		heap_metrics(h, &mt);
		ck_assert_uint_eq(mt.free, M1);
		ck_assert_uint_eq(mt.failures, 2);
		ck_assert_uint_eq(mt.frag_failures, 0);
		ck_assert_int_eq(heap_destroy(h), 0);
	}
	test_shutdown(m);
}
END_TEST

START_TEST(runs_are_order_aligned_up_to_order_8)
{
	static const enum heap_kernel kernels[] = {
		HEAP_KERNEL_4_9, HEAP_KERNEL_4_19,
	};
	struct sim_machine *m = boot_cma(4 * M1);
	uint64_t base = area_pfn(m);
	struct heap_buffer one, four, big;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct heap *h = make_cma(m, kernels[i]);

		ck_assert_int_eq(alloc(h, &one, PAGE, 0, 0), 0);
		ck_assert_uint_eq(pfn_of(&one), base);
		/* 3 pages: order 2, so the run starts 4 pages in. */
		ck_assert_int_eq(alloc(h, &four, 3 * PAGE, 0, 0), 0);
		ck_assert_uint_eq(pfn_of(&four) % 4, 0);
		ck_assert_uint_eq(pfn_of(&four), base + 4);
		/* 2 MiB is order 9, capped at 8: 256-page alignment. */
		ck_assert_int_eq(alloc(h, &big, 2 * M1, 0, 0), 0);
		ck_assert_uint_eq(pfn_of(&big) % 256, 0);
		ck_assert_uint_eq(pfn_of(&big), base + 256);
		ck_assert_int_eq(heap_validate(h, stderr), 0);
		heap_buffer_free(&one);
		heap_buffer_free(&four);
		heap_buffer_free(&big);
		ck_assert_int_eq(heap_destroy(h), 0);
	}
	test_shutdown(m);
}
END_TEST

START_TEST(runs_are_unaligned_in_4_14)
{
	struct sim_machine *m = boot_cma(M1);
	struct heap *h = make_cma(m, HEAP_KERNEL_4_14);
	uint64_t base = area_pfn(m);
	struct heap_buffer one, three;

	ck_assert_int_eq(alloc(h, &one, PAGE, 0, 0), 0);
	ck_assert_int_eq(alloc(h, &three, 3 * PAGE, 0, 0), 0);
	ck_assert_uint_eq(pfn_of(&three), base + 1);
	ck_assert_uint_eq(three.allocated, 3 * PAGE);
	heap_buffer_free(&one);
	heap_buffer_free(&three);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(metrics_count_holes)
{
	struct sim_machine *m = boot_cma(M1);
	struct heap *h = make_cma(m, HEAP_KERNEL_4_14);
	struct heap_buffer q[4];
	struct heap_metrics mt;
	int i;

	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.size, M1);
	ck_assert_uint_eq(mt.free, M1);
	ck_assert_uint_eq(mt.largest_free, M1);
	ck_assert_uint_eq(mt.free_extents, 1);
	ck_assert(mt.frag == 0.0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(alloc(h, &q[i], M1 / 8, 0, 0), 0);
	heap_buffer_free(&q[1]);
	heap_metrics(h, &mt);
	/* [q0][hole 128K][q2][q3][hole 512K] */
	ck_assert_uint_eq(mt.used, 3 * M1 / 8);
	ck_assert_uint_eq(mt.free, 5 * M1 / 8);
	ck_assert_uint_eq(mt.largest_free, M1 / 2);
	ck_assert_uint_eq(mt.free_extents, 2);
	ck_assert(mt.frag == 1.0 - 4.0 / 5.0);
	ck_assert_uint_eq(mt.used + mt.free, mt.size);
	heap_buffer_free(&q[0]);
	heap_buffer_free(&q[2]);
	heap_buffer_free(&q[3]);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(a_dirty_run_comes_back_zeroed)
{
	struct sim_machine *m = boot_cma(M1);
	struct heap *h = make_cma(m, HEAP_KERNEL_4_19);
	struct heap_buffer a, b;
	unsigned char *p, got = 0xff;

	ck_assert_int_eq(alloc(h, &a, 2 * PAGE, 0, 0), 0);
	p = heap_kmap_get(&a, NULL);
	ck_assert_ptr_nonnull(p);
	memset(p, 0x77, 2 * PAGE);
	heap_kmap_put(&a);
	heap_buffer_free(&a);
	ck_assert_int_eq(alloc(h, &b, 2 * PAGE, 0, 0), 0);
	ck_assert_int_eq(sim_phys_read(m, b.runs[0].phys + PAGE + 9, &got, 1),
			 0);
	ck_assert_uint_eq(got, 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- a seeded random walk ------------------------------------------------- */

#define SLOTS 32

static void random_walk(enum heap_kernel kernel, uint64_t seed)
{
	struct sim_machine *m = boot_cma(4 * M1);
	struct heap_buffer buf[SLOTS];
	bool live[SLOTS] = { false };
	struct heap *h = make_cma(m, kernel);
	struct sim_rng rng;
	struct heap_metrics mt;
	int step, i;

	sim_rng_seed(&rng, seed);
	for (step = 0; step < 4000; step++) {
		uint64_t held = 0;

		i = (int)sim_rng_below(&rng, SLOTS);
		if (!live[i]) {
			uint64_t pages = 1 + sim_rng_below(&rng, 100);
			int ret = alloc(h, &buf[i], pages * PAGE, 0, 0);

			ck_assert(ret == 0 || ret == -ENOMEM || ret == -EPERM);
			live[i] = ret == 0;
		} else {
			heap_buffer_free(&buf[i]);
			live[i] = false;
		}
		ck_assert_int_eq(heap_validate(h, stderr), 0);
		for (i = 0; i < SLOTS; i++)
			held += live[i] ? buf[i].allocated : 0;
		heap_metrics(h, &mt);
		ck_assert_uint_eq(mt.used, held);
		ck_assert_uint_eq(mt.used + mt.free, mt.size);
		ck_assert_uint_le(mt.largest_free, mt.free);
	}
	for (i = 0; i < SLOTS; i++)
		if (live[i])
			heap_buffer_free(&buf[i]);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.free, 4 * M1);
	ck_assert_uint_eq(mt.largest_free, 4 * M1);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}

START_TEST(random_walk_4_9)
{
	random_walk(HEAP_KERNEL_4_9, 31);
}
END_TEST

START_TEST(random_walk_4_14)
{
	random_walk(HEAP_KERNEL_4_14, 32);
}
END_TEST

START_TEST(random_walk_4_19)
{
	random_walk(HEAP_KERNEL_4_19, 33);
}
END_TEST

static Suite *cma_suite(void)
{
	Suite *s = suite_create("heaps-cma");
	TCase *t = tcase_create("cma");

	tcase_add_test(t, create_needs_a_cma_region_of_that_name);
	tcase_add_test(t, cached_and_large_align_are_einval_in_4_9);
	tcase_add_test(t, exhaustion_is_eperm_in_4_9_and_enomem_later);
	tcase_add_test(t, runs_are_order_aligned_up_to_order_8);
	tcase_add_test(t, runs_are_unaligned_in_4_14);
	tcase_add_test(t, metrics_count_holes);
	tcase_add_test(t, a_dirty_run_comes_back_zeroed);
	suite_add_tcase(s, t);
	t = tcase_create("random");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, random_walk_4_9);
	tcase_add_test(t, random_walk_4_14);
	tcase_add_test(t, random_walk_4_19);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(cma_suite)
