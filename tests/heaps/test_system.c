/*
 * tests/heaps/test_system.c - the system heap: the greedy order split
 * with its monotone max order, the half-of-RAM cap, align, rollback into
 * the pools, cached and uncached pool sets, pool_high and pool_low, the
 * shrinker's order, the debugfs pool lines, metrics, and a seeded random
 * walk.  Kernel reference: Linux 4.9 ion_system_heap.c and
 * ion_page_pool.c; Linux 4.19 for the merged pools.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "sim/buddy.h"
#include "testlib.h"

#define PAGE SIM_PAGE_SIZE
#define K4 (4ULL << 10)
#define K64 (64ULL << 10)
#define M1 (1ULL << 20)

static struct sim_machine *boot_ram(uint64_t ram)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_size = ram;
	return test_boot(&cfg);
}

/* The default system heap of @kernel, without deferred free. */
static void system_cfg(struct heap_config *cfg, enum heap_kernel kernel)
{
	heap_config_defaults(cfg, HEAP_TYPE_SYSTEM);
	strcpy(cfg->name, "system");
	cfg->kernel = kernel;
	cfg->defer_free = false;
}

static struct heap *make(struct sim_machine *m, const struct heap_config *cfg)
{
	int err = 1;
	struct heap *h = heap_create(m, cfg, &err);

	ck_assert_msg(h != NULL, "heap_create: %d", err);
	ck_assert_int_eq(err, 0);
	return h;
}

static struct heap *make_system(struct sim_machine *m, enum heap_kernel k)
{
	struct heap_config cfg;

	system_cfg(&cfg, k);
	return make(m, &cfg);
}

static int alloc(struct heap *h, struct heap_buffer *b, uint64_t len,
		 unsigned long flags)
{
	memset(b, 0, sizeof(*b));
	return heap_buffer_alloc(h, b, len, len, 0, flags);
}

static void assert_run(const struct heap_buffer *b, unsigned int i,
		       uint64_t len)
{
	ck_assert_msg(b->runs[i].len == len, "run %u: %llu bytes, want %llu",
		      i, (unsigned long long)b->runs[i].len,
		      (unsigned long long)len);
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

static unsigned long page_calls(struct sim_machine *m)
{
	struct sim_fault_stats st;

	sim_fault_stats(m, &st);
	return st.calls[SIM_FAULT_PAGES];
}

static uint64_t free_bytes(struct heap *h)
{
	struct heap_metrics mt;

	heap_metrics(h, &mt);
	return mt.free;
}

static char *debug_text(struct heap *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	heap_debug_show(h, f);
	fclose(f);
	return text;
}

static void shrink_all(struct heap *h)
{
	heap_shrink_scan(h, heap_shrink_count(h));
	ck_assert_uint_eq(heap_shrink_count(h), 0);
}

/* --- the greedy split (ION-SPEC 4.1) -------------------------------------- */

START_TEST(greedy_split_of_1200000_bytes)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer b;
	unsigned int i;

	/* 1,200,000 bytes page-align to 293 pages = 256 + 2x16 + 5x1. */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(heap_buffer_alloc(h, &b, 293 * PAGE, 1200000, 0, 0),
			 0);
	ck_assert_uint_eq(b.nruns, 8);
	assert_run(&b, 0, M1);
	assert_run(&b, 1, K64);
	assert_run(&b, 2, K64);
	for (i = 3; i < 8; i++)
		assert_run(&b, i, K4);
	ck_assert_uint_eq(b.allocated, 1200128);
	ck_assert_uint_eq(b.size, 1200128);
	ck_assert_int_eq(heap_validate(h, stderr), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(failed_order8_is_never_tried_again)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer b;
	unsigned long calls;
	unsigned int i;

	/* The first page allocation is the order-8 block: make it fail. */
	sim_fault_arm(m, SIM_FAULT_PAGES, 1);
	calls = page_calls(m);
	ck_assert_int_eq(alloc(h, &b, 293 * PAGE, 0), 0);
	ck_assert_uint_eq(b.nruns, 23);
	for (i = 0; i < 18; i++)
		assert_run(&b, i, K64);
	for (i = 18; i < 23; i++)
		assert_run(&b, i, K4);
	/* One failed order-8 try, then 18 + 5 blocks: no second order-8. */
	ck_assert_uint_eq(page_calls(m) - calls, 24);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(no_order8_blocks_left_gives_order4_and_order0)
{
	struct sim_machine *m = boot_ram(16 * M1);
	unsigned long counts[SIM_MAX_ORDER], boot[SIM_MAX_ORDER];
	uint64_t big[16], pg;
	unsigned int nbig = 0, i, split;
	struct heap *h;
	struct heap_buffer b;

	sim_buddy_counts(m, boot);
	/* Take every order >= 8 block, then give two back as 255 pages
	 * each: plenty of memory, none of it in an order-8 block. */
	for (;;) {
		sim_buddy_counts(m, counts);
		if (!counts[8] && !counts[9] && !counts[10])
			break;
		ck_assert_int_eq(sim_pages_alloc(m, 8, &big[nbig++]), 0);
	}
	for (split = 0; split < 2; split++) {
		sim_pages_split(m, big[split], 8);
		for (pg = 1; pg < 256; pg++)
			sim_pages_free(m, big[split] + pg, 0);
	}
	h = make_system(m, HEAP_KERNEL_4_9);
	ck_assert_int_eq(alloc(h, &b, 293 * PAGE, 0), 0);
	ck_assert_uint_eq(b.nruns, 23);
	for (i = 0; i < 18; i++)
		assert_run(&b, i, K64);
	heap_buffer_free(&b);
	shrink_all(h);
	ck_assert_int_eq(heap_destroy(h), 0);
	for (split = 0; split < 2; split++)
		sim_pages_free(m, big[split], 0);
	for (i = 2; i < nbig; i++)
		sim_pages_free(m, big[i], 8);
	assert_buddy_is(m, boot);
	test_shutdown(m);
}
END_TEST

/* --- refusals ------------------------------------------------------------- */

START_TEST(more_than_half_of_ram_is_enomem)
{
	struct sim_machine *m = boot_ram(16 * M1);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer b;
	struct heap_metrics mt;

	ck_assert_int_eq(alloc(h, &b, 8 * M1 + PAGE, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	/* Refused whatever is free: not a fragmentation failure. */
	ck_assert_uint_eq(mt.frag_failures, 0);
	ck_assert_int_eq(alloc(h, &b, 8 * M1, 0), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(align_over_a_page_is_einval_in_4_9_only)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap *h19 = make_system(m, HEAP_KERNEL_4_19);
	struct heap_buffer b;
	struct heap_metrics mt;

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(heap_buffer_alloc(h, &b, K64, K64, 2 * PAGE, 0),
			 -EINVAL);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 0);	/* refused, not unsatisfied */
	ck_assert_int_eq(heap_buffer_alloc(h, &b, K64, K64, PAGE, 0), 0);
	heap_buffer_free(&b);
	/* 4.12+ has no align in the heap API. */
	ck_assert_int_eq(heap_buffer_alloc(h19, &b, K64, K64, M1, 0), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_int_eq(heap_destroy(h19), 0);
	test_shutdown(m);
}
END_TEST

/* --- rollback ------------------------------------------------------------- */

START_TEST(sg_table_failure_returns_blocks_to_the_pools)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap *h;
	struct heap_buffer b;
	struct heap_metrics mt;
	uint64_t before_free;
	unsigned long kobjs = sim_kobj_live(m);

	sim_buddy_counts(m, boot);
	h = make_system(m, HEAP_KERNEL_4_9);
	before_free = free_bytes(h);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_int_eq(alloc(h, &b, 293 * PAGE, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.free, before_free);	/* nothing lost */
	ck_assert_uint_eq(mt.used, 0);
	ck_assert_uint_eq(mt.pool_pages[0], 256);
	ck_assert_uint_eq(mt.pool_pages[1], 32);
	ck_assert_uint_eq(mt.pool_pages[2], 5);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);		/* injected */
	ck_assert_uint_eq(sim_kobj_live(m), kobjs);
	ck_assert_ptr_null(b.runs);
	shrink_all(h);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(running_out_midway_returns_blocks_to_the_pools)
{
	struct sim_machine *m = boot_ram(16 * M1);
	unsigned long boot[SIM_MAX_ORDER];
	uint64_t hog[64];
	unsigned int nhog = 0, i;
	struct heap *h;
	struct heap_buffer b;
	struct heap_metrics mt;

	sim_buddy_counts(m, boot);
	/* Leave 100 pages free: 64 + 32 + 4. */
	while (sim_buddy_free_pages(m) > 100) {
		int order = sim_buddy_largest_order(m);
		uint64_t left = sim_buddy_free_pages(m) - 100;

		while ((1ULL << order) > left)
			order--;
		ck_assert_int_eq(sim_pages_alloc(m, (unsigned int)order,
						 &hog[nhog]), 0);
		ck_assert_uint_lt(++nhog, 64);
		hog[nhog++] = (uint64_t)order;
	}
	h = make_system(m, HEAP_KERNEL_4_9);
	ck_assert_int_eq(alloc(h, &b, 293 * PAGE, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.free, 100 * PAGE);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 0);	/* all pooled */
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);	/* 100 < 293 pages */
	shrink_all(h);
	ck_assert_int_eq(heap_destroy(h), 0);
	for (i = 0; i < nhog; i += 2)
		sim_pages_free(m, hog[i], (unsigned int)hog[i + 1]);
	assert_buddy_is(m, boot);
	test_shutdown(m);
}
END_TEST

START_TEST(pooled_memory_of_the_wrong_order_is_a_frag_failure)
{
	struct sim_machine *m = boot_ram(4 * M1);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer a, b, c;
	struct heap_metrics mt;
	uint64_t rest;

	ck_assert_int_eq(alloc(h, &a, M1, 0), 0);
	ck_assert_int_eq(alloc(h, &b, M1, 0), 0);
	heap_buffer_free(&a);
	heap_buffer_free(&b);		/* 512 pages pooled at order 8 */
	/* The buddy's last 512 pages go: it is empty. */
	ck_assert_int_eq(sim_pages_alloc(m, 9, &rest), 0);
	ck_assert_int_eq(alloc(h, &c, K4, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.free, 2 * M1);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 1);
	sim_pages_free(m, rest, 9);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 1024);
	test_shutdown(m);
}
END_TEST

/* --- pools ---------------------------------------------------------------- */

START_TEST(free_into_pools_and_shrink_back_restores_buddyinfo)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap *h;
	struct heap_buffer b[4];
	uint64_t lens[4] = { 293 * PAGE, 3 * M1 + 5 * PAGE, K64, K4 };
	int i;

	sim_buddy_counts(m, boot);
	h = make_system(m, HEAP_KERNEL_4_9);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(alloc(h, &b[i], lens[i], i % 2 ?
				       HEAP_BUF_CACHED : 0), 0);
	for (i = 0; i < 4; i++)
		heap_buffer_free(&b[i]);
	ck_assert_uint_gt(heap_shrink_count(h), 0);
	shrink_all(h);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(cached_and_uncached_pools_are_apart_in_4_9)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer a, b, c, d;
	uint64_t buddy, pa, pb;

	ck_assert_int_eq(alloc(h, &a, K64, 0), 0);
	ck_assert_int_eq(alloc(h, &b, K64, HEAP_BUF_CACHED), 0);
	pa = a.runs[0].phys;
	pb = b.runs[0].phys;
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	buddy = sim_buddy_free_pages(m);
	ck_assert_int_eq(alloc(h, &c, K64, HEAP_BUF_CACHED), 0);
	ck_assert_int_eq(alloc(h, &d, K64, 0), 0);
	ck_assert_uint_eq(c.runs[0].phys, pb);
	ck_assert_uint_eq(d.runs[0].phys, pa);
	ck_assert_uint_eq(sim_buddy_free_pages(m), buddy);
	heap_buffer_free(&c);
	heap_buffer_free(&d);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(one_pool_set_in_4_19)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_19);
	struct heap_buffer a, b;
	uint64_t buddy, pa;

	ck_assert_int_eq(alloc(h, &a, K64, 0), 0);
	pa = a.runs[0].phys;
	heap_buffer_free(&a);
	buddy = sim_buddy_free_pages(m);
	ck_assert_int_eq(alloc(h, &b, K64, HEAP_BUF_CACHED), 0);
	ck_assert_uint_eq(b.runs[0].phys, pa);
	ck_assert_uint_eq(sim_buddy_free_pages(m), buddy);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(uncached_pool_option_overrides_the_kernel)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	struct heap *merged, *split;
	char *t1, *t2;

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.uncached_pool = HEAP_OPT_OFF;
	merged = make(m, &cfg);
	system_cfg(&cfg, HEAP_KERNEL_4_19);
	cfg.uncached_pool = HEAP_OPT_ON;
	split = make(m, &cfg);
	t1 = debug_text(merged);
	t2 = debug_text(split);
	ck_assert_uint_eq(count_lines(t1), 6);
	ck_assert_uint_eq(count_lines(t2), 12);
	free(t1);
	free(t2);
	ck_assert_int_eq(heap_destroy(merged), 0);
	ck_assert_int_eq(heap_destroy(split), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(pool_high_caps_each_pool)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	struct heap *h;
	struct heap_buffer b;
	struct heap_metrics mt;
	uint64_t before = sim_buddy_free_pages(m);

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.pool_high = 16;
	h = make(m, &cfg);
	ck_assert_int_eq(alloc(h, &b, 2 * K64, 0), 0);
	heap_buffer_free(&b);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.pool_pages[1], 16);	/* one block kept */
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 16);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before);
	test_shutdown(m);
}
END_TEST

START_TEST(pool_low_warms_every_pool_at_create)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	struct heap *h;
	struct heap_buffer b;
	struct heap_metrics mt;
	uint64_t before = sim_buddy_free_pages(m);
	unsigned long calls;

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.pool_low = 256;
	h = make(m, &cfg);
	heap_metrics(h, &mt);
	/* Six pools (three orders, two sets) of 256 pages each. */
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 6 * 256);
	ck_assert_uint_eq(mt.pool_pages[0], 512);
	ck_assert_uint_eq(mt.pool_pages[1], 512);
	ck_assert_uint_eq(mt.pool_pages[2], 512);
	ck_assert_uint_eq(mt.free, before * PAGE);
	calls = page_calls(m);
	ck_assert_int_eq(alloc(h, &b, M1 + K64 + K4, 0), 0);
	ck_assert_uint_eq(page_calls(m), calls);	/* all from the pools */
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before);
	test_shutdown(m);
}
END_TEST

START_TEST(pool_low_beyond_ram_fails_create_cleanly)
{
	struct sim_machine *m = boot_ram(4 * M1);
	struct heap_config cfg;
	int err = 0;

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.pool_low = 1024;
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -ENOMEM);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 1024);
	test_shutdown(m);
}
END_TEST

START_TEST(bad_orders_are_einval)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	int err = 0;

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.orders[1] = 9;	/* 8, 9, 0: not decreasing */
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.orders[0] = 11;
	ck_assert_ptr_null(heap_create(m, &cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
	test_shutdown(m);
}
END_TEST

START_TEST(custom_orders_split_greedily)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap_config cfg;
	struct heap *h;
	struct heap_buffer b;

	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.orders[0] = 4;
	cfg.orders[1] = 2;
	cfg.norders = 2;
	h = make(m, &cfg);
	/* 23 pages = 16 + 4 + ... 3 pages the orders cannot finish. */
	ck_assert_int_eq(alloc(h, &b, 23 * PAGE, 0), -ENOMEM);
	ck_assert_int_eq(alloc(h, &b, 24 * PAGE, 0), 0);
	ck_assert_uint_eq(b.nruns, 3);
	assert_run(&b, 0, K64);
	assert_run(&b, 2, 4 * PAGE);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- the shrinker --------------------------------------------------------- */

START_TEST(shrink_takes_largest_order_first_uncached_before_cached)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer u, c, s;
	struct heap_metrics mt;
	char *text;

	ck_assert_int_eq(alloc(h, &u, M1, 0), 0);
	ck_assert_int_eq(alloc(h, &c, M1, HEAP_BUF_CACHED), 0);
	ck_assert_int_eq(alloc(h, &s, 5 * PAGE, 0), 0);
	heap_buffer_free(&u);
	heap_buffer_free(&c);
	heap_buffer_free(&s);
	ck_assert_uint_eq(heap_shrink_count(h), 517);
	ck_assert_uint_eq(heap_shrink_scan(h, 1), 256);
	text = debug_text(h);
	ck_assert_ptr_nonnull(strstr(text, "0 order 8 lowmem pages uncached"));
	ck_assert_ptr_nonnull(strstr(text, "1 order 8 lowmem pages cached"));
	free(text);
	/* The cached order-8 block, then one order-0 page. */
	ck_assert_uint_eq(heap_shrink_scan(h, 257), 257);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.pool_pages[0], 0);
	ck_assert_uint_eq(mt.pool_pages[2], 4);
	ck_assert_uint_eq(heap_shrink_scan(h, 0), 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(shrinker_sends_deferred_buffers_past_the_pools)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap_config cfg;
	struct heap *h;
	struct heap_buffer b;
	struct heap_metrics mt;

	sim_buddy_counts(m, boot);
	system_cfg(&cfg, HEAP_KERNEL_4_9);
	cfg.defer_free = true;
	h = make(m, &cfg);
	ck_assert_int_eq(alloc(h, &b, M1 + K4, 0), 0);
	heap_buffer_free(&b);
	ck_assert_uint_eq(heap_shrink_count(h), 257);
	ck_assert_uint_eq(heap_shrink_scan(h, 1), 257);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.pool_pages[0] + mt.pool_pages[2], 0);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- debugfs (ION-SPEC 6.1 item 12) --------------------------------------- */

START_TEST(debugfs_pool_lines_4_9)
{
	static const char want[] =
		"0 order 8 highmem pages uncached 0 total\n"
		"1 order 8 lowmem pages uncached 1048576 total\n"
		"0 order 4 highmem pages uncached 0 total\n"
		"2 order 4 lowmem pages uncached 131072 total\n"
		"0 order 0 highmem pages uncached 0 total\n"
		"5 order 0 lowmem pages uncached 20480 total\n"
		"0 order 8 highmem pages cached 0 total\n"
		"0 order 8 lowmem pages cached 0 total\n"
		"0 order 4 highmem pages cached 0 total\n"
		"1 order 4 lowmem pages cached 65536 total\n"
		"0 order 0 highmem pages cached 0 total\n"
		"0 order 0 lowmem pages cached 0 total\n";
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer a, b;
	char *text;

	ck_assert_int_eq(alloc(h, &a, 293 * PAGE, 0), 0);
	ck_assert_int_eq(alloc(h, &b, K64, HEAP_BUF_CACHED), 0);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	text = debug_text(h);
	ck_assert_str_eq(text, want);
	free(text);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(debugfs_pool_lines_4_19)
{
	static const char want[] =
		"0 order 8 highmem pages 0 total\n"
		"1 order 8 lowmem pages 1048576 total\n"
		"0 order 4 highmem pages 0 total\n"
		"3 order 4 lowmem pages 196608 total\n"
		"0 order 0 highmem pages 0 total\n"
		"5 order 0 lowmem pages 20480 total\n";
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_system(m, HEAP_KERNEL_4_19);
	struct heap_buffer a, b;
	char *text;

	ck_assert_int_eq(alloc(h, &a, 293 * PAGE, 0), 0);
	ck_assert_int_eq(alloc(h, &b, K64, HEAP_BUF_CACHED), 0);
	heap_buffer_free(&a);
	heap_buffer_free(&b);
	text = debug_text(h);
	ck_assert_str_eq(text, want);
	free(text);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- metrics -------------------------------------------------------------- */

START_TEST(metrics_of_a_known_state)
{
	struct sim_machine *m = boot_ram(16 * M1);
	struct heap *h = make_system(m, HEAP_KERNEL_4_9);
	struct heap_buffer a, b;
	struct heap_metrics mt;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(heap_buffer_alloc(h, &a, M1 + K4, M1 + 100, 0, 0),
			 0);
	ck_assert_int_eq(heap_buffer_alloc(h, &b, K64, 1, 0, 0), 0);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.size, 16 * M1);
	ck_assert_uint_eq(mt.used, M1 + K4 + K64);
	ck_assert_uint_eq(mt.peak, M1 + K4 + K64);
	ck_assert_uint_eq(mt.free, 16 * M1 - mt.used);
	ck_assert_uint_eq(mt.largest_free, mt.free);
	ck_assert_uint_eq(mt.waste, (K4 - 100) + (K64 - 1));
	ck_assert_uint_eq(mt.live, 2);
	ck_assert_uint_eq(mt.allocs, 2);
	ck_assert(mt.frag == sim_unusable_index(m, 8) / 1000.0);
	heap_buffer_free(&b);
	heap_metrics(h, &mt);
	/* b's block went to its pool: still free, no longer used. */
	ck_assert_uint_eq(mt.used, M1 + K4);
	ck_assert_uint_eq(mt.peak, M1 + K4 + K64);
	ck_assert_uint_eq(mt.free, 16 * M1 - mt.used);
	ck_assert_uint_eq(mt.pool_pages[1], 16);
	ck_assert_uint_eq(mt.waste, K4 - 100);
	heap_buffer_free(&a);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- a seeded random walk ------------------------------------------------- */

#define SLOTS 48

/* A buffer slot: reusable once the heap has released the buffer, which
 * on a deferred heap is long after heap_buffer_free. */
struct slot {
	struct heap_buffer hb;
	bool live;	/* allocated and not freed */
	bool busy;	/* the heap still holds the struct */
};

struct walk {
	struct sim_machine *m;
	struct heap *h;
	struct sim_rng rng;
	struct slot slot[SLOTS];
};

static void slot_release(struct heap_buffer *hb)
{
	struct slot *s = (struct slot *)((char *)hb -
					 offsetof(struct slot, hb));

	s->busy = false;
}

static uint64_t pages_of(const struct heap_buffer *b)
{
	return b->allocated / PAGE;
}

/* Every RAM page is free in the buddy, pooled, or in one buffer. */
static void check_conservation(struct walk *w)
{
	struct heap_metrics mt;
	uint64_t held = 0;
	int i;

	heap_metrics(w->h, &mt);
	for (i = 0; i < SLOTS; i++)
		if (w->slot[i].live)
			held += pages_of(&w->slot[i].hb);
	ck_assert_uint_eq(mt.used, held * PAGE + mt.deferred);
	ck_assert_uint_eq(mt.free + mt.used, mt.size);
}

static void dirty_and_check_zero(struct walk *w, struct heap_buffer *b)
{
	unsigned char *p;
	unsigned char first = 0xff, last = 0xff;
	int err;

	ck_assert_int_eq(sim_phys_read(w->m, b->runs[0].phys, &first, 1), 0);
	ck_assert_int_eq(sim_phys_read(w->m, b->runs[b->nruns - 1].phys +
				       b->runs[b->nruns - 1].len - 1, &last, 1),
			 0);
	ck_assert_uint_eq(first, 0);
	ck_assert_uint_eq(last, 0);
	if (sim_rng_below(&w->rng, 4))
		return;
	p = heap_kmap_get(b, &err);
	ck_assert_ptr_nonnull(p);
	p[0] = 0xa5;
	p[b->size - 1] = 0x5a;
	heap_kmap_put(b);
}

static void step_alloc(struct walk *w, int i)
{
	struct slot *s = &w->slot[i];
	uint64_t pages = 1 + sim_rng_below(&w->rng, 300);
	unsigned long flags = sim_rng_below(&w->rng, 2) ? HEAP_BUF_CACHED : 0;
	int ret;

	if (sim_rng_below(&w->rng, 8) == 0)
		pages = 256 + sim_rng_below(&w->rng, 1024);
	memset(&s->hb, 0, sizeof(s->hb));
	s->hb.release = slot_release;
	ret = heap_buffer_alloc(w->h, &s->hb, pages * PAGE, pages * PAGE, 0,
				flags);
	ck_assert(ret == 0 || ret == -ENOMEM);
	if (ret)
		return;
	s->live = s->busy = true;
	dirty_and_check_zero(w, &s->hb);
}

static void step_free(struct walk *w, int i)
{
	heap_buffer_free(&w->slot[i].hb);
	w->slot[i].live = false;
}

static void step_kernel(struct walk *w)
{
	if (sim_rng_below(&w->rng, 2))
		heap_drain(w->h, sim_rng_below(&w->rng, 3) * M1);
	else
		heap_shrink_scan(w->h, sim_rng_below(&w->rng, 600));
}

static void walk_step(struct walk *w)
{
	int i = (int)sim_rng_below(&w->rng, SLOTS);
	uint64_t op = sim_rng_below(&w->rng, 10);

	if (op < 5 && !w->slot[i].busy)
		step_alloc(w, i);
	else if (op < 9 && w->slot[i].live)
		step_free(w, i);
	else if (op == 9)
		step_kernel(w);
}

static void random_walk(enum heap_kernel kernel, bool defer, uint64_t seed)
{
	struct walk w;
	unsigned long boot[SIM_MAX_ORDER];
	struct heap_config cfg;
	char why[200];
	int i, step;

	memset(&w, 0, sizeof(w));
	w.m = boot_ram(16 * M1);
	sim_rng_seed(&w.rng, seed);
	sim_buddy_counts(w.m, boot);
	system_cfg(&cfg, kernel);
	cfg.defer_free = defer;
	cfg.pool_high = seed % 2 ? 512 : 0;
	w.h = make(w.m, &cfg);
	for (step = 0; step < 3000; step++) {
		walk_step(&w);
		ck_assert_int_eq(heap_validate(w.h, stderr), 0);
		check_conservation(&w);
	}
	for (i = 0; i < SLOTS; i++)
		if (w.slot[i].live)
			step_free(&w, i);
	heap_drain(w.h, 0);
	for (i = 0; i < SLOTS; i++)
		ck_assert(!w.slot[i].busy);
	shrink_all(w.h);
	assert_buddy_is(w.m, boot);
	ck_assert_int_eq(sim_buddy_validate(w.m, why, sizeof(why)), 0);
	ck_assert_int_eq(heap_destroy(w.h), 0);
	test_shutdown(w.m);
}

START_TEST(random_walk_4_9_deferred)
{
	random_walk(HEAP_KERNEL_4_9, true, 11);
}
END_TEST

START_TEST(random_walk_4_9_immediate)
{
	random_walk(HEAP_KERNEL_4_9, false, 12);
}
END_TEST

START_TEST(random_walk_4_19_deferred)
{
	random_walk(HEAP_KERNEL_4_19, true, 13);
}
END_TEST

static Suite *system_suite(void)
{
	Suite *s = suite_create("heaps-system");
	TCase *t = tcase_create("split");

	tcase_add_test(t, greedy_split_of_1200000_bytes);
	tcase_add_test(t, failed_order8_is_never_tried_again);
	tcase_add_test(t, no_order8_blocks_left_gives_order4_and_order0);
	tcase_add_test(t, more_than_half_of_ram_is_enomem);
	tcase_add_test(t, align_over_a_page_is_einval_in_4_9_only);
	tcase_add_test(t, custom_orders_split_greedily);
	tcase_add_test(t, bad_orders_are_einval);
	suite_add_tcase(s, t);
	t = tcase_create("rollback");
	tcase_add_test(t, sg_table_failure_returns_blocks_to_the_pools);
	tcase_add_test(t, running_out_midway_returns_blocks_to_the_pools);
	tcase_add_test(t, pooled_memory_of_the_wrong_order_is_a_frag_failure);
	suite_add_tcase(s, t);
	t = tcase_create("pools");
	tcase_add_test(t, free_into_pools_and_shrink_back_restores_buddyinfo);
	tcase_add_test(t, cached_and_uncached_pools_are_apart_in_4_9);
	tcase_add_test(t, one_pool_set_in_4_19);
	tcase_add_test(t, uncached_pool_option_overrides_the_kernel);
	tcase_add_test(t, pool_high_caps_each_pool);
	tcase_add_test(t, pool_low_warms_every_pool_at_create);
	tcase_add_test(t, pool_low_beyond_ram_fails_create_cleanly);
	tcase_add_test(t,
		       shrink_takes_largest_order_first_uncached_before_cached);
	tcase_add_test(t, shrinker_sends_deferred_buffers_past_the_pools);
	suite_add_tcase(s, t);
	t = tcase_create("views");
	tcase_add_test(t, debugfs_pool_lines_4_9);
	tcase_add_test(t, debugfs_pool_lines_4_19);
	tcase_add_test(t, metrics_of_a_known_state);
	suite_add_tcase(s, t);
	t = tcase_create("random");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, random_walk_4_9_deferred);
	tcase_add_test(t, random_walk_4_9_immediate);
	tcase_add_test(t, random_walk_4_19_deferred);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(system_suite)
