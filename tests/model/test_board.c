/*
 * tests/model/test_board.c - machine statements and the board they make:
 * every statement (defect switches and kref_bits included), every error
 * with its exact message and column, the
 * default board and its DMA-BUF heap nodes, checks that need the whole
 * board (dmaheap targets, overlapping ranges blamed on the right heap
 * line), whole texts with FILE:LINE:COL errors, and booting a board.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/board.h"
#include "testlib.h"

/* Parses @line as line @lineno and expects it to be a machine statement. */
static void line_ok(struct kion_board *b, const char *line,
		    unsigned int lineno)
{
	struct heap_parse_error err;
	int ret = kion_board_parse_line(b, line, lineno, &err);

	ck_assert_msg(ret == 1, "'%s': %d, col %u: %s", line, ret, err.col,
		      err.msg);
}

/* The text kion_board_parse_text writes for @text (malloc'd), and its
 * return value in *@ret. */
static char *text_errors(const char *text, struct kion_board *b, int *ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	kion_board_init(b);
	*ret = kion_board_parse_text(text, "m.ion", b, f);
	fclose(f);
	return out;
}

/* kion_board_parse_text on @text must fail with exactly @expected. */
static void text_fails(const char *text, const char *expected)
{
	struct kion_board b;
	int ret;
	char *out = text_errors(text, &b, &ret);

	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_eq(out, expected);
	free(out);
}

/* kion_board_parse_text on @text must succeed, silently. */
static void text_ok(const char *text, struct kion_board *b)
{
	int ret;
	char *out = text_errors(text, b, &ret);

	ck_assert_msg(ret == 0, "%s", out);
	ck_assert_str_eq(out, "");
	free(out);
}

/* --- one statement at a time ------------------------------------- */

START_TEST(init_is_the_default_machine)
{
	struct kion_board b;

	kion_board_init(&b);
	ck_assert_uint_eq(b.sim.ram_size, 256ULL << 20);
	ck_assert_uint_eq(b.sim.ram_base, 0);
	ck_assert_uint_eq(b.sim.nofile, 1024);
	ck_assert_int_eq(b.kion.abi, KION_ABI_LEGACY);
	ck_assert_int_eq(b.kion.kernel, KION_KERNEL_4_9_337);
	ck_assert_uint_eq(b.heaps.n, 0);
	ck_assert_uint_eq(b.ndmaheaps, 0);
	ck_assert(!b.has_heaps);
	ck_assert(!b.finished);
}
END_TEST

START_TEST(lines_that_are_not_machine_statements)
{
	static const char *const others[] = {
		"", "   ", "# a comment", "  # indented comment",
		"process camera", "camera open /dev/ion -> ion",
		"kernel drain carveout", "kernel shrink system 16",
		"final leaks == 0", "rammy 1M", "heaps x",
	};
	struct heap_parse_error err;
	struct kion_board b;

	kion_board_init(&b);
	for (unsigned int i = 0; i < sizeof(others) / sizeof(*others); i++)
		ck_assert_msg(kion_board_parse_line(&b, others[i], 1, &err) == 0,
			      "'%s'", others[i]);
	ck_assert_uint_eq(b.ram_line + b.abi_line + b.kernel_line, 0);
}
END_TEST

START_TEST(ram_size_and_base)
{
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "ram 512M base=0x40000000   # a comment", 3);
	ck_assert_uint_eq(b.sim.ram_size, 512ULL << 20);
	ck_assert_uint_eq(b.sim.ram_base, 0x40000000);
	ck_assert_uint_eq(b.ram_line, 3);
	ck_assert_uint_eq(b.ram_col, 1);
	kion_board_init(&b);
	line_ok(&b, "\tram 0x100000", 1);
	ck_assert_uint_eq(b.sim.ram_size, 1 << 20);
	ck_assert_uint_eq(b.sim.ram_base, 0);
	ck_assert_uint_eq(b.ram_col, 2);
}
END_TEST

START_TEST(abi_picks_the_kernel)
{
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "abi modern", 1);
	ck_assert_int_eq(b.kion.abi, KION_ABI_MODERN);
	ck_assert_int_eq(b.kion.kernel, KION_KERNEL_4_19);
	kion_board_init(&b);
	line_ok(&b, "abi legacy", 1);
	ck_assert_int_eq(b.kion.abi, KION_ABI_LEGACY);
	ck_assert_int_eq(b.kion.kernel, KION_KERNEL_4_9_337);
}
END_TEST

START_TEST(kernel_picks_the_abi)
{
	static const struct {
		const char *line;
		enum kion_kernel kernel;
		enum kion_abi abi;
	} cases[] = {
		{ "kernel 4.4", KION_KERNEL_4_4, KION_ABI_LEGACY },
		{ "kernel 4.9.45", KION_KERNEL_4_9_45, KION_ABI_LEGACY },
		{ "kernel 4.9.337", KION_KERNEL_4_9_337, KION_ABI_LEGACY },
		{ "kernel 4.19", KION_KERNEL_4_19, KION_ABI_MODERN },
	};
	struct kion_board b;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kion_board_init(&b);
		line_ok(&b, cases[i].line, 1);
		ck_assert_int_eq(b.kion.kernel, cases[i].kernel);
		ck_assert_int_eq(b.kion.abi, cases[i].abi);
	}
	/* both statements, agreeing, in either order */
	kion_board_init(&b);
	line_ok(&b, "kernel 4.9.45", 1);
	line_ok(&b, "abi legacy", 2);
	ck_assert_int_eq(b.kion.kernel, KION_KERNEL_4_9_45);
	kion_board_init(&b);
	line_ok(&b, "abi modern", 1);
	line_ok(&b, "kernel 4.19", 2);
	ck_assert_int_eq(b.kion.kernel, KION_KERNEL_4_19);
}
END_TEST

START_TEST(nofile_sets_the_fd_limit)
{
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "nofile 64", 1);
	ck_assert_uint_eq(b.sim.nofile, 64);
	kion_board_init(&b);
	line_ok(&b, "nofile 3", 1);
	ck_assert_uint_eq(b.sim.nofile, 3);
	kion_board_init(&b);
	line_ok(&b, "nofile 1048576", 1);
	ck_assert_uint_eq(b.sim.nofile, 1048576);
}
END_TEST

START_TEST(dmaheap_names_a_node)
{
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "dmaheap camera heap=carveout", 7);
	ck_assert_uint_eq(b.ndmaheaps, 1);
	ck_assert_str_eq(b.dmaheaps[0].name, "camera");
	ck_assert_str_eq(b.dmaheaps[0].heap, "carveout");
	ck_assert_uint_eq(b.dmaheaps[0].line, 7);
	ck_assert_uint_eq(b.dmaheaps[0].heap_col, 21);
}
END_TEST

START_TEST(heap_statements_are_delegated_and_located)
{
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "heap sys type=system id=0", 1);
	line_ok(&b, "  heap cam type=carveout size=1M base=0x1000000 id=2 kernel=4.14", 2);
	ck_assert(b.has_heaps);
	ck_assert_uint_eq(b.heaps.n, 2);
	ck_assert_str_eq(b.heaps.heaps[1].name, "cam");
	ck_assert_uint_eq(b.heaps.heaps[1].line, 2);
	ck_assert_uint_eq(b.heap_src[0].col, 1);
	ck_assert_uint_eq(b.heap_src[0].base_col, 0);
	ck_assert(!b.heap_src[0].has_kernel);
	ck_assert_uint_eq(b.heap_src[1].col, 3);
	ck_assert_uint_eq(b.heap_src[1].base_col, 34);
	ck_assert(b.heap_src[1].has_kernel);
}
END_TEST

/* Defect and width statements that must be taken, one board each: the
 * adjustments they leave (off applied after on when the device starts). */
static const struct {
	const char *lines[3];
	unsigned int on, off;
	unsigned int kref_bits;
} defect_lines[] = {
	{ { "bug cve-2016-9120" },
	  KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS, 0, 32 },
	{ { "  fix   cve-2017-0564   # both of 7.2's fixes" },
	  0, KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS, 32 },
	{ { "fix all" }, 0, KION_BUGS_ALL, 32 },
	{ { "bug kmap-overflow", "bug deferred-frag" },
	  KION_BUG_KMAP_OVERFLOW | KION_BUG_DEFER_CARVEOUT, 0, 32 },
	/* a later fix wins over a bug, and the other way round */
	{ { "bug cve-2016-9120", "fix cve-2016-9120" },
	  KION_BUG_NO_USER_REFS, KION_BUG_FREE_RACE, 32 },
	{ { "fix all", "bug alloc-uaf" },
	  KION_BUG_ALLOC_UAF | KION_BUG_NO_USER_REFS,
	  KION_BUGS_ALL & ~(KION_BUG_ALLOC_UAF | KION_BUG_NO_USER_REFS), 32 },
	{ { "bug import-resurrect", "fix no-user-refs", "fix cve-2016-9120" },
	  KION_BUG_IMPORT_RESURRECT,
	  KION_BUG_NO_USER_REFS | KION_BUG_FREE_RACE, 32 },
	{ { "kref_bits 3" }, 0, 0, 3 },
	{ { "kref_bits 1", "bug kref-overflow" },
	  KION_BUG_KREF_OVERFLOW | KION_BUG_NO_USER_REFS, 0, 1 },
	{ { "kref_bits 32" }, 0, 0, 32 },
};

START_TEST(defect_statements_adjust_the_release)
{
	struct kion_board b;

	kion_board_init(&b);
	for (unsigned int i = 0; i < 3 && defect_lines[_i].lines[i]; i++)
		line_ok(&b, defect_lines[_i].lines[i], i + 1);
	ck_assert_uint_eq(b.kion.bugs_on, defect_lines[_i].on);
	ck_assert_uint_eq(b.kion.bugs_off, defect_lines[_i].off);
	ck_assert_uint_eq(b.kion.kref_bits, defect_lines[_i].kref_bits);
	ck_assert_uint_eq(b.kion.bugs, 0);	/* the release's own set stays */
}
END_TEST

/* A statement that must fail: @first (if any) is line 1, @line line 2. */
struct bad_line {
	const char *first;
	const char *line;
	unsigned int col;
	const char *msg;
};

static const struct bad_line bad_lines[] = {
	/* ram */
	{ NULL, "ram", 4, "missing size after 'ram'" },
	{ NULL, "ram 1Q", 5, "bad ram size '1Q': expected a size such as 4096, 0x1000 or 4K" },
	{ NULL, "ram 99999999999999999999", 5, "ram size '99999999999999999999' is too large" },
	{ NULL, "ram 0", 5, "ram size must be more than 0" },
	{ NULL, "ram 12345", 5, "ram size 12345 is not a multiple of the 4K page" },
	{ NULL, "ram 1M size=2M", 8, "expected base=ADDR after the ram size, got 'size=2M'" },
	{ NULL, "ram 1M base=", 13, "missing value after 'base='" },
	{ NULL, "ram 1M base=0x1001", 13, "base 0x1001 is not a multiple of the 4K page" },
	{ NULL, "ram 1M base=1G extra", 16, "unexpected 'extra' at the end of the ram statement" },
	{ "ram 1M", "  ram 2M", 3, "duplicate 'ram' statement (the first is on line 1)" },
	/* abi */
	{ NULL, "abi", 4, "missing ABI after 'abi' (legacy or modern)" },
	{ NULL, "abi newest", 5, "unknown ABI 'newest' (legacy or modern)" },
	{ NULL, "abi legacy modern", 12, "unexpected 'modern' at the end of the abi statement" },
	{ "abi legacy", "abi legacy", 1, "duplicate 'abi' statement (the first is on line 1)" },
	{ "kernel 4.19", "abi legacy", 5, "abi legacy contradicts 'kernel 4.19' on line 1, whose ION is modern" },
	{ "kernel 4.4", "abi modern", 5, "abi modern contradicts 'kernel 4.4' on line 1, whose ION is legacy" },
	/* kernel */
	{ NULL, "kernel", 7, "missing version after 'kernel' (4.4, 4.9.45, 4.9.337 or 4.19)" },
	{ NULL, "kernel 5.10", 8, "unknown kernel '5.10' (4.4, 4.9.45, 4.9.337 or 4.19)" },
	{ NULL, "kernel 4.19 now", 13, "unexpected 'now' at the end of the kernel statement" },
	{ "kernel 4.4", "kernel 4.4", 1, "duplicate 'kernel' statement (the first is on line 1)" },
	{ "abi modern", "kernel 4.9.45", 8, "kernel 4.9.45 has the legacy ION ABI, but line 1 says 'abi modern'" },
	{ "abi legacy", "kernel 4.19", 8, "kernel 4.19 has the modern ION ABI, but line 1 says 'abi legacy'" },
	/* nofile */
	{ NULL, "nofile", 7, "missing fd limit after 'nofile'" },
	{ NULL, "nofile lots", 8, "bad nofile 'lots': expected a number" },
	{ NULL, "nofile -1", 8, "bad nofile '-1': expected a number" },
	{ NULL, "nofile 2", 8, "nofile 2 is out of range (3..1048576)" },
	{ NULL, "nofile 1048577", 8, "nofile 1048577 is out of range (3..1048576)" },
	{ NULL, "nofile 99999999999999999999999", 8, "nofile 99999999999999999999999 is out of range (3..1048576)" },
	{ NULL, "nofile 64 64", 11, "unexpected '64' at the end of the nofile statement" },
	{ "nofile 64", "nofile 32", 1, "duplicate 'nofile' statement (the first is on line 1)" },
	/* dmaheap */
	{ NULL, "dmaheap", 8, "missing name after 'dmaheap'" },
	{ NULL, "dmaheap 9lives heap=system", 9, "bad dmaheap name '9lives': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ NULL, "dmaheap abcdefghijabcdefghijabcdefghijab heap=system", 9, "dmaheap name 'abcdefghijabcdefghijabcdefghijab' is longer than 31 characters" },
	{ NULL, "dmaheap cam", 12, "missing heap=HEAPNAME after the dmaheap name" },
	{ NULL, "dmaheap cam carveout", 13, "expected heap=HEAPNAME, got 'carveout'" },
	{ NULL, "dmaheap cam id=2", 13, "expected heap=HEAPNAME, got 'id=2'" },
	{ NULL, "dmaheap cam heap=", 18, "missing value after 'heap='" },
	{ NULL, "dmaheap cam heap=a/b", 18, "bad heap name 'a/b': names are [A-Za-z_][A-Za-z0-9_.-]*" },
	{ NULL, "dmaheap cam heap=carveout x", 27, "unexpected 'x' at the end of the dmaheap statement" },
	{ "dmaheap cam heap=carveout", "dmaheap cam heap=cma", 9, "duplicate dmaheap 'cam' (the first is on line 1)" },
	/* heap: heap_config_parse's own message and column */
	{ NULL, "heap c type=carveout id=2 size=1M polcy=best-fit", 35, "unknown key 'polcy' for a carveout heap" },
	{ NULL, "  heap c type=carveout id=2", 3, "missing size= for a carveout heap" },
	{ "heap c type=carveout id=2 size=1M", "heap  c type=system id=0", 7, "duplicate heap 'c' (the first is on line 1)" },
	{ "heap c type=carveout id=2 size=1M", "heap s type=system id=2", 23, "heap id 2 is already used by heap 'c' on line 1" },
	/* bug and fix */
	{ NULL, "bug", 4, "missing defect name after 'bug' (ionsim explore --bug list)" },
	{ NULL, "fix", 4, "missing defect name after 'fix' (ionsim explore --bug list)" },
	{ NULL, "bug free_race", 5, "no defect called 'free_race' (ionsim explore --bug list)" },
	{ NULL, "fix  everything", 6, "no defect called 'everything' (ionsim explore --bug list)" },
	{ NULL, "bug all", 5, "no defect called 'all' (ionsim explore --bug list)" },
	{ NULL, "bug CVE-2016-9120", 5, "no defect called 'CVE-2016-9120' (ionsim explore --bug list)" },
	{ NULL, "bug cve-2016-9120-and-then-some-more-words-than-fit-in-a-name-buffer-x", 5,
	  "no defect called 'cve-2016-9120-and-then-some-more-words-t' (ionsim explore --bug list)" },
	{ NULL, "bug cve-2016-9120 cve-2017-0564", 19, "unexpected 'cve-2017-0564' at the end of the bug statement" },
	{ NULL, "fix all now", 9, "unexpected 'now' at the end of the fix statement" },
	{ "bug cve-2016-9120", "fix cve-2016-9120 again", 19, "unexpected 'again' at the end of the fix statement" },
	/* kref_bits */
	{ NULL, "kref_bits", 10, "missing width after 'kref_bits' (1..32)" },
	{ NULL, "kref_bits wide", 11, "bad kref_bits 'wide': expected a number" },
	{ NULL, "kref_bits -3", 11, "bad kref_bits '-3': expected a number" },
	{ NULL, "kref_bits 0", 11, "kref_bits 0 is out of range (1..32)" },
	{ NULL, "kref_bits 33", 11, "kref_bits 33 is out of range (1..32)" },
	{ NULL, "kref_bits 99999999999999999999999", 11, "kref_bits 99999999999999999999999 is out of range (1..32)" },
	{ NULL, "kref_bits 3 4", 13, "unexpected '4' at the end of the kref_bits statement" },
	{ "kref_bits 3", " kref_bits 3", 2, "duplicate 'kref_bits' statement (the first is on line 1)" },
};

START_TEST(statement_errors_have_message_and_column)
{
	const struct bad_line *t = &bad_lines[_i];
	struct heap_parse_error err;
	struct kion_board b;

	kion_board_init(&b);
	if (t->first)
		line_ok(&b, t->first, 1);
	ck_assert_msg(kion_board_parse_line(&b, t->line, 2, &err) == -EINVAL,
		      "'%s' was accepted", t->line);
	ck_assert_str_eq(err.msg, t->msg);
	ck_assert_msg(err.col == t->col, "'%s': column %u, expected %u",
		      t->line, err.col, t->col);
}
END_TEST

START_TEST(a_line_too_long_is_an_error_at_column_4097)
{
	char *line = malloc(KION_LINE_MAX + 2);
	struct heap_parse_error err;
	struct kion_board b;

	memset(line, ' ', KION_LINE_MAX + 1);
	memcpy(line, "ram 1M", 6);
	line[KION_LINE_MAX + 1] = '\0';
	kion_board_init(&b);
	ck_assert_int_eq(kion_board_parse_line(&b, line, 1, &err), -EINVAL);
	ck_assert_uint_eq(err.col, KION_LINE_MAX + 1);
	ck_assert_str_eq(err.msg, "line is longer than 4096 bytes");
	/* exactly 4096 bytes is fine */
	line[KION_LINE_MAX] = '\0';
	ck_assert_int_eq(kion_board_parse_line(&b, line, 1, &err), 1);
	free(line);
}
END_TEST

START_TEST(too_many_dmaheaps_and_heaps)
{
	struct heap_parse_error err;
	struct kion_board b;
	char line[80];

	kion_board_init(&b);
	for (unsigned int i = 0; i < KION_MAX_DMAHEAPS; i++) {
		snprintf(line, sizeof(line), "dmaheap d%u heap=system", i);
		line_ok(&b, line, i + 1);
	}
	ck_assert_int_eq(kion_board_parse_line(&b, "dmaheap one_more heap=system",
					       99, &err), -EINVAL);
	ck_assert_uint_eq(err.col, 9);
	ck_assert_str_eq(err.msg, "too many dmaheap nodes (at most 16)");
	for (unsigned int i = 0; i < HEAP_MAX_HEAPS; i++) {
		snprintf(line, sizeof(line), "heap h%u type=system id=%u", i, i);
		line_ok(&b, line, i + 1);
	}
	ck_assert_int_eq(kion_board_parse_line(&b, "heap h32 type=system id=0",
					       99, &err), -EINVAL);
	ck_assert_uint_eq(err.col, 25);	/* id 0 is taken: the id is blamed */
}
END_TEST

/* --- finishing ----------------------------------------------------- */

START_TEST(default_board_and_nodes)
{
	struct kion_board_error err;
	struct kion_board b;

	kion_board_init(&b);
	ck_assert_int_eq(kion_board_finish(&b, &err), 0);
	ck_assert(b.finished);
	ck_assert_uint_eq(b.heaps.n, 5);
	ck_assert_str_eq(b.heaps.heaps[0].name, "system");
	ck_assert_uint_eq(b.heaps.heaps[0].id, 0);
	ck_assert_str_eq(b.heaps.heaps[1].name, "system_contig");
	ck_assert_uint_eq(b.heaps.heaps[1].id, 1);
	ck_assert_str_eq(b.heaps.heaps[2].name, "carveout");
	ck_assert_uint_eq(b.heaps.heaps[2].size, 16ULL << 20);
	ck_assert_str_eq(b.heaps.heaps[3].name, "chunk");
	ck_assert_uint_eq(b.heaps.heaps[3].chunk, 64 << 10);
	ck_assert_str_eq(b.heaps.heaps[4].name, "cma");
	ck_assert_uint_eq(b.heaps.heaps[4].id, 4);
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_int_eq(b.heaps.heaps[i].kernel, HEAP_KERNEL_4_9);
	ck_assert_uint_eq(b.ndmaheaps, 2);
	ck_assert_str_eq(b.dmaheaps[0].name, "system");
	ck_assert_str_eq(b.dmaheaps[0].heap, "system");
	ck_assert_str_eq(b.dmaheaps[1].name, "cma");
	ck_assert_str_eq(b.dmaheaps[1].heap, "cma");
	/* the three ranged heaps are regions after 256M of RAM, 1M aligned */
	ck_assert_uint_eq(b.sim.nregions, 3);
	ck_assert_str_eq(b.sim.regions[0].name, "carveout");
	ck_assert_uint_eq(b.sim.regions[0].base, 256ULL << 20);
	ck_assert_uint_eq(b.sim.regions[1].base, 272ULL << 20);
	ck_assert_uint_eq(b.sim.regions[2].base, 280ULL << 20);
	ck_assert_int_eq(b.sim.regions[2].kind, SIM_REGION_CMA);
	/* a second finish changes nothing */
	ck_assert_int_eq(kion_board_finish(&b, &err), 0);
	ck_assert_uint_eq(b.sim.nregions, 3);
	ck_assert_uint_eq(b.ndmaheaps, 2);
}
END_TEST

START_TEST(machine_kernel_sets_heap_code_unless_the_heap_chose)
{
	struct kion_board b;

	text_ok("abi modern\n", &b);
	for (unsigned int i = 0; i < b.heaps.n; i++)
		ck_assert_int_eq(b.heaps.heaps[i].kernel, HEAP_KERNEL_4_19);
	text_ok("kernel 4.19\n"
		"heap a type=system id=0\n"
		"heap b type=cma id=1 size=1M kernel=4.14\n", &b);
	ck_assert_int_eq(b.heaps.heaps[0].kernel, HEAP_KERNEL_4_19);
	ck_assert_int_eq(b.heaps.heaps[1].kernel, HEAP_KERNEL_4_14);
	text_ok("kernel 4.4\nheap a type=system id=0 kernel=4.19\n", &b);
	ck_assert_int_eq(b.heaps.heaps[0].kernel, HEAP_KERNEL_4_19);
}
END_TEST

START_TEST(own_heaps_replace_the_default_board_and_nodes)
{
	struct kion_board b;

	text_ok("heap sys type=system id=0\n"
		"heap cam type=carveout id=2 size=1M\n", &b);
	ck_assert_uint_eq(b.heaps.n, 2);
	ck_assert_uint_eq(b.ndmaheaps, 0);
	ck_assert_uint_eq(b.sim.nregions, 1);
	ck_assert_uint_eq(b.sim.regions[0].base, 256ULL << 20);
	/* own nodes on the default board: only those */
	text_ok("dmaheap camera heap=carveout\n", &b);
	ck_assert_uint_eq(b.heaps.n, 5);
	ck_assert_uint_eq(b.ndmaheaps, 1);
	ck_assert_str_eq(b.dmaheaps[0].name, "camera");
	/* a dmaheap may come before the heap it names */
	text_ok("dmaheap camera heap=cam\n"
		"heap cam type=carveout id=2 size=1M\n", &b);
	ck_assert_uint_eq(b.ndmaheaps, 1);
}
END_TEST

START_TEST(ram_base_and_nofile_reach_the_machine)
{
	struct kion_board b;

	text_ok("ram 64M base=0x80000000\nnofile 16\n", &b);
	ck_assert_uint_eq(b.sim.ram_size, 64ULL << 20);
	ck_assert_uint_eq(b.sim.ram_base, 0x80000000ULL);
	ck_assert_uint_eq(b.sim.nofile, 16);
	/* unplaced regions go after RAM wherever it is */
	ck_assert_uint_eq(b.sim.regions[0].base, 0x84000000ULL);
}
END_TEST

START_TEST(dmaheap_target_must_exist)
{
	text_fails("# board\n"
		   "heap sys type=system id=0\n"
		   "dmaheap camera   heap=carveout\n",
		   "m.ion:3:23: error: dmaheap 'camera': no heap named 'carveout'\n");
	/* on the default board too */
	text_fails("dmaheap x heap=ion_system_heap\n",
		   "m.ion:1:16: error: dmaheap 'x': no heap named 'ion_system_heap'\n");
}
END_TEST

START_TEST(overlap_is_reported_at_the_later_heap)
{
	text_fails("heap a type=carveout id=2 size=2M base=0x20000000\n"
		   "heap sys type=system id=0\n"
		   "\n"
		   "heap b type=cma id=4 size=1M base=0x20100000\n",
		   "m.ion:4:30: error: heap 'b' [0x20100000-0x20200000) overlaps "
		   "heap 'a' [0x20000000-0x20200000) on line 1\n");
	/* the later statement is blamed even when its range is lower */
	text_fails("heap a type=chunk id=3 size=1M chunk=64K base=0x30000000\n"
		   "  heap b type=carveout base=0x2ff00000 size=2M id=2\n",
		   "m.ion:2:24: error: heap 'b' [0x2ff00000-0x30100000) overlaps "
		   "heap 'a' [0x30000000-0x30100000) on line 1\n");
}
END_TEST

START_TEST(ranges_that_do_not_fit)
{
	char text[1024];
	size_t n = 0;

	/* past the top of the 2^48-byte physical address space */
	text_fails("heap sys type=system id=0\n"
		   "heap c type=cma id=4 size=1M base=0xffffffffff000\n",
		   "m.ion:2:30: error: heap 'c' does not fit in the physical address space\n");
	text_fails("heap sys type=system id=0\n"
		   "heap a type=carveout id=2 size=0x800000000000\n"
		   "heap b type=chunk id=3 size=0x800000000000 chunk=4K\n",
		   "m.ion:3:1: error: heap 'b' does not fit in the physical address space\n");
	text_fails("# RAM at the very top\n"
		   "ram 1G base=0xfffffc0000000\n",
		   "m.ion:2:1: error: ram [0xfffffc0000000-0x10000000000000) does not fit "
		   "in the physical address space\n");
	/* more ranged heaps than the machine has regions */
	for (unsigned int i = 0; i <= SIM_MAX_REGIONS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "heap c%u type=carveout id=%u size=4K\n",
				      i, i);
	text_fails(text, "m.ion:17:1: error: heap 'c16': too many carveout, "
			 "chunk and cma heaps (at most 16)\n");
}
END_TEST

START_TEST(finish_failure_leaves_board_unfinished)
{
	struct kion_board_error err;
	struct kion_board b;

	kion_board_init(&b);
	line_ok(&b, "dmaheap x heap=nope", 4);
	ck_assert_int_eq(kion_board_finish(&b, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 4);
	ck_assert_uint_eq(err.col, 16);
	ck_assert(!b.finished);
	ck_assert_uint_eq(b.sim.nregions, 0);
}
END_TEST

START_TEST(no_statement_after_finish)
{
	struct kion_board_error ferr;
	struct heap_parse_error err;
	struct kion_board b;

	kion_board_init(&b);
	ck_assert_int_eq(kion_board_finish(&b, &ferr), 0);
	ck_assert_int_eq(kion_board_parse_line(&b, "ram 1M", 9, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "the machine is complete: no more machine statements");
}
END_TEST

/* --- whole texts --------------------------------------------------- */

START_TEST(text_reports_every_bad_line)
{
	text_fails("ram 1M\n"
		   "  # a comment\n"
		   "abi sideways\n"
		   "process camera\n"
		   "\n"
		   "nofile 1\n"
		   "heap c type=carveout id=2\n",
		   "m.ion:3:5: error: unknown ABI 'sideways' (legacy or modern)\n"
		   "m.ion:4:1: error: 'process' is not a machine statement "
		   "(ram, abi, kernel, heap, dmaheap, nofile, bug, fix or kref_bits)\n"
		   "m.ion:6:8: error: nofile 1 is out of range (3..1048576)\n"
		   "m.ion:7:1: error: missing size= for a carveout heap\n");
	/* the scenario's kernel steps are not machine statements here */
	text_fails("kernel drain carveout\n",
		   "m.ion:1:1: error: 'kernel' is not a machine statement "
		   "(ram, abi, kernel, heap, dmaheap, nofile, bug, fix or kref_bits)\n");
}
END_TEST

START_TEST(text_without_final_newline_and_crlf)
{
	struct kion_board b;

	text_ok("ram 128M\r\nabi modern", &b);
	ck_assert_uint_eq(b.sim.ram_size, 128ULL << 20);
	ck_assert_int_eq(b.kion.abi, KION_ABI_MODERN);
	ck_assert(b.finished);
	text_ok("", &b);
	ck_assert_uint_eq(b.heaps.n, 5);
}
END_TEST

START_TEST(text_long_line_is_reported_at_4097)
{
	char *text = malloc(KION_LINE_MAX + 20);

	strcpy(text, "abi legacy\n");
	memset(text + 11, 'x', KION_LINE_MAX + 1);
	strcpy(text + 11 + KION_LINE_MAX + 1, "\n");
	text_fails(text, "m.ion:2:4097: error: line is longer than 4096 bytes\n");
	free(text);
}
END_TEST

/* --- booting --------------------------------------------------------- */

START_TEST(boot_default_board)
{
	struct kion_device *dev = NULL;
	struct sim_machine *m = NULL;
	struct kion_board b;

	text_ok("", &b);
	ck_assert_int_eq(kion_board_boot(&b, &m, &dev), 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(dev);
	ck_assert_uint_eq(dev->nheaps, 5);
	/* priority order: highest id first */
	ck_assert_uint_eq(heap_id(dev->heaps[0]), 4);
	ck_assert_uint_eq(dev->ndmaheaps, 2);
	ck_assert_str_eq(dev->dmaheaps[0].name, "system");
	ck_assert_ptr_eq(dev->dmaheaps[1].heap, kion_heap_by_name(dev, "cma"));
	ck_assert_int_eq(dev->cfg.abi, KION_ABI_LEGACY);
	ck_assert_uint_eq(sim_region_count(m), 3);
	ck_assert_uint_eq(kion_board_shutdown(m, dev), 0);
}
END_TEST

START_TEST(boot_own_board)
{
	struct kion_device *dev = NULL;
	struct sim_machine *m = NULL;
	struct kion_board b;

	text_ok("abi modern\nnofile 8\nram 32M\n"
		"heap sys type=system id=0\n"
		"heap cam type=carveout id=2 size=1M base=0x1000000\n"
		"dmaheap camera heap=cam\n", &b);
	ck_assert_int_eq(kion_board_boot(&b, &m, &dev), 0);
	ck_assert_uint_eq(dev->nheaps, 2);
	ck_assert_int_eq(dev->cfg.abi, KION_ABI_MODERN);
	ck_assert_int_eq(dev->cfg.kernel, KION_KERNEL_4_19);
	ck_assert_uint_eq(sim_machine_config(m)->nofile, 8);
	ck_assert_uint_eq(sim_region_get(m, 0)->base, 0x1000000);
	ck_assert_str_eq(dev->dmaheaps[0].name, "camera");
	ck_assert_uint_eq(kion_board_shutdown(m, dev), 0);
}
END_TEST

/* The release's set with the adjustments applied, off after on. */
START_TEST(boot_applies_bug_fix_and_kref_bits)
{
	struct kion_device *dev = NULL;
	struct sim_machine *m = NULL;
	struct kion_board b;

	text_ok("kernel 4.4\nfix cve-2016-9120\nbug pass-to-user\n"
		"kref_bits 3\n", &b);
	ck_assert_int_eq(kion_board_boot(&b, &m, &dev), 0);
	ck_assert_uint_eq(dev->cfg.bugs,
			  (kion_kernel_bugs(KION_KERNEL_4_4) &
			   ~KION_BUG_FREE_RACE) | KION_BUG_PASS_TO_USER);
	ck_assert_uint_eq(dev->cfg.kref_bits, 3);
	ck_assert_uint_eq(dev->kref_mask, 7);
	ck_assert_uint_eq(kion_board_shutdown(m, dev), 0);
}
END_TEST

/* `fix all` is the fixed model: no defect at all, whatever the release. */
START_TEST(boot_fix_all_has_no_defect)
{
	static const char *const texts[] = {
		"fix all\n", "kernel 4.4\nfix all\n", "kernel 4.19\nfix all\n",
		"bug cve-2016-9120\nfix all\n",
	};

	for (unsigned int i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		struct kion_device *dev = NULL;
		struct sim_machine *m = NULL;
		struct kion_board b;

		text_ok(texts[i], &b);
		ck_assert_int_eq(kion_board_boot(&b, &m, &dev), 0);
		ck_assert_msg(dev->cfg.bugs == 0, "'%s': bugs 0x%x", texts[i],
			      dev->cfg.bugs);
		ck_assert_uint_eq(kion_board_shutdown(m, dev), 0);
	}
}
END_TEST

/* An unknown defect in a whole text is FILE:LINE:COL, and the board is
 * not finished. */
START_TEST(text_reports_an_unknown_defect)
{
	text_fails("ram 1M\nbug kmap_sync\nkref_bits 40\n",
		   "m.ion:2:5: error: no defect called 'kmap_sync' "
		   "(ionsim explore --bug list)\n"
		   "m.ion:3:11: error: kref_bits 40 is out of range (1..32)\n");
}
END_TEST

START_TEST(boot_needs_a_finished_board)
{
	struct kion_device *dev = NULL;
	struct sim_machine *m = NULL;
	struct kion_board b;

	kion_board_init(&b);
	ck_assert_int_eq(kion_board_boot(&b, &m, &dev), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(dev);
	ck_assert_uint_eq(kion_board_shutdown(NULL, NULL), 0);
}
END_TEST

START_TEST(shutdown_closes_what_processes_and_messages_hold)
{
	struct kion_device *dev = NULL;
	struct sim_machine *m = NULL;
	struct sim_proc *a, *c;
	struct kion_board b;
	int fd, err;

	text_ok("", &b);
	ck_assert_int_eq(kion_board_boot(&b, &m, &dev), 0);
	a = sim_proc_spawn(m, "a", 0, &err);
	c = sim_proc_spawn(m, "c", 0, &err);
	ck_assert_ptr_nonnull(c);
	fd = kion_ion_open(dev, a, SIM_O_RDWR);
	ck_assert_int_ge(fd, 3);
	/* an /dev/ion file in flight to a process that never takes it */
	ck_assert_int_gt(sim_fd_send_begin(a, fd), 0);
	ck_assert_uint_eq(kion_board_shutdown(m, dev), 0);
}
END_TEST

static Suite *board_suite(void)
{
	Suite *s = suite_create("model-board");
	TCase *t = tcase_create("statements");

	tcase_add_test(t, init_is_the_default_machine);
	tcase_add_test(t, lines_that_are_not_machine_statements);
	tcase_add_test(t, ram_size_and_base);
	tcase_add_test(t, abi_picks_the_kernel);
	tcase_add_test(t, kernel_picks_the_abi);
	tcase_add_test(t, nofile_sets_the_fd_limit);
	tcase_add_test(t, dmaheap_names_a_node);
	tcase_add_test(t, heap_statements_are_delegated_and_located);
	tcase_add_loop_test(t, defect_statements_adjust_the_release, 0,
			    sizeof(defect_lines) / sizeof(*defect_lines));
	tcase_add_loop_test(t, statement_errors_have_message_and_column, 0,
			    sizeof(bad_lines) / sizeof(*bad_lines));
	tcase_add_test(t, a_line_too_long_is_an_error_at_column_4097);
	tcase_add_test(t, too_many_dmaheaps_and_heaps);
	suite_add_tcase(s, t);
	t = tcase_create("finish");
	tcase_add_test(t, default_board_and_nodes);
	tcase_add_test(t, machine_kernel_sets_heap_code_unless_the_heap_chose);
	tcase_add_test(t, own_heaps_replace_the_default_board_and_nodes);
	tcase_add_test(t, ram_base_and_nofile_reach_the_machine);
	tcase_add_test(t, dmaheap_target_must_exist);
	tcase_add_test(t, overlap_is_reported_at_the_later_heap);
	tcase_add_test(t, ranges_that_do_not_fit);
	tcase_add_test(t, finish_failure_leaves_board_unfinished);
	tcase_add_test(t, no_statement_after_finish);
	suite_add_tcase(s, t);
	t = tcase_create("text");
	tcase_add_test(t, text_reports_every_bad_line);
	tcase_add_test(t, text_without_final_newline_and_crlf);
	tcase_add_test(t, text_long_line_is_reported_at_4097);
	tcase_add_test(t, text_reports_an_unknown_defect);
	suite_add_tcase(s, t);
	t = tcase_create("boot");
	tcase_add_test(t, boot_default_board);
	tcase_add_test(t, boot_own_board);
	tcase_add_test(t, boot_applies_bug_fix_and_kref_bits);
	tcase_add_test(t, boot_fix_all_has_no_defect);
	tcase_add_test(t, boot_needs_a_finished_board);
	tcase_add_test(t, shutdown_closes_what_processes_and_messages_hold);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(board_suite)
