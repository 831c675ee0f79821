/*
 * tests/heaps/test_system_contig.c - the system-contig heap: order
 * rounding with the tail pages given back, align, the order-10 limit,
 * metrics, fragmentation failures, and a seeded random walk.
 * Kernel reference: Linux 4.9 ion_system_heap.c (contig part); 4.19 for
 * the missing align check.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "sim/buddy.h"
#include "testlib.h"

#define PAGE SIM_PAGE_SIZE
#define M1 (1ULL << 20)

static struct sim_machine *boot_ram(uint64_t ram)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_size = ram;
	return test_boot(&cfg);
}

static struct heap *make_contig(struct sim_machine *m, enum heap_kernel k)
{
	struct heap_config cfg;
	int err = 1;
	struct heap *h;

	heap_config_defaults(&cfg, HEAP_TYPE_SYSTEM_CONTIG);
	strcpy(cfg.name, "system_contig");
	cfg.id = 1;
	cfg.kernel = k;
	h = heap_create(m, &cfg, &err);
	ck_assert_msg(h != NULL, "heap_create: %d", err);
	return h;
}

static int alloc(struct heap *h, struct heap_buffer *b, uint64_t len,
		 uint64_t align)
{
	memset(b, 0, sizeof(*b));
	return heap_buffer_alloc(h, b, len, len, align, 0);
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

START_TEST(order_rounding_gives_the_tail_pages_back)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap *h;
	struct heap_buffer b;
	uint64_t before;

	sim_buddy_counts(m, boot);
	h = make_contig(m, HEAP_KERNEL_4_9);
	before = sim_buddy_free_pages(m);
	/* 5 pages take an order-3 block; the 3 tail pages go back at once. */
	ck_assert_int_eq(alloc(h, &b, 5 * PAGE, 0), 0);
	ck_assert_uint_eq(sim_buddy_free_pages(m), before - 5);
	ck_assert_uint_eq(b.nruns, 1);
	ck_assert_uint_eq(b.runs[0].len, 5 * PAGE);
	ck_assert_uint_eq(b.allocated, 5 * PAGE);
	ck_assert_uint_eq(sim_phys_to_pfn(b.runs[0].phys) % 8, 0);
	ck_assert(heap_buffer_contiguous(&b));
	ck_assert_int_eq(heap_validate(h, stderr), 0);
	heap_buffer_free(&b);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(align_beyond_the_block_is_einval_in_4_9)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_contig(m, HEAP_KERNEL_4_9);
	struct heap *h19 = make_contig(m, HEAP_KERNEL_4_19);
	struct heap_buffer b;
	struct heap_metrics mt;

	/* 3 pages: an order-2 block of 16 KiB. */
	ck_assert_int_eq(alloc(h, &b, 3 * PAGE, 32 * 1024), -EINVAL);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 0);
	ck_assert_int_eq(alloc(h, &b, 3 * PAGE, 16 * 1024), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(alloc(h19, &b, 3 * PAGE, M1), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	ck_assert_int_eq(heap_destroy(h19), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(beyond_order_10_is_enomem_not_fragmentation)
{
	struct sim_machine *m = test_boot(NULL);
	struct heap *h = make_contig(m, HEAP_KERNEL_4_9);
	struct heap_buffer b;
	struct heap_metrics mt;

	ck_assert_int_eq(alloc(h, &b, 4 * M1 + PAGE, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 0);
	/* Order 10 itself works. */
	ck_assert_int_eq(alloc(h, &b, 4 * M1, 0), 0);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(scattered_free_pages_make_a_frag_failure)
{
	struct sim_machine *m = boot_ram(4 * M1);
	struct heap *h = make_contig(m, HEAP_KERNEL_4_9);
	struct heap_buffer page[1024], big;
	struct heap_metrics mt;
	int i;

	for (i = 0; i < 1024; i++)
		ck_assert_int_eq(alloc(h, &page[i], PAGE, 0), 0);
	for (i = 0; i < 1024; i += 2)
		heap_buffer_free(&page[i]);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.free, 512 * PAGE);
	ck_assert_uint_eq(mt.largest_free, PAGE);
	ck_assert(mt.frag == 1.0);
	ck_assert_int_eq(alloc(h, &big, 2 * PAGE, 0), -ENOMEM);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.failures, 1);
	ck_assert_uint_eq(mt.frag_failures, 1);
	for (i = 1; i < 1024; i += 2)
		heap_buffer_free(&page[i]);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(metrics_follow_the_buddy)
{
	struct sim_machine *m = boot_ram(16 * M1);
	struct heap *h = make_contig(m, HEAP_KERNEL_4_9);
	struct heap_buffer b;
	struct heap_metrics mt;

	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.size, 16 * M1);
	ck_assert_uint_eq(mt.free, 16 * M1);
	ck_assert_uint_eq(mt.largest_free, 4 * M1);
	ck_assert(mt.frag == 0.0);
	ck_assert_int_eq(alloc(h, &b, PAGE, 0), 0);
	heap_metrics(h, &mt);
	ck_assert_uint_eq(mt.used, PAGE);
	ck_assert_uint_eq(mt.free, 16 * M1 - PAGE);
	ck_assert_uint_eq(mt.largest_free, 4 * M1);
	/* One order-10 block was broken: 4 MiB - 4 KiB not in order 10. */
	ck_assert(mt.frag == sim_unusable_index(m, 10) / 1000.0);
	ck_assert(mt.frag > 0.24 && mt.frag < 0.26);
	heap_buffer_free(&b);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}
END_TEST

/* --- a seeded random walk ------------------------------------------------- */

#define SLOTS 64

static void random_walk(enum heap_kernel kernel, uint64_t seed)
{
	struct sim_machine *m = boot_ram(16 * M1);
	unsigned long boot[SIM_MAX_ORDER];
	struct heap_buffer buf[SLOTS];
	bool live[SLOTS] = { false };
	struct sim_rng rng;
	struct heap *h;
	struct heap_metrics mt;
	char why[200];
	int step, i;

	sim_rng_seed(&rng, seed);
	sim_buddy_counts(m, boot);
	h = make_contig(m, kernel);
	for (step = 0; step < 4000; step++) {
		uint64_t held = 0;

		i = (int)sim_rng_below(&rng, SLOTS);
		if (!live[i]) {
			uint64_t pages = 1 + sim_rng_below(&rng, 600);
			int ret = alloc(h, &buf[i], pages * PAGE, 0);

			ck_assert(ret == 0 || ret == -ENOMEM);
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
	}
	for (i = 0; i < SLOTS; i++)
		if (live[i])
			heap_buffer_free(&buf[i]);
	assert_buddy_is(m, boot);
	ck_assert_int_eq(sim_buddy_validate(m, why, sizeof(why)), 0);
	ck_assert_int_eq(heap_destroy(h), 0);
	test_shutdown(m);
}

START_TEST(random_walk_4_9)
{
	random_walk(HEAP_KERNEL_4_9, 21);
}
END_TEST

START_TEST(random_walk_4_19)
{
	random_walk(HEAP_KERNEL_4_19, 22);
}
END_TEST

static Suite *contig_suite(void)
{
	Suite *s = suite_create("heaps-system-contig");
	TCase *t = tcase_create("contig");

	tcase_add_test(t, order_rounding_gives_the_tail_pages_back);
	tcase_add_test(t, align_beyond_the_block_is_einval_in_4_9);
	tcase_add_test(t, beyond_order_10_is_enomem_not_fragmentation);
	tcase_add_test(t, scattered_free_pages_make_a_frag_failure);
	tcase_add_test(t, metrics_follow_the_buddy);
	suite_add_tcase(s, t);
	t = tcase_create("random");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, random_walk_4_9);
	tcase_add_test(t, random_walk_4_19);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(contig_suite)
