/*
 * tests/sim/test_phys.c - simulated physical memory: the region table and
 * what is left of RAM, byte access to the memfd, zeroing that gives pages
 * back, kernel mappings that share pages, the mapping helpers vma.c uses,
 * and a 64 GiB machine that costs the host almost nothing.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim_internal.h"
#include "testlib.h"

#define PG SIM_PAGE_SIZE
#define MiB (1ULL << 20)

/* Default RAM plus a carveout inside RAM, a CMA area after it and a
 * reserved range that sticks out of RAM's end. */
static struct sim_machine *boot_with_regions(void)
{
	struct sim_config cfg;

	sim_config_default(&cfg);
	ck_assert_int_eq(sim_config_add_region(&cfg, "carve",
					       SIM_REGION_RESERVED, true,
					       16 * MiB, 4 * MiB), 0);
	ck_assert_int_eq(sim_config_add_region(&cfg, "cma", SIM_REGION_CMA,
					       false, 0, 8 * MiB), 1);
	ck_assert_int_eq(sim_config_add_region(&cfg, "edge",
					       SIM_REGION_RESERVED, true,
					       255 * MiB, 2 * MiB), 2);
	return test_boot(&cfg);
}

/* --- regions and RAM -------------------------------------------------- */

START_TEST(region_table_in_config_order)
{
	struct sim_machine *m = boot_with_regions();
	const struct sim_region *r;

	ck_assert_uint_eq(sim_region_count(m), 3);
	r = sim_region_get(m, 1);
	ck_assert_str_eq(r->name, "cma");
	ck_assert_int_eq(r->kind, SIM_REGION_CMA);
	/* placed after RAM and after "edge", 1 MiB aligned */
	ck_assert_uint_eq(r->base, 257 * MiB);
	ck_assert_uint_eq(r->size, 8 * MiB);
	ck_assert_ptr_null(sim_region_get(m, 3));
	ck_assert_int_eq(sim_region_find(m, "edge"), 2);
	ck_assert_int_eq(sim_region_find(m, "carve"), 0);
	ck_assert_int_eq(sim_region_find(m, "nope"), -ENOENT);
	test_shutdown(m);
}
END_TEST

START_TEST(ram_pages_exclude_carved_parts)
{
	struct sim_machine *m = boot_with_regions();
	const struct sim_run *ram;
	unsigned int n;

	/* 256 MiB minus the 4 MiB carveout minus the 1 MiB of "edge" that
	 * lies inside RAM; "cma" lies outside RAM and costs it nothing. */
	ck_assert_uint_eq(sim_ram_pages(m), (256 - 4 - 1) * MiB / PG);
	ram = sim_phys_ram_ranges(m, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ram[0].phys, 0);
	ck_assert_uint_eq(ram[0].len, 16 * MiB);
	ck_assert_uint_eq(ram[1].phys, 20 * MiB);
	ck_assert_uint_eq(ram[1].len, 235 * MiB);
	test_shutdown(m);
}
END_TEST

START_TEST(ram_fully_carved_leaves_nothing)
{
	struct sim_config cfg;
	struct sim_machine *m;
	unsigned int n;

	sim_config_default(&cfg);
	cfg.ram_size = 4 * MiB;
	sim_config_add_region(&cfg, "all", SIM_REGION_RESERVED, true, 0,
			      4 * MiB);
	m = test_boot(&cfg);
	ck_assert_uint_eq(sim_ram_pages(m), 0);
	sim_phys_ram_ranges(m, &n);
	ck_assert_uint_eq(n, 0);
	test_shutdown(m);
}
END_TEST

START_TEST(valid_ranges_are_ram_or_one_region)
{
	struct sim_machine *m = boot_with_regions();

	ck_assert(sim_phys_valid(m, 0, 256 * MiB));
	ck_assert(sim_phys_valid(m, 16 * MiB, PG));	/* carved: a region */
	ck_assert(sim_phys_valid(m, 256 * MiB, MiB));	/* edge, past RAM */
	ck_assert(sim_phys_valid(m, 257 * MiB, 8 * MiB));	/* cma */
	ck_assert(sim_phys_valid(m, 256 * MiB, 0));
	/* RAM's end into "edge": not inside one of them */
	ck_assert(!sim_phys_valid(m, 254 * MiB, 2 * MiB + PG));
	ck_assert(!sim_phys_valid(m, 265 * MiB, 1));	/* past cma */
	ck_assert(!sim_phys_valid(m, 264 * MiB, 2 * MiB));
	ck_assert(!sim_phys_valid(m, UINT64_MAX - 10, 100));	/* wraps */
	test_shutdown(m);
}
END_TEST

/* --- bytes -------------------------------------------------------------- */

START_TEST(boot_creates_no_memory)
{
	struct sim_machine *m = test_boot(NULL);
	char buf[64];

	ck_assert_uint_eq(sim_phys_resident(m), 0);
	memset(buf, 0x5a, sizeof(buf));
	ck_assert_int_eq(sim_phys_read(m, 12345, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_int_eq(buf[i], 0);
	ck_assert_int_eq(sim_phys_zero(m, 0, 4 * PG), 0);
	ck_assert_int_eq(sim_phys_write(m, 0, buf, 0), 0);
	/* neither a read, a zero nor an empty write needed the memfd */
	ck_assert_int_eq(m->phys.memfd, -1);
	ck_assert_uint_eq(sim_phys_resident(m), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(write_read_round_trip_across_pages)
{
	struct sim_machine *m = boot_with_regions();
	const struct sim_region *cma;
	char out[3 * 4096], in[sizeof(out)];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + 3);
	/* in RAM, straddling pages */
	ck_assert_int_eq(sim_phys_write(m, 100 * PG + 100, out, sizeof(out)), 0);
	ck_assert_int_eq(sim_phys_read(m, 100 * PG + 100, in, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	/* in a region placed after RAM */
	cma = sim_region_get(m, 1);
	ck_assert_int_eq(sim_phys_write(m, cma->base + cma->size - 10, out, 10),
			 0);
	ck_assert_int_eq(sim_phys_read(m, cma->base + cma->size - 10, in, 10),
			 0);
	ck_assert_mem_eq(in, out, 10);
	ck_assert_uint_gt(sim_phys_resident(m), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(access_outside_memory_is_efault)
{
	struct sim_machine *m = boot_with_regions();
	char buf[16] = { 0 };

	ck_assert_int_eq(sim_phys_read(m, 265 * MiB, buf, 1), -EFAULT);
	ck_assert_int_eq(sim_phys_write(m, 256 * MiB - 8, buf, 16), 0);
	ck_assert_int_eq(sim_phys_write(m, 257 * MiB + 8 * MiB - 8, buf, 16),
			 -EFAULT);
	ck_assert_int_eq(sim_phys_write(m, UINT64_MAX - 4, buf, 16), -EFAULT);
	ck_assert_int_eq(sim_phys_zero(m, 300 * MiB, PG), -EFAULT);
	ck_assert_int_eq(sim_phys_read(m, 254 * MiB, buf, 0), 0);
	test_shutdown(m);
}
END_TEST

START_TEST(zero_punches_whole_pages_and_writes_partial_ones)
{
	struct sim_machine *m = test_boot(NULL);
	unsigned char page[3 * 4096], want[sizeof(page)];

	memset(page, 0xaa, sizeof(page));
	ck_assert_int_eq(sim_phys_write(m, 10 * PG, page, sizeof(page)), 0);
	ck_assert_uint_eq(sim_phys_resident(m), 3 * PG);
	/* from the middle of page 10 to the middle of page 12 */
	ck_assert_int_eq(sim_phys_zero(m, 10 * PG + 100, 2 * PG), 0);
	/* page 11 went back to the host; 10 and 12 keep their halves */
	ck_assert_uint_eq(sim_phys_resident(m), 2 * PG);
	memset(want, 0xaa, sizeof(want));
	memset(want + 100, 0, 2 * PG);
	ck_assert_int_eq(sim_phys_read(m, 10 * PG, page, sizeof(page)), 0);
	ck_assert_mem_eq(page, want, sizeof(want));
	/* a zero inside one page */
	ck_assert_int_eq(sim_phys_zero(m, 12 * PG + 200, 10), 0);
	ck_assert_int_eq(sim_phys_read(m, 12 * PG + 195, page, 20), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_uint_eq(page[i], (i >= 5 && i < 15) ? 0 : 0xaa);
	ck_assert_int_eq(sim_phys_zero(m, 0, 256 * MiB), 0);
	ck_assert_uint_eq(sim_phys_resident(m), 0);
	test_shutdown(m);
}
END_TEST

/* Zeroing memory nobody wrote costs nothing; memory a writable mapping
 * reached is zeroed however it was written; and the next machine's
 * memory (which may reuse this one's memfd) starts out all zero. */
START_TEST(zero_skips_clean_pages_and_the_next_machine_starts_empty)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_run run = { 40 * PG, 2 * PG };
	unsigned char buf[2 * 4096];
	char *k;

	ck_assert_int_eq(sim_phys_write(m, 10 * PG, "x", 1), 0);
	ck_assert_uint_eq(sim_phys_resident(m), PG);
	ck_assert_int_eq(sim_phys_zero(m, 20 * PG, 8 * PG), 0);
	ck_assert_uint_eq(sim_phys_resident(m), PG);
	k = sim_kmap_runs(m, &run, 1, NULL);
	ck_assert_ptr_nonnull(k);
	memset(k, 0x77, 2 * PG);	/* behind the simulator's back */
	sim_kunmap(m, k, 2 * PG);
	ck_assert_uint_eq(sim_phys_resident(m), 3 * PG);
	ck_assert_int_eq(sim_phys_zero(m, 40 * PG, 2 * PG), 0);
	ck_assert_int_eq(sim_phys_read(m, 40 * PG, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_uint_eq(sim_phys_resident(m), PG);
	test_shutdown(m);
	m = test_boot(NULL);
	ck_assert_int_eq(sim_phys_write(m, 11 * PG, "y", 1), 0);
	ck_assert_int_eq(sim_phys_read(m, 10 * PG, buf, 1), 0);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(sim_phys_resident(m), PG);
	test_shutdown(m);
}
END_TEST

/* A host process forked after a machine went does not share its kept
 * memfd with the parent: what the child's machine writes, the parent's
 * next machine does not see. */
START_TEST(a_forked_host_keeps_its_own_memory)
{
	struct sim_machine *m = test_boot(NULL);
	char byte = 1;
	int status = -1;
	pid_t pid;

	ck_assert_int_eq(sim_phys_write(m, 10 * PG, "p", 1), 0);
	test_shutdown(m);	/* the memfd is kept, emptied */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		m = test_boot(NULL);
		sim_phys_write(m, 10 * PG, "c", 1);
		/* leave nothing behind for memcheck in the child either */
		_exit(sim_shutdown(m) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);	/* memcheck's too */
	m = test_boot(NULL);
	ck_assert_int_eq(sim_phys_write(m, 11 * PG, "q", 1), 0);
	ck_assert_int_eq(sim_phys_read(m, 10 * PG, &byte, 1), 0);
	ck_assert_int_eq(byte, 0);
	test_shutdown(m);
}
END_TEST

/* --- mappings ------------------------------------------------------------ */

START_TEST(two_kmaps_share_pages)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_run runs[2] = { { 7 * PG, PG }, { 3 * PG, 2 * PG } };
	char *a, *b, buf[8];
	int err = 1;

	a = sim_kmap_runs(m, runs, 2, &err);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(err, 0);
	b = sim_kmap_runs(m, &runs[1], 1, NULL);
	ck_assert_ptr_nonnull(b);
	/* a's second run is b's first: physical page 3 */
	strcpy(a + PG, "hello");
	ck_assert_str_eq(b, "hello");
	strcpy(b + PG + 10, "world");	/* physical page 4 */
	ck_assert_str_eq(a + 2 * PG + 10, "world");
	/* and the memfd itself agrees */
	ck_assert_int_eq(sim_phys_read(m, 3 * PG, buf, 6), 0);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(sim_phys_write(m, 7 * PG, "seven", 6), 0);
	ck_assert_str_eq(a, "seven");
	sim_kunmap(m, a, 3 * PG);
	sim_kunmap(m, b, 2 * PG);
	test_shutdown(m);
}
END_TEST

START_TEST(kmap_rejects_bad_runs)
{
	struct sim_machine *m = test_boot(NULL);
	struct sim_run outside = { 256 * MiB, PG };
	struct sim_run unaligned = { 100, PG };
	struct sim_run empty = { 0, 0 };
	int err = 0;

	ck_assert_ptr_null(sim_kmap_runs(m, &outside, 1, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_null(sim_kmap_runs(m, &unaligned, 1, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_null(sim_kmap_runs(m, &empty, 1, &err));
	ck_assert_int_eq(err, -EINVAL);
	ck_assert_ptr_null(sim_kmap_runs(m, NULL, 0, &err));
	ck_assert_int_eq(err, -EINVAL);
	test_shutdown(m);
}
END_TEST

START_TEST(map_at_skips_and_joins_runs)
{
	struct sim_machine *m = test_boot(NULL);
	/* an empty run, then pages 20-21 and 22 (contiguous: one piece),
	 * then page 5 */
	struct sim_run runs[4] = {
		{ 0, 0 }, { 20 * PG, 2 * PG }, { 22 * PG, PG }, { 5 * PG, PG },
	};
	char *at = sim_host_reserve(3 * PG);
	uint64_t page;

	ck_assert_ptr_nonnull(at);
	for (page = 0; page < 32; page++)
		ck_assert_int_eq(sim_phys_write(m, page * PG, &page,
						sizeof(page)), 0);
	/* skip page 20: see 21, 22, 5 */
	ck_assert_int_eq(sim_phys_map_at(m, at, runs, 4, PG, 3 * PG,
					 PROT_READ), 0);
	ck_assert_uint_eq(*(uint64_t *)at, 21);
	ck_assert_uint_eq(*(uint64_t *)(at + PG), 22);
	ck_assert_uint_eq(*(uint64_t *)(at + 2 * PG), 5);
	/* too short, unaligned, outside memory */
	ck_assert_int_eq(sim_phys_map_at(m, at, runs, 4, 2 * PG, 3 * PG,
					 PROT_READ), -EINVAL);
	ck_assert_int_eq(sim_phys_map_at(m, at, runs, 4, 100, PG, PROT_READ),
			 -EINVAL);
	ck_assert_int_eq(sim_phys_map_at(m, at, &(struct sim_run){
					 512 * MiB, PG }, 1, 0, PG, PROT_READ),
			 -EINVAL);
	ck_assert_int_eq(sim_phys_map_at(m, at, runs, 4, 0, 0, PROT_READ), 0);
	sim_host_release(at, 3 * PG);
	ck_assert_ptr_null(sim_host_reserve(0));
	sim_host_release(NULL, PG);	/* no-op */
	test_shutdown(m);
}
END_TEST

/* --- a big machine -------------------------------------------------------- */

START_TEST(huge_ram_boots_without_touching_memory)
{
	struct sim_config cfg;
	struct sim_machine *m;
	long before, after;
	uint64_t pfn, last = (64ULL << 30) - PG, v = 42, got = 0;

	sim_config_default(&cfg);
	cfg.ram_size = 64ULL << 30;
	before = test_rss_bytes();
	m = test_boot(&cfg);
	after = test_rss_bytes();
	ck_assert_int_ge(before, 0);
	/* the buddy's maps are touched only for the 16384 boot blocks */
	ck_assert_int_lt(after - before, 8 << 20);
	ck_assert_uint_eq(sim_phys_resident(m), 0);
	ck_assert_uint_eq(sim_ram_pages(m), 16ULL << 20);
	ck_assert_uint_eq(sim_buddy_free_pages(m), 16ULL << 20);
	ck_assert_int_eq(sim_pages_alloc(m, 0, &pfn), 0);
	ck_assert_int_eq(sim_phys_write(m, last, &v, sizeof(v)), 0);
	ck_assert_int_eq(sim_phys_read(m, last, &got, sizeof(got)), 0);
	ck_assert_uint_eq(got, 42);
	ck_assert_uint_eq(sim_phys_resident(m), PG);
	sim_pages_free(m, pfn, 0);
	test_shutdown(m);
}
END_TEST

static Suite *phys_suite(void)
{
	Suite *s = suite_create("sim-phys");
	TCase *t = tcase_create("map");

	tcase_add_test(t, region_table_in_config_order);
	tcase_add_test(t, ram_pages_exclude_carved_parts);
	tcase_add_test(t, ram_fully_carved_leaves_nothing);
	tcase_add_test(t, valid_ranges_are_ram_or_one_region);
	suite_add_tcase(s, t);
	t = tcase_create("bytes");
	tcase_add_test(t, boot_creates_no_memory);
	tcase_add_test(t, write_read_round_trip_across_pages);
	tcase_add_test(t, access_outside_memory_is_efault);
	tcase_add_test(t, zero_punches_whole_pages_and_writes_partial_ones);
	tcase_add_test(t, zero_skips_clean_pages_and_the_next_machine_starts_empty);
	tcase_add_test(t, a_forked_host_keeps_its_own_memory);
	suite_add_tcase(s, t);
	t = tcase_create("mappings");
	tcase_add_test(t, two_kmaps_share_pages);
	tcase_add_test(t, kmap_rejects_bad_runs);
	tcase_add_test(t, map_at_skips_and_joins_runs);
	tcase_add_test(t, huge_ram_boots_without_touching_memory);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(phys_suite)
