/*
 * tests/sim/test_buddy.c - the buddy page allocator: boot blocks, exact
 * split and merge placement (pfns worked out by hand from Linux's
 * algorithm), exhaustion, bad frees, split_page, RAM that is not 4 MiB
 * aligned or has holes, fault injection, and the /proc/buddyinfo and
 * debugfs extfrag text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_internal.h"
#include "testlib.h"

#define MiB (1ULL << 20)

/* Fails the test with the validator's words if the allocator is broken. */
static void check_buddy(const struct sim_machine *m)
{
	char why[160];

	ck_assert_msg(sim_buddy_validate(m, why, sizeof(why)) == 0, "%s", why);
}

static uint64_t must_alloc(struct sim_machine *m, unsigned int order)
{
	uint64_t pfn = ~0ULL;

	ck_assert_int_eq(sim_pages_alloc(m, order, &pfn), 0);
	return pfn;
}

static struct sim_machine *boot_ram(uint64_t base, uint64_t size)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_base = base;
	cfg.ram_size = size;
	return test_boot(&cfg);
}

static void expect_counts(const struct sim_machine *m,
			  const unsigned long want[SIM_MAX_ORDER])
{
	unsigned long got[SIM_MAX_ORDER];

	sim_buddy_counts(m, got);
	for (int k = 0; k < SIM_MAX_ORDER; k++)
		ck_assert_msg(got[k] == want[k], "order %d: %lu free, want %lu",
			      k, got[k], want[k]);
}

/* The text a show function prints, in a static buffer. */
static const char *shown(const struct sim_machine *m,
			 void (*show)(const struct sim_machine *, FILE *))
{
	static char text[512];
	FILE *f;

	text[0] = '\0';	/* glibc's fmemopen leaves it alone if nothing is shown */
	f = fmemopen(text, sizeof(text), "w");
	ck_assert_ptr_nonnull(f);
	show(m, f);
	fclose(f);
	return text;
}

/* Runs @fn with stderr sent to a temporary file; returns what it wrote. */
static const char *stderr_of(void (*fn)(struct sim_machine *, void *),
			     struct sim_machine *m, void *ctx)
{
	static char text[512];
	char path[] = "/tmp/ionsim-buddy-XXXXXX";
	int fd = mkstemp(path), saved;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn(m, ctx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

/* --- boot ------------------------------------------------------------ */

START_TEST(default_boot_is_64_top_blocks)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long want[SIM_MAX_ORDER] = { [10] = 64 };

	expect_counts(m, want);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 65536);
	ck_assert_uint_eq(sim_ram_pages(m), 65536);
	ck_assert_int_eq(sim_buddy_largest_order(m), 10);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/*
 * RAM at pfn 1..1024: memblock frees pfn 1 (order 0), 2 (1), 4 (2), ...,
 * 512 (9), then 1024 (order 0) last (Linux 4.9 mm/nobootmem.c
 * __free_pages_memory), each at its list head.
 */
START_TEST(unaligned_ram_base_boots_aligned_blocks)
{
	struct sim_machine *m = boot_ram(4096, 4 * MiB);
	unsigned long want[SIM_MAX_ORDER] = { 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };

	expect_counts(m, want);
	check_buddy(m);
	ck_assert_uint_eq(must_alloc(m, 0), 1024);	/* freed last: head */
	ck_assert_uint_eq(must_alloc(m, 0), 1);
	ck_assert_uint_eq(must_alloc(m, 0), 2);	/* splits the order-1 block */
	ck_assert_uint_eq(must_alloc(m, 9), 512);
	/* pfn 1's buddy is pfn 0, outside RAM: freeing never merges into it */
	sim_pages_free(m, 1, 0);
	sim_pages_free(m, 1024, 0);
	sim_pages_free(m, 2, 0);
	sim_pages_free(m, 512, 9);
	expect_counts(m, want);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* 3 MiB..5 MiB: two order-8 blocks (768 and 1024) that are not buddies. */
START_TEST(blocks_that_are_not_buddies_never_merge)
{
	struct sim_machine *m = boot_ram(3 * MiB, 2 * MiB);
	unsigned long want[SIM_MAX_ORDER] = { [8] = 2 };
	uint64_t a, b;

	expect_counts(m, want);
	a = must_alloc(m, 8);
	b = must_alloc(m, 8);
	ck_assert_uint_eq(a, 1024);
	ck_assert_uint_eq(b, 768);
	ck_assert_int_eq(sim_pages_alloc(m, 0, &a), -ENOMEM);
	sim_pages_free(m, 768, 8);
	sim_pages_free(m, 1024, 8);
	expect_counts(m, want);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* --- placement --------------------------------------------------------- */

/*
 * Exact placement on the default machine (Linux 4.9 mm/page_alloc.c:
 * __rmqueue_smallest, expand, __free_one_page; list heads only).  Boot
 * leaves order-10 blocks 64512 (head), 63488, ...
 */
START_TEST(split_takes_lower_half_and_lists_upper_halves)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long want[SIM_MAX_ORDER] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 63 };

	ck_assert_uint_eq(must_alloc(m, 0), 64512);
	/* upper halves 64513 (o0), 64514 (o1), 64516 (o2), ..., 65024 (o9) */
	expect_counts(m, want);
	ck_assert_uint_eq(must_alloc(m, 0), 64513);
	ck_assert_uint_eq(must_alloc(m, 0), 64514);	/* 64515 listed */
	ck_assert_uint_eq(must_alloc(m, 0), 64515);
	ck_assert_uint_eq(must_alloc(m, 1), 64516);	/* 64518 listed (o1) */
	ck_assert_uint_eq(must_alloc(m, 3), 64520);
	ck_assert_uint_eq(must_alloc(m, 10), 63488);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(free_merges_with_free_buddies_only)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long boot[SIM_MAX_ORDER] = { [10] = 64 };
	unsigned long want[SIM_MAX_ORDER];
	uint64_t pfn;

	for (int i = 0; i < 4; i++)
		must_alloc(m, 0);		/* 64512..64515 */
	must_alloc(m, 1);			/* 64516, 64518 free */
	must_alloc(m, 3);			/* 64520 */
	must_alloc(m, 10);			/* 63488 */
	sim_pages_free(m, 64513, 0);		/* buddy 64512 busy */
	sim_pages_free(m, 64515, 0);		/* buddy 64514 busy */
	sim_pages_free(m, 64514, 0);		/* + 64515 -> 64514 o1 */
	memcpy(want, (unsigned long[SIM_MAX_ORDER]){ 1, 2, 0, 0, 1, 1, 1, 1,
						     1, 1, 62 },
	       sizeof(want));
	expect_counts(m, want);
	/* the newest free block is handed out first */
	ck_assert_uint_eq(must_alloc(m, 0), 64513);
	sim_pages_free(m, 64513, 0);
	/* 64512 + 64513 -> o1, + 64514 -> o2 at 64512; 64516 is busy */
	sim_pages_free(m, 64512, 0);
	memcpy(want, (unsigned long[SIM_MAX_ORDER]){ 0, 1, 1, 0, 1, 1, 1, 1,
						     1, 1, 62 },
	       sizeof(want));
	expect_counts(m, want);
	/* 64516 + 64518 -> o2, + 64512 -> o3 at 64512; 64520 busy */
	sim_pages_free(m, 64516, 1);
	ck_assert_int_eq(sim_pages_alloc(m, 3, &pfn), 0);
	ck_assert_uint_eq(pfn, 64512);
	sim_pages_free(m, 64512, 3);
	/* 64520 frees the whole top block at 64512 again */
	sim_pages_free(m, 64520, 3);
	check_buddy(m);
	sim_pages_free(m, 63488, 10);
	expect_counts(m, boot);
	/* no merging at the top order: 63488 went to the head */
	ck_assert_uint_eq(must_alloc(m, 10), 63488);
	ck_assert_uint_eq(must_alloc(m, 10), 64512);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(bad_order_is_einval)
{
	struct sim_machine *m = test_boot(NULL);
	uint64_t pfn;

	ck_assert_int_eq(sim_pages_alloc(m, SIM_MAX_ORDER, &pfn), -EINVAL);
	ck_assert_int_eq(sim_pages_alloc(m, 99, &pfn), -EINVAL);
	test_shutdown(m);
}
END_TEST

/* --- exhaustion ------------------------------------------------------------ */

START_TEST(exhaustion_then_free_everything_restores_boot)
{
	struct sim_machine *m = boot_ram(0, 4 * MiB);
	unsigned long boot[SIM_MAX_ORDER] = { [10] = 1 };
	unsigned long none[SIM_MAX_ORDER] = { 0 };
	static uint64_t got[1024];
	struct sim_fault_stats st;
	uint64_t pfn;

	for (int i = 0; i < 1024; i++)
		got[i] = must_alloc(m, 0);
	ck_assert_int_eq(sim_pages_alloc(m, 0, &pfn), -ENOMEM);
	expect_counts(m, none);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 0);
	ck_assert_int_eq(sim_buddy_largest_order(m), -1);
	/* a plain ENOMEM is not a fault point: only would-be successes are */
	sim_fault_stats(m, &st);
	ck_assert_uint_eq(st.calls[SIM_FAULT_PAGES], 1024);
	check_buddy(m);
	for (int i = 0; i < 1024; i += 2)	/* evens first: no merging */
		sim_pages_free(m, got[i], 0);
	ck_assert_int_eq(sim_buddy_largest_order(m), 0);
	ck_assert_int_eq(sim_pages_alloc(m, 1, &pfn), -ENOMEM);
	for (int i = 1; i < 1024; i += 2)
		sim_pages_free(m, got[i], 0);
	expect_counts(m, boot);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 1024);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* Random orders and frees over RAM with a hole and an unaligned base;
 * the validator runs throughout, and freeing all restores the counts. */
START_TEST(random_churn_keeps_invariants)
{
	struct sim_config cfg;
	struct sim_machine *m;
	struct sim_rng rng;
	unsigned long boot[SIM_MAX_ORDER];
	static struct { uint64_t pfn; unsigned int order; } live[4096];
	unsigned int nlive = 0;

	sim_config_default(&cfg);
	cfg.ram_base = 5 * 4096;
	cfg.ram_size = 16 * MiB;
	sim_config_add_region(&cfg, "hole", SIM_REGION_RESERVED, true,
			      3 * MiB + 8192, MiB);
	m = test_boot(&cfg);
	sim_buddy_counts(m, boot);
	check_buddy(m);
	sim_rng_seed(&rng, 7);
	for (int step = 0; step < 20000; step++) {
		if (nlive && sim_rng_below(&rng, 2)) {
			unsigned int v = (unsigned int)sim_rng_below(&rng, nlive);

			sim_pages_free(m, live[v].pfn, live[v].order);
			live[v] = live[--nlive];
		} else if (nlive < 4096) {
			unsigned int order = (unsigned int)sim_rng_below(&rng, 6);

			if (sim_pages_alloc(m, order, &live[nlive].pfn) == 0)
				live[nlive++].order = order;
		}
		if (step % 500 == 0)
			check_buddy(m);
	}
	check_buddy(m);
	while (nlive--)
		sim_pages_free(m, live[nlive].pfn, live[nlive].order);
	expect_counts(m, boot);
	ck_assert_uint_eq(sim_buddy_free_pages(m), sim_ram_pages(m));
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 0);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(carved_regions_are_never_handed_out)
{
	struct sim_config cfg;
	struct sim_machine *m;
	uint64_t pfn, n = 0;

	sim_config_default(&cfg);
	cfg.ram_size = 32 * MiB;
	sim_config_add_region(&cfg, "carve", SIM_REGION_RESERVED, true, MiB,
			      MiB);
	sim_config_add_region(&cfg, "cma", SIM_REGION_CMA, true, 8 * MiB,
			      4 * MiB);
	m = test_boot(&cfg);
	ck_assert_uint_eq(sim_ram_pages(m), (32 - 5) * MiB / 4096);
	check_buddy(m);
	while (sim_pages_alloc(m, 0, &pfn) == 0) {
		ck_assert(pfn < 256 || pfn >= 512);
		ck_assert(pfn < 2048 || pfn >= 3072);
		ck_assert_uint_lt(pfn, 8192);
		n++;
	}
	ck_assert_uint_eq(n, sim_ram_pages(m));
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* --- faults --------------------------------------------------------------- */

START_TEST(injected_failure_changes_nothing)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long before[SIM_MAX_ORDER];
	struct sim_fault_stats st;
	uint64_t pfn = 12345;

	sim_buddy_counts(m, before);
	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_PAGES, 1), 0);
	ck_assert_int_eq(sim_pages_alloc(m, 3, &pfn), -ENOMEM);
	ck_assert_uint_eq(pfn, 12345);
	expect_counts(m, before);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 65536);
	sim_fault_stats(m, &st);
	ck_assert_uint_eq(st.calls[SIM_FAULT_PAGES], 1);
	ck_assert_uint_eq(st.injected[SIM_FAULT_PAGES], 1);
	check_buddy(m);
	/* the next one succeeds where the failed one would have */
	ck_assert_uint_eq(must_alloc(m, 3), 64512);
	test_shutdown(m);
}
END_TEST

/* --- bad calls --------------------------------------------------------------- */

struct bad_free {
	uint64_t pfn;
	unsigned int order;
};

static void do_free(struct sim_machine *m, void *ctx)
{
	struct bad_free *bf = ctx;

	sim_pages_free(m, bf->pfn, bf->order);
}

static void do_split(struct sim_machine *m, void *ctx)
{
	struct bad_free *bf = ctx;

	sim_pages_split(m, bf->pfn, bf->order);
}

START_TEST(double_free_is_reported_once_and_ignored)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long after_first[SIM_MAX_ORDER];
	struct bad_free bf = { 0, 0 };
	const char *err;

	bf.pfn = must_alloc(m, 0);
	must_alloc(m, 0);	/* keep the buddy busy: no merge hides it */
	sim_pages_free(m, bf.pfn, 0);
	sim_buddy_counts(m, after_first);
	err = stderr_of(do_free, m, &bf);
	ck_assert_str_eq(err, "ionsim: bad sim_pages_free of pfn 0xfc00 order 0:"
			 " not an allocated block; ignored (further bad calls"
			 " on this machine are not reported)\n");
	expect_counts(m, after_first);
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 1);
	check_buddy(m);
	/* a second bad call is counted, not printed */
	ck_assert_str_eq(stderr_of(do_free, m, &bf), "");
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 2);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(wrong_order_and_stray_frees_are_ignored)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long before[SIM_MAX_ORDER];
	struct bad_free bad[] = {
		{ 64512, 0 },		/* allocated at order 1 */
		{ 64512, 2 },
		{ 64513, 0 },		/* inside the block */
		{ 64512, SIM_MAX_ORDER },
		{ 1ULL << 40, 0 },	/* far outside RAM */
		{ 100, 0 },		/* free already */
	};
	uint64_t pfn = must_alloc(m, 1);

	ck_assert_uint_eq(pfn, 64512);
	sim_buddy_counts(m, before);
	ck_assert_str_ne(stderr_of(do_free, m, &bad[0]), "");
	for (unsigned int i = 1; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_str_eq(stderr_of(do_free, m, &bad[i]), "");
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 6);
	expect_counts(m, before);
	check_buddy(m);
	sim_pages_free(m, pfn, 1);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(hole_pages_cannot_be_freed_into_the_buddy)
{
	struct sim_config cfg;
	struct sim_machine *m;
	unsigned long before[SIM_MAX_ORDER];

	sim_config_default(&cfg);
	sim_config_add_region(&cfg, "carve", SIM_REGION_RESERVED, true, MiB,
			      MiB);
	m = test_boot(&cfg);
	sim_buddy_counts(m, before);
	ck_assert_str_ne(stderr_of(do_free, m, &(struct bad_free){ 256, 8 }),
			 "");
	expect_counts(m, before);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* --- split_page -------------------------------------------------------------- */

START_TEST(split_page_then_free_pages_one_by_one)
{
	struct sim_machine *m = boot_ram(0, 4 * MiB);
	unsigned long boot[SIM_MAX_ORDER] = { [10] = 1 };
	unsigned long want[SIM_MAX_ORDER] = { 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	uint64_t p = must_alloc(m, 2);

	ck_assert_uint_eq(p, 0);
	sim_pages_split(m, p, 2);
	check_buddy(m);
	expect_counts(m, want);
	/* the block is gone: only its pages can be freed now */
	ck_assert_str_ne(stderr_of(do_free, m, &(struct bad_free){ 0, 2 }), "");
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 1);
	sim_pages_free(m, 3, 0);
	sim_pages_free(m, 1, 0);
	want[0] = 2;
	expect_counts(m, want);
	sim_pages_free(m, 2, 0);		/* 2 + 3 -> order 1 at 2 */
	want[0] = 1;
	want[1] = 1;
	expect_counts(m, want);
	check_buddy(m);
	sim_pages_free(m, 0, 0);		/* merges all the way up */
	expect_counts(m, boot);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

START_TEST(split_of_unallocated_block_is_ignored)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long before[SIM_MAX_ORDER];
	uint64_t p = must_alloc(m, 0);

	sim_buddy_counts(m, before);
	/* order 0 split is a no-op; a split at the wrong order is a bug */
	sim_pages_split(m, p, 0);
	ck_assert_str_ne(stderr_of(do_split, m, &(struct bad_free){ p, 1 }),
			 "");
	ck_assert_uint_eq(sim_buddy_bad_calls(m), 1);
	expect_counts(m, before);
	check_buddy(m);
	sim_pages_free(m, p, 0);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

/* --- text views (Linux 4.9 mm/vmstat.c) --------------------------------------- */

START_TEST(buddyinfo_after_one_split)
{
	struct sim_machine *m = boot_ram(0, 4 * MiB);

	/* frag_show_print: "Node %d, zone %8s " then "%6lu " per order */
	ck_assert_str_eq(shown(m, sim_buddyinfo_show),
			 "Node 0, zone   Normal      0      0      0      0"
			 "      0      0      0      0      0      0      1 \n");
	must_alloc(m, 0);
	ck_assert_str_eq(shown(m, sim_buddyinfo_show),
			 "Node 0, zone   Normal      1      1      1      1"
			 "      1      1      1      1      1      1      0 \n");
	test_shutdown(m);
}
END_TEST

/*
 * One block free at each order 0..9 (1023 pages, 10 blocks).
 * unusable_free_index(k) = (free - suitable << k) * 1000 / free
 *                        = (2^k - 1) * 1000 / 1023;
 * __fragmentation_index(10) = 1000 - (1000 + 1023000 / 1024) / 10 = 801.
 */
START_TEST(extfrag_text_for_a_split_block)
{
	struct sim_machine *m = boot_ram(0, 4 * MiB);

	must_alloc(m, 0);
	ck_assert_str_eq(shown(m, sim_unusable_index_show),
			 "Node 0, zone   Normal 0.000 0.000 0.002 0.006 0.014 "
			 "0.030 0.061 0.124 0.249 0.499 1.000 \n");
	ck_assert_str_eq(shown(m, sim_extfrag_index_show),
			 "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 "
			 "-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 0.801 \n");
	ck_assert_int_eq(sim_unusable_index(m, 9), 499);
	ck_assert_int_eq(sim_unusable_index(m, 10), 1000);
	ck_assert_int_eq(sim_unusable_index(m, SIM_MAX_ORDER), 1000);
	ck_assert_int_eq(sim_fragmentation_index(m, 3), -1000);
	ck_assert_int_eq(sim_fragmentation_index(m, 10), 801);
	ck_assert_int_eq(sim_fragmentation_index(m, SIM_MAX_ORDER), 0);
	test_shutdown(m);
}
END_TEST

/*
 * One free page.  __fragmentation_index(k >= 1) = 1000 - (1000 +
 * 1000 / 2^k) / 1 goes negative, and "%d.%03d" prints -500 as "0.-500",
 * -7 as "0.-07": what the kernel's file shows in this state.
 */
START_TEST(extfrag_text_for_a_single_free_page)
{
	struct sim_machine *m = boot_ram(0, 4 * MiB);
	uint64_t pfn;

	for (int i = 0; i < 1024; i++)
		must_alloc(m, 0);
	ck_assert_str_eq(shown(m, sim_extfrag_index_show),
			 "Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 "
			 "0.000 0.000 0.000 0.000 0.000 0.000 \n");
	/* nothing free: the kernel's file says all is unusable, the
	 * function says 0 (sim.h) */
	ck_assert_str_eq(shown(m, sim_unusable_index_show),
			 "Node 0, zone   Normal 1.000 1.000 1.000 1.000 1.000 "
			 "1.000 1.000 1.000 1.000 1.000 1.000 \n");
	ck_assert_int_eq(sim_unusable_index(m, 0), 0);
	ck_assert_int_eq(sim_fragmentation_index(m, 0), 0);
	sim_pages_free(m, 77, 0);
	ck_assert_str_eq(shown(m, sim_extfrag_index_show),
			 "Node 0, zone   Normal -1.000 0.-500 0.-250 0.-125 "
			 "0.-62 0.-31 0.-15 0.-07 0.-03 0.-01 0.000 \n");
	ck_assert_str_eq(shown(m, sim_unusable_index_show),
			 "Node 0, zone   Normal 0.000 1.000 1.000 1.000 1.000 "
			 "1.000 1.000 1.000 1.000 1.000 1.000 \n");
	ck_assert_int_eq(sim_fragmentation_index(m, 1), -500);
	ck_assert_int_eq(sim_pages_alloc(m, 0, &pfn), 0);
	ck_assert_uint_eq(pfn, 77);
	test_shutdown(m);
}
END_TEST

START_TEST(unpopulated_zone_prints_nothing)
{
	struct sim_config cfg;
	struct sim_machine *m;
	uint64_t pfn;

	sim_config_default(&cfg);
	cfg.ram_size = 4 * MiB;
	sim_config_add_region(&cfg, "all", SIM_REGION_RESERVED, true, 0,
			      4 * MiB);
	m = test_boot(&cfg);
	ck_assert_str_eq(shown(m, sim_buddyinfo_show), "");
	ck_assert_str_eq(shown(m, sim_unusable_index_show), "");
	ck_assert_str_eq(shown(m, sim_extfrag_index_show), "");
	ck_assert_int_eq(sim_pages_alloc(m, 0, &pfn), -ENOMEM);
	check_buddy(m);
	test_shutdown(m);
}
END_TEST

static Suite *buddy_suite(void)
{
	Suite *s = suite_create("sim-buddy");
	TCase *t = tcase_create("boot");

	tcase_add_test(t, default_boot_is_64_top_blocks);
	tcase_add_test(t, unaligned_ram_base_boots_aligned_blocks);
	tcase_add_test(t, blocks_that_are_not_buddies_never_merge);
	suite_add_tcase(s, t);
	t = tcase_create("alloc-free");
	tcase_add_test(t, split_takes_lower_half_and_lists_upper_halves);
	tcase_add_test(t, free_merges_with_free_buddies_only);
	tcase_add_test(t, bad_order_is_einval);
	tcase_add_test(t, exhaustion_then_free_everything_restores_boot);
	tcase_add_test(t, random_churn_keeps_invariants);
	tcase_add_test(t, carved_regions_are_never_handed_out);
	tcase_add_test(t, injected_failure_changes_nothing);
	suite_add_tcase(s, t);
	t = tcase_create("bad-calls");
	tcase_add_test(t, double_free_is_reported_once_and_ignored);
	tcase_add_test(t, wrong_order_and_stray_frees_are_ignored);
	tcase_add_test(t, hole_pages_cannot_be_freed_into_the_buddy);
	tcase_add_test(t, split_page_then_free_pages_one_by_one);
	tcase_add_test(t, split_of_unallocated_block_is_ignored);
	suite_add_tcase(s, t);
	t = tcase_create("views");
	tcase_add_test(t, buddyinfo_after_one_split);
	tcase_add_test(t, extfrag_text_for_a_split_block);
	tcase_add_test(t, extfrag_text_for_a_single_free_page);
	tcase_add_test(t, unpopulated_zone_prints_nothing);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(buddy_suite)
