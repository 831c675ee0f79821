/*
 * sim/explore.c - the explorer: a depth-first search over the decision
 * paths of a world that re-runs from boot for every execution.
 *
 * The search.  An execution replays the recorded path: the world must ask
 * the same questions (kind and number of alternatives) and gets the same
 * answers; a different question means the world is not deterministic, and
 * the search stops with -EPROTO and says so in stats->error.  Past the
 * recorded path (the frontier) each decision becomes a node whose first
 * takeable alternative is taken and whose other takeable ones wait.  When
 * the execution ends, the deepest node with an alternative waiting takes
 * it and everything below it is forgotten; the next execution replays up
 * to that node.  The search is complete when no node has one left.
 *
 * Bounds.  max_depth ends an execution at its (max_depth + 1)-th decision.
 * The fault bound skips FAULT alternatives != 0 once max_faults were
 * taken.  The preemption bound is CHESS's: a PREEMPT alternative != 0 is
 * a preemption, and so is a SCHEDULE alternative that switches away from
 * the actor that moved last while that actor is among the alternatives
 * (still enabled).  Actors are known by label: a SCHEDULE alternative's
 * label is its actor (without labels, alternative i is actor i), and a
 * labelled PREEMPT hands the processor to its alternative's actor.  Each
 * node keeps what the execution had used before it, so its alternatives
 * are judged once, when it is made.  Anything a bound skips sets
 * stats->bounded.
 *
 * Sleep sets (explore_sleep.c) on labelled SCHEDULE decisions.  What they
 * guarantee (Godefroid's sleep sets without persistent sets): every state
 * the search without them reaches, within max_depth and max_faults, is
 * still reached, and no two completed executions are equivalent (one
 * differs from the other only by swapping adjacent independent steps), so
 * with hashing off the search completes exactly one execution per
 * Mazurkiewicz trace; the others it starts end early, every alternative
 * asleep.  Swapping steps keeps the number of decisions and faults but
 * not of preemptions, so under a finite preemption bound a state whose
 * only in-bound schedules were put to sleep can be missed (a known clash
 * of the two; use one or the other when the bound matters).  What it
 * relies on, from the world: (1) it is deterministic; (2) two steps with
 * disjoint footprints commute (either order gives the same state), and
 * neither enables nor disables the other; (3) an actor's next step stays
 * the same step, with the same footprint and the same label, while steps
 * independent of it run; (4) the labels of one decision's alternatives
 * are distinct.  A step's own fault and preemption-point decisions belong
 * to the step: they do not change its footprint.
 *
 * State hashing (explore_visited.c).  sim_explore_state looks a state up
 * only past the replayed prefix (the prefix's states were stored by the
 * execution that first reached them).  Two visits of a state compare not
 * only the digest: the running actor is mixed into it when preemptions are
 * bounded (it prices the next switch), and an earlier visit covers this
 * one only if it was no deeper, used no more faults or preemptions (when
 * bounded), and had no actor asleep that is awake now: with sleep sets, a
 * state reached again with a smaller sleep set must be explored again.
 *
 * Sharding.  With nshards > 1, each path gets a key from its first
 * branching decisions (those with n > 1): a hash of their (n, value)
 * pairs, until the product of their widths reaches 512 x nshards; at the
 * decision that reaches it, a shard takes only the alternatives whose key
 * mod nshards is its own.  Above that decision every shard explores the
 * same few paths, and an execution that ends there is counted (completed,
 * violations, report) only by the shard its partial key names.  Every
 * choice of the search depends on the path only, and an alternative taken
 * by another shard counts as explored for the sleep sets of its later
 * siblings (it is, by that shard), so with hashing off the shards
 * together complete exactly the executions and find exactly the
 * violations of one unsharded search.  With hashing on each shard has its
 * own visited set and the union covers at least what one search covers.
 *
 * Violations.  The world describes one with sim_explore_violation and
 * returns > 0; the path (kind, value, n, label per decision) goes to the
 * report callback, unless opts.shortest asks for the shortest violating
 * path only, reported once after the search (the first found of the
 * smallest length).  stats->shortest counts that path's decisions either
 * way.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/explore_internal.h"

/* How often (in executions) the wall clock is read for max_seconds. */
#define CLOCK_EVERY 64u

static const char *const kind_names[] = {
	[SIM_CHOICE_SCHEDULE] = "SCHEDULE",
	[SIM_CHOICE_FAULT] = "FAULT",
	[SIM_CHOICE_PREEMPT] = "PREEMPT",
};

void sim_explore_opts_init(struct sim_explore_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->max_preemptions = UINT_MAX;
	opts->max_faults = UINT_MAX;
}

/* --- errors ----------------------------------------------------------- */

/* Ends the search with @err and says why in stats->error; returns -1, the
 * answer the world then gets. */
static int fail(struct sim_explore *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct sim_explore *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e->error) {
		e->error = err;
		va_start(ap, fmt);
		vsnprintf(e->stats->error, sizeof(e->stats->error), fmt, ap);
		va_end(ap);
	}
	e->cut = true;
	return -1;
}

/* --- the stacks ------------------------------------------------------- */

int sim_explore_reserve(void **arr, unsigned int *cap, unsigned int need,
			size_t size)
{
	unsigned int n = *cap ? *cap : 64;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need)
		n = n > UINT_MAX / 2 ? need : n * 2;
	grown = realloc(*arr, (size_t)n * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = n;
	return 0;
}

/* Room for one more node of @n alternatives. */
static int reserve_node(struct sim_explore *e, unsigned int n)
{
	if (n > UINT_MAX - e->nalts)
		return -ENOMEM;
	if (sim_explore_reserve((void **)&e->nodes, &e->nodes_cap, e->len + 1,
				sizeof(*e->nodes)))
		return -ENOMEM;
	return sim_explore_reserve((void **)&e->alts, &e->alts_cap,
				   e->nalts + n, sizeof(*e->alts));
}

/* --- bounds and shards ------------------------------------------------ */

static bool bounded(unsigned int max)
{
	return max != UINT_MAX;
}

/* The span after keying a decision of @n alternatives, capped. */
static uint64_t span_after(const struct sim_explore *e, uint64_t span,
			   unsigned int n)
{
	return n > e->shard_limit / span ? e->shard_limit : span * n;
}

/* The shard key after taking alternative @v of @n: a hash of the path's
 * keyed decisions, so that a shard's subtrees are a mix, not (as a plain
 * mixed-radix number mod nshards would give) every first alternative of
 * the last keyed decision, whose subtrees are alike in size. */
static uint64_t key_after(uint64_t key, unsigned int n, unsigned int v)
{
	uint64_t x = key ^ ((uint64_t)n << 32 | v);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The shard a key names. */
static unsigned int key_shard(const struct sim_explore *e, uint64_t key)
{
	return (unsigned int)(key % e->opts.nshards);
}

/* True when a decision of @n alternatives after @t still keys the path. */
static bool keys_path(const struct sim_explore *e,
		      const struct sim_explore_tally *t, unsigned int n)
{
	return e->opts.nshards > 1 && n > 1 && t->shard_span < e->shard_limit;
}

/* True when this execution is this shard's to count. */
static bool owned(const struct sim_explore *e)
{
	return key_shard(e, e->tally.shard_key) == e->opts.shard;
}

/* Whether taking alternative @i (labelled @label) of a decision costs a
 * preemption; @running_enabled says the last actor is an alternative. */
static bool costs_preemption(enum sim_choice_kind kind,
			     const struct sim_explore_tally *t,
			     unsigned int i, unsigned int label,
			     bool running_enabled)
{
	if (kind == SIM_CHOICE_PREEMPT)
		return i != 0;
	if (kind == SIM_CHOICE_SCHEDULE)
		return running_enabled && label != t->actor;
	return false;
}

/* True when alternative @i of @node is past the preemption or fault
 * bound, given what the execution used before the node. */
static bool over_bound(const struct sim_explore *e,
		       const struct sim_explore_node *node, unsigned int i)
{
	const struct sim_explore_tally *t = &node->before;

	if (e->alts[node->alts + i].preempts &&
	    t->preemptions >= e->opts.max_preemptions)
		return true;
	return node->kind == SIM_CHOICE_FAULT && i != 0 &&
	       t->faults >= e->opts.max_faults;
}

/* Marks what the bounds and the shard split keep @node from taking. */
static void classify(struct sim_explore *e, struct sim_explore_node *node)
{
	struct sim_explore_alt *alt = &e->alts[node->alts];
	const struct sim_explore_tally *t = &node->before;
	bool fixing = keys_path(e, t, node->n) &&
		      span_after(e, t->shard_span, node->n) >= e->shard_limit;
	unsigned int i;

	for (i = 0; i < node->n; i++) {
		if (alt[i].status != SIM_ALT_PENDING)
			continue;
		if (over_bound(e, node, i)) {
			alt[i].status = SIM_ALT_OVER;
			e->stats->bounded = true;
		} else if (fixing &&
			   key_shard(e, key_after(t->shard_key, node->n, i)) !=
			   e->opts.shard) {
			alt[i].status = SIM_ALT_OTHER_SHARD;
		}
	}
}

/* Adds to the execution's tally the alternative @node takes. */
static void tally_take(struct sim_explore *e,
		       const struct sim_explore_node *node)
{
	const struct sim_explore_alt *alt = &e->alts[node->alts + node->cur];
	struct sim_explore_tally *t = &e->tally;

	t->preemptions += alt->preempts;
	if (node->kind == SIM_CHOICE_FAULT && node->cur != 0)
		t->faults++;
	if (node->kind == SIM_CHOICE_SCHEDULE ||
	    (node->kind == SIM_CHOICE_PREEMPT && node->labelled)) {
		t->actor = alt->label;
		t->has_actor = true;
	}
	if (keys_path(e, t, node->n)) {
		t->shard_key = key_after(t->shard_key, node->n, node->cur);
		t->shard_span = span_after(e, t->shard_span, node->n);
	}
}

/* --- decisions -------------------------------------------------------- */

/* The first alternative of @node at or after @from still waiting, or -1. */
static int first_pending(const struct sim_explore *e,
			 const struct sim_explore_node *node,
			 unsigned int from)
{
	unsigned int i;

	for (i = from; i < node->n; i++)
		if (e->alts[node->alts + i].status == SIM_ALT_PENDING)
			return (int)i;
	return -1;
}

/* Fills the alternatives of the node being made from the world's arrays. */
static void fill_alts(struct sim_explore *e, struct sim_explore_node *node,
		      const unsigned int *labels, const uint64_t *footprints)
{
	struct sim_explore_alt *alt = &e->alts[node->alts];
	const struct sim_explore_tally *t = &node->before;
	bool running_enabled = false;
	unsigned int i;

	for (i = 0; i < node->n; i++) {
		alt[i].label = labels ? labels[i] : i;
		alt[i].footprint = footprints ? footprints[i] :
						SIM_EXPLORE_FP_ALL;
		alt[i].status = SIM_ALT_PENDING;
		running_enabled |= t->has_actor && alt[i].label == t->actor;
	}
	for (i = 0; i < node->n; i++)
		alt[i].preempts = costs_preemption(node->kind, t, i,
						   alt[i].label,
						   running_enabled);
}

/* Makes the node for the frontier decision, owning the pending sleep set. */
static struct sim_explore_node *push_node(struct sim_explore *e,
					  enum sim_choice_kind kind,
					  unsigned int n,
					  const unsigned int *labels,
					  const uint64_t *footprints)
{
	struct sim_explore_node *node;

	if (reserve_node(e, n))
		return NULL;
	node = &e->nodes[e->len++];
	node->kind = kind;
	node->n = n;
	node->cur = 0;
	node->alts = e->nalts;
	node->sleepers = e->nsleepers;
	node->nsleepers = e->npending;
	node->labelled = labels != NULL;
	node->footprinted = footprints != NULL;
	node->before = e->tally;
	e->nalts += n;
	e->nsleepers += e->npending;
	e->npending = 0;
	fill_alts(e, node, labels, footprints);
	if (e->opts.sleep_sets)
		sim_sleep_classify(e, node);
	classify(e, node);
	return node;
}

/* Forgets the deepest node, which has nothing to take. */
static void pop_node(struct sim_explore *e)
{
	const struct sim_explore_node *node = &e->nodes[--e->len];

	e->nalts = node->alts;
	e->nsleepers = node->sleepers;
}

/* The execution goes no further. */
static int cut(struct sim_explore *e)
{
	e->cut = true;
	return -1;
}

/* Takes @node's current alternative: the answer to the world. */
static int take(struct sim_explore *e, struct sim_explore_node *node)
{
	tally_take(e, node);
	e->depth++;
	if (e->depth < e->len)
		return (int)node->cur;
	/* a new edge of the tree: at the frontier, or the branch node */
	if (node->kind == SIM_CHOICE_SCHEDULE)
		e->stats->transitions++;
	if (e->opts.sleep_sets && sim_sleep_after(e, node))
		return fail(e, -ENOMEM, "out of memory for sleep sets");
	return (int)node->cur;
}

static int replay(struct sim_explore *e, enum sim_choice_kind kind,
		  unsigned int n)
{
	struct sim_explore_node *node = &e->nodes[e->depth];

	if (node->kind != kind || node->n != n)
		return fail(e, -EPROTO,
			    "nondeterministic world: decision %u was %s of %u, "
			    "is now %s of %u", e->depth, kind_names[node->kind],
			    node->n, kind_names[kind], n);
	return take(e, node);
}

static int frontier(struct sim_explore *e, enum sim_choice_kind kind,
		    unsigned int n, const unsigned int *labels,
		    const uint64_t *footprints)
{
	struct sim_explore_node *node;
	int v;

	if (e->depth >= e->opts.max_depth) {
		e->stats->bounded = true;
		return cut(e);
	}
	node = push_node(e, kind, n, labels, footprints);
	if (!node)
		return fail(e, -ENOMEM, "out of memory for the path");
	v = first_pending(e, node, 0);
	if (v < 0) {
		pop_node(e);
		return cut(e);
	}
	node->cur = (unsigned int)v;
	e->alts[node->alts + node->cur].status = SIM_ALT_TAKEN;
	return take(e, node);
}

int sim_explore_choose(struct sim_explore *e, enum sim_choice_kind kind,
		       unsigned int n, const unsigned int *labels,
		       const uint64_t *footprints)
{
	if (e->cut)
		return -1;
	if (n == 0 || (unsigned int)kind > SIM_CHOICE_PREEMPT)
		return fail(e, -EINVAL,
			    "world bug: decision %u asks kind %d of %u",
			    e->depth, (int)kind, n);
	if (e->depth < e->len)
		return replay(e, kind, n);
	return frontier(e, kind, n, labels, footprints);
}

/*
 * Goes back to the deepest node with an alternative waiting and makes it
 * the current one.  Returns false when no node has one: the search is
 * over.
 */
static bool backtrack(struct sim_explore *e)
{
	while (e->len) {
		struct sim_explore_node *node = &e->nodes[e->len - 1];
		int next;

		e->alts[node->alts + node->cur].status = SIM_ALT_DONE;
		next = first_pending(e, node, node->cur + 1);
		if (next >= 0) {
			node->cur = (unsigned int)next;
			e->alts[node->alts + node->cur].status =
				SIM_ALT_TAKEN;
			return true;
		}
		pop_node(e);
	}
	return false;
}

/* --- states ----------------------------------------------------------- */

static uint16_t saturate16(unsigned int x)
{
	return x > UINT16_MAX ? UINT16_MAX : (uint16_t)x;
}

/* The visited set's view of the current state. */
static void make_key(const struct sim_explore *e, uint64_t lo, uint64_t hi,
		     struct sim_visit_key *key)
{
	const struct sim_explore_tally *t = &e->tally;

	memset(key, 0, sizeof(*key));
	key->lo = lo;
	key->hi = hi;
	if (bounded(e->opts.max_preemptions)) {
		if (t->has_actor)
			sim_visited_mix(&key->lo, &key->hi,
					(uint64_t)t->actor + 1);
		key->preemptions = saturate16(t->preemptions);
	}
	if (bounded(e->opts.max_faults))
		key->faults = saturate16(t->faults);
	key->depth = e->depth;
	if (e->opts.sleep_sets)
		sim_sleep_key(e, key);
}

bool sim_explore_wants_state(const struct sim_explore *e)
{
	return e->cut || (e->opts.hashing && e->depth >= e->len);
}

bool sim_explore_replaying(const struct sim_explore *e)
{
	return e->depth < e->len;
}

bool sim_explore_state(struct sim_explore *e, uint64_t lo, uint64_t hi)
{
	struct sim_visit_key key;
	int r;

	if (e->cut)
		return false;
	if (!sim_explore_wants_state(e))
		return true;
	make_key(e, lo, hi, &key);
	r = sim_visited_visit(&e->visited, &key);
	if (r < 0) {
		fail(e, r, "out of memory for the visited set");
		return false;
	}
	if (r == SIM_VISIT_NEW)
		e->stats->states_stored++;
	if (r != SIM_VISIT_SEEN)
		return true;
	e->stats->states_matched++;
	cut(e);
	return false;
}

/* --- violations ------------------------------------------------------- */

void sim_explore_violation(struct sim_explore *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/* Writes the current execution's decisions into @out (depth of them). */
static void write_path(const struct sim_explore *e,
		       struct sim_explore_choice *out)
{
	unsigned int i;

	for (i = 0; i < e->depth; i++) {
		const struct sim_explore_node *node = &e->nodes[i];

		out[i].kind = node->kind;
		out[i].value = node->cur;
		out[i].n = node->n;
		out[i].label = e->alts[node->alts + node->cur].label;
	}
}

/* Keeps this execution's path if it is the shortest violating one yet. */
static int keep_if_shortest(struct sim_explore *e)
{
	if (e->stats->violations > 1 && e->depth >= e->best_len)
		return 0;
	if (sim_explore_reserve((void **)&e->best, &e->best_cap, e->depth,
				sizeof(*e->best)))
		return -ENOMEM;
	write_path(e, e->best);
	e->best_len = e->depth;
	memcpy(e->best_why, e->why, sizeof(e->best_why));
	e->stats->shortest = e->depth;
	return 0;
}

/* Counts, keeps and reports this execution's violation; 0 or -ENOMEM. */
static int on_violation(struct sim_explore *e)
{
	if (!owned(e))
		return 0;
	e->stats->violations++;
	if (keep_if_shortest(e))
		goto nomem;
	if (e->opts.stop_at_first)
		e->stop = true;
	if (e->opts.shortest || !e->report)
		return 0;
	if (sim_explore_reserve((void **)&e->path, &e->path_cap, e->depth,
				sizeof(*e->path)))
		goto nomem;
	write_path(e, e->path);
	if (e->report(e->report_ctx, e->path, e->depth, e->why))
		e->stop = true;
	return 0;

nomem:
	fail(e, -ENOMEM, "out of memory for a counterexample");
	return -ENOMEM;
}

/* --- executions ------------------------------------------------------- */

static double elapsed(const struct sim_explore *e)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - e->start.tv_sec) +
	       (double)(now.tv_nsec - e->start.tv_nsec) * 1e-9;
}

/* True when a limit on the whole search has been reached. */
static bool out_of_budget(const struct sim_explore *e)
{
	const struct sim_explore_stats *st = e->stats;
	const struct sim_explore_opts *o = &e->opts;

	if (o->max_executions && st->executions >= o->max_executions)
		return true;
	if (o->max_states && st->states_stored >= o->max_states)
		return true;
	return o->max_seconds > 0 && st->executions % CLOCK_EVERY == 0 &&
	       elapsed(e) >= o->max_seconds;
}

static void begin_execution(struct sim_explore *e)
{
	memset(&e->tally, 0, sizeof(e->tally));
	e->tally.shard_span = 1;
	e->depth = 0;
	e->cut = false;
	e->npending = 0;
	e->why[0] = '\0';
	e->stats->executions++;
}

/* Runs one execution and accounts for how it ended. */
static int run_one(struct sim_explore *e)
{
	int rc;

	begin_execution(e);
	rc = e->world->run(e->world->ctx, e);
	if (e->error)
		return e->error;
	if (rc < 0) {
		fail(e, rc, "the world's run failed (%d)", rc);
		return rc;
	}
	if (e->depth < e->len) {
		fail(e, -EPROTO,
		     "nondeterministic world: the run ended after %u "
		     "decisions of the %u it replays", e->depth, e->len);
		return -EPROTO;
	}
	if (e->depth > e->stats->max_depth_reached)
		e->stats->max_depth_reached = e->depth;
	if (rc > 0)
		return on_violation(e);
	if (!e->cut && owned(e))
		e->stats->completed++;
	return 0;
}

static int search(struct sim_explore *e)
{
	int err;

	for (;;) {
		if (out_of_budget(e))
			return 0;
		err = run_one(e);
		if (err)
			return err;
		if (e->stop)
			return 0;
		if (!backtrack(e)) {
			e->stats->complete = true;
			return 0;
		}
	}
}

/* --- the whole search ------------------------------------------------- */

/* Checks @in and fills the defaults into @out. */
static int take_opts(struct sim_explore_opts *out,
		     const struct sim_explore_opts *in)
{
	if (in)
		*out = *in;
	else
		sim_explore_opts_init(out);
	if (!out->max_depth)
		out->max_depth = SIM_EXPLORE_DEFAULT_DEPTH;
	if (out->max_depth > UINT32_MAX - 1)
		out->max_depth = UINT32_MAX - 1;	/* depth + 1 fits a slot */
	if (!out->memory_budget)
		out->memory_budget = SIM_EXPLORE_DEFAULT_BUDGET;
	if (out->nshards <= 1) {
		out->nshards = 1;
		out->shard = 0;
	} else if (out->shard >= out->nshards ||
		   out->nshards > UINT_MAX / SIM_EXPLORE_SHARD_SPAN) {
		return -EINVAL;
	}
	if (!(out->max_seconds >= 0))
		return -EINVAL;
	return 0;
}

static int explore_new(struct sim_explore **out,
		       const struct sim_explore_world *world,
		       const struct sim_explore_opts *opts,
		       struct sim_explore_stats *stats)
{
	struct sim_explore *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	err = take_opts(&e->opts, opts);
	if (err)
		goto free_e;
	if (e->opts.hashing) {
		err = sim_visited_init(&e->visited, e->opts.memory_budget);
		if (err)
			goto free_e;
	}
	e->world = world;
	e->stats = stats;
	e->shard_limit = (uint64_t)SIM_EXPLORE_SHARD_SPAN * e->opts.nshards;
	clock_gettime(CLOCK_MONOTONIC, &e->start);
	*out = e;
	return 0;

free_e:
	free(e);
	return err;
}

static void explore_free(struct sim_explore *e)
{
	sim_visited_fini(&e->visited);
	free(e->nodes);
	free(e->alts);
	free(e->sleepers);
	free(e->path);
	free(e->best);
	free(e);
}

/* Fills in what the search loop does not count as it goes. */
static void finish_stats(const struct sim_explore *e)
{
	struct sim_explore_stats *st = e->stats;

	st->seconds = elapsed(e);
	if (!e->opts.hashing)
		return;
	st->memory = sim_visited_memory(&e->visited);
	st->bitstate = e->visited.bitstate;
	st->omission_probability = sim_visited_omission(&e->visited);
}

int sim_explore_run(const struct sim_explore_world *world,
		    const struct sim_explore_opts *opts,
		    sim_explore_report_fn report, void *report_ctx,
		    struct sim_explore_stats *stats)
{
	struct sim_explore *e;
	int err;

	memset(stats, 0, sizeof(*stats));
	if (!world || !world->run)
		return -EINVAL;
	err = explore_new(&e, world, opts, stats);
	if (err)
		return err;
	e->report = report;
	e->report_ctx = report_ctx;
	err = search(e);
	finish_stats(e);
	if (!err && e->opts.shortest && report && stats->violations)
		report(report_ctx, e->best, e->best_len, e->best_why);
	explore_free(e);
	return err;
}

unsigned int sim_explore_depth(const struct sim_explore *e)
{
	return e->depth;
}

/* --- statistics ------------------------------------------------------- */

static double per_second(uint64_t count, double seconds)
{
	return seconds > 0 ? (double)count / seconds : 0;
}

/* The verdict line: what the search covered. */
static void print_verdict(const struct sim_explore_stats *st, FILE *out)
{
	const char *what = st->complete ? "complete" : "incomplete";

	if (st->error[0])
		fprintf(out, "search stopped: %s\n", st->error);
	fprintf(out, "%s search%s%s, %llu violation%s\n", what,
		st->complete && st->bounded ? " within bounds" : "",
		st->bitstate ? " (bitstate)" : "",
		(unsigned long long)st->violations,
		st->violations == 1 ? "" : "s");
	if (st->violations)
		fprintf(out, "shortest counterexample: %u decisions\n",
			st->shortest);
}

void sim_explore_stats_print(const struct sim_explore_stats *st, FILE *out)
{
	print_verdict(st, out);
	fprintf(out, "%12llu states, stored\n",
		(unsigned long long)st->states_stored);
	fprintf(out, "%12llu states, matched\n",
		(unsigned long long)st->states_matched);
	fprintf(out, "%12llu transitions (schedule decisions taken)\n",
		(unsigned long long)st->transitions);
	fprintf(out, "%12llu executions, %llu completed\n",
		(unsigned long long)st->executions,
		(unsigned long long)st->completed);
	fprintf(out, "%12llu alternatives asleep (sleep sets)\n",
		(unsigned long long)st->sleep_pruned);
	fprintf(out, "max depth reached %u decisions\n",
		st->max_depth_reached);
	fprintf(out, "%.3f MiB for the visited set\n",
		(double)st->memory / (1 << 20));
	if (st->bitstate)
		fprintf(out, "hash omission probability %.3g (3 bits per "
			"state)\n", st->omission_probability);
	fprintf(out, "%.3f seconds, %.0f states/second, "
		"%.0f executions/second\n", st->seconds,
		per_second(st->states_stored + st->states_matched,
			   st->seconds),
		per_second(st->executions, st->seconds));
}
