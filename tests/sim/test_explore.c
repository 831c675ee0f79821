/*
 * tests/sim/test_explore.c - the explorer (sim/explore*.c) on toy worlds
 * written here, whose answers can be counted by hand: actors stepping
 * through private or shared variables (interleavings are multinomial
 * coefficients, states are products), fault and preemption decisions
 * (sums of binomials), a two-actor race with exactly one bad order, and
 * worlds that cheat (nondeterministic).  A property test draws small
 * random worlds and checks the reductions against the plain search:
 * sleep sets and hashing reach every state it reaches and run every step
 * from every local state it does (what a check made inside a step sees),
 * and sleep sets complete one execution per Mazurkiewicz trace.  The
 * visited set is also tested alone (sim/explore_internal.h): what covers
 * what, how two visits merge, growth and the bitstate fallback.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/explore.h"
#include "sim/explore_internal.h"
#include "testlib.h"

#define TOY_ACTORS 6
#define TOY_STEPS 6
#define TOY_VARS 6
#define SET_CAP 32768u		/* keys a toy set holds (power of two) */

/* --- a set of 128-bit keys, for what a world observed ---------------- */

struct keyset {
	uint64_t lo[SET_CAP], hi[SET_CAP];
	bool used[SET_CAP];
	unsigned int n;
};

/* The slot of @s holding @lo:@hi, or the free slot where it would go. */
static unsigned int keyset_slot(const struct keyset *s, uint64_t lo,
				uint64_t hi)
{
	unsigned int i = (unsigned int)((lo * 31 + hi) * 0x9E3779B97F4A7C15ULL
					>> 40) & (SET_CAP - 1);

	while (s->used[i] && (s->lo[i] != lo || s->hi[i] != hi))
		i = (i + 1) & (SET_CAP - 1);
	return i;
}

/* Adds @lo:@hi to @s; true when it was not there. */
static bool keyset_add(struct keyset *s, uint64_t lo, uint64_t hi)
{
	unsigned int i = keyset_slot(s, lo, hi);

	if (s->used[i])
		return false;
	test_require(s->n < SET_CAP / 2);
	s->used[i] = true;
	s->lo[i] = lo;
	s->hi[i] = hi;
	s->n++;
	return true;
}

static bool keyset_has(const struct keyset *s, uint64_t lo, uint64_t hi)
{
	return s->used[keyset_slot(s, lo, hi)];
}

/* True when every key of @a is in @b. */
static bool keyset_within(const struct keyset *a, const struct keyset *b)
{
	unsigned int i;

	for (i = 0; i < SET_CAP; i++)
		if (a->used[i] && !keyset_has(b, a->lo[i], a->hi[i]))
			return false;
	return true;
}

/* --- the toy world: actors stepping over variables ------------------- */

/*
 * Each actor runs nsteps steps; step s of actor a rewrites every variable
 * in its footprint fp[a][s], so steps with disjoint footprints commute.
 * The rewrite is op[a][s]: TOY_MIX (x = 3x + a + 1 mod 251) remembers the
 * order; TOY_SET (x = 1) and TOY_ADD (x = x + 1 mod 3) let orders that
 * are not equivalent meet in one state, which state caching must handle.
 * With fp[a][s] = 1 << a and TOY_MIX the actors are independent counters.
 * A step marked faulty asks a FAULT decision first when the values it
 * reads add up to an even number (so a state's depth depends on the path
 * to it); failing, it writes nothing.
 */
enum toy_op { TOY_MIX, TOY_SET, TOY_ADD };

struct toy {
	unsigned int nactors, nsteps;
	uint64_t fp[TOY_ACTORS][TOY_STEPS];
	enum toy_op op[TOY_ACTORS][TOY_STEPS];
	bool faulty[TOY_ACTORS][TOY_STEPS];
	bool labels;		/* hand labels to the explorer */
	bool footprints;	/* hand footprints to it */
	unsigned int pc[TOY_ACTORS];
	unsigned int x[TOY_VARS];
	unsigned int trail[TOY_ACTORS * TOY_STEPS];	/* actors, in order */
	bool failed[TOY_ACTORS * TOY_STEPS];	/* and whether each failed */
	unsigned int ntrail;
	struct keyset *states;	/* every state reached (NULL: not kept) */
	struct keyset *traces;	/* normal forms of completed executions */
	struct keyset *events;	/* steps run, with the values they read */
};

static struct toy *toy_new(unsigned int nactors, unsigned int nsteps)
{
	struct toy *w = calloc(1, sizeof(*w));
	unsigned int a, s;

	ck_assert_ptr_nonnull(w);
	w->nactors = nactors;
	w->nsteps = nsteps;
	w->labels = true;
	w->footprints = true;
	for (a = 0; a < nactors; a++)
		for (s = 0; s < nsteps; s++)
			w->fp[a][s] = (uint64_t)1 << a;
	return w;
}

/* Keeps the states and traces @w reaches from now on. */
static void toy_observe(struct toy *w)
{
	w->states = calloc(1, sizeof(*w->states));
	w->traces = calloc(1, sizeof(*w->traces));
	w->events = calloc(1, sizeof(*w->events));
	ck_assert_ptr_nonnull(w->states);
	ck_assert_ptr_nonnull(w->traces);
	ck_assert_ptr_nonnull(w->events);
}

static void toy_unobserve(struct toy *w)
{
	free(w->states);
	free(w->traces);
	free(w->events);
	w->states = w->traces = w->events = NULL;
}

static void toy_free(struct toy *w)
{
	toy_unobserve(w);
	free(w);
}

/* Records that actor @a runs its next step reading what it reads: all a
 * check made inside the step could depend on. */
static void toy_event(struct toy *w, unsigned int a, bool fail)
{
	uint64_t fp = w->fp[a][w->pc[a]], seen = 0;
	unsigned int v;

	for (v = 0; v < TOY_VARS; v++)
		if (fp & ((uint64_t)1 << v))
			seen |= (uint64_t)w->x[v] << (8 * v);
	keyset_add(w->events, (uint64_t)fail << 16 | a << 8 | w->pc[a], seen);
}

static void toy_digest(const struct toy *w, uint64_t *lo, uint64_t *hi)
{
	unsigned int i;

	*lo = 0;
	*hi = 0;
	for (i = 0; i < TOY_ACTORS; i++)
		*lo |= (uint64_t)w->pc[i] << (4 * i);
	for (i = 0; i < TOY_VARS; i++)
		*hi |= (uint64_t)w->x[i] << (8 * i);
}

static bool toy_state(struct toy *w, struct sim_explore *e)
{
	uint64_t lo, hi;

	toy_digest(w, &lo, &hi);
	if (w->states)
		keyset_add(w->states, lo, hi);
	return sim_explore_state(e, lo, hi);
}

/* The new value of a variable holding @x under @op by actor @a. */
static unsigned int toy_apply(enum toy_op op, unsigned int x, unsigned int a)
{
	switch (op) {
	case TOY_SET:
		return 1;
	case TOY_ADD:
		return (x + 1) % 3;
	default:
		return (x * 3 + a + 1) % 251;
	}
}

static void toy_step(struct toy *w, unsigned int a, bool fail)
{
	uint64_t fp = fail ? 0 : w->fp[a][w->pc[a]];
	enum toy_op op = w->op[a][w->pc[a]];
	unsigned int v;

	if (w->events)
		toy_event(w, a, fail);
	for (v = 0; v < TOY_VARS; v++)
		if (fp & ((uint64_t)1 << v))
			w->x[v] = toy_apply(op, w->x[v], a);
	w->pc[a]++;
	w->failed[w->ntrail] = fail;
	w->trail[w->ntrail++] = a;
}

/* True when actor @a's next step may fail: it asks the explorer. */
static bool toy_may_fail(const struct toy *w, unsigned int a)
{
	uint64_t fp = w->fp[a][w->pc[a]];
	unsigned int v, sum = 0;

	for (v = 0; v < TOY_VARS; v++)
		if (fp & ((uint64_t)1 << v))
			sum += w->x[v];
	return w->faulty[a][w->pc[a]] && sum % 2 == 0;
}

/* Runs actor @a's next step, asking first whether it fails if it may;
 * false when the explorer ends the execution there. */
static bool toy_move(struct toy *w, struct sim_explore *e, unsigned int a)
{
	int fail = 0;

	if (toy_may_fail(w, a))
		fail = sim_explore_choose(e, SIM_CHOICE_FAULT, 2, NULL, NULL);
	if (fail < 0)
		return false;
	toy_step(w, a, fail);
	return true;
}

/* True when positions @p and @q of the trail must stay in order. */
static bool toy_dependent(const struct toy *w, const unsigned int *step,
			  unsigned int p, unsigned int q)
{
	unsigned int a = w->trail[p], b = w->trail[q];

	return a == b || (w->fp[a][step[p]] & w->fp[b][step[q]]);
}

/*
 * The trail's lexicographic normal form (the smallest word equivalent to
 * it by swapping adjacent independent steps), packed 4 bits per step: the
 * actor and whether the step failed.
 */
static uint64_t toy_normal_form(const struct toy *w)
{
	unsigned int step[TOY_ACTORS * TOY_STEPS], seen[TOY_ACTORS] = { 0 };
	bool gone[TOY_ACTORS * TOY_STEPS] = { false };
	uint64_t form = 0;
	unsigned int i, p, q;

	for (p = 0; p < w->ntrail; p++)
		step[p] = seen[w->trail[p]]++;
	for (i = 0; i < w->ntrail; i++) {
		unsigned int best = UINT_MAX;

		for (p = 0; p < w->ntrail; p++) {
			bool free_ = !gone[p];

			for (q = 0; free_ && q < p; q++)
				if (!gone[q] && toy_dependent(w, step, q, p))
					free_ = false;
			if (free_ && (best == UINT_MAX ||
				      w->trail[p] < w->trail[best]))
				best = p;
		}
		gone[best] = true;
		form = form << 4 | w->trail[best] << 1 | w->failed[best];
	}
	return form;
}

static int toy_run(void *ctx, struct sim_explore *e)
{
	struct toy *w = ctx;

	memset(w->pc, 0, sizeof(w->pc));
	memset(w->x, 0, sizeof(w->x));
	w->ntrail = 0;
	if (!toy_state(w, e))
		return 0;
	for (;;) {
		unsigned int labels[TOY_ACTORS], n = 0, a;
		uint64_t fps[TOY_ACTORS];
		int k;

		for (a = 0; a < w->nactors; a++) {
			if (w->pc[a] < w->nsteps) {
				labels[n] = a;
				fps[n++] = w->fp[a][w->pc[a]];
			}
		}
		if (!n)
			break;
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n,
				       w->labels ? labels : NULL,
				       w->footprints ? fps : NULL);
		if (k < 0)
			return 0;
		if (!toy_move(w, e, labels[k]))
			return 0;
		if (!toy_state(w, e))
			return 0;
	}
	if (w->traces)
		keyset_add(w->traces, toy_normal_form(w), 0);
	return 0;
}

/* Explores @w with @o; the search must succeed. */
static void explore_toy(struct toy *w, const struct sim_explore_opts *o,
			struct sim_explore_stats *st)
{
	struct sim_explore_world world = { .ctx = w, .run = toy_run };

	ck_assert_int_eq(sim_explore_run(&world, o, NULL, NULL, st), 0);
}

/* Options with both bounds off and @hashing, @sleep as asked. */
static struct sim_explore_opts opts_with(bool hashing, bool sleep)
{
	struct sim_explore_opts o;

	sim_explore_opts_init(&o);
	o.hashing = hashing;
	o.sleep_sets = sleep;
	return o;
}

/* --- plain search ---------------------------------------------------- */

START_TEST(counters_complete_every_interleaving)
{
	static const struct {
		unsigned int actors, steps;
		uint64_t orders;
	} cases[] = {
		{ 1, 4, 1 }, { 2, 3, 20 }, { 3, 2, 90 }, { 4, 2, 2520 },
		{ 3, 3, 1680 },
	};
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct toy *w = toy_new(cases[i].actors, cases[i].steps);

		explore_toy(w, &o, &st);
		ck_assert_uint_eq(st.completed, cases[i].orders);
		ck_assert_uint_eq(st.executions, cases[i].orders);
		ck_assert(st.complete);
		ck_assert(!st.bounded);
		ck_assert_uint_eq(st.max_depth_reached,
				  cases[i].actors * cases[i].steps);
		ck_assert_uint_eq(st.violations, 0);
		toy_free(w);
	}
}
END_TEST

START_TEST(no_footprints_or_labels_mean_no_reduction)
{
	struct sim_explore_opts o = opts_with(false, true);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);

	w->footprints = false;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 90);
	w->footprints = true;
	w->labels = false;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 90);
	ck_assert_uint_eq(st.sleep_pruned, 0);
	toy_free(w);
}
END_TEST

/* Counts when the explorer wants a digest: never in replay. */
struct asking {
	unsigned int wanted, replay_wanted;
};

/* Three binary decisions; the state is the path so far. */
static int asking_run(void *ctx, struct sim_explore *e)
{
	struct asking *a = ctx;
	unsigned int i, path = 1;
	int k;

	for (i = 0; i < 3; i++) {
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, 2, NULL, NULL);
		if (k < 0)
			return 0;
		path = path * 2 + (unsigned int)k;
		if (!sim_explore_wants_state(e))
			continue;
		a->wanted++;
		if (!sim_explore_state(e, path, 0))
			return 0;
	}
	return 0;
}

START_TEST(digests_wanted_only_past_the_replay)
{
	struct asking a = { 0 };
	struct sim_explore_world world = { .ctx = &a, .run = asking_run };
	struct sim_explore_opts o = opts_with(true, false);
	struct sim_explore_stats st;

	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st), 0);
	/* once per edge of the tree (2 + 4 + 8), never in a replay */
	ck_assert_uint_eq(a.wanted, 14);
	ck_assert_uint_eq(st.states_stored, 14);
	ck_assert_uint_eq(st.states_matched, 0);
	o.hashing = false;
	a.wanted = 0;
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st), 0);
	ck_assert_uint_eq(a.wanted, 0);
	ck_assert_uint_eq(st.completed, 8);
}
END_TEST

START_TEST(world_without_decisions_is_one_execution)
{
	struct sim_explore_opts o = opts_with(true, true);
	struct sim_explore_stats st;
	struct toy *w = toy_new(0, 0);

	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.executions, 1);
	ck_assert_uint_eq(st.completed, 1);
	ck_assert_uint_eq(st.states_stored, 1);
	ck_assert(st.complete);
	toy_free(w);
}
END_TEST

/* --- state hashing --------------------------------------------------- */

START_TEST(hashing_stores_each_distinct_state_once)
{
	struct sim_explore_opts o = opts_with(true, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);

	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.states_stored, 27);	/* 3 x 3 x 3 */
	ck_assert_uint_gt(st.states_matched, 0);
	ck_assert_uint_lt(st.executions, 90);
	ck_assert(st.complete);
	ck_assert(!st.bitstate);
	ck_assert(st.omission_probability == 0);
	ck_assert_uint_gt(st.memory, 0);
	toy_free(w);

	w = toy_new(4, 3);
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.states_stored, 256);	/* 4^4 */
	toy_free(w);
}
END_TEST

START_TEST(tiny_budget_falls_back_to_bitstate)
{
	struct sim_explore_opts o = opts_with(true, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(4, 3);

	o.memory_budget = 1200;	/* a 16-slot table, then 4096 bits */
	explore_toy(w, &o, &st);
	ck_assert(st.bitstate);
	ck_assert(st.complete);
	ck_assert_uint_le(st.states_stored, 256);
	ck_assert_uint_gt(st.states_stored, 12);
	ck_assert(st.omission_probability > 0 &&
		  st.omission_probability <= 1);
	ck_assert_uint_le(st.memory, 1200);

	o.memory_budget = 100;	/* no room for a table at all */
	explore_toy(w, &o, &st);
	ck_assert(st.bitstate);
	ck_assert(st.complete);
	ck_assert_uint_gt(st.states_stored, 0);

	o.memory_budget = 1 << 20;	/* ample: each state once */
	o.sleep_sets = true;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.states_stored, 256);
	ck_assert(!st.bitstate);
	toy_free(w);
}
END_TEST

START_TEST(bitstate_probability_grows_with_load)
{
	struct sim_explore_opts o = opts_with(true, false);
	struct sim_explore_stats small, large;
	struct toy *w = toy_new(4, 3);

	o.memory_budget = 1200;
	explore_toy(w, &o, &small);
	o.memory_budget = 1800;	/* the same table, 8192 bits */
	explore_toy(w, &o, &large);
	ck_assert(small.bitstate && large.bitstate);
	ck_assert(large.omission_probability < small.omission_probability);
	toy_free(w);
}
END_TEST

/* --- sleep sets ------------------------------------------------------ */

START_TEST(sleep_sets_complete_one_execution_when_all_independent)
{
	struct sim_explore_opts o = opts_with(false, true);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);

	toy_observe(w);
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 1);
	ck_assert_uint_gt(st.sleep_pruned, 0);
	ck_assert(st.complete);
	/* sleep sets cut executions, not states: all 27 are reached */
	ck_assert_uint_eq(w->states->n, 27);
	toy_free(w);
}
END_TEST

START_TEST(dependent_pair_reduces_less)
{
	struct sim_explore_opts o = opts_with(false, true);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);
	unsigned int s;

	/* actors 0 and 1 share variable 0; actor 2 keeps to itself */
	for (s = 0; s < 2; s++)
		w->fp[1][s] = 1;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 6);	/* 4! / (2! 2!) orders of 0, 1 */
	for (s = 0; s < 2; s++)
		w->fp[2][s] = 1;		/* now all dependent */
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 90);
	ck_assert_uint_eq(st.sleep_pruned, 0);
	toy_free(w);
}
END_TEST

START_TEST(sleep_sets_with_hashing_store_every_state)
{
	struct sim_explore_opts o = opts_with(true, true);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 3);

	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.states_stored, 64);
	ck_assert(st.complete);
	toy_free(w);
}
END_TEST

/*
 * The property: on small random worlds, the reduced searches reach exactly
 * the states of the plain one, hashing stores each once, and sleep sets
 * complete exactly one execution per Mazurkiewicz trace (as many as the
 * plain search's completed executions have normal forms, each once).
 */
/* Explores @w with @o, keeping what it observes in a copy of @w. */
static struct toy observe(struct toy *w, const struct sim_explore_opts *o,
			  struct sim_explore_stats *st)
{
	struct toy seen;

	toy_observe(w);
	explore_toy(w, o, st);
	seen = *w;
	w->states = w->traces = w->events = NULL;
	return seen;
}

/* Checks that @got reached the states and ran the events of @ref. */
static void same_reach(const struct toy *got, const struct toy *ref)
{
	test_require(got->states->n == ref->states->n);
	test_require(keyset_within(got->states, ref->states));
	test_require(got->events->n == ref->events->n);
	test_require(keyset_within(got->events, ref->events));
}

/* Hashing alone, under @bounds (a preemption bound among them), against
 * the plain search under the same bounds. */
static void check_hashing_alone(struct toy *w,
				const struct sim_explore_opts *bounds)
{
	struct sim_explore_opts o = *bounds;
	struct sim_explore_stats st;
	struct toy ref, got;

	ref = observe(w, &o, &st);
	o.hashing = true;
	got = observe(w, &o, &st);
	test_require(st.complete);
	same_reach(&got, &ref);
	toy_unobserve(&got);
	toy_unobserve(&ref);
}

/* The reductions, under @bounds but no preemption bound, against the
 * plain search: the same states and events, and with sleep sets alone one
 * completed execution per trace. */
static void check_reductions(struct toy *w,
			     const struct sim_explore_opts *bounds)
{
	struct sim_explore_opts o = *bounds;
	struct sim_explore_stats st;
	struct toy ref, got;
	unsigned int mode;

	ref = observe(w, &o, &st);
	for (mode = 1; mode < 4; mode++) {
		o.hashing = mode & 1;
		o.sleep_sets = mode & 2;
		got = observe(w, &o, &st);
		test_require(st.complete);
		same_reach(&got, &ref);
		if (mode == 2) {
			test_require(st.completed == ref.traces->n);
			test_require(got.traces->n == st.completed);
		}
		toy_unobserve(&got);
	}
	toy_unobserve(&ref);
}

/* Random bounds: none most often, else something that bites. */
static struct sim_explore_opts random_bounds(struct sim_rng *rng,
					     unsigned int decisions)
{
	struct sim_explore_opts o = opts_with(false, false);

	if (sim_rng_below(rng, 3) == 0)
		o.max_depth = 1 + (unsigned int)sim_rng_below(rng, decisions);
	if (sim_rng_below(rng, 2))
		o.max_faults = (unsigned int)sim_rng_below(rng, 3);
	return o;
}

/* A world of 2-3 actors of 1-3 steps over three variables. */
static struct toy *random_toy(struct sim_rng *rng, unsigned int *decisions)
{
	struct toy *w = toy_new(2 + (unsigned int)sim_rng_below(rng, 2),
				1 + (unsigned int)sim_rng_below(rng, 3));
	unsigned int a, s;

	*decisions = 0;
	for (a = 0; a < w->nactors; a++) {
		for (s = 0; s < w->nsteps; s++) {
			w->fp[a][s] = sim_rng_below(rng, 8);
			w->op[a][s] = (enum toy_op)sim_rng_below(rng, 3);
			w->faulty[a][s] = sim_rng_below(rng, 4) == 0;
			*decisions += 1 + w->faulty[a][s];
		}
	}
	return w;
}

START_TEST(reductions_keep_states_and_traces_on_random_worlds)
{
	struct sim_rng rng;
	unsigned int round, decisions;

	sim_rng_seed(&rng, 20240607);
	for (round = 0; round < 300; round++) {
		struct toy *w = random_toy(&rng, &decisions);
		struct sim_explore_opts o = random_bounds(&rng, decisions);

		check_reductions(w, &o);
		o.max_preemptions = (unsigned int)sim_rng_below(&rng, 3);
		check_hashing_alone(w, &o);
		toy_free(w);
	}
}
END_TEST

/* --- bounds ---------------------------------------------------------- */

START_TEST(depth_bound_marks_bounded)
{
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);

	o.max_depth = 6;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 90);
	ck_assert(!st.bounded);
	o.max_depth = 5;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.completed, 0);
	ck_assert(st.bounded);
	ck_assert(st.complete);
	ck_assert_uint_eq(st.max_depth_reached, 5);
	toy_free(w);
}
END_TEST

START_TEST(preemption_bound_counts_switches_from_enabled_actors)
{
	/* AABB, BBAA: none; ABBA, BAAB: one; ABAB, BABA: two */
	static const unsigned int expect[] = { 2, 4, 6, 6 };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(2, 2);
	unsigned int bound;

	for (bound = 0; bound < 4; bound++) {
		o.max_preemptions = bound;
		explore_toy(w, &o, &st);
		ck_assert_uint_eq(st.completed, expect[bound]);
		ck_assert(st.bounded == (bound < 2));
	}
	toy_free(w);
}
END_TEST

/* A world of @m decisions of one kind in a row, @n alternatives each. */
struct row {
	enum sim_choice_kind kind;
	unsigned int m, n;
};

static int row_run(void *ctx, struct sim_explore *e)
{
	const struct row *r = ctx;
	unsigned int i;

	for (i = 0; i < r->m; i++)
		if (sim_explore_choose(e, r->kind, r->n, NULL, NULL) < 0)
			return 0;
	return 0;
}

static uint64_t explore_row(struct row *r, unsigned int max_faults,
			    unsigned int max_preemptions, bool *bounded)
{
	struct sim_explore_world world = { .ctx = r, .run = row_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;

	o.max_faults = max_faults;
	o.max_preemptions = max_preemptions;
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st), 0);
	ck_assert(st.complete);
	*bounded = st.bounded;
	return st.completed;
}

START_TEST(fault_bound_keeps_binomial_sums)
{
	/* 4 fault points: sum over j <= bound of C(4, j) */
	static const uint64_t expect[] = { 1, 5, 11, 15, 16 };
	struct row r = { SIM_CHOICE_FAULT, 4, 2 };
	unsigned int bound;
	bool bounded;

	for (bound = 0; bound <= 4; bound++) {
		ck_assert_uint_eq(explore_row(&r, bound, UINT_MAX, &bounded),
				  expect[bound]);
		ck_assert(bounded == (bound < 4));
	}
	ck_assert_uint_eq(explore_row(&r, UINT_MAX, UINT_MAX, &bounded), 16);
	/* zeroed options inject no fault */
	ck_assert_uint_eq(explore_row(&r, 0, 0, &bounded), 1);
}
END_TEST

START_TEST(preempt_choices_count_against_the_bound)
{
	struct row r = { SIM_CHOICE_PREEMPT, 4, 3 };
	bool bounded;

	/* none, or one of 4 points with one of 2 other threads */
	ck_assert_uint_eq(explore_row(&r, 0, 1, &bounded), 1 + 4 * 2);
	ck_assert(bounded);
	ck_assert_uint_eq(explore_row(&r, 0, UINT_MAX, &bounded), 81);
	ck_assert(!bounded);
}
END_TEST

/*
 * Three one-step actors: B writes y, A writes x in two halves, C writes x
 * and y.  Between A's halves a PREEMPT decision may let C run (if it has
 * not yet), which no schedule of whole steps does.  B is independent of
 * A, so after B is explored first it sleeps through A's step; C, running
 * inside that step, touches y, so B must wake, or the orders where C
 * writes y before B are lost with the x only the preemption makes.
 */
struct split {
	bool done[3];		/* B, A, C */
	unsigned int x, y;
	struct keyset states;
};

static void split_c(struct split *w)
{
	/* not of A's first half's form: C inside A is a new x */
	w->x = (w->x * 3 + 2) % 251;
	w->y = (w->y * 3 + 1) % 251;
	w->done[2] = true;
}

/* A's step; false when the explorer ends the execution inside it. */
static bool split_a(struct split *w, struct sim_explore *e)
{
	static const unsigned int labels[2] = { 1, 2 };
	int k = 0;

	w->x = (w->x * 5 + 2) % 251;
	if (!w->done[2])
		k = sim_explore_choose(e, SIM_CHOICE_PREEMPT, 2, labels, NULL);
	if (k < 0)
		return false;
	if (k == 1)
		split_c(w);
	w->x = (w->x * 7 + 3) % 251;
	w->done[1] = true;
	return true;
}

static bool split_state(struct split *w, struct sim_explore *e)
{
	uint64_t lo = w->done[0] | w->done[1] << 1 | w->done[2] << 2;
	uint64_t hi = (uint64_t)w->x << 8 | w->y;

	keyset_add(&w->states, lo, hi);
	return sim_explore_state(e, lo, hi);
}

static int split_run(void *ctx, struct sim_explore *e)
{
	static const uint64_t fp[3] = { 2, 1, 3 };
	struct split *w = ctx;

	memset(w->done, 0, sizeof(w->done));
	w->x = w->y = 0;
	while (split_state(w, e)) {
		unsigned int labels[3], n = 0, a;
		uint64_t fps[3];
		int k;

		for (a = 0; a < 3; a++) {
			if (!w->done[a]) {
				labels[n] = a;
				fps[n++] = fp[a];
			}
		}
		if (!n)
			return 0;
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n, labels, fps);
		if (k < 0)
			return 0;
		if (labels[k] == 0) {
			w->y = (w->y * 11 + 4) % 251;
			w->done[0] = true;
		} else if (labels[k] == 1 && !split_a(w, e)) {
			return 0;
		} else if (labels[k] == 2) {
			split_c(w);
		}
	}
	return 0;
}

START_TEST(preemption_inside_a_step_wakes_the_sleepers)
{
	struct split *w = calloc(1, sizeof(*w));
	struct sim_explore_world world = { .ctx = w, .run = split_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	unsigned int plain, mode;

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st), 0);
	plain = w->states.n;
	for (mode = 1; mode < 4; mode++) {
		memset(&w->states, 0, sizeof(w->states));
		o.hashing = mode & 1;
		o.sleep_sets = mode & 2;
		ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st),
				 0);
		ck_assert_uint_eq(w->states.n, plain);
	}
	ck_assert_uint_lt(st.executions, 8);	/* still some reduction */
	free(w);
}
END_TEST

START_TEST(limits_stop_the_search_incomplete)
{
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);

	o.max_executions = 10;
	explore_toy(w, &o, &st);
	ck_assert_uint_eq(st.executions, 10);
	ck_assert(!st.complete);
	o.max_executions = 90;	/* exactly enough */
	explore_toy(w, &o, &st);
	ck_assert(st.complete);

	o = opts_with(true, false);
	o.max_states = 5;
	explore_toy(w, &o, &st);
	ck_assert(!st.complete);
	ck_assert_uint_ge(st.states_stored, 5);
	ck_assert_uint_lt(st.states_stored, 27);

	o = opts_with(false, false);
	o.max_seconds = 1e-9;
	explore_toy(w, &o, &st);
	ck_assert(!st.complete);
	toy_free(w);
}
END_TEST

/* --- violations ------------------------------------------------------ */

struct capture {
	unsigned int calls;
	unsigned int len;	/* of the last path reported */
	struct sim_explore_choice path[32];
	char why[128];
	int ret;		/* what the callback answers */
};

static int capture_report(void *ctx, const struct sim_explore_choice *path,
			  unsigned int len, const char *why)
{
	struct capture *c = ctx;

	c->calls++;
	c->len = len;
	ck_assert_uint_le(len, 32);
	memcpy(c->path, path, len * sizeof(*path));
	snprintf(c->why, sizeof(c->why), "%s", why);
	return c->ret;
}

/*
 * Two actors race on a flag: A sets busy then clears it; B reads it, then
 * fails if it read it set and it is still set.  Only A1 B1 B2 fails.
 */
struct race {
	unsigned int pc[2];
	bool busy, seen;
	bool footprints;
};

static int race_step(struct race *r, struct sim_explore *e, unsigned int a)
{
	unsigned int s = r->pc[a]++;

	if (a == 0) {
		r->busy = s == 0;
		return 0;
	}
	if (s == 0) {
		r->seen = r->busy;
		return 0;
	}
	if (r->seen && r->busy) {
		sim_explore_violation(e, "B saw A mid-update");
		return 1;
	}
	return 0;
}

static int race_run(void *ctx, struct sim_explore *e)
{
	static const uint64_t fps[2] = { 1, 1 };
	struct race *r = ctx;
	int k, ret;

	memset(r->pc, 0, sizeof(r->pc));
	r->busy = r->seen = false;
	for (;;) {
		unsigned int labels[2], n = 0, a;

		for (a = 0; a < 2; a++)
			if (r->pc[a] < 2)
				labels[n++] = a;
		if (!n)
			return 0;
		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n, labels,
				       r->footprints ? fps : NULL);
		if (k < 0)
			return 0;
		ret = race_step(r, e, labels[k]);
		if (ret)
			return ret;
	}
}

static void check_choice(const struct sim_explore_choice *c,
			 unsigned int value, unsigned int n,
			 unsigned int label)
{
	ck_assert_int_eq(c->kind, SIM_CHOICE_SCHEDULE);
	ck_assert_uint_eq(c->value, value);
	ck_assert_uint_eq(c->n, n);
	ck_assert_uint_eq(c->label, label);
}

START_TEST(race_found_on_its_one_interleaving)
{
	struct race r = { .footprints = true };
	struct sim_explore_world world = { .ctx = &r, .run = race_run };
	struct sim_explore_stats st;
	unsigned int sleep;

	for (sleep = 0; sleep < 2; sleep++) {
		struct sim_explore_opts o = opts_with(false, sleep);
		struct capture c = { 0 };

		ck_assert_int_eq(sim_explore_run(&world, &o, capture_report,
						 &c, &st), 0);
		ck_assert_uint_eq(st.violations, 1);
		ck_assert_uint_eq(c.calls, 1);
		ck_assert_str_eq(c.why, "B saw A mid-update");
		ck_assert_uint_eq(c.len, 3);
		check_choice(&c.path[0], 0, 2, 0);
		check_choice(&c.path[1], 1, 2, 1);
		check_choice(&c.path[2], 1, 2, 1);
		ck_assert_uint_eq(st.shortest, 3);
		ck_assert_uint_eq(st.completed, 5);
		ck_assert(st.complete);
	}
}
END_TEST

START_TEST(stop_at_first_and_report_answer_stop)
{
	struct race r = { .footprints = false };
	struct sim_explore_world world = { .ctx = &r, .run = race_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	struct capture c = { 0 };

	o.stop_at_first = true;
	ck_assert_int_eq(sim_explore_run(&world, &o, capture_report, &c, &st),
			 0);
	ck_assert_uint_eq(st.violations, 1);
	ck_assert_uint_eq(st.executions, 3);	/* after A A B B, A B A B */
	ck_assert(!st.complete);

	o.stop_at_first = false;
	c.ret = 1;
	c.calls = 0;
	ck_assert_int_eq(sim_explore_run(&world, &o, capture_report, &c, &st),
			 0);
	ck_assert_uint_eq(c.calls, 1);
	ck_assert(!st.complete);
}
END_TEST

/* A runs three steps, B one; B stepping after A has begun is wrong. */
static int late_run(void *ctx, struct sim_explore *e)
{
	static const unsigned int both[2] = { 0, 1 };
	unsigned int pc[2] = { 0, 0 };
	int k;

	(void)ctx;
	while (pc[0] < 3 || pc[1] < 1) {
		bool a_ok = pc[0] < 3, b_ok = pc[1] < 1;
		unsigned int n = a_ok && b_ok ? 2 : 1;
		const unsigned int *labels = a_ok ? both : both + 1;

		k = sim_explore_choose(e, SIM_CHOICE_SCHEDULE, n, labels,
				       NULL);
		if (k < 0)
			return 0;
		if (labels[k] == 0) {
			pc[0]++;
			continue;
		}
		pc[1]++;
		if (pc[0]) {
			sim_explore_violation(e, "B after %u A steps", pc[0]);
			return 1;
		}
	}
	return 0;
}

START_TEST(shortest_counterexample_is_kept)
{
	struct sim_explore_world world = { .ctx = NULL, .run = late_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;
	struct capture c = { 0 };

	ck_assert_int_eq(sim_explore_run(&world, &o, capture_report, &c, &st),
			 0);
	ck_assert_uint_eq(st.violations, 3);
	ck_assert_uint_eq(c.calls, 3);
	ck_assert_uint_eq(st.shortest, 2);
	ck_assert_uint_eq(st.completed, 1);

	memset(&c, 0, sizeof(c));
	o.shortest = true;
	ck_assert_int_eq(sim_explore_run(&world, &o, capture_report, &c, &st),
			 0);
	ck_assert_uint_eq(c.calls, 1);
	ck_assert_uint_eq(c.len, 2);
	check_choice(&c.path[0], 0, 2, 0);
	check_choice(&c.path[1], 1, 2, 1);
	ck_assert_str_eq(c.why, "B after 1 A steps");
}
END_TEST

/* --- worlds that break the contract ---------------------------------- */

/* Asks a different question, or fewer, on its second execution. */
struct cheat {
	unsigned int runs;
	bool fewer;	/* ask fewer questions rather than other ones */
};

static int cheat_run(void *ctx, struct sim_explore *e)
{
	struct cheat *c = ctx;
	bool second = c->runs++ > 0;

	if (second && c->fewer)
		return 0;
	if (sim_explore_choose(e, SIM_CHOICE_SCHEDULE, second ? 3 : 2, NULL,
			       NULL) < 0)
		return 0;
	sim_explore_choose(e, SIM_CHOICE_FAULT, 2, NULL, NULL);
	return 0;
}

START_TEST(nondeterministic_world_is_eproto)
{
	struct cheat c = { 0 };
	struct sim_explore_world world = { .ctx = &c, .run = cheat_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;

	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(st.error, "nondeterministic"));
	ck_assert_ptr_nonnull(strstr(st.error, "SCHEDULE of 2"));
	ck_assert(!st.complete);

	memset(&c, 0, sizeof(c));
	c.fewer = true;
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st),
			 -EPROTO);
	ck_assert_ptr_nonnull(strstr(st.error, "ended after 0"));
}
END_TEST

static int failing_run(void *ctx, struct sim_explore *e)
{
	unsigned int *mode = ctx;

	if (*mode == 0)
		return -EIO;
	return sim_explore_choose(e, SIM_CHOICE_FAULT, 0, NULL, NULL);
}

START_TEST(world_errors_and_bad_options)
{
	unsigned int mode = 0;
	struct sim_explore_world world = { .ctx = &mode, .run = failing_run };
	struct sim_explore_opts o = opts_with(false, false);
	struct sim_explore_stats st;

	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st), -EIO);
	mode = 1;
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(st.error, "world bug"));
	o.nshards = 3;
	o.shard = 3;
	ck_assert_int_eq(sim_explore_run(&world, &o, NULL, NULL, &st),
			 -EINVAL);
	world.run = NULL;
	ck_assert_int_eq(sim_explore_run(&world, NULL, NULL, NULL, &st),
			 -EINVAL);
}
END_TEST

/* --- sharding -------------------------------------------------------- */

/* Sums completed executions and violations over @nshards shards. */
static void explore_shards(const struct sim_explore_world *world,
			   struct sim_explore_opts o, unsigned int nshards,
			   uint64_t *completed, uint64_t *violations,
			   unsigned int *busy)
{
	struct sim_explore_stats st;
	unsigned int s;

	*completed = *violations = 0;
	*busy = 0;
	o.nshards = nshards;
	for (s = 0; s < nshards; s++) {
		o.shard = s;
		ck_assert_int_eq(sim_explore_run(world, &o, NULL, NULL, &st),
				 0);
		ck_assert(st.complete);
		*completed += st.completed;
		*violations += st.violations;
		*busy += st.completed > 0;
	}
}

START_TEST(shards_together_complete_the_whole)
{
	static const unsigned int counts[] = { 2, 3, 5, 7 };
	struct toy *w = toy_new(4, 2);
	struct sim_explore_world world = { .ctx = w, .run = toy_run };
	uint64_t completed, violations;
	unsigned int i, busy;

	for (i = 0; i < 4; i++) {
		explore_shards(&world, opts_with(false, false), counts[i],
			       &completed, &violations, &busy);
		ck_assert_uint_eq(completed, 2520);
		ck_assert_uint_eq(busy, counts[i]);	/* the split happened */
	}
	/* with sleep sets: the 4!/(2!2!) traces of one dependent pair */
	w->fp[1][0] = w->fp[1][1] = 1;
	explore_shards(&world, opts_with(false, true), 3, &completed,
		       &violations, &busy);
	ck_assert_uint_eq(completed, 6);
	toy_free(w);

	w = toy_new(3, 2);	/* too small to split: partial keys decide */
	world.ctx = w;
	explore_shards(&world, opts_with(false, false), 7, &completed,
		       &violations, &busy);
	ck_assert_uint_eq(completed, 90);
	toy_free(w);
}
END_TEST

START_TEST(shards_with_hashing_cover_every_state)
{
	struct toy *w = toy_new(4, 2);
	struct sim_explore_world world = { .ctx = w, .run = toy_run };
	struct sim_explore_opts plain = opts_with(false, false);
	struct sim_explore_stats st;
	struct toy all, shards;
	uint64_t completed, violations;
	unsigned int busy;

	w->fp[1][0] = w->fp[2][1] = 3;
	all = observe(w, &plain, &st);
	toy_observe(w);	/* one set across the shards: their union */
	explore_shards(&world, opts_with(true, true), 3, &completed,
		       &violations, &busy);
	shards = *w;
	w->states = w->traces = w->events = NULL;
	same_reach(&shards, &all);
	toy_unobserve(&shards);
	toy_unobserve(&all);
	toy_free(w);
}
END_TEST

START_TEST(shards_together_find_each_violation_once)
{
	struct race r = { .footprints = true };
	struct sim_explore_world world = { .ctx = &r, .run = race_run };
	uint64_t completed, violations;
	unsigned int nshards, busy;

	for (nshards = 2; nshards < 5; nshards++) {
		explore_shards(&world, opts_with(false, true), nshards,
			       &completed, &violations, &busy);
		ck_assert_uint_eq(violations, 1);
		ck_assert_uint_eq(completed, 5);
	}
}
END_TEST

/* --- determinism and output ------------------------------------------ */

START_TEST(same_search_same_statistics)
{
	struct sim_explore_opts o = opts_with(true, true);
	struct sim_explore_stats a, b;
	struct toy *w = toy_new(4, 3);

	w->fp[1][1] = w->fp[2][0] = 3;	/* some dependence */
	explore_toy(w, &o, &a);
	explore_toy(w, &o, &b);
	ck_assert_uint_eq(a.executions, b.executions);
	ck_assert_uint_eq(a.completed, b.completed);
	ck_assert_uint_eq(a.states_stored, b.states_stored);
	ck_assert_uint_eq(a.states_matched, b.states_matched);
	ck_assert_uint_eq(a.transitions, b.transitions);
	ck_assert_uint_eq(a.sleep_pruned, b.sleep_pruned);
	ck_assert_uint_eq(a.max_depth_reached, b.max_depth_reached);
	ck_assert_uint_eq(a.memory, b.memory);
	ck_assert(a.complete == b.complete && a.bounded == b.bounded);
	toy_free(w);
}
END_TEST

START_TEST(stats_print_reads_like_spin)
{
	struct sim_explore_opts o = opts_with(true, false);
	struct sim_explore_stats st;
	struct toy *w = toy_new(3, 2);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(out);
	o.memory_budget = 1000;
	explore_toy(w, &o, &st);
	sim_explore_stats_print(&st, out);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(text, "complete search (bitstate)"));
	ck_assert_ptr_nonnull(strstr(text, "states, stored"));
	ck_assert_ptr_nonnull(strstr(text, "states, matched"));
	ck_assert_ptr_nonnull(strstr(text, "omission probability"));
	free(text);
	toy_free(w);
}
END_TEST

/* --- the visited set on its own ---------------------------------------- */

/* A key for digest @lo at @depth, sleeping actors @sleep (labels < 64). */
static struct sim_visit_key vkey(uint64_t lo, uint32_t depth, uint64_t sleep)
{
	struct sim_visit_key k = {
		.lo = lo, .hi = ~lo, .depth = depth, .sleep_under = sleep,
		.sleep_over = sleep, .sleep_hash = sleep * 0x9E3779B97F4A7C15ULL,
	};

	return k;
}

static int visit(struct sim_visited *v, struct sim_visit_key k)
{
	return sim_visited_visit(v, &k);
}

START_TEST(visited_cuts_no_deeper_and_no_more_awake)
{
	struct sim_visited v;

	ck_assert_int_eq(sim_visited_init(&v, 1 << 20), 0);
	ck_assert_int_eq(visit(&v, vkey(7, 5, 0)), SIM_VISIT_NEW);
	ck_assert_int_eq(visit(&v, vkey(7, 5, 0)), SIM_VISIT_SEEN);
	ck_assert_int_eq(visit(&v, vkey(7, 9, 2)), SIM_VISIT_SEEN);
	ck_assert_int_eq(visit(&v, vkey(7, 4, 0)), SIM_VISIT_AGAIN);
	ck_assert_int_eq(visit(&v, vkey(7, 4, 0)), SIM_VISIT_SEEN);
	/* stored asleep {1}: a visit with 1 awake must explore again */
	ck_assert_int_eq(visit(&v, vkey(8, 3, 2)), SIM_VISIT_NEW);
	ck_assert_int_eq(visit(&v, vkey(8, 3, 6)), SIM_VISIT_SEEN);
	ck_assert_int_eq(visit(&v, vkey(8, 3, 4)), SIM_VISIT_AGAIN);
	/* the two visits together left nothing asleep: {1} & {2} */
	ck_assert_int_eq(visit(&v, vkey(8, 3, 0)), SIM_VISIT_SEEN);
	ck_assert_uint_eq(v.count, 2);
	sim_visited_fini(&v);
}
END_TEST

START_TEST(visited_merge_vouches_for_the_poorer_visit)
{
	struct sim_visited v;
	struct sim_visit_key k = vkey(9, 5, 2);

	ck_assert_int_eq(sim_visited_init(&v, 1 << 20), 0);
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_NEW);
	/* deeper, nothing asleep: explored again, from depth 7 only */
	ck_assert_int_eq(visit(&v, vkey(9, 7, 0)), SIM_VISIT_AGAIN);
	ck_assert_int_eq(visit(&v, vkey(9, 6, 0)), SIM_VISIT_AGAIN);
	/* faults and preemptions used compare like the depth */
	k = vkey(10, 1, 0);
	k.faults = 2;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_NEW);
	k.faults = 3;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_SEEN);
	k.faults = 1;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_AGAIN);
	k.preemptions = 1;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_SEEN);
	sim_visited_fini(&v);
}
END_TEST

START_TEST(visited_grows_then_turns_bitstate)
{
	struct sim_visited v;
	uint64_t i;

	ck_assert_int_eq(sim_visited_init(&v, 1 << 20), 0);
	for (i = 1; i <= 10000; i++)
		test_require(visit(&v, vkey(i * 0x9E3779B97F4A7C15ULL, 1, 0))
			     == SIM_VISIT_NEW);
	for (i = 1; i <= 10000; i++)
		test_require(visit(&v, vkey(i * 0x9E3779B97F4A7C15ULL, 1, 0))
			     == SIM_VISIT_SEEN);
	ck_assert(!v.bitstate);
	ck_assert_uint_eq(v.cap, 16384);
	/* 16384 slots are half the budget: the next doubling goes to bits */
	for (; i <= 20000; i++)
		visit(&v, vkey(i * 0x9E3779B97F4A7C15ULL, 1, 0));
	ck_assert(v.bitstate);
	ck_assert_uint_eq(sim_visited_memory(&v), 1 << 20);
	ck_assert(sim_visited_omission(&v) > 0);
	ck_assert(sim_visited_omission(&v) < 1e-3);
	sim_visited_fini(&v);
	sim_visited_fini(&v);	/* twice is harmless */
}
END_TEST

START_TEST(bitstate_separates_sleep_sets_and_counts)
{
	struct sim_visited v;
	struct sim_visit_key k = vkey(42, 3, 1);

	ck_assert_int_eq(sim_visited_init(&v, 64), 0);	/* no table */
	ck_assert(v.bitstate);
	ck_assert_ptr_null(v.slots);
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_NEW);
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_SEEN);
	k.sleep_hash++;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_NEW);
	k.faults = 1;
	ck_assert_int_eq(visit(&v, k), SIM_VISIT_NEW);
	ck_assert_uint_eq(v.bit_states, 3);
	ck_assert_uint_eq(sim_visited_memory(&v), 64);
	/* one state in 512 bits: (1 - (1 - 1/512)^9)^3 after three */
	ck_assert(sim_visited_omission(&v) > 4e-6);
	ck_assert(sim_visited_omission(&v) < 6e-6);
	sim_visited_fini(&v);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("explore");
	TCase *t = tcase_create("search");
	TCase *vt = tcase_create("visited");

	tcase_add_test(t, counters_complete_every_interleaving);
	tcase_add_test(t, no_footprints_or_labels_mean_no_reduction);
	tcase_add_test(t, world_without_decisions_is_one_execution);
	tcase_add_test(t, digests_wanted_only_past_the_replay);
	tcase_add_test(t, hashing_stores_each_distinct_state_once);
	tcase_add_test(t, tiny_budget_falls_back_to_bitstate);
	tcase_add_test(t, bitstate_probability_grows_with_load);
	tcase_add_test(t, sleep_sets_complete_one_execution_when_all_independent);
	tcase_add_test(t, dependent_pair_reduces_less);
	tcase_add_test(t, sleep_sets_with_hashing_store_every_state);
	tcase_add_test(t, reductions_keep_states_and_traces_on_random_worlds);
	tcase_add_test(t, depth_bound_marks_bounded);
	tcase_add_test(t, preemption_bound_counts_switches_from_enabled_actors);
	tcase_add_test(t, fault_bound_keeps_binomial_sums);
	tcase_add_test(t, preempt_choices_count_against_the_bound);
	tcase_add_test(t, preemption_inside_a_step_wakes_the_sleepers);
	tcase_add_test(t, limits_stop_the_search_incomplete);
	tcase_add_test(t, race_found_on_its_one_interleaving);
	tcase_add_test(t, stop_at_first_and_report_answer_stop);
	tcase_add_test(t, shortest_counterexample_is_kept);
	tcase_add_test(t, nondeterministic_world_is_eproto);
	tcase_add_test(t, world_errors_and_bad_options);
	tcase_add_test(t, shards_together_complete_the_whole);
	tcase_add_test(t, shards_together_find_each_violation_once);
	tcase_add_test(t, shards_with_hashing_cover_every_state);
	tcase_add_test(t, same_search_same_statistics);
	tcase_add_test(t, stats_print_reads_like_spin);
	tcase_set_timeout(t, 120);
	suite_add_tcase(s, t);
	tcase_add_test(vt, visited_cuts_no_deeper_and_no_more_awake);
	tcase_add_test(vt, visited_merge_vouches_for_the_poorer_visit);
	tcase_add_test(vt, visited_grows_then_turns_bitstate);
	tcase_add_test(vt, bitstate_separates_sleep_sets_and_counts);
	suite_add_tcase(s, vt);
	return s;
}

IONSIM_TEST_MAIN(make_suite)
