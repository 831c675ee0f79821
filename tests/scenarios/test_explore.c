/*
 * tests/scenarios/test_explore.c - a scenario as the explorer's world
 * (scenarios/lang/explore_world.h) under the real explorer
 * (include/ionsim/explore.h): which steps may run when, how many
 * schedules there are, what reduction and hashing leave of them, the
 * counterexample of a violation and its replay, fault branching, shards,
 * and the state digest's promises.
 *
 * Schedule counts are checked against combinatorics with hashing and
 * reduction off: n independent programs of k1..kn steps have
 * (k1 + ... + kn)! / (k1! ... kn!) orders, fewer when a step waits for
 * another actor's.  The reference of ../shared/BENCHMARKS.md (the
 * library's scenarios/lifetime/three_procs_explore.ion) must complete
 * exactly 110,565 schedules; that case runs 110,565 executions, so it is
 * left out under valgrind (CK_FORK=no, as `make memcheck` runs), where
 * test_explore_cli.sh still checks it through the binary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/explore_world.h"
#include "scenarios/lang/interp.h"
#include "testlib.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* What one search gave. */
struct result {
	int ret;			/* sim_explore_run's */
	int replayed;			/* scn_world_replay's, for a violation */
	struct sim_explore_stats stats;
	char why[512];
};

enum {
	HASH = 1, REDUCE = 2, FAULTS = 4, ALL = 8,	/* search switches */
};

static struct scn_program *parse_text(const char *text)
{
	struct scn_program *p = NULL;

	ck_assert_int_eq(scn_parse("t.ion", text, strlen(text), &p, stderr),
			 0);
	return p;
}

/* A scenario of the library, found from the tests' data directory. */
static struct scn_program *parse_library(const char *rel)
{
	const char *dir = getenv("IONSIM_TEST_DATA");
	struct scn_program *p = NULL;
	char path[1024];

	snprintf(path, sizeof(path), "%s/../%s", dir ? dir : "tests", rel);
	ck_assert_msg(scn_parse_file(path, &p, stderr) == 0, "cannot parse %s",
		      path);
	return p;
}

struct search_ctx {
	struct scn_world *w;
	struct result *r;
};

static int on_violation(void *ctx, const struct sim_explore_choice *path,
			unsigned int len, const char *why)
{
	struct search_ctx *s = ctx;

	snprintf(s->r->why, sizeof(s->r->why), "%s", why);
	s->r->replayed = scn_world_replay(s->w, path, len);
	return 1;
}

/* The search options of @flags: the bounds off, one fault per
 * schedule when faults are on. */
static struct sim_explore_opts opts_of(unsigned int flags)
{
	struct sim_explore_opts o;

	sim_explore_opts_init(&o);
	o.hashing = flags & HASH;
	o.sleep_sets = flags & REDUCE;
	o.max_faults = flags & FAULTS ? 1 : 0;
	o.stop_at_first = !(flags & ALL);
	return o;
}

/* Explores @p's world @w with @o. */
static struct result explore_world(struct scn_world *w,
				   const struct sim_explore_opts *o)
{
	struct sim_explore_world world = scn_world_explore(w);
	struct result r;
	struct search_ctx s = { w, &r };

	memset(&r, 0, sizeof(r));
	r.ret = sim_explore_run(&world, o, on_violation, &s, &r.stats);
	ck_assert_msg(r.ret == 0, "search failed: %d (%s)", r.ret,
		      r.stats.error);
	return r;
}

/* A new world of @p with faults as @flags say. */
static struct scn_world *world_of(const struct scn_program *p,
				  unsigned int flags)
{
	struct scn_world_opts wo = { .faults = flags & FAULTS };
	int err = 0;
	struct scn_world *w = scn_world_new(p, &wo, &err);

	ck_assert_msg(w != NULL, "scn_world_new: %d", err);
	return w;
}

/* Explores program text @text with @flags; frees everything. */
static struct result explore_text(const char *text, unsigned int flags)
{
	struct scn_program *p = parse_text(text);
	struct scn_world *w = world_of(p, flags);
	struct sim_explore_opts o = opts_of(flags);
	struct result r = explore_world(w, &o);

	scn_world_free(w);
	scn_program_free(p);
	return r;
}

/* A clean, complete search with @completed schedules. */
static void assert_clean(const struct result *r, uint64_t completed)
{
	ck_assert_msg(r->stats.violations == 0, "violation: %s", r->why);
	ck_assert(r->stats.complete);
	ck_assert(!r->stats.bounded);
	ck_assert_uint_eq(r->stats.completed, completed);
}

/* Program text @text explores clean and complete to @completed. */
static void expect_count(const char *text, unsigned int flags,
			 uint64_t completed)
{
	struct result r = explore_text(text, flags);

	assert_clean(&r, completed);
}

/* ------------------------------------------------------------------ */
/* Which steps may run when: schedule counts                            */
/* ------------------------------------------------------------------ */

/* Two programs of two steps: 4!/(2!2!) orders. */
static const char two_procs[] =
	"process a\n"
	"process b\n"
	"a open /dev/ion -> ion\n"
	"a exit\n"
	"b open /dev/ion -> ion\n"
	"b exit\n";

/* 1, 2 and 3 steps: 6!/(1!2!3!) = 60 orders. */
static const char three_procs[] =
	"process a\n"
	"process b\n"
	"process c\n"
	"a open /dev/ion -> ion\n"
	"b open /dev/ion -> ion\n"
	"b exit\n"
	"c open /dev/ion -> ion\n"
	"c alloc ion 4K heap=system -> h\n"
	"c exit\n";

START_TEST(independent_programs_interleave_every_way)
{
	expect_count(two_procs, 0, 6);
	expect_count(three_procs, 0, 60);
}
END_TEST

/* b's import reads fd, which a's send binds in b: it waits.  Of the
 * C(6,2) = 15 orders, those with import after send (so last): 5. */
static const char send_waits[] =
	"process a\n"
	"process b\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a share ion h -> fd\n"
	"a send fd to b -> fd\n"
	"b open /dev/ion -> ion\n"
	"b import ion fd -> h\n"
	"final leaks == 0\n";

START_TEST(a_receiver_waits_for_the_send)
{
	expect_count(send_waits, 0, 5);
}
END_TEST

/* The child's two steps wait for the fork; the parent's exit may go
 * before, between or after them: 3 orders. */
static const char fork_waits[] =
	"process p\n"
	"p open /dev/ion -> ion\n"
	"p fork -> child\n"
	"p exit\n"
	"child close ion\n"
	"child exit\n"
	"final leaks == 0\n";

START_TEST(a_child_waits_for_its_fork)
{
	expect_count(fork_waits, 0, 3);
}
END_TEST

/* A thread reads what its process bound: here every step waits for the
 * one before, whatever the actor: 1 order.  And a dead process's steps
 * still run (ESRCH), with the kernel's interleaved: 3 orders. */
static const char thread_waits[] =
	"process p\n"
	"thread p.t\n"
	"p open /dev/ion -> ion\n"
	"p alloc ion 4K heap=system -> h\n"
	"p.t share ion h -> fd\n"
	"p.t close fd\n";

static const char dead_and_kernel[] =
	"heap system type=system id=0\n"
	"process p\n"
	"p exit\n"
	"p close 3 => ESRCH\n"
	"kernel drain system\n";

START_TEST(threads_share_bindings_and_dead_steps_run)
{
	expect_count(thread_waits, 0, 1);
	expect_count(dead_and_kernel, 0, 3);
}
END_TEST

/* `expect` and `fail` lines belong to the file's order: not run. */
static const char expect_ignored[] =
	"process a\n"
	"process b\n"
	"a open /dev/ion -> ion\n"
	"expect live_buffers == 7\n"
	"fail 1 fd\n"
	"b open /dev/ion -> ion\n";

START_TEST(expect_and_fail_lines_are_not_run)
{
	expect_count(expect_ignored, 0, 2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The reference, reduction and hashing                                 */
/* ------------------------------------------------------------------ */

static struct result explore_library(const char *rel, unsigned int flags)
{
	struct scn_program *p = parse_library(rel);
	struct scn_world *w = world_of(p, flags);
	struct sim_explore_opts o = opts_of(flags);
	struct result r = explore_world(w, &o);

	scn_world_free(w);
	scn_program_free(p);
	return r;
}

#define SPIN_SCENARIO "scenarios/lifetime/three_procs_explore.ion"

START_TEST(spin_reference_completes_110565_schedules)
{
	struct result r = explore_library(SPIN_SCENARIO, 0);

	assert_clean(&r, 110565);
	ck_assert_uint_eq(r.stats.executions, 110565);
	ck_assert_uint_eq(r.stats.max_depth_reached, 15);
}
END_TEST

/* Reduction alone, hashing alone and both: complete, clean, and far
 * fewer schedules; both together fewest executions. */
START_TEST(reduction_and_hashing_prune)
{
	struct result red = explore_library(SPIN_SCENARIO, REDUCE);
	struct result hash = explore_library(SPIN_SCENARIO, HASH);
	struct result both = explore_library(SPIN_SCENARIO, HASH | REDUCE);

	ck_assert(red.stats.complete && hash.stats.complete &&
		  both.stats.complete);
	ck_assert_uint_eq(red.stats.violations + hash.stats.violations +
			  both.stats.violations, 0);
	ck_assert_uint_lt(red.stats.completed, 110565 / 10);
	ck_assert_uint_gt(red.stats.completed, 1);
	ck_assert_uint_lt(hash.stats.executions, 110565 / 10);
	ck_assert_uint_le(both.stats.executions, hash.stats.executions);
	ck_assert_uint_gt(both.stats.states_stored, 100);
}
END_TEST

/* Programs that touch nothing in common are one trace. */
START_TEST(independent_programs_are_one_trace)
{
	expect_count(two_procs, REDUCE, 1);
	expect_count(three_procs, REDUCE, 1);
}
END_TEST

/* The same search twice gives the same statistics: the digest and the
 * footprints hold no host pointer. */
START_TEST(searches_are_deterministic)
{
	struct result a = explore_library(SPIN_SCENARIO, HASH | REDUCE);
	struct result b = explore_library(SPIN_SCENARIO, HASH | REDUCE);

	ck_assert_uint_eq(a.stats.executions, b.stats.executions);
	ck_assert_uint_eq(a.stats.states_stored, b.stats.states_stored);
	ck_assert_uint_eq(a.stats.states_matched, b.stats.states_matched);
	ck_assert_uint_eq(a.stats.sleep_pruned, b.stats.sleep_pruned);
}
END_TEST

/* Shards together complete what one search does. */
START_TEST(shards_add_up)
{
	struct scn_program *p = parse_library(SPIN_SCENARIO);
	struct scn_world *w = world_of(p, 0);
	struct sim_explore_opts o = opts_of(REDUCE);
	uint64_t whole, parts = 0;
	unsigned int i;

	whole = explore_world(w, &o).stats.completed;
	o.nshards = 3;
	for (i = 0; i < 3; i++) {
		o.shard = i;
		parts += explore_world(w, &o).stats.completed;
	}
	ck_assert_uint_eq(parts, whole);
	scn_world_free(w);
	scn_program_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Violations and counterexamples                                       */
/* ------------------------------------------------------------------ */

#define RACE_SCENARIO "scenarios/explore/carveout_race.ion"

/* Each actor's steps appear in its program order. */
static void assert_program_order(const struct scn_program *p,
				 const struct scn_cex *cex)
{
	unsigned int *last = calloc(p->nactors, sizeof(*last)), i;

	ck_assert_ptr_nonnull(last);
	for (i = 0; i < cex->n; i++) {
		const struct scn_cex_entry *e = &cex->entries[i];
		int actor = p->steps[e->step].actor;

		if (e->kind != SCN_CEX_STEP)
			continue;
		ck_assert_uint_gt(e->step + 1, last[actor]);
		last[actor] = e->step + 1;
	}
	free(last);
}

/* Whether @f is among the findings of @rep. */
static bool has_finding(const struct scn_report *rep,
			const struct scn_finding *f)
{
	unsigned int i;

	for (i = 0; i < rep->nfindings; i++)
		if (rep->findings[i].kind == f->kind &&
		    strcmp(rep->findings[i].msg, f->msg) == 0)
			return true;
	return false;
}

/* Runs @cex on a fresh machine as a scenario file of it would (faults
 * armed as its `fail` lines arm them, finals checked at the end), and
 * checks that the replay finds the counterexample's violation.  (It may
 * find more: the outcomes a fault explains are findings in replay.) */
static void assert_replays(const struct scn_program *p,
			   const struct scn_cex *cex)
{
	const struct scn_report *rep;
	struct scn_run *run;
	unsigned int i;
	int err = 0;

	run = scn_run_new(p, NULL, &err);
	ck_assert_ptr_nonnull(run);
	for (i = 0; i < cex->n; i++) {
		const struct scn_cex_entry *e = &cex->entries[i];

		if (e->kind == SCN_CEX_FAULT)
			ck_assert_int_eq(sim_fault_arm(scn_run_machine(run),
						       e->fault, e->nth), 0);
		else
			scn_run_exec(run, e->step);
	}
	rep = scn_run_finish(run);
	ck_assert_msg(has_finding(rep, &cex->finding),
		      "the replay lacks: %s", cex->why);
	ck_assert_uint_eq(scn_run_free(run), 0);
}

START_TEST(carveout_race_gives_a_counterexample)
{
	struct scn_program *p = parse_library(RACE_SCENARIO);
	struct scn_world *w = world_of(p, 0);
	struct sim_explore_opts o = opts_of(HASH | REDUCE);
	struct result r = explore_world(w, &o);
	const struct scn_cex *cex = scn_world_cex(w);
	const struct scn_cex_entry *last;

	ck_assert_uint_eq(r.stats.violations, 1);
	ck_assert_int_eq(r.replayed, 1);
	ck_assert(cex->found && !cex->at_end);
	ck_assert_int_eq(cex->finding.kind, SCN_FIND_UNEXPECTED_FAILURE);
	ck_assert_str_eq(cex->why, r.why);
	ck_assert_ptr_nonnull(strstr(cex->why, "failed with ENOMEM"));
	last = &cex->entries[cex->n - 1];
	ck_assert_int_eq(last->kind, SCN_CEX_STEP);
	ck_assert_int_eq(last->err, ENOMEM);
	ck_assert_int_eq(p->steps[last->step].op, SCN_OP_ALLOC);
	ck_assert_uint_eq(p->steps[last->step].line, cex->finding.line);
	assert_program_order(p, cex);
	assert_replays(p, cex);
	scn_world_free(w);
	scn_program_free(p);
}
END_TEST

/* With room for both frames, or with both allocations allowed to fail
 * (and not named: a step that used a failed one's name would be
 * skipped, itself a finding), every schedule is fine. */
static const char race_room[] =
	"heap carveout type=carveout id=2 size=32M\n"
	"process camera\n"
	"process gallery\n"
	"camera  open /dev/ion -> ion\n"
	"camera  alloc ion 12M heap=carveout -> frame\n"
	"camera  free ion frame\n"
	"gallery open /dev/ion -> ion\n"
	"gallery alloc ion 12M heap=carveout -> thumb\n"
	"gallery free ion thumb\n"
	"final used carveout == 0\n";

static const char race_allowed[] =
	"heap carveout type=carveout id=2 size=16M\n"
	"process camera\n"
	"process gallery\n"
	"camera  open /dev/ion -> ion\n"
	"camera  alloc ion 12M heap=carveout => ok|ENOMEM\n"
	"camera  exit\n"
	"gallery open /dev/ion -> ion\n"
	"gallery alloc ion 12M heap=carveout => ok|ENOMEM\n"
	"gallery exit\n"
	"final used carveout == 0\n";

START_TEST(race_fixed_either_way_is_clean)
{
	struct result a = explore_text(race_room, HASH | REDUCE);
	struct result b = explore_text(race_allowed, HASH | REDUCE);

	ck_assert_uint_eq(a.stats.violations + b.stats.violations, 0);
	ck_assert(a.stats.complete && b.stats.complete);
}
END_TEST

/* A final that some orders break is found at the end of one: the peak
 * is 8K only where both buffers were alive at once.  (It takes the
 * digest's history of peaks to find it with hashing on: the states
 * after the last free are the same but for the peak.) */
static const char final_race[] =
	"heap system type=system id=0\n"
	"process a\n"
	"process b\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a free ion h\n"
	"b open /dev/ion -> ion\n"
	"b alloc ion 4K heap=system -> h\n"
	"b free ion h\n"
	"final peak system == 4K\n";

START_TEST(end_of_run_violations_say_so)
{
	struct scn_program *p = parse_text(final_race);
	struct scn_world *w = world_of(p, 0);
	struct sim_explore_opts o = opts_of(HASH | REDUCE);
	struct result r = explore_world(w, &o);
	const struct scn_cex *cex = scn_world_cex(w);

	ck_assert_uint_eq(r.stats.violations, 1);
	ck_assert(cex->found && cex->at_end);
	ck_assert_int_eq(cex->finding.kind, SCN_FIND_FINAL);
	ck_assert_uint_eq(cex->n, 6);
	assert_program_order(p, cex);
	assert_replays(p, cex);
	scn_world_free(w);
	scn_program_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Faults                                                               */
/* ------------------------------------------------------------------ */

/* The reference survives one fault anywhere: no leak, no bad count. */
START_TEST(one_fault_anywhere_is_survived)
{
	struct result r = explore_library(SPIN_SCENARIO,
					  HASH | REDUCE | FAULTS);

	ck_assert_msg(r.stats.violations == 0, "%s", r.why);
	ck_assert(r.stats.complete);
	ck_assert_uint_gt(r.stats.executions, 100);
}
END_TEST

/* A final that holds only when the alloc succeeds: the fault that
 * fails it is the counterexample, and arming it replays the finding. */
static const char fault_final[] =
	"heap system type=system id=0\n"
	"process app\n"
	"app open /dev/ion -> ion\n"
	"app alloc ion 8K heap=system -> h\n"
	"final live_buffers == 1\n";

START_TEST(a_fault_counterexample_replays)
{
	struct scn_program *p = parse_text(fault_final);
	struct scn_world *w = world_of(p, FAULTS);
	struct sim_explore_opts o = opts_of(HASH | REDUCE | FAULTS);
	struct result r = explore_world(w, &o);
	const struct scn_cex *cex = scn_world_cex(w);
	unsigned int i, faults = 0;

	ck_assert_uint_eq(r.stats.violations, 1);
	ck_assert(cex->found && cex->at_end);
	ck_assert_int_eq(cex->finding.kind, SCN_FIND_FINAL);
	for (i = 0; i < cex->n; i++)
		faults += cex->entries[i].kind == SCN_CEX_FAULT;
	ck_assert_uint_eq(faults, 1);
	assert_replays(p, cex);
	scn_world_free(w);
	scn_program_free(p);
}
END_TEST

/* Without faults the same program is clean: no fault is ever taken. */
START_TEST(no_faults_without_the_switch)
{
	struct result r = explore_text(fault_final, HASH | REDUCE | ALL);

	assert_clean(&r, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The digest                                                           */
/* ------------------------------------------------------------------ */

/* Runs the steps on @lines (in that order) and digests the state. */
static void digest_after(const struct scn_program *p,
			 const unsigned int *lines, unsigned int n,
			 uint64_t out[2])
{
	struct scn_digest *d = scn_digest_new(p);
	unsigned int *pc = calloc(p->nactors, sizeof(*pc)), i, k;
	struct scn_run *run;
	int err = 0;

	ck_assert(d && pc);
	run = scn_run_new(p, NULL, &err);
	ck_assert_ptr_nonnull(run);
	scn_digest_begin(d);
	for (i = 0; i < n; i++)
		for (k = 0; k < p->nsteps; k++)
			if (p->steps[k].line == lines[i]) {
				scn_run_exec(run, k);
				ck_assert_int_eq(scn_digest_wrote(d, run, k), 0);
				pc[p->steps[k].actor]++;
			}
	ck_assert_int_eq(scn_digest_state(d, run, pc, 0, out), 0);
	ck_assert_uint_eq(scn_run_free(run), 0);
	scn_digest_free(d);
	free(pc);
}

static const char digest_prog[] =
	"heap system type=system id=0\n"			/* 1 */
	"heap carveout type=carveout id=2 size=16M\n"		/* 2 */
	"process a\n"						/* 3 */
	"process b\n"						/* 4 */
	"a open /dev/ion -> ion\n"				/* 5 */
	"a alloc ion 4K heap=carveout -> h\n"			/* 6 */
	"b open /dev/ion -> ion\n"				/* 7 */
	"b alloc ion 8K heap=system -> h\n";			/* 8 */

static bool digests_equal(const uint64_t a[2], const uint64_t b[2])
{
	return a[0] == b[0] && a[1] == b[1];
}

/* Buffers, clients and dma-bufs made in another order, with other
 * serials, are the same state; a different state is not. */
START_TEST(digest_renames_serials_only)
{
	struct scn_program *p = parse_text(digest_prog);
	const unsigned int ab[] = { 5, 6, 7, 8 }, ba[] = { 7, 8, 5, 6 };
	const unsigned int less[] = { 5, 6, 7 };
	uint64_t x[2], y[2], z[2], again[2];

	digest_after(p, ab, 4, x);
	digest_after(p, ba, 4, y);
	digest_after(p, less, 3, z);
	digest_after(p, ab, 4, again);
	ck_assert(digests_equal(x, y));
	ck_assert(digests_equal(x, again));
	ck_assert(!digests_equal(x, z));
	scn_program_free(p);
}
END_TEST

/* Two programs that differ only in the bytes one step writes. */
static const char wrote_one[] =
	"process a\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a share ion h -> fd\n"
	"a mmap fd -> m\n"
	"a write m 0 \"one\"\n"
	"a read m 0 \"one\"\n";

static const char wrote_two[] =
	"process a\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a share ion h -> fd\n"
	"a mmap fd -> m\n"
	"a write m 0 \"two\"\n"
	"a read m 0 \"one\"\n";

/* The same two without the read: nothing can tell the bytes apart. */
static const char wrote_one_unread[] =
	"process a\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a share ion h -> fd\n"
	"a mmap fd -> m\n"
	"a write m 0 \"one\"\n";

static const char wrote_two_unread[] =
	"process a\n"
	"a open /dev/ion -> ion\n"
	"a alloc ion 4K heap=system -> h\n"
	"a share ion h -> fd\n"
	"a mmap fd -> m\n"
	"a write m 0 \"two\"\n";

/* The digest after lines 2-6 of @text. */
static void digest_written(const char *text, uint64_t out[2])
{
	struct scn_program *p = parse_text(text);
	const unsigned int lines[] = { 2, 3, 4, 5, 6 };

	digest_after(p, lines, 5, out);
	scn_program_free(p);
}

/* With a read in the program, what was written is part of the state. */
START_TEST(digest_sees_written_bytes)
{
	uint64_t one[2], two[2], one_unread[2], two_unread[2];

	digest_written(wrote_one, one);
	digest_written(wrote_two, two);
	digest_written(wrote_one_unread, one_unread);
	digest_written(wrote_two_unread, two_unread);
	ck_assert(!digests_equal(one, two));
	ck_assert(digests_equal(one_unread, two_unread));
}
END_TEST

/* Where later allocations land is state: a carveout's deferred-free
 * list (Linux 4.9 drains it head first) and the buddy's free lists (taken
 * from the head) in their order, although the same memory is free. */
static const char held_prog[] =
	"heap carveout type=carveout id=2 size=16M\n"		/* 1 */
	"heap contig type=system_contig id=1\n"			/* 2 */
	"process a\n"						/* 3 */
	"a open /dev/ion -> ion\n"				/* 4 */
	"a alloc ion 4K heap=carveout -> x\n"			/* 5 */
	"a alloc ion 4K heap=carveout -> y\n"			/* 6 */
	"a alloc ion 4K heap=carveout -> z\n"			/* 7 */
	"a free ion x\n"					/* 8 */
	"a free ion z\n"					/* 9 */
	"a alloc ion 4K heap=contig -> p\n"			/* 10 */
	"a alloc ion 4K heap=contig -> q\n"			/* 11 */
	"a alloc ion 4K heap=contig -> r\n"			/* 12 */
	"a alloc ion 4K heap=contig -> s\n"			/* 13 */
	"a free ion p\n"					/* 14 */
	"a free ion r\n";					/* 15 */

START_TEST(digest_sees_free_list_order)
{
	struct scn_program *p = parse_text(held_prog);
	const unsigned int deferred_xz[] = { 4, 5, 6, 7, 8, 9 };
	const unsigned int deferred_zx[] = { 4, 5, 6, 7, 9, 8 };
	const unsigned int buddy_pr[] = { 4, 10, 11, 12, 13, 14, 15 };
	const unsigned int buddy_rp[] = { 4, 10, 11, 12, 13, 15, 14 };
	uint64_t a[2], b[2], c[2], d[2];

	digest_after(p, deferred_xz, 6, a);
	digest_after(p, deferred_zx, 6, b);
	ck_assert(!digests_equal(a, b));
	digest_after(p, buddy_pr, 7, c);
	digest_after(p, buddy_rp, 7, d);
	ck_assert(!digests_equal(c, d));
	scn_program_free(p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad worlds                                                           */
/* ------------------------------------------------------------------ */

/* A path that is not the world's is refused, not followed. */
START_TEST(foreign_paths_are_refused)
{
	struct scn_program *p = parse_text(two_procs);
	struct scn_world *w = world_of(p, 0);
	struct sim_explore_choice path[3] = {
		{ SIM_CHOICE_SCHEDULE, 0, 2, 0 },
		{ SIM_CHOICE_SCHEDULE, 0, 2, 0 },
		{ SIM_CHOICE_SCHEDULE, 0, 2, 0 },	/* a has two steps */
	};
	struct sim_explore_choice bad_actor = { SIM_CHOICE_SCHEDULE, 0, 2, 9 };

	ck_assert_int_eq(scn_world_replay(w, path, 3), -EINVAL);
	ck_assert_int_eq(scn_world_replay(w, &bad_actor, 1), -EINVAL);
	ck_assert_int_eq(scn_world_replay(w, path, 2), 0);
	ck_assert(!scn_world_cex(w)->found);
	ck_assert_uint_eq(scn_world_steps(w, 0), 2);
	ck_assert_uint_eq(scn_world_steps(w, 7), 0);
	scn_world_free(w);
	scn_program_free(p);
}
END_TEST

/* A program the interpreter refuses makes no world. */
START_TEST(malformed_programs_make_no_world)
{
	struct scn_program *p = parse_text(two_procs);
	int err = 0, actor = p->steps[0].actor;

	p->steps[0].actor = 99;
	ck_assert_ptr_null(scn_world_new(p, NULL, &err));
	ck_assert_int_eq(err, -EINVAL);
	p->steps[0].actor = actor;
	scn_program_free(p);
}
END_TEST

static Suite *explore_suite(void)
{
	Suite *s = suite_create("scenarios/explore");
	TCase *t = tcase_create("enabled");

	tcase_add_test(t, independent_programs_interleave_every_way);
	tcase_add_test(t, a_receiver_waits_for_the_send);
	tcase_add_test(t, a_child_waits_for_its_fork);
	tcase_add_test(t, threads_share_bindings_and_dead_steps_run);
	tcase_add_test(t, expect_and_fail_lines_are_not_run);
	suite_add_tcase(s, t);
	t = tcase_create("reduction");
	tcase_set_timeout(t, 300);
	tcase_add_test(t, reduction_and_hashing_prune);
	tcase_add_test(t, independent_programs_are_one_trace);
	tcase_add_test(t, searches_are_deterministic);
	tcase_add_test(t, shards_add_up);
	/* 110,565 executions: minutes under valgrind, which runs the
	 * suites with CK_FORK=no; test_explore_cli.sh checks it there */
	if (!getenv("CK_FORK") || strcmp(getenv("CK_FORK"), "no") != 0)
		tcase_add_test(t, spin_reference_completes_110565_schedules);
	suite_add_tcase(s, t);
	t = tcase_create("violations");
	tcase_add_test(t, carveout_race_gives_a_counterexample);
	tcase_add_test(t, race_fixed_either_way_is_clean);
	tcase_add_test(t, end_of_run_violations_say_so);
	tcase_add_test(t, a_fault_counterexample_replays);
	tcase_add_test(t, one_fault_anywhere_is_survived);
	tcase_add_test(t, no_faults_without_the_switch);
	suite_add_tcase(s, t);
	t = tcase_create("digest-and-errors");
	tcase_add_test(t, digest_renames_serials_only);
	tcase_add_test(t, digest_sees_written_bytes);
	tcase_add_test(t, digest_sees_free_list_order);
	tcase_add_test(t, foreign_paths_are_refused);
	tcase_add_test(t, malformed_programs_make_no_world);
	suite_add_tcase(s, t);
	return s;
}

IONSIM_TEST_MAIN(explore_suite)
