/*
 * tests/heaps/heaputil.h - a heap built from one heap statement on a
 * default machine, for the heap types' suites.
 */
#ifndef IONSIM_TESTS_HEAPUTIL_H
#define IONSIM_TESTS_HEAPUTIL_H

#include <string.h>

#include "ionsim/heap.h"
#include "testlib.h"

struct rig {
	struct sim_machine *m;
	struct heap *heap;
};

/* Parses @line (a `heap` statement), reserves its range on a default
 * machine, boots it and creates the heap; fails the test on any error. */
static inline void rig_up(struct rig *r, const char *line)
{
	struct heap_board board = { .n = 0 };
	struct heap_parse_error perr;
	struct heap_config cfg;
	struct sim_config sc;
	int err = 0, bad = 0;

	ck_assert_msg(heap_config_parse(line, &cfg, &perr) == 0, "%s: %s",
		      line, perr.msg);
	ck_assert_int_eq(heap_board_add(&board, &cfg), 0);
	sim_config_default(&sc);
	ck_assert_int_eq(heap_board_reserve(&board, &sc, &bad), 0);
	r->m = test_boot(&sc);
	r->heap = heap_create(r->m, &cfg, &err);
	ck_assert_msg(r->heap != NULL, "heap_create: %d", err);
}

/* Validates, destroys the heap (which must hold no live buffer) and shuts
 * the machine down with its leak check. */
static inline void rig_down(struct rig *r)
{
	ck_assert_int_eq(heap_validate(r->heap, stderr), 0);
	ck_assert_int_eq(heap_destroy(r->heap), 0);
	test_shutdown(r->m);
}

/* heap_buffer_alloc into a zeroed @b: @len allocated for @requested. */
static inline int rig_alloc(struct rig *r, struct heap_buffer *b,
			    uint64_t len, uint64_t requested, uint64_t align)
{
	memset(b, 0, sizeof(*b));
	return heap_buffer_alloc(r->heap, b, len, requested, align, 0);
}

#endif /* IONSIM_TESTS_HEAPUTIL_H */
