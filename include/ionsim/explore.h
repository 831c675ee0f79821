/*
 * ionsim/explore.h - a generic, stateless model checker over "world +
 * choices".
 *
 * Nothing here knows ION.  A transition system is a function that runs one
 * execution of a world from boot to its end, and asks the explorer at
 * every decision it cannot make alone: which actor moves next, whether this
 * allocation fails, whether another thread runs at this lock point.  The
 * explorer answers from a recorded path while it replays a prefix, and at
 * the frontier it opens the decision's alternatives for later executions,
 * depth first (CHESS and VeriSoft work this way: no snapshots, the world is
 * rebuilt by re-running the prefix, so boot must be cheap).
 *
 * Between steps the world reports a digest of its state; a state seen
 * before (at the same or a smaller depth) ends the execution early.  For
 * schedule decisions the caller gives each alternative a footprint (the
 * objects it may touch, as a 64-bit set); alternatives whose footprints do
 * not intersect are independent, and sleep sets skip the orders that only
 * swap independent steps.  The visited set is exact within a memory
 * budget and falls back to bitstate hashing (as SPIN's -DBITSTATE) with the
 * omission probability reported.
 *
 * The search is deterministic: the same world and options give the same
 * executions in the same order and the same statistics, but for the
 * elapsed time.
 */
#ifndef IONSIM_EXPLORE_H
#define IONSIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sim_explore;

/* What a decision is about: for the statistics, the bounds and the
 * counterexample's words. */
enum sim_choice_kind {
	SIM_CHOICE_SCHEDULE,	/* which enabled step runs next */
	SIM_CHOICE_FAULT,	/* 0: the allocation succeeds, 1: it fails */
	SIM_CHOICE_PREEMPT,	/* 0: go on; k > 0: alternative k runs here */
};

/*
 * The world.  @run executes ONE execution from boot to its end (or until
 * sim_explore_choose or sim_explore_state says to stop), calling back into
 * @e for every decision.  It returns 0 when the execution ended normally
 * (including when it was cut short by the explorer) and a positive number
 * when it found a violation, having described it with
 * sim_explore_violation(); a negative errno stops the whole search.
 */
struct sim_explore_world {
	void *ctx;
	int (*run)(void *ctx, struct sim_explore *e);
};

/*
 * Zeroed options mean: depth 10,000, NO preemption and NO fault (the
 * bounds are 0), no other limit, hashing and reduction off.
 * sim_explore_opts_init() gives the same with both bounds off (UINT_MAX).
 */
struct sim_explore_opts {
	unsigned int max_depth;		/* decisions per execution (0: 10,000) */
	unsigned int max_preemptions;	/* PREEMPT choices != 0 and schedule
					 * switches away from a still-enabled
					 * actor (CHESS bound; UINT_MAX: none) */
	unsigned int max_faults;	/* FAULT choices != 0 per execution
					 * (UINT_MAX: none) */
	uint64_t max_executions;	/* 0: no bound */
	uint64_t max_states;		/* states stored; 0: no bound (checked
					 * between executions) */
	double max_seconds;		/* 0: no bound (the only non-determinism) */
	bool hashing;			/* prune states seen before */
	bool sleep_sets;		/* partial-order reduction on schedules:
					 * needs labels and footprints; keeps
					 * every state but under a finite
					 * preemption bound */
	size_t memory_budget;		/* bytes for the visited set (0: 256 MiB);
					 * past it, bitstate over what is left */
	bool stop_at_first;		/* stop at the first violation */
	bool shortest;			/* report only the shortest violating
					 * path, once, after the search */
	unsigned int shard;		/* this shard, of nshards (0/1: everything);
					 * with hashing off the shards together
					 * complete exactly what one run does */
	unsigned int nshards;
};

/* Zeroes @opts, then turns both bounds off: explore everything. */
void sim_explore_opts_init(struct sim_explore_opts *opts);

struct sim_explore_stats {
	uint64_t executions;		/* runs started */
	uint64_t completed;		/* runs that reached the world's end
					 * without a cut or a violation */
	uint64_t states_stored;		/* distinct states recorded */
	uint64_t states_matched;	/* digests already seen: run cut */
	uint64_t transitions;		/* schedule decisions taken (edges of the
					 * tree, replays not counted) */
	uint64_t sleep_pruned;		/* alternatives skipped by sleep sets */
	uint64_t violations;
	unsigned int shortest;		/* decisions in the shortest violating
					 * path (when violations > 0) */
	unsigned int max_depth_reached;
	bool complete;			/* every alternative within the bounds was visited */
	bool bounded;			/* a depth/preemption/fault bound cut something */
	bool bitstate;			/* the visited set fell back to bitstate */
	double omission_probability;	/* of a state wrongly seen as visited:
					 * (1 - (1 - 1/m)^(3n))^3, m bits, n states */
	size_t memory;			/* bytes the visited set uses */
	double seconds;
	char error[160];		/* why sim_explore_run failed ("" if not),
					 * e.g. a nondeterministic world */
};

/* One decision of a path, for counterexamples. */
struct sim_explore_choice {
	enum sim_choice_kind kind;
	unsigned int value;		/* the alternative taken */
	unsigned int n;			/* how many there were */
	unsigned int label;		/* the world's label for it (actor, ...) */
};

/*
 * Called for each violation with the path of decisions that led to it
 * (valid during the call) and the world's description.  A non-zero return
 * stops the search.  With opts.shortest, called once, after the search,
 * with the shortest violating path found (the first of that length): with
 * hashing off and no reduction, the shortest there is.
 */
typedef int (*sim_explore_report_fn)(void *ctx,
				     const struct sim_explore_choice *path,
				     unsigned int len, const char *why);

/*
 * sim_explore_run - explore @world depth first within @opts (NULL: as
 * sim_explore_opts_init).  Returns 0 (with @stats filled;
 * stats->violations says whether any was found), or the negative errno
 * the world returned, -EPROTO when the world asked a replayed decision
 * differently (not deterministic), -EINVAL for bad options or a choice of
 * n == 0, or -ENOMEM; then stats->error says why and the counts say how
 * far the search went.
 */
int sim_explore_run(const struct sim_explore_world *world,
		    const struct sim_explore_opts *opts,
		    sim_explore_report_fn report, void *report_ctx,
		    struct sim_explore_stats *stats);

/*
 * sim_explore_choose - the world's decision point: @n alternatives
 * (n >= 1), of @kind.  @labels (may be NULL) names each for the
 * counterexample; @footprints (may be NULL: all dependent) gives, for a
 * SCHEDULE choice, the objects each alternative touches.  Returns the
 * alternative this execution takes, or -1 when the execution must stop
 * here (a bound was hit, or every alternative left is asleep): the world
 * then returns 0 from its run at once.
 *
 * For SCHEDULE choices the label is the actor's id (distinct among the
 * alternatives; without labels alternative i is actor i): the preemption
 * bound counts a switch away from the actor that moved last while it is
 * still an alternative, and sleep sets know a step by its actor, so they
 * act only on labelled SCHEDULE choices with footprints.  Disjoint
 * footprints promise that the two steps commute and neither enables nor
 * disables the other.  A labelled PREEMPT choice names the actor that
 * runs after it (alternative 0: the one running).  FAULT choices inside
 * a step do not change its footprint.
 */
int sim_explore_choose(struct sim_explore *e, enum sim_choice_kind kind,
		       unsigned int n, const unsigned int *labels,
		       const uint64_t *footprints);

/*
 * sim_explore_state - the world's state digest between steps (two 64-bit
 * halves, e.g. XXH3-128), at boot too.  Returns false when the state was
 * seen before with hashing on: the world then stops this execution
 * (return 0).  Always true while the execution replays a recorded prefix.
 * A state counts as seen when an earlier visit was no deeper, used no
 * more faults or preemptions (when bounded) and had no actor asleep that
 * is awake now.
 */
bool sim_explore_state(struct sim_explore *e, uint64_t lo, uint64_t hi);

/*
 * sim_explore_wants_state - false when sim_explore_state would answer
 * true now without looking at the digest (hashing off, or replaying the
 * recorded prefix, which is most steps of most executions): a world whose
 * digest is costly asks first and skips computing it.
 */
bool sim_explore_wants_state(const struct sim_explore *e);

/*
 * sim_explore_replaying - true while the execution replays its recorded
 * prefix: the next decision's answer is already known, and its labels
 * and footprints are not looked at (a world whose footprints are costly
 * may pass NULL then; the kind and the number must still match).
 */
bool sim_explore_replaying(const struct sim_explore *e);

/* The world describes a violation before returning it from its run. */
void sim_explore_violation(struct sim_explore *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Depth (decisions taken so far) of the current execution. */
unsigned int sim_explore_depth(const struct sim_explore *e);

/* Print @stats the way SPIN and TLC users read them. */
void sim_explore_stats_print(const struct sim_explore_stats *stats,
			     FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* IONSIM_EXPLORE_H */
