/*
 * tests/heaps/test_config.c - heap statements, the default board and the
 * physical ranges of a board.
 *
 * The statement grammar is SCENARIO.md's `heap` line.  The defaults
 * follow Linux 4.9: ion_system_heap.c, ion_carveout_heap.c and
 * ion_chunk_heap.c set ION_HEAP_FLAG_DEFER_FREE, ion_system_heap.c's
 * orders are 8, 4, 0, and the carveout's gen_pool granule is PAGE_SIZE.
 * Error cases are a table: each line is followed by a caret under the
 * column the parser must report, as a compiler's message would show it.
 */
#include <errno.h>
#include <string.h>

#include "ionsim/heap.h"
#include "testlib.h"

static void parse_ok(const char *line, struct heap_config *cfg)
{
	struct heap_parse_error err;
	int ret = heap_config_parse(line, cfg, &err);

	ck_assert_msg(ret == 0, "'%s': %u: %s", line, err.col, err.msg);
}

/* --- every option of every type ------------------------------------- */

START_TEST(system_defaults)
{
	struct heap_config c;

	parse_ok("heap system type=system id=0", &c);
	ck_assert_str_eq(c.name, "system");
	ck_assert_int_eq(c.type, HEAP_TYPE_SYSTEM);
	ck_assert_uint_eq(c.id, 0);
	ck_assert_uint_eq(c.norders, 3);
	ck_assert_uint_eq(c.orders[0], 8);
	ck_assert_uint_eq(c.orders[1], 4);
	ck_assert_uint_eq(c.orders[2], 0);
	ck_assert_uint_eq(c.pool_high, 0);
	ck_assert_uint_eq(c.pool_low, 0);
	ck_assert_int_eq(c.uncached_pool, HEAP_OPT_DEFAULT);
	ck_assert(c.defer_free);	/* 4.9's system heap defers */
	ck_assert_int_eq(c.kernel, HEAP_KERNEL_4_9);
	ck_assert_uint_eq(c.nallow, 0);
	ck_assert_uint_eq(c.line, 0);
}
END_TEST

START_TEST(system_every_option)
{
	struct heap_config c;

	parse_ok("heap gfx type=system id=31 orders=9,3,1,0 pool_high=128 "
		 "pool_low=64 uncached_pool=off defer_free=off "
		 "allow=camera,sf.1 kernel=4.19", &c);
	ck_assert_uint_eq(c.id, 31);
	ck_assert_uint_eq(c.norders, 4);
	ck_assert_uint_eq(c.orders[0], 9);
	ck_assert_uint_eq(c.orders[3], 0);
	ck_assert_uint_eq(c.pool_high, 128);
	ck_assert_uint_eq(c.pool_low, 64);
	ck_assert_int_eq(c.uncached_pool, HEAP_OPT_OFF);
	ck_assert(!c.defer_free);
	ck_assert_uint_eq(c.nallow, 2);
	ck_assert_str_eq(c.allow[0], "camera");
	ck_assert_str_eq(c.allow[1], "sf.1");
	ck_assert_int_eq(c.kernel, HEAP_KERNEL_4_19);
	parse_ok("heap gfx type=system id=1 uncached_pool=on orders=10 "
		 "kernel=4.14", &c);
	ck_assert_int_eq(c.uncached_pool, HEAP_OPT_ON);
	ck_assert_uint_eq(c.norders, 1);
	ck_assert_uint_eq(c.orders[0], 10);
	ck_assert_int_eq(c.kernel, HEAP_KERNEL_4_14);
	/* eight orders is the most a heap takes */
	parse_ok("heap gfx type=system id=1 orders=10,9,8,7,6,5,4,0", &c);
	ck_assert_uint_eq(c.norders, 8);
}
END_TEST

START_TEST(system_contig_defaults_and_options)
{
	struct heap_config c;

	parse_ok("heap system_contig type=system_contig id=1", &c);
	ck_assert_int_eq(c.type, HEAP_TYPE_SYSTEM_CONTIG);
	ck_assert(!c.defer_free);	/* 4.9's system_contig does not defer */
	parse_ok("heap sc type=system_contig id=1 defer_free=on allow=a", &c);
	ck_assert(c.defer_free);
	ck_assert_uint_eq(c.nallow, 1);
}
END_TEST

START_TEST(carveout_defaults_and_options)
{
	struct heap_config c;

	parse_ok("heap carveout type=carveout id=2 size=16M", &c);
	ck_assert_int_eq(c.type, HEAP_TYPE_CARVEOUT);
	ck_assert_uint_eq(c.size, 16ULL << 20);
	ck_assert(!c.has_base);
	ck_assert_uint_eq(c.granule, 4096);
	ck_assert_int_eq(c.policy, HEAP_POLICY_FIRST_FIT);
	ck_assert(c.defer_free);
	/* keys in any order, type last, hex sizes */
	parse_ok("heap cam id=7 size=0x100000 base=0x90000000 granule=64K "
		 "policy=best-fit defer_free=off type=carveout", &c);
	ck_assert_uint_eq(c.id, 7);
	ck_assert_uint_eq(c.size, 1ULL << 20);
	ck_assert(c.has_base);
	ck_assert_uint_eq(c.base, 0x90000000ULL);
	ck_assert_uint_eq(c.granule, 65536);
	ck_assert_int_eq(c.policy, HEAP_POLICY_BEST_FIT);
	ck_assert(!c.defer_free);
	parse_ok("heap cam type=carveout id=7 size=8K policy=first-fit base=0",
		 &c);
	ck_assert_int_eq(c.policy, HEAP_POLICY_FIRST_FIT);
	ck_assert(c.has_base);
	ck_assert_uint_eq(c.base, 0);
}
END_TEST

START_TEST(chunk_and_cma_options)
{
	struct heap_config c;

	parse_ok("heap chunk type=chunk id=3 size=8M chunk=64K", &c);
	ck_assert_int_eq(c.type, HEAP_TYPE_CHUNK);
	ck_assert_uint_eq(c.chunk, 65536);
	ck_assert(c.defer_free);
	parse_ok("heap k type=chunk id=3 chunk=4K size=4K base=0x80000000 "
		 "defer_free=off", &c);
	ck_assert_uint_eq(c.chunk, 4096);
	ck_assert_uint_eq(c.base, 0x80000000ULL);
	ck_assert(!c.defer_free);
	parse_ok("heap cma type=cma id=4 size=32M", &c);
	ck_assert_int_eq(c.type, HEAP_TYPE_DMA);
	ck_assert(!c.defer_free);	/* 4.9's CMA heap does not defer */
	parse_ok("heap cma type=cma id=4 size=32M base=0x40000000 "
		 "kernel=4.14 defer_free=on allow=x", &c);
	ck_assert_uint_eq(c.base, 0x40000000ULL);
	ck_assert_int_eq(c.kernel, HEAP_KERNEL_4_14);
	ck_assert(c.defer_free);
}
END_TEST

START_TEST(blanks_names_and_limits)
{
	struct heap_config c;

	parse_ok("  heap\tA.b-c_9 \t type=system   id=0  \n", &c);
	ck_assert_str_eq(c.name, "A.b-c_9");
	parse_ok("heap _012345678901234567890123456789 type=system id=0", &c);
	ck_assert_uint_eq(strlen(c.name), 31);
	parse_ok("heap s type=system id=0 allow=a1,a2,a3,a4,a5,a6,a7,a8,a9,"
		 "a10,a11,a12,a13,a14,a15,a16", &c);
	ck_assert_uint_eq(c.nallow, 16);
	ck_assert_str_eq(c.allow[15], "a16");
}
END_TEST

/* --- errors: message and column ------------------------------------- */

struct bad_line {
	const char *line;
	const char *caret;	/* '^' under the column to report */
	const char *msg;
};

static const struct bad_line bad_lines[] = {
	{ "", "^", "expected 'heap'" },
	{ "ram 256M", "^", "expected 'heap', got 'ram'" },
	{ "heap", "    ^", "missing heap name after 'heap'" },
	{ "heap 9x type=system id=0", "     ^",
	  "bad heap name '9x': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ "heap a/b type=system id=0", "     ^",
	  "bad heap name 'a/b': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ "heap abcdefghijklmnopqrstuvwxyz012345 type=system id=0", "     ^",
	  "heap name 'abcdefghijklmnopqrstuvwxyz012345' is longer than 31 characters" },
	{ "heap s id=0", "^", "missing type= for heap 's'" },
	{ "  heap s id=0", "  ^", "missing type= for heap 's'" },
	{ "heap s type=system id=0 type=system", "                        ^",
	  "duplicate key 'type'" },
	{ "heap s type=foo id=0", "            ^",
	  "unknown heap type 'foo' (system, system_contig, carveout, chunk or cma)" },
	{ "heap s type= id=0", "            ^",
	  "unknown heap type '' (system, system_contig, carveout, chunk or cma)" },
	{ "heap s type=system id=0 bogus", "                        ^",
	  "expected key=value, got 'bogus'" },
	{ "heap s type=system id=0 =3", "                        ^",
	  "expected key=value, got '=3'" },
	{ "heap s type=system", "^", "missing id= for heap 's'" },
	{ "heap s type=system id=40", "                      ^",
	  "id 40 is out of range (0..31)" },
	{ "heap s type=system id=32", "                      ^",
	  "id 32 is out of range (0..31)" },
	{ "heap s type=system id=99999999999999999999999", "                      ^",
	  "id 99999999999999999999999 is out of range (0..31)" },
	{ "heap s type=system id=x", "                      ^",
	  "bad id 'x': expected a number 0..31" },
	{ "heap s type=system id=-1", "                      ^",
	  "bad id '-1': expected a number 0..31" },
	{ "heap s type=system id=", "                      ^",
	  "missing value after 'id='" },
	{ "heap s type=system id=1 id=2", "                        ^",
	  "duplicate key 'id'" },
	{ "heap c type=carveout id=2 sise=4M", "                          ^",
	  "unknown key 'sise' for a carveout heap" },
	/* the leftmost bad key is the one reported */
	{ "heap c type=carveout sise=4M id=40", "                     ^",
	  "unknown key 'sise' for a carveout heap" },
	{ "heap c type=carveout id=2 size=4M size=8M", "                                  ^",
	  "duplicate key 'size'" },
	{ "heap c type=carveout id=2", "^",
	  "missing size= for a carveout heap" },
	{ "heap c type=cma id=2", "^", "missing size= for a cma heap" },
	{ "heap k type=chunk id=3 chunk=64K", "^",
	  "missing size= for a chunk heap" },
	{ "heap k type=chunk id=3 size=8M", "^",
	  "missing chunk= for a chunk heap" },
	{ "heap k type=chunk id=3 size=10M chunk=4M", "                            ^",
	  "size 10M is not a multiple of the 4M chunk" },
	{ "heap k type=chunk id=3 chunk=65536 size=100K", "                                        ^",
	  "size 100K is not a multiple of the 64K chunk" },
	{ "heap k type=chunk id=3 size=8M chunk=48K", "                                     ^",
	  "chunk size must be a power of two >= 4K" },
	{ "heap k type=chunk id=3 size=8M chunk=2K", "                                     ^",
	  "chunk size must be a power of two >= 4K" },
	{ "heap k type=chunk id=3 size=8M chunk=0", "                                     ^",
	  "chunk size must be a power of two >= 4K" },
	{ "heap c type=carveout id=2 size=8M granule=6K", "                                          ^",
	  "granule must be a power of two >= 4K" },
	{ "heap c type=carveout id=2 size=8M granule=2K", "                                          ^",
	  "granule must be a power of two >= 4K" },
	{ "heap c type=carveout id=2 granule=64K size=100K", "                                           ^",
	  "size 100K is not a multiple of the 64K granule" },
	{ "heap c type=carveout id=2 size=4097", "                               ^",
	  "size 4097 is not a multiple of the 4K granule" },
	{ "heap m type=cma id=4 size=0x1001", "                          ^",
	  "size 0x1001 is not a multiple of the 4K page" },
	{ "heap c type=carveout id=2 size=0", "                               ^",
	  "size must be more than 0" },
	{ "heap c type=carveout id=2 size=4X", "                               ^",
	  "bad size '4X': expected a size such as 4096, 0x1000 or 4K" },
	{ "heap c type=carveout id=2 size=", "                               ^",
	  "missing value after 'size='" },
	{ "heap c type=carveout id=2 size=99999999999999999999", "                               ^",
	  "size '99999999999999999999' is too large" },
	{ "heap c type=carveout id=2 size=4M base=0x1001", "                                       ^",
	  "base 0x1001 is not a multiple of the 4K page" },
	{ "heap c type=carveout id=2 size=4M base=12T", "                                       ^",
	  "bad base '12T': expected a size such as 4096, 0x1000 or 4K" },
	{ "heap c type=carveout id=2 size=4M policy=worst-fit", "                                         ^",
	  "unknown policy 'worst-fit' (first-fit or best-fit)" },
	{ "heap s type=system id=0 orders=4,8,0", "                                 ^",
	  "orders must decrease (8,4,0)" },
	{ "heap s type=system id=0 orders=8,4,4", "                                   ^",
	  "orders must decrease (8,4,0)" },
	{ "heap s type=system id=0 orders=11,4,0", "                               ^",
	  "order 11 is over the maximum 10" },
	{ "heap s type=system id=0 orders=8,,0", "                                 ^",
	  "bad order '': expected a number" },
	{ "heap s type=system id=0 orders=8,4,", "                                   ^",
	  "bad order '': expected a number" },
	{ "heap s type=system id=0 orders=8,x", "                                 ^",
	  "bad order 'x': expected a number" },
	{ "heap s type=system id=0 orders=9,8,7,6,5,4,3,2,1", "                                               ^",
	  "at most 8 orders" },
	{ "heap s type=system id=0 orders=", "                               ^",
	  "missing value after 'orders='" },
	{ "heap s type=system id=0 pool_high=x", "                                  ^",
	  "bad pool_high 'x': expected a number of pages" },
	{ "heap s type=system id=0 pool_low=1K", "                                 ^",
	  "bad pool_low '1K': expected a number of pages" },
	{ "heap s type=system id=0 pool_low=32 pool_high=16", "                                 ^",
	  "pool_low 32 is over pool_high 16" },
	{ "heap s type=system id=0 uncached_pool=yes", "                                      ^",
	  "uncached_pool must be on or off, not 'yes'" },
	{ "heap s type=system id=0 defer_free=1", "                                   ^",
	  "defer_free must be on or off, not '1'" },
	{ "heap s type=system id=0 allow=", "                              ^",
	  "allow list is empty" },
	{ "heap s type=system id=0 allow=cam,,sf", "                                  ^",
	  "bad actor name '': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ "heap s type=system id=0 allow=9cam", "                              ^",
	  "bad actor name '9cam': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ "heap s type=system id=0 allow=cam,sf,cam", "                                     ^",
	  "actor 'cam' is listed twice" },
	{ "heap s type=system id=0 allow=a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11,a12,a13,a14,a15,a16,a17",
	  "                                                                                     ^",
	  "the allow list takes at most 16 actors" },
	{ "heap s type=system id=0 kernel=5.4", "                               ^",
	  "unknown kernel '5.4' (4.9, 4.14 or 4.19)" },
	{ "heap s type=system id=0 granule=64K", "                        ^",
	  "granule= does not apply to a system heap" },
	{ "heap k type=chunk id=3 size=8M chunk=64K policy=best-fit", "                                         ^",
	  "policy= does not apply to a chunk heap" },
	{ "heap s type=system_contig id=1 size=4M", "                               ^",
	  "size= does not apply to a system_contig heap" },
	{ "heap m type=cma id=4 size=4M chunk=64K", "                             ^",
	  "chunk= does not apply to a cma heap" },
	{ "heap c type=carveout id=2 size=4M orders=8", "                                  ^",
	  "orders= does not apply to a carveout heap" },
	{ "heap c type=carveout id=2 size=4M pool_low=8", "                                  ^",
	  "pool_low= does not apply to a carveout heap" },
	/* a long word is quoted in part, so the message stays whole */
	{ "heap s type=system id=0 kernel=0123456789012345678901234567890123456789xyz",
	  "                               ^",
	  "unknown kernel '0123456789012345678901234567890123456789' (4.9, 4.14 or 4.19)" },
};

START_TEST(errors_report_message_and_column)
{
	const struct bad_line *b = &bad_lines[_i];
	struct heap_parse_error err;
	struct heap_config c;
	unsigned int col = (unsigned int)(strchr(b->caret, '^') - b->caret) + 1;

	ck_assert_int_eq(heap_config_parse(b->line, &c, &err), -EINVAL);
	ck_assert_msg(strcmp(err.msg, b->msg) == 0, "'%s': got '%s'",
		      b->line, err.msg);
	ck_assert_msg(err.col == col, "'%s': column %u, expected %u", b->line,
		      err.col, col);
}
END_TEST

/* --- boards ----------------------------------------------------------- */

START_TEST(default_board_is_scenario_md)
{
	struct heap_board b;
	struct heap_config c;

	heap_board_default(&b);
	ck_assert_uint_eq(b.n, 5);
	ck_assert_str_eq(b.heaps[0].name, "system");
	ck_assert_int_eq(b.heaps[0].type, HEAP_TYPE_SYSTEM);
	ck_assert_str_eq(b.heaps[1].name, "system_contig");
	ck_assert_int_eq(b.heaps[1].type, HEAP_TYPE_SYSTEM_CONTIG);
	ck_assert_str_eq(b.heaps[2].name, "carveout");
	ck_assert_uint_eq(b.heaps[2].size, 16ULL << 20);
	ck_assert_str_eq(b.heaps[3].name, "chunk");
	ck_assert_uint_eq(b.heaps[3].size, 8ULL << 20);
	ck_assert_uint_eq(b.heaps[3].chunk, 64ULL << 10);
	ck_assert_str_eq(b.heaps[4].name, "cma");
	ck_assert_int_eq(b.heaps[4].type, HEAP_TYPE_DMA);
	ck_assert_uint_eq(b.heaps[4].size, 32ULL << 20);
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_uint_eq(b.heaps[i].id, i);
	/* the same as writing the statements out */
	parse_ok("heap chunk type=chunk id=3 size=8M chunk=64K", &c);
	ck_assert_int_eq(memcmp(&c, &b.heaps[3], sizeof(c)), 0);
	parse_ok("heap system type=system id=0", &c);
	ck_assert_int_eq(memcmp(&c, &b.heaps[0], sizeof(c)), 0);
}
END_TEST

START_TEST(board_add_rejects_duplicates_and_overflow)
{
	struct heap_board b = { .n = 0 };
	struct heap_config c;

	parse_ok("heap a type=system id=0", &c);
	ck_assert_int_eq(heap_board_add(&b, &c), 0);
	ck_assert_int_eq(heap_board_add(&b, &c), -EEXIST);
	parse_ok("heap a type=system id=1", &c);	/* same name */
	ck_assert_int_eq(heap_board_add(&b, &c), -EEXIST);
	parse_ok("heap b type=system id=0", &c);	/* same id */
	ck_assert_int_eq(heap_board_add(&b, &c), -EEXIST);
	for (unsigned int i = 1; i < HEAP_MAX_HEAPS; i++) {
		snprintf(c.name, sizeof(c.name), "h%u", i);
		c.id = i;
		ck_assert_int_eq(heap_board_add(&b, &c), 0);
	}
	ck_assert_uint_eq(b.n, HEAP_MAX_HEAPS);
	snprintf(c.name, sizeof(c.name), "one_more");
	c.id = 99;
	ck_assert_int_eq(heap_board_add(&b, &c), -ENOSPC);
}
END_TEST

START_TEST(type_names)
{
	ck_assert_str_eq(heap_type_name(HEAP_TYPE_SYSTEM), "system");
	ck_assert_str_eq(heap_type_name(HEAP_TYPE_SYSTEM_CONTIG),
			 "system_contig");
	ck_assert_str_eq(heap_type_name(HEAP_TYPE_CARVEOUT), "carveout");
	ck_assert_str_eq(heap_type_name(HEAP_TYPE_CHUNK), "chunk");
	ck_assert_str_eq(heap_type_name(HEAP_TYPE_DMA), "cma");
	ck_assert_ptr_null(heap_type_name((enum heap_type)5));
}
END_TEST

/* --- physical ranges -------------------------------------------------- */

static void board_from(struct heap_board *b, const char *const *lines,
		       unsigned int n)
{
	struct heap_config c;

	b->n = 0;
	for (unsigned int i = 0; i < n; i++) {
		parse_ok(lines[i], &c);
		ck_assert_int_eq(heap_board_add(b, &c), 0);
	}
}

START_TEST(reserve_default_board_after_ram)
{
	struct heap_board b;
	struct sim_config cfg;
	int bad = 99;

	heap_board_default(&b);
	sim_config_default(&cfg);
	cfg.ram_size = (256ULL << 20) + 4096;	/* RAM ends off a 1M boundary */
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), 0);
	ck_assert_int_eq(bad, -1);
	ck_assert_uint_eq(cfg.nregions, 3);
	ck_assert_str_eq(cfg.regions[0].name, "carveout");
	ck_assert_int_eq(cfg.regions[0].kind, SIM_REGION_RESERVED);
	ck_assert_uint_eq(cfg.regions[0].base, 257ULL << 20);
	ck_assert_uint_eq(cfg.regions[0].size, 16ULL << 20);
	ck_assert_str_eq(cfg.regions[1].name, "chunk");
	ck_assert_int_eq(cfg.regions[1].kind, SIM_REGION_RESERVED);
	ck_assert_uint_eq(cfg.regions[1].base, 273ULL << 20);
	ck_assert_str_eq(cfg.regions[2].name, "cma");
	ck_assert_int_eq(cfg.regions[2].kind, SIM_REGION_CMA);
	ck_assert_uint_eq(cfg.regions[2].base, 281ULL << 20);
}
END_TEST

START_TEST(reserve_keeps_bases_and_boots)
{
	static const char *const lines[] = {
		"heap sys type=system id=0",
		"heap cam type=carveout id=2 size=1M base=0x1000000",
		"heap k type=chunk id=3 size=512K chunk=64K",
	};
	struct heap_board b;
	struct sim_config cfg;
	struct sim_machine *m;
	int bad = 99;

	board_from(&b, lines, 3);
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), 0);
	ck_assert_uint_eq(cfg.regions[0].base, 0x1000000);	/* inside RAM */
	ck_assert_uint_eq(cfg.regions[1].base, 256ULL << 20);
	m = test_boot(&cfg);
	ck_assert_int_eq(sim_region_find(m, "cam"), 0);
	ck_assert_int_eq(sim_region_find(m, "k"), 1);
	ck_assert_uint_eq(sim_region_get(m, 1)->size, 512 << 10);
	test_shutdown(m);
}
END_TEST

START_TEST(reserve_blames_the_later_of_two_overlapping_heaps)
{
	static const char *const lines[] = {
		"heap a type=carveout id=2 size=2M base=0x20000000",
		"heap sys type=system id=0",
		"heap b type=cma id=4 size=1M base=0x20100000",
	};
	struct heap_board b;
	struct sim_config cfg;
	int bad = 99;

	board_from(&b, lines, 3);
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), -EINVAL);
	ck_assert_int_eq(bad, 2);
}
END_TEST

START_TEST(reserve_reports_a_heap_that_does_not_fit)
{
	/* Two 2^47-byte ranges after 256M of RAM end past 2^48, the top of
	 * the simulated physical address space. */
	static const char *const lines[] = {
		"heap sys type=system id=0",
		"heap a type=carveout id=2 size=0x800000000000",
		"heap b type=chunk id=3 size=0x800000000000 chunk=4K",
	};
	struct heap_board b;
	struct sim_config cfg;
	int bad = 99;

	board_from(&b, lines, 3);
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), -EINVAL);
	ck_assert_int_eq(bad, 2);
	/* a based range past the top is rejected as soon as it is added */
	parse_ok("heap c type=cma id=4 size=1M base=0xffffffffff000", &b.heaps[2]);
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), -EINVAL);
	ck_assert_int_eq(bad, 2);
}
END_TEST

/* A bad machine is no heap's fault: nothing to blame. */
START_TEST(reserve_blames_no_heap_for_bad_ram)
{
	struct heap_board b;
	struct sim_config cfg;
	int bad = 99;

	heap_board_default(&b);
	sim_config_default(&cfg);
	cfg.ram_size = 0;
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), -EINVAL);
	ck_assert_int_eq(bad, -1);
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, NULL), 0);
}
END_TEST

START_TEST(reserve_reports_a_full_region_table)
{
	struct heap_board b = { .n = 0 };
	struct sim_config cfg;
	struct heap_config c;
	int bad = 99;

	for (unsigned int i = 0; i <= SIM_MAX_REGIONS; i++) {
		parse_ok("heap x type=carveout id=0 size=4K", &c);
		snprintf(c.name, sizeof(c.name), "c%u", i);
		c.id = i;
		ck_assert_int_eq(heap_board_add(&b, &c), 0);
	}
	sim_config_default(&cfg);
	ck_assert_int_eq(heap_board_reserve(&b, &cfg, &bad), -ENOSPC);
	ck_assert_int_eq(bad, SIM_MAX_REGIONS);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("heaps-config");
	TCase *t = tcase_create("parse");

	tcase_add_test(t, system_defaults);
	tcase_add_test(t, system_every_option);
	tcase_add_test(t, system_contig_defaults_and_options);
	tcase_add_test(t, carveout_defaults_and_options);
	tcase_add_test(t, chunk_and_cma_options);
	tcase_add_test(t, blanks_names_and_limits);
	tcase_add_loop_test(t, errors_report_message_and_column, 0,
			    (int)(sizeof(bad_lines) / sizeof(bad_lines[0])));
	suite_add_tcase(s, t);
	t = tcase_create("board");
	tcase_add_test(t, default_board_is_scenario_md);
	tcase_add_test(t, board_add_rejects_duplicates_and_overflow);
	tcase_add_test(t, type_names);
	tcase_add_test(t, reserve_default_board_after_ram);
	tcase_add_test(t, reserve_keeps_bases_and_boots);
	tcase_add_test(t, reserve_blames_the_later_of_two_overlapping_heaps);
	tcase_add_test(t, reserve_reports_a_heap_that_does_not_fit);
	tcase_add_test(t, reserve_blames_no_heap_for_bad_ram);
	tcase_add_test(t, reserve_reports_a_full_region_table);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(config_suite)
