/*
 * tests/model/test_mutants.c - the defects the model can switch: the
 * mutant table (model/bugs.c), how a configuration's adjustments combine
 * with a release's set, the two halves of ION-SPEC 7.6 (SYNC moving
 * kmap_cnt, and the INT_MAX guard), deferred carveout frees as a switch,
 * and the audit's defended WARNs.
 * Kernel reference: kernel.org 4.9.337 ion.c (ion_dma_buf_begin/
 * end_cpu_access, ion_map_kernel, user_ion_free_nolock), Android's
 * "ANDROID: staging: ion: move buffer kmap from begin/end_cpu_access()",
 * and 4.9's carveout and chunk heaps (ION_HEAP_FLAG_DEFER_FREE).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "modelutil.h"

/* ---- the table ---------------------------------------------------- */

static const struct {
	const char *name;
	unsigned int on, off;
	bool race;
} expected_mutants[] = {
	{ "cve-2016-9120", KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS,
	  KION_BUG_FREE_RACE, true },
	{ "cve-2017-0564", KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS,
	  KION_BUG_SHARE_UNLOCKED | KION_BUG_NO_USER_REFS, true },
	{ "alloc-uaf", KION_BUG_ALLOC_UAF | KION_BUG_NO_USER_REFS,
	  KION_BUG_ALLOC_UAF, true },
	{ "pass-to-user", KION_BUG_PASS_TO_USER, KION_BUG_PASS_TO_USER, true },
	{ "import-resurrect", KION_BUG_FREE_RACE | KION_BUG_NO_USER_REFS |
	  KION_BUG_IMPORT_RESURRECT, KION_BUG_IMPORT_RESURRECT, true },
	{ "kref-overflow", KION_BUG_KREF_OVERFLOW | KION_BUG_NO_USER_REFS,
	  KION_BUG_KREF_OVERFLOW, false },
	{ "cve-2021-0929", KION_BUG_KMAP_SYNC, KION_BUG_KMAP_SYNC, false },
	{ "kmap-overflow", KION_BUG_KMAP_OVERFLOW, KION_BUG_KMAP_OVERFLOW,
	  false },
	{ "deferred-frag", KION_BUG_DEFER_CARVEOUT, KION_BUG_DEFER_CARVEOUT,
	  false },
	{ "no-user-refs", KION_BUG_NO_USER_REFS, KION_BUG_NO_USER_REFS, true },
	{ "query-einval", KION_BUG_QUERY_EINVAL, KION_BUG_QUERY_EINVAL, false },
};

#define NEXPECTED (sizeof(expected_mutants) / sizeof(expected_mutants[0]))

/* The names, in list order, with their bits and race flags. */
START_TEST(table_in_list_order)
{
	const struct kion_mutant *t;
	unsigned int n = 0;

	t = kion_mutants(&n);
	ck_assert_uint_eq(n, NEXPECTED);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_str_eq(t[i].name, expected_mutants[i].name);
		ck_assert_uint_eq(t[i].on, expected_mutants[i].on);
		ck_assert_uint_eq(t[i].off, expected_mutants[i].off);
		ck_assert_int_eq(t[i].race, expected_mutants[i].race);
		/* one line for --bug list, saying which releases */
		ck_assert(t[i].what && *t[i].what);
		ck_assert_ptr_null(strchr(t[i].what, '\n'));
		ck_assert_ptr_nonnull(strchr(t[i].what, '('));
	}
}
END_TEST

/* Every fix is a part of what its defect needs, and between them the
 * mutants switch every bit both ways. */
START_TEST(table_covers_every_bit)
{
	unsigned int n = 0, on = 0, off = 0;
	const struct kion_mutant *t = kion_mutants(&n);

	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_ne(t[i].on, 0);
		ck_assert_uint_eq(t[i].off & ~t[i].on, 0);
		ck_assert_uint_eq(t[i].on & ~KION_BUGS_ALL, 0);
		on |= t[i].on;
		off |= t[i].off;
	}
	ck_assert_uint_eq(on, KION_BUGS_ALL);
	ck_assert_uint_eq(off, KION_BUGS_ALL);
	ck_assert_uint_eq(KION_BUGS_ALL & KION_BUGS_EXACT, 0);
}
END_TEST

START_TEST(find_by_exact_name)
{
	unsigned int n = 0;
	const struct kion_mutant *t = kion_mutants(&n);

	for (unsigned int i = 0; i < n; i++)
		ck_assert_ptr_eq(kion_mutant_find(t[i].name), &t[i]);
	ck_assert_ptr_null(kion_mutant_find(""));
	ck_assert_ptr_null(kion_mutant_find("free_race"));	/* the old name */
	ck_assert_ptr_null(kion_mutant_find("CVE-2016-9120"));
	ck_assert_ptr_null(kion_mutant_find("cve-2016-912"));
	ck_assert_ptr_null(kion_mutant_find("all"));
}
END_TEST

/* ---- configuration ---------------------------------------------------- */

/* (base | bugs_on) & ~bugs_off, whatever the base: bugs_off of every bit
 * is the fixed model on every release. */
START_TEST(adjustments_apply_after_the_base)
{
	static const enum kion_kernel kernels[] = {
		KION_KERNEL_4_4, KION_KERNEL_4_9_45, KION_KERNEL_4_9_337,
		KION_KERNEL_4_19,
	};
	struct heap_board board;
	struct sim_machine *m;
	int err = 0;

	heap_board_default(&board);
	board.n = 2;	/* system and system_contig: no regions needed */
	m = test_boot(NULL);
	for (unsigned int i = 0; i < 4; i++) {
		struct kion_config cfg = { .kernel = kernels[i],
					   .bugs_off = KION_BUGS_ALL };
		struct kion_device *dev;

		cfg.abi = kernels[i] == KION_KERNEL_4_19 ? KION_ABI_MODERN :
							   KION_ABI_LEGACY;
		dev = kion_device_create(m, &cfg, &board, &err);
		ck_assert_ptr_nonnull(dev);
		ck_assert_uint_eq(dev->cfg.bugs, 0);
		kion_device_destroy(dev);
		cfg.bugs_off = KION_BUG_KMAP_SYNC;
		cfg.bugs_on = KION_BUG_PASS_TO_USER | KION_BUG_KMAP_SYNC;
		dev = kion_device_create(m, &cfg, &board, &err);
		ck_assert_uint_eq(dev->cfg.bugs,
				  (kion_kernel_bugs(kernels[i]) |
				   KION_BUG_PASS_TO_USER) & ~KION_BUG_KMAP_SYNC);
		kion_device_destroy(dev);
	}
	{
		struct kion_config cfg = { .abi = KION_ABI_LEGACY,
					   .kernel = KION_KERNEL_4_4,
					   .bugs = KION_BUGS_EXACT |
						   KION_BUG_QUERY_EINVAL,
					   .bugs_on = KION_BUG_ALLOC_UAF };
		struct kion_device *dev = kion_device_create(m, &cfg, &board,
							     &err);

		ck_assert_uint_eq(dev->cfg.bugs,
				  KION_BUG_QUERY_EINVAL | KION_BUG_ALLOC_UAF);
		kion_device_destroy(dev);
	}
	test_shutdown(m);
}
END_TEST

/* ---- ION-SPEC 7.6: DMA_BUF_IOCTL_SYNC and kmap_cnt -------------------- */

/* A process's buffer, shared to a dma-buf fd and mapped by driver "vpu"
 * through a handle of its own (ion_import_dma_buf_fd, ion_map_kernel). */
struct kmapped {
	struct mt_world w;
	struct sim_proc *p;
	int ion, fd;
	struct kion_client *drv;
	struct kion_handle *h;
	struct kion_buffer *b;
};

static void boot_with(struct mt_world *w, unsigned int on, unsigned int off)
{
	struct kion_config cfg = { .abi = KION_ABI_LEGACY,
				   .kernel = KION_KERNEL_4_9_337,
				   .bugs_on = on, .bugs_off = off };

	mt_boot_full(w, &cfg, NULL, 0);
}

static void kmapped_setup(struct kmapped *k, unsigned int off)
{
	int err = 0;

	boot_with(&k->w, 0, off);
	k->p = mt_spawn(&k->w, "camera");
	k->ion = mt_open(&k->w, k->p);
	k->fd = mt_share_ok(k->p, k->ion, mt_alloc_ok(k->p, k->ion, 4096,
						      MT_MASK(MT_SYSTEM)));
	k->b = mt_fd_buffer(k->p, k->fd);
	k->drv = kion_client_create(k->w.dev, NULL, "vpu");
	k->h = kion_import_dma_buf_fd(k->drv, k->p, k->fd, &err);
	ck_assert_ptr_nonnull(k->h);
	ck_assert_ptr_nonnull(kion_map_kernel(k->drv, k->h, &err));
	ck_assert_int_eq(k->b->hb.kmap_cnt, 1);
}

/* The audit's report of @dev (malloc'd) and its return in *@ret. */
static char *audit_text(struct kion_device *dev, int *ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(f);
	*ret = kion_audit(dev, f);
	fclose(f);
	return out;
}

/* kernel.org 4.9.337 (CVE-2021-0929, still unfixed there): a user's END
 * with no START drops the driver's kmap_cnt to 0 and vunmaps its
 * mapping under it; the audit sees a handle holding a map the buffer no
 * longer counts. */
START_TEST(sync_end_unmaps_a_driver_kmap_4_9_337)
{
	struct kmapped k;
	char *report;
	int ret;

	kmapped_setup(&k, 0);
	ck_assert(kion_bug(k.w.dev, KION_BUG_KMAP_SYNC));
	ck_assert_int_eq(mt_cpu_sync(k.p, k.fd, DMA_BUF_SYNC_RW |
				     DMA_BUF_SYNC_END), 0);
	ck_assert_int_eq(k.b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(k.b->hb.vaddr);
	ck_assert_int_eq(k.h->kmap_cnt, 1);
	report = audit_text(k.w.dev, &ret);
	ck_assert_int_eq(ret, 1);
	ck_assert_msg(strstr(report, "kmap_cnt 0, but 1 handles hold kernel "
			     "maps") != NULL, "%s", report);
	free(report);
	mt_shutdown(&k.w);
}
END_TEST

/* Android's fix (no KION_BUG_KMAP_SYNC): the same END validates, returns
 * 0 and leaves the driver's mapping alone; the audit is clean. */
START_TEST(sync_end_leaves_a_driver_kmap_with_the_android_fix)
{
	struct kmapped k;
	void *va;
	int ret;

	kmapped_setup(&k, KION_BUG_KMAP_SYNC);
	va = k.b->hb.vaddr;
	ck_assert_int_eq(mt_cpu_sync(k.p, k.fd, DMA_BUF_SYNC_RW |
				     DMA_BUF_SYNC_END), 0);
	ck_assert_int_eq(mt_cpu_sync(k.p, k.fd, DMA_BUF_SYNC_END), -EINVAL);
	ck_assert_int_eq(k.b->hb.kmap_cnt, 1);
	ck_assert_ptr_eq(k.b->hb.vaddr, va);
	free(audit_text(k.w.dev, &ret));
	ck_assert_int_eq(ret, 0);
	kion_unmap_kernel(k.drv, k.h);
	ck_assert_int_eq(k.b->hb.kmap_cnt, 0);
	ck_assert_uint_eq(k.w.dev->warnings, 0);
	mt_shutdown(&k.w);
}
END_TEST

/* Android's fix: START and END never touch kmap_cnt, in any number or
 * order, so it can neither go negative nor map. */
START_TEST(sync_without_kmap_sync_never_counts)
{
	struct mt_world w;
	struct sim_proc *p;
	struct kion_buffer *b;
	int ion, fd;

	boot_with(&w, 0, KION_BUG_KMAP_SYNC);
	p = mt_spawn(&w, "app");
	ion = mt_open(&w, p);
	fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096, MT_MASK(MT_SYSTEM)));
	b = mt_fd_buffer(p, fd);
	ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW), 0);
	ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_READ), 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_ptr_null(b->hb.vaddr);
	ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END),
			 0);
	ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END),
			 0);
	ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END),
			 0);
	ck_assert_int_eq(b->hb.kmap_cnt, 0);
	ck_assert_int_eq(mt_cpu_sync(p, fd, 0), -EINVAL);	/* still checked */
	mt_shutdown(&w);
}
END_TEST

/* The INT_MAX guard is a switch of its own: 4.9.337 has SYNC's counting
 * but refuses the wrap; KION_BUG_KMAP_OVERFLOW (4.9.45, 4.19) wraps. */
START_TEST(kmap_overflow_is_its_own_switch)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct mt_world w;
		struct sim_proc *p;
		struct kion_buffer *b;
		int ion, fd;

		boot_with(&w, i ? KION_BUG_KMAP_OVERFLOW : 0, 0);
		p = mt_spawn(&w, "app");
		ion = mt_open(&w, p);
		fd = mt_share_ok(p, ion, mt_alloc_ok(p, ion, 4096,
						     MT_MASK(MT_CONTIG)));
		b = mt_fd_buffer(p, fd);
		ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW), 0);
		b->hb.kmap_cnt = INT_MAX;
		ck_assert_int_eq(mt_cpu_sync(p, fd, DMA_BUF_SYNC_RW),
				 i ? 0 : -EOVERFLOW);
		ck_assert_int_eq(b->hb.kmap_cnt, i ? INT_MIN : INT_MAX);
		b->hb.kmap_cnt = 1;
		mt_shutdown(&w);
	}
}
END_TEST

/* ---- deferred carveout frees ------------------------------------------- */

/* Bytes @heap still counts as used after one 1M buffer on it is freed. */
static uint64_t used_after_free(struct mt_world *w, unsigned int id,
				const char *heap)
{
	struct sim_proc *p = mt_spawn(w, "camera");
	int ion = mt_open(w, p);
	int h = mt_alloc_ok(p, ion, MT_M, MT_MASK(id));

	ck_assert_int_eq(mt_free(p, ion, h), 0);
	return mt_metrics(w, heap).used;
}

/* Every 4.x (ION-SPEC 3.8): carveout and chunk heaps defer, so a freed
 * buffer keeps its range until the free thread runs. */
START_TEST(carveout_and_chunk_defer_with_the_bug)
{
	struct mt_world w;

	mt_boot(&w);
	ck_assert(kion_bug(w.dev, KION_BUG_DEFER_CARVEOUT));
	ck_assert_uint_eq(used_after_free(&w, MT_CARVEOUT, "carveout"), MT_M);
	ck_assert_uint_eq(mt_metrics(&w, "carveout").deferred_buffers, 1);
	ck_assert_uint_eq(used_after_free(&w, MT_CHUNK, "chunk"), MT_M);
	mt_shutdown(&w);
}
END_TEST

/* Without the bit carveout and chunk free at once; the system heap
 * still defers (its free thread is not the defect). */
START_TEST(carveout_and_chunk_free_at_once_without_it)
{
	struct mt_world w;

	boot_with(&w, 0, KION_BUG_DEFER_CARVEOUT);
	ck_assert_uint_eq(used_after_free(&w, MT_CARVEOUT, "carveout"), 0);
	ck_assert_uint_eq(mt_metrics(&w, "carveout").deferred_buffers, 0);
	ck_assert_uint_eq(used_after_free(&w, MT_CHUNK, "chunk"), 0);
	ck_assert_uint_eq(used_after_free(&w, MT_SYSTEM, "system"), MT_M);
	ck_assert_uint_eq(mt_metrics(&w, "system").deferred_buffers, 1);
	mt_shutdown(&w);
}
END_TEST

/* A heap statement's own defer_free= wins over the switch, both ways. */
START_TEST(explicit_defer_free_wins)
{
	static const struct {
		unsigned int off;	/* bugs_off */
		bool defer;		/* the statement's defer_free= */
		uint64_t used;		/* after the free */
	} cases[] = {
		{ KION_BUG_DEFER_CARVEOUT, true, MT_M },
		{ 0, false, 0 },
	};

	for (unsigned int i = 0; i < 2; i++) {
		struct kion_config cfg = { .abi = KION_ABI_LEGACY,
					   .kernel = KION_KERNEL_4_9_337,
					   .bugs_off = cases[i].off };
		struct heap_board board = { 0 };
		struct heap_config *c;
		struct mt_world w;

		mt_board_add(&board, "system", HEAP_TYPE_SYSTEM, MT_SYSTEM, 0);
		c = mt_board_add(&board, "carveout", HEAP_TYPE_CARVEOUT,
				 MT_CARVEOUT, 4 * MT_M);
		c->defer_free = cases[i].defer;
		c->defer_free_set = true;
		mt_boot_full(&w, &cfg, &board, 0);
		ck_assert_uint_eq(used_after_free(&w, MT_CARVEOUT, "carveout"),
				  cases[i].used);
		mt_shutdown(&w);
	}
}
END_TEST

/* The parser records whether defer_free= was written. */
START_TEST(parser_records_an_explicit_defer_free)
{
	struct heap_parse_error err;
	struct heap_config c;

	ck_assert_int_eq(heap_config_parse("heap c type=carveout id=2 size=1M",
					   &c, &err), 0);
	ck_assert(!c.defer_free_set);
	ck_assert(c.defer_free);
	ck_assert_int_eq(heap_config_parse("heap c type=carveout id=2 size=1M "
					   "defer_free=on", &c, &err), 0);
	ck_assert(c.defer_free_set);
	ck_assert(c.defer_free);
}
END_TEST

/* ---- defended WARNs ------------------------------------------------------ */

/* A defended WARN is still a WARN (dev->warnings) but no violation; an
 * ordinary one beside it still is, and alone is counted in the message. */
START_TEST(defended_warn_is_not_a_violation)
{
	struct mt_world w;
	char *report;
	int ret;

	mt_boot(&w);
	kion_warn_defended(w.dev, "user_ion_free_nolock",
			   "user does not have access");
	ck_assert_uint_eq(w.dev->warnings, 1);
	ck_assert_uint_eq(w.dev->warnings_defended, 1);
	free(audit_text(w.dev, &ret));
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(kion_audit_quick(w.dev), 0);
	kion_warn(w.dev, "ion_handle_kmap_put", "double unmap detected");
	ck_assert_uint_eq(w.dev->warnings, 2);
	report = audit_text(w.dev, &ret);
	ck_assert_int_eq(ret, 1);
	ck_assert_msg(strstr(report, "1 kernel WARNs hit") != NULL, "%s",
		      report);
	free(report);
	ck_assert_int_eq(kion_audit_quick(w.dev), 1);
	mt_shutdown(&w);
}
END_TEST

/* A driver's double unmap (ion_handle_kmap_put's WARN) is a violation. */
START_TEST(ordinary_warn_is_a_violation)
{
	struct mt_world w;
	struct kion_client *c;
	struct kion_handle *h;
	int err = 0;

	mt_boot(&w);
	c = kion_client_create(w.dev, NULL, "vpu");
	h = kion_alloc(c, 4096, 0, MT_MASK(MT_SYSTEM), 0, &err);
	ck_assert_ptr_nonnull(h);
	kion_unmap_kernel(c, h);
	ck_assert_uint_eq(w.dev->warnings, 1);
	ck_assert_uint_eq(w.dev->warnings_defended, 0);
	ck_assert_int_eq(kion_audit(w.dev, NULL), 1);
	ck_assert_int_eq(kion_audit_quick(w.dev), 1);
	mt_shutdown(&w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("model/mutants");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, table_in_list_order);
	tcase_add_test(tc, table_covers_every_bit);
	tcase_add_test(tc, find_by_exact_name);
	tcase_add_test(tc, adjustments_apply_after_the_base);
	suite_add_tcase(s, tc);

	tc = tcase_create("kmap");
	tcase_add_test(tc, sync_end_unmaps_a_driver_kmap_4_9_337);
	tcase_add_test(tc, sync_end_leaves_a_driver_kmap_with_the_android_fix);
	tcase_add_test(tc, sync_without_kmap_sync_never_counts);
	tcase_add_test(tc, kmap_overflow_is_its_own_switch);
	suite_add_tcase(s, tc);

	tc = tcase_create("deferred_free");
	tcase_add_test(tc, carveout_and_chunk_defer_with_the_bug);
	tcase_add_test(tc, carveout_and_chunk_free_at_once_without_it);
	tcase_add_test(tc, explicit_defer_free_wins);
	tcase_add_test(tc, parser_records_an_explicit_defer_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("warnings");
	tcase_add_test(tc, defended_warn_is_not_a_violation);
	tcase_add_test(tc, ordinary_warn_is_a_violation);
	suite_add_tcase(s, tc);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
