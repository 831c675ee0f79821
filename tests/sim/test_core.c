/*
 * tests/sim/test_core.c - the machine's small shared pieces: config and
 * physical layout, fault injection, the RNG, kernel-object accounting,
 * mutexes and the bitmap search that gen_pool and CMA rely on.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim/bitmap.h"
#include "testlib.h"

/* --- layout ------------------------------------------------------- */

START_TEST(layout_places_unbased_regions_after_ram_1m_aligned)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	cfg.ram_size = (256ULL << 20) + 4096;	/* RAM ends off a 1M boundary */
	ck_assert_int_eq(sim_config_add_region(&cfg, "carveout",
					       SIM_REGION_RESERVED, false, 0,
					       16 << 20), 0);
	ck_assert_int_eq(sim_config_add_region(&cfg, "cma", SIM_REGION_CMA,
					       false, 0, 32 << 20), 1);
	ck_assert_int_eq(sim_config_layout(&cfg, NULL), 0);
	ck_assert_uint_eq(cfg.regions[0].base, 257ULL << 20);
	ck_assert_uint_eq(cfg.regions[1].base, (257ULL + 16) << 20);
}
END_TEST

START_TEST(layout_skips_based_region_in_the_way)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	/* A based region sits right after RAM; the unbased one goes past it. */
	ck_assert_int_eq(sim_config_add_region(&cfg, "a", SIM_REGION_RESERVED,
					       false, 0, 1 << 20), 0);
	ck_assert_int_eq(sim_config_add_region(&cfg, "b", SIM_REGION_RESERVED,
					       true, 256ULL << 20, 2 << 20), 1);
	ck_assert_int_eq(sim_config_layout(&cfg, NULL), 0);
	ck_assert_uint_eq(cfg.regions[0].base, 258ULL << 20);
	ck_assert_uint_eq(cfg.regions[1].base, 256ULL << 20);
}
END_TEST

START_TEST(layout_rejects_overlap_and_names_the_region)
{
	struct sim_config cfg;
	int bad = 99;

	sim_config_default(&cfg);
	sim_config_add_region(&cfg, "a", SIM_REGION_RESERVED, true,
			      0x10000000, 1 << 20);
	sim_config_add_region(&cfg, "b", SIM_REGION_RESERVED, true,
			      0x10080000, 1 << 20);
	ck_assert_int_eq(sim_config_layout(&cfg, &bad), -EINVAL);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(add_region_validates)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	ck_assert_int_eq(sim_config_add_region(&cfg, "x", SIM_REGION_RESERVED,
					       false, 0, 0), -EINVAL);
	ck_assert_int_eq(sim_config_add_region(&cfg, "x", SIM_REGION_RESERVED,
					       false, 0, 100), -EINVAL);
	ck_assert_int_eq(sim_config_add_region(&cfg, "x", SIM_REGION_RESERVED,
					       true, 123, 4096), -EINVAL);
	ck_assert_int_eq(sim_config_add_region(&cfg, "", SIM_REGION_RESERVED,
					       false, 0, 4096), -EINVAL);
	ck_assert_int_eq(sim_config_add_region(&cfg, "x", SIM_REGION_RESERVED,
					       false, 0, 4096), 0);
	ck_assert_int_eq(sim_config_add_region(&cfg, "x", SIM_REGION_CMA,
					       false, 0, 4096), -EEXIST);
	for (int i = 1; i < SIM_MAX_REGIONS; i++) {
		char name[8];

		snprintf(name, sizeof(name), "r%d", i);
		ck_assert_int_eq(sim_config_add_region(&cfg, name,
						       SIM_REGION_RESERVED,
						       false, 0, 4096), i);
	}
	ck_assert_int_eq(sim_config_add_region(&cfg, "full",
					       SIM_REGION_RESERVED, false, 0,
					       4096), -ENOSPC);
}
END_TEST

START_TEST(boot_rejects_bad_ram)
{
	struct sim_config cfg;
	int err = 0;

	sim_config_default(&cfg);
	cfg.ram_size = 12345;
	ck_assert_ptr_null(sim_boot(&cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
	sim_config_default(&cfg);
	cfg.nofile = 2;
	ck_assert_ptr_null(sim_boot(&cfg, &err));
	ck_assert_int_eq(err, -EINVAL);
}
END_TEST

/* --- faults ------------------------------------------------------- */

START_TEST(fault_nth_next_of_kind)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_fault_stats st;

	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_KOBJ, 3), 0);
	ck_assert(!sim_should_fail(m, SIM_FAULT_KOBJ));
	ck_assert(!sim_should_fail(m, SIM_FAULT_PAGES));	/* other kind */
	ck_assert(!sim_should_fail(m, SIM_FAULT_KOBJ));
	ck_assert(sim_should_fail(m, SIM_FAULT_KOBJ));		/* the 3rd */
	ck_assert(!sim_should_fail(m, SIM_FAULT_KOBJ));		/* fired once */
	sim_fault_stats(m, &st);
	ck_assert_uint_eq(st.calls[SIM_FAULT_KOBJ], 4);
	ck_assert_uint_eq(st.injected[SIM_FAULT_KOBJ], 1);
	ck_assert_uint_eq(st.calls[SIM_FAULT_PAGES], 1);
	ck_assert_uint_eq(sim_fault_injected_total(m), 1);
	sim_fault_arm(m, SIM_FAULT_FD, 1);
	ck_assert(sim_should_fail(m, SIM_FAULT_FD));
	ck_assert_uint_eq(sim_fault_injected_total(m), 2);
	test_shutdown(m);
}
END_TEST

START_TEST(fault_any_counts_every_kind)
{
	struct sim_machine *m = test_boot(NULL);

	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_ANY, 2), 0);
	ck_assert(!sim_should_fail(m, SIM_FAULT_FD));
	ck_assert(sim_should_fail(m, SIM_FAULT_GENPOOL));
	ck_assert(!sim_should_fail(m, SIM_FAULT_GENPOOL));
	test_shutdown(m);
}
END_TEST

START_TEST(fault_arm_errors_and_disarm)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned int i;

	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_FD, 0), -EINVAL);
	ck_assert_int_eq(sim_fault_arm(m, (enum sim_fault_kind)42, 1), -EINVAL);
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_FD, 1), 0);
	ck_assert_int_eq(sim_fault_arm(m, SIM_FAULT_FD, 1), -ENOSPC);
	sim_fault_disarm(m);
	ck_assert(!sim_should_fail(m, SIM_FAULT_FD));
	test_shutdown(m);
}
END_TEST

static bool fail_pages_only(void *ctx, enum sim_fault_kind kind)
{
	(*(int *)ctx)++;
	return kind == SIM_FAULT_PAGES;
}

START_TEST(fault_hook_decides_unarmed_points)
{
	struct sim_machine *m = test_boot(NULL);
	int asked = 0;

	sim_fault_set_hook(m, fail_pages_only, &asked);
	ck_assert(sim_should_fail(m, SIM_FAULT_PAGES));
	ck_assert(!sim_should_fail(m, SIM_FAULT_FD));
	ck_assert_int_eq(asked, 2);
	sim_fault_arm(m, SIM_FAULT_FD, 1);
	ck_assert(sim_should_fail(m, SIM_FAULT_FD));	/* armed wins */
	ck_assert_int_eq(asked, 2);
	sim_fault_set_hook(m, NULL, NULL);
	ck_assert(!sim_should_fail(m, SIM_FAULT_PAGES));
	test_shutdown(m);
}
END_TEST

START_TEST(fault_kind_names_round_trip)
{
	for (int k = 0; k <= SIM_FAULT_ANY; k++)
		ck_assert_int_eq(sim_fault_kind_parse(
			sim_fault_kind_name((enum sim_fault_kind)k)), k);
	ck_assert_int_eq(sim_fault_kind_parse("disk"), -1);
	ck_assert_ptr_null(sim_fault_kind_name((enum sim_fault_kind)9));
}
END_TEST

/* --- kernel objects ----------------------------------------------- */

START_TEST(kzalloc_counts_and_fails_on_injection)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned long base = sim_kobj_live(m);
	char *p = sim_kzalloc(m, 64);

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p[63], 0);
	ck_assert_uint_eq(sim_kobj_live(m), base + 1);
	sim_fault_arm(m, SIM_FAULT_KOBJ, 1);
	ck_assert_ptr_null(sim_kzalloc(m, 64));
	ck_assert_uint_eq(sim_kobj_live(m), base + 1);
	sim_kfree(m, p);
	sim_kfree(m, NULL);
	ck_assert_uint_eq(sim_kobj_live(m), base);
	test_shutdown(m);
}
END_TEST

/* --- RNG ----------------------------------------------------------- */

START_TEST(rng_is_splitmix64)
{
	struct sim_rng r;

	/* SplitMix64 from seed 1234567: the published reference values. */
	sim_rng_seed(&r, 1234567);
	ck_assert_uint_eq(sim_rng_next(&r), 6457827717110365317ULL);
	ck_assert_uint_eq(sim_rng_next(&r), 3203168211198807973ULL);
	ck_assert_uint_eq(sim_rng_next(&r), 9817491932198370423ULL);
	sim_rng_seed(&r, 7);
	for (int i = 0; i < 1000; i++) {
		double u = sim_rng_unit(&r);

		ck_assert(u >= 0.0 && u < 1.0);
		ck_assert_uint_lt(sim_rng_below(&r, 10), 10);
	}
}
END_TEST

START_TEST(machine_rng_follows_seed)
{
	struct sim_config cfg;
	struct sim_machine *a, *b;

	sim_config_default(&cfg);
	cfg.seed = 42;
	a = test_boot(&cfg);
	b = test_boot(&cfg);
	ck_assert_uint_eq(sim_rng_next(sim_machine_rng(a)),
			  sim_rng_next(sim_machine_rng(b)));
	test_shutdown(a);
	test_shutdown(b);
}
END_TEST

/* --- mutexes -------------------------------------------------------- */

struct sched_log {
	int locks, unlocks;
};

static void log_sched(void *ctx, enum sim_sched_point what,
		      struct sim_mutex *lock)
{
	struct sched_log *l = ctx;

	(void)lock;
	if (what == SIM_SCHED_LOCK)
		l->locks++;
	else
		l->unlocks++;
}

START_TEST(mutex_points_reach_the_hook)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_mutex mu;
	struct sched_log log = { 0, 0 };

	sim_mutex_init(&mu, "client->lock");
	sim_set_sched_hook(m, log_sched, &log);
	sim_mutex_lock(m, &mu);
	ck_assert_ptr_nonnull(mu.owner);
	sim_mutex_unlock(m, &mu);
	ck_assert_ptr_null(mu.owner);
	ck_assert_int_eq(log.locks, 1);
	ck_assert_int_eq(log.unlocks, 1);
	test_shutdown(m);
}
END_TEST

START_TEST(mutex_double_lock_aborts)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_mutex mu;

	sim_mutex_init(&mu, "dev->lock");
	sim_mutex_lock(m, &mu);
	sim_mutex_lock(m, &mu);	/* aborts: a model bug, never silent */
}
END_TEST

/* --- bitmap --------------------------------------------------------- */

START_TEST(bitmap_set_clear_across_words)
{
	unsigned long map[4] = { 0 };

	sim_bitmap_set(map, 60, 70);	/* bits 60..129 */
	ck_assert_uint_eq(sim_bitmap_weight(map, 256), 70);
	ck_assert(sim_test_bit(map, 60) && sim_test_bit(map, 129));
	ck_assert(!sim_test_bit(map, 59) && !sim_test_bit(map, 130));
	sim_bitmap_clear(map, 64, 64);	/* the whole middle word */
	ck_assert_uint_eq(map[1], 0);
	ck_assert_uint_eq(sim_bitmap_weight(map, 256), 6);
	ck_assert_uint_eq(sim_find_next_bit(map, 256, 0), 60);
	ck_assert_uint_eq(sim_find_next_bit(map, 256, 64), 128);
	ck_assert_uint_eq(sim_find_next_zero_bit(map, 256, 60), 64);
	ck_assert_uint_eq(sim_find_next_bit(map, 100, 64), 100);
	ck_assert_uint_eq(sim_find_next_bit(map, 256, 300), 256);
	sim_bitmap_set(map, 0, 256);
	ck_assert_uint_eq(sim_find_next_zero_bit(map, 200, 0), 200);
	ck_assert_uint_eq(sim_bitmap_weight(map, 200), 200);
}
END_TEST

START_TEST(bitmap_zero_area_alignment_like_linux)
{
	unsigned long map[2] = { 0 };

	sim_bitmap_set(map, 0, 3);	/* 111000... */
	/* nr 2, no alignment: index 3 */
	ck_assert_uint_eq(sim_bitmap_find_next_zero_area_off(map, 128, 0, 2,
							     0, 0), 3);
	/* aligned to 4: index 4 */
	ck_assert_uint_eq(sim_bitmap_find_next_zero_area_off(map, 128, 0, 2,
							     3, 0), 4);
	/* offset 1: (index + 1) aligned to 4 -> index 3 */
	ck_assert_uint_eq(sim_bitmap_find_next_zero_area_off(map, 128, 0, 2,
							     3, 1), 3);
	/* a busy bit inside the first candidate restarts after it */
	sim_bitmap_set(map, 5, 1);
	ck_assert_uint_eq(sim_bitmap_find_next_zero_area_off(map, 128, 0, 4,
							     0, 0), 6);
	/* nothing fits: the returned end is past size */
	ck_assert_uint_gt(sim_bitmap_find_next_zero_area_off(map, 8, 0, 4, 0,
							     0) + 4, 8);
}
END_TEST

/* --- sizes -------------------------------------------------------- */

START_TEST(parse_size_forms)
{
	uint64_t v = 0;

	ck_assert_int_eq(sim_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(sim_parse_size("4K", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(sim_parse_size("16M", &v), 0);
	ck_assert_uint_eq(v, 16ULL << 20);
	ck_assert_int_eq(sim_parse_size("64G", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 30);
	ck_assert_int_eq(sim_parse_size("0x80000000", &v), 0);
	ck_assert_uint_eq(v, 0x80000000ULL);
	ck_assert_int_eq(sim_parse_size("0x10k", &v), 0);
	ck_assert_uint_eq(v, 16ULL << 10);
	ck_assert_int_eq(sim_parse_size("0", &v), 0);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(parse_size_rejects)
{
	uint64_t v = 77;

	ck_assert_int_eq(sim_parse_size("", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("K", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("0x", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("-4", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size(" 4", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("4KB", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("12T", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("0xfz", &v), -EINVAL);
	ck_assert_int_eq(sim_parse_size("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(sim_parse_size("18446744073709551615", &v), 0);
	ck_assert_int_eq(sim_parse_size("17179869184G", &v), -ERANGE);
	ck_assert_int_eq(sim_parse_size("0x1ffffffffffffffffff", &v), -ERANGE);
	ck_assert_uint_eq(v, 18446744073709551615ULL);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("sim-core");
	TCase *t = tcase_create("layout");

	tcase_add_test(t, layout_places_unbased_regions_after_ram_1m_aligned);
	tcase_add_test(t, layout_skips_based_region_in_the_way);
	tcase_add_test(t, layout_rejects_overlap_and_names_the_region);
	tcase_add_test(t, add_region_validates);
	tcase_add_test(t, boot_rejects_bad_ram);
	suite_add_tcase(s, t);
	t = tcase_create("fault");
	tcase_add_test(t, fault_nth_next_of_kind);
	tcase_add_test(t, fault_any_counts_every_kind);
	tcase_add_test(t, fault_arm_errors_and_disarm);
	tcase_add_test(t, fault_hook_decides_unarmed_points);
	tcase_add_test(t, fault_kind_names_round_trip);
	tcase_add_test(t, kzalloc_counts_and_fails_on_injection);
	suite_add_tcase(s, t);
	t = tcase_create("rng-lock-bitmap");
	tcase_add_test(t, rng_is_splitmix64);
	tcase_add_test(t, machine_rng_follows_seed);
	tcase_add_test(t, mutex_points_reach_the_hook);
	if (!getenv("CK_FORK") || strcmp(getenv("CK_FORK"), "no") != 0)
		tcase_add_test_raise_signal(t, mutex_double_lock_aborts, SIGABRT);
	tcase_add_test(t, bitmap_set_clear_across_words);
	tcase_add_test(t, bitmap_zero_area_alignment_like_linux);
	tcase_add_test(t, parse_size_forms);
	tcase_add_test(t, parse_size_rejects);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(core_suite)
