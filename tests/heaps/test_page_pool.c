/*
 * tests/heaps/test_page_pool.c - ion_page_pool over the simulated buddy:
 * buddy fallback, FIFO reuse, the cap, shrinking low list first with a
 * whole-block overshoot, warm-up, and a clean teardown.
 * Kernel reference: Linux 4.9 ion_page_pool.c.
 */
#include <errno.h>
#include <string.h>

#include "heaps/page_pool.h"
#include "testlib.h"

static void buddy_snapshot(struct sim_machine *m,
			   unsigned long counts[SIM_MAX_ORDER])
{
	sim_buddy_counts(m, counts);
}

static void assert_buddy_is(struct sim_machine *m,
			    const unsigned long want[SIM_MAX_ORDER])
{
	unsigned long now[SIM_MAX_ORDER];
	int k;

	sim_buddy_counts(m, now);
	for (k = 0; k < SIM_MAX_ORDER; k++)
		ck_assert_msg(now[k] == want[k], "order %d: %lu free blocks, "
			      "want %lu", k, now[k], want[k]);
}

START_TEST(empty_pool_falls_back_to_the_buddy)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	uint64_t before = sim_buddy_free_pages(m), pfn = 0;

	heap_page_pool_init(&pool, m, 4, false, 0);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn), 0);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 16);
	ck_assert_uint_eq(pfn % 16, 0);
	heap_page_pool_free(&pool, pfn);
	/* The block stays in the pool, not in the buddy. */
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 16);
	ck_assert_uint_eq(heap_page_pool_blocks(&pool, false), 1);
	ck_assert_uint_eq(heap_page_pool_blocks(&pool, true), 0);
	ck_assert_uint_eq(heap_page_pool_pages(&pool), 16);
	heap_page_pool_fini(&pool);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before);
	test_shutdown(m);
}
END_TEST

START_TEST(warm_alloc_reuses_oldest_block_without_the_buddy)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	struct sim_fault_stats st0, st1;
	uint64_t a, b, c, got;

	heap_page_pool_init(&pool, m, 0, false, 0);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &a), 0);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &b), 0);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &c), 0);
	heap_page_pool_free(&pool, b);
	heap_page_pool_free(&pool, c);
	heap_page_pool_free(&pool, a);
	sim_fault_stats(m, &st0);
	/* list_add_tail on free, list_first_entry on alloc: FIFO. */
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
	ck_assert_uint_eq(got, b);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
	ck_assert_uint_eq(got, c);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
	ck_assert_uint_eq(got, a);
	sim_fault_stats(m, &st1);
	ck_assert_uint_eq(st1.calls[SIM_FAULT_PAGES],
			  st0.calls[SIM_FAULT_PAGES]);
	heap_page_pool_free(&pool, a);
	heap_page_pool_free(&pool, b);
	heap_page_pool_free(&pool, c);
	heap_page_pool_fini(&pool);
	test_shutdown(m);
}
END_TEST

START_TEST(ring_grows_and_keeps_fifo_order)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	uint64_t pfns[100], got;
	int i;

	heap_page_pool_init(&pool, m, 0, true, 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfns[i]), 0);
	/* Interleave frees and allocs so the ring wraps before it grows. */
	for (i = 0; i < 10; i++)
		heap_page_pool_free(&pool, pfns[i]);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
		ck_assert_uint_eq(got, pfns[i]);
	}
	for (i = 10; i < 100; i++)
		heap_page_pool_free(&pool, pfns[i]);
	for (i = 0; i < 5; i++)
		heap_page_pool_free(&pool, pfns[i]);
	for (i = 5; i < 100; i++) {
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
		ck_assert_uint_eq(got, pfns[i]);
	}
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &got), 0);
		ck_assert_uint_eq(got, pfns[i]);
	}
	for (i = 0; i < 100; i++)
		heap_page_pool_free(&pool, pfns[i]);
	ck_assert_uint_eq(heap_page_pool_pages(&pool), 100);
	heap_page_pool_fini(&pool);
	test_shutdown(m);
}
END_TEST

START_TEST(cap_sends_extra_blocks_to_the_buddy)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	uint64_t before = sim_buddy_free_pages(m), pfn[3];
	int i;

	heap_page_pool_init(&pool, m, 4, false, 40);	/* 2 blocks fit */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn[i]), 0);
	for (i = 0; i < 3; i++)
		heap_page_pool_free(&pool, pfn[i]);
	ck_assert_uint_eq(heap_page_pool_blocks(&pool, false), 2);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 32);
	heap_page_pool_fini(&pool);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before);
	test_shutdown(m);
}
END_TEST

START_TEST(shrink_counts_then_frees_whole_blocks)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap_page_pool pool;
	uint64_t pfn[3];
	int i;

	buddy_snapshot(m, boot);
	heap_page_pool_init(&pool, m, 4, false, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn[i]), 0);
	for (i = 0; i < 3; i++)
		heap_page_pool_free(&pool, pfn[i]);
	ck_assert_uint_eq(heap_page_pool_shrink(&pool, 0), 48);
	/* One page asked, one whole block (16 pages) freed. */
	ck_assert_uint_eq(heap_page_pool_shrink(&pool, 1), 16);
	ck_assert_uint_eq(heap_page_pool_blocks(&pool, false), 2);
	ck_assert_uint_eq(heap_page_pool_shrink(&pool, 17), 32);
	ck_assert_uint_eq(heap_page_pool_shrink(&pool, 5), 0);
	ck_assert_uint_eq(heap_page_pool_shrink(&pool, 0), 0);
	assert_buddy_is(m, boot);
	heap_page_pool_fini(&pool);
	test_shutdown(m);
}
END_TEST

START_TEST(fill_warms_up_to_the_target_within_the_cap)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool a, b;

	heap_page_pool_init(&a, m, 4, false, 0);
	ck_assert_int_eq(heap_page_pool_fill(&a, 40), 0);
	ck_assert_uint_eq(heap_page_pool_pages(&a), 48);	/* rounded up */
	heap_page_pool_init(&b, m, 4, false, 32);
	ck_assert_int_eq(heap_page_pool_fill(&b, 100), 0);
	ck_assert_uint_eq(heap_page_pool_pages(&b), 32);	/* capped */
	heap_page_pool_fini(&a);
	heap_page_pool_fini(&b);
	test_shutdown(m);
}
END_TEST

START_TEST(fill_stops_with_enomem_when_ram_runs_out)
{
	struct sim_config cfg;
	struct sim_machine *m;
	struct heap_page_pool pool;

	sim_config_default(&cfg);
	cfg.ram_size = 4ULL << 20;
	m = test_boot(&cfg);
	heap_page_pool_init(&pool, m, 8, false, 0);
	ck_assert_int_eq(heap_page_pool_fill(&pool, 8192), -ENOMEM);
	ck_assert_uint_eq(heap_page_pool_pages(&pool), 1024);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 0);
	heap_page_pool_fini(&pool);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 1024);
	test_shutdown(m);
}
END_TEST

START_TEST(injected_page_fault_fails_a_cold_alloc_only)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	uint64_t before = sim_buddy_free_pages(m), pfn;

	heap_page_pool_init(&pool, m, 0, false, 0);
	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn), -ENOMEM);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn), 0);
	heap_page_pool_free(&pool, pfn);
	/* A warm alloc asks no fault point. */
	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn), 0);
	sim_fault_disarm(m);
	heap_page_pool_free(&pool, pfn);
	heap_page_pool_fini(&pool);
	test_shutdown(m);
}
END_TEST

static int record_pfn(uint64_t pfn, unsigned int order, void *ctx)
{
	uint64_t *out = ctx;

	ck_assert_uint_eq(order, 2);
	out[out[0] + 1] = pfn;
	out[0]++;
	return out[0] == 2 ? 7 : 0;	/* stop after two */
}

START_TEST(foreach_visits_oldest_first_and_stops_early)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_page_pool pool;
	uint64_t pfn[3], seen[4] = { 0 };
	int i;

	heap_page_pool_init(&pool, m, 2, false, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(heap_page_pool_alloc(&pool, &pfn[i]), 0);
	for (i = 2; i >= 0; i--)
		heap_page_pool_free(&pool, pfn[i]);
	ck_assert_int_eq(heap_page_pool_foreach(&pool, record_pfn, seen), 7);
	ck_assert_uint_eq(seen[0], 2);
	ck_assert_uint_eq(seen[1], pfn[2]);
	ck_assert_uint_eq(seen[2], pfn[1]);
	heap_page_pool_fini(&pool);
	test_shutdown(m);
}
END_TEST

static Suite *page_pool_suite(void)
{
	Suite *s = suite_create("heaps-page-pool");
	TCase *t = tcase_create("pool");

	tcase_add_test(t, empty_pool_falls_back_to_the_buddy);
	tcase_add_test(t, warm_alloc_reuses_oldest_block_without_the_buddy);
	tcase_add_test(t, ring_grows_and_keeps_fifo_order);
	tcase_add_test(t, cap_sends_extra_blocks_to_the_buddy);
	tcase_add_test(t, shrink_counts_then_frees_whole_blocks);
	tcase_add_test(t, fill_warms_up_to_the_target_within_the_cap);
	tcase_add_test(t, fill_stops_with_enomem_when_ram_runs_out);
	tcase_add_test(t, injected_page_fault_fails_a_cold_alloc_only);
	tcase_add_test(t, foreach_visits_oldest_first_and_stops_early);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(page_pool_suite)
