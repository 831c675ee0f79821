/*
 * sim/explore_internal.h - the explorer's private state, shared by
 * explore.c (the depth-first search over decision paths), explore_sleep.c
 * (sleep sets) and explore_visited.c (the visited set of state digests).
 *
 * The search keeps one path: the decisions of the current execution, each
 * a node with its alternatives.  Nodes, their alternatives and the sleep
 * set each node inherited live in three stacks (arrays that only grow and
 * shrink at the end), so that going back to a node is a truncation and an
 * execution allocates nothing once the stacks have reached the tree's
 * depth.  Nodes refer to their slices by index, never by pointer, because
 * the stacks move when they grow.
 */
#ifndef IONSIM_SIM_EXPLORE_INTERNAL_H
#define IONSIM_SIM_EXPLORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ionsim/explore.h"

#define SIM_EXPLORE_DEFAULT_DEPTH 10000u
#define SIM_EXPLORE_DEFAULT_BUDGET ((size_t)256 << 20)
#define SIM_EXPLORE_WHY_MAX 512	/* a violation's text, truncated past */
/* Branching width a shard's key spans per shard before it is fixed:
 * wider cuts the tree into more, smaller pieces (better balance between
 * shards: within 15% on the SPIN reference over 4) at the cost of the
 * executions every shard repeats above the cut (about 2%). */
#define SIM_EXPLORE_SHARD_SPAN 512u
/* Footprint of an alternative the world gave none for: touches all. */
#define SIM_EXPLORE_FP_ALL UINT64_MAX

/* What became of one alternative of a node. */
enum sim_alt_status {
	SIM_ALT_PENDING,	/* not taken yet: a later execution will */
	SIM_ALT_TAKEN,		/* the current path goes through it */
	SIM_ALT_DONE,		/* its whole subtree has been explored */
	SIM_ALT_ASLEEP,		/* in the node's sleep set: never taken */
	SIM_ALT_OVER,		/* past the preemption or fault bound */
	SIM_ALT_OTHER_SHARD,	/* another shard explores it */
};

struct sim_explore_alt {
	uint64_t footprint;	/* objects it touches (FP_ALL: unknown) */
	unsigned int label;	/* the world's name; the actor, for SCHEDULE */
	uint8_t status;		/* enum sim_alt_status */
	bool preempts;		/* taking it costs one preemption */
};

/* A step that need not run at a node: the next step of actor @label. */
struct sim_explore_sleeper {
	uint64_t footprint;	/* of that step, as the world declared it */
	unsigned int label;
};

/*
 * What an execution has used up so far: everything the bounds and the
 * shard split read.  A node keeps a copy from before its decision, so
 * that its alternatives can be judged again without replaying.
 */
struct sim_explore_tally {
	unsigned int preemptions;
	unsigned int faults;
	unsigned int actor;	/* label of the actor that moved last */
	bool has_actor;		/* false until a labelled step ran */
	uint64_t shard_key;	/* a hash of the keyed decisions; its
				 * remainder by nshards names the shard */
	uint64_t shard_span;	/* product of the widths keyed so far, capped */
};

struct sim_explore_node {
	enum sim_choice_kind kind;
	unsigned int n;		/* alternatives */
	unsigned int cur;	/* the one the current path takes */
	unsigned int alts;	/* index of its first alternative in e->alts */
	unsigned int sleepers;	/* index of its inherited sleep set */
	unsigned int nsleepers;
	bool labelled;		/* the world gave labels */
	bool footprinted;	/* the world gave footprints */
	struct sim_explore_tally before;	/* used before this decision */
};

/* One slot of the exact visited table: 32 bytes. */
struct sim_visited_slot {
	uint64_t lo, hi;	/* the digest (with the context mixed in) */
	uint64_t sleep;		/* sleeping actors when stored, as a mask */
	uint32_t depth1;	/* depth stored + 1; 0: the slot is empty */
	uint16_t faults;	/* faults used when stored (saturated) */
	uint16_t preemptions;	/* preemptions used when stored (saturated) */
};

/*
 * The visited set: an exact open-addressing table that doubles while it
 * fits the budget, then a bit array over the rest of the budget (the
 * table stays, frozen but still consulted and updated in place).
 */
struct sim_visited {
	struct sim_visited_slot *slots;	/* NULL: the budget never fit one */
	size_t cap;		/* slots, a power of two */
	size_t count;		/* slots in use */
	uint64_t *bits;		/* bitstate array, once the table is full */
	uint64_t nbits;		/* its size in bits, a power of two */
	uint64_t bit_states;	/* states recorded only in the bits */
	size_t budget;		/* bytes allowed for slots and bits together */
	bool bitstate;		/* new states now go to the bits */
};

/* A state as the visited set compares it. */
struct sim_visit_key {
	uint64_t lo, hi;	/* the world's digest, context mixed in */
	uint64_t sleep_under;	/* sleeping actors: labels >= 64 left out */
	uint64_t sleep_over;	/* the same, all ones if any label >= 64 */
	uint64_t sleep_hash;	/* the exact sleep set, order-free hash */
	uint32_t depth;
	uint16_t faults;	/* 0 unless the fault bound is finite */
	uint16_t preemptions;	/* 0 unless the preemption bound is */
};

enum sim_visit_result {
	SIM_VISIT_NEW,		/* first time: stored */
	SIM_VISIT_SEEN,		/* covered by an earlier visit: cut */
	SIM_VISIT_AGAIN,	/* known, but this visit can reach more */
};

struct sim_explore {
	const struct sim_explore_world *world;
	struct sim_explore_opts opts;	/* with the defaults filled in */
	struct sim_explore_stats *stats;
	sim_explore_report_fn report;
	void *report_ctx;

	struct sim_explore_node *nodes;	/* the path, root first */
	unsigned int len;	/* nodes: the prefix the next run replays */
	unsigned int nodes_cap;
	struct sim_explore_alt *alts;	/* every node's alternatives */
	unsigned int nalts;
	unsigned int alts_cap;
	struct sim_explore_sleeper *sleepers;	/* every node's sleep set */
	unsigned int nsleepers;	/* top: what the nodes own */
	unsigned int npending;	/* above the top: the next node's set */
	unsigned int sleepers_cap;

	unsigned int depth;	/* decisions taken by this execution */
	struct sim_explore_tally tally;	/* what this execution used */
	bool cut;		/* the explorer ended this execution */
	int error;		/* -errno that ends the search, or 0 */
	char why[SIM_EXPLORE_WHY_MAX];	/* this execution's violation */

	struct sim_visited visited;	/* when hashing */
	uint64_t shard_limit;	/* span at which a path's shard is fixed */
	struct sim_explore_choice *path;	/* a violation's path, reported */
	unsigned int path_cap;
	struct sim_explore_choice *best;	/* the shortest violating path */
	unsigned int best_len;
	unsigned int best_cap;
	char best_why[SIM_EXPLORE_WHY_MAX];
	bool stop;		/* a limit, a report or stop_at_first */
	struct timespec start;	/* CLOCK_MONOTONIC at the search's start */
};

/* --- explore.c ------------------------------------------------------ */

/*
 * sim_explore_reserve - grows the stack *@arr of *@cap items of @size
 * bytes to hold at least @need, by doubling.  Returns 0 or -ENOMEM (the
 * stack unchanged).
 */
int sim_explore_reserve(void **arr, unsigned int *cap, unsigned int need,
			size_t size);

/* --- explore_sleep.c ------------------------------------------------ */

/*
 * sim_sleep_classify - marks SIM_ALT_ASLEEP every alternative of @node
 * whose label is in the node's inherited sleep set, and counts them in
 * stats->sleep_pruned.  Only a labelled SCHEDULE node can match.
 */
void sim_sleep_classify(struct sim_explore *e,
			const struct sim_explore_node *node);

/*
 * sim_sleep_after - computes, above the sleeper stack's top, the sleep set
 * the node after @node inherits now that @node takes its current
 * alternative, and sets e->npending.  @node must be the deepest node
 * (its sleep set is the top of the stack).  Returns 0 or -ENOMEM.
 */
int sim_sleep_after(struct sim_explore *e,
		    const struct sim_explore_node *node);

/* Fills the sleep fields of @key from the set the next node inherits. */
void sim_sleep_key(const struct sim_explore *e, struct sim_visit_key *key);

/* --- explore_visited.c ---------------------------------------------- */

/*
 * sim_visited_init - an empty visited set within @budget bytes (> 0).
 * Returns 0 or -ENOMEM.
 */
int sim_visited_init(struct sim_visited *v, size_t budget);
/* Frees what @v holds; safe on a zeroed or already freed set. */
void sim_visited_fini(struct sim_visited *v);
/*
 * sim_visited_visit - records @key as visited, or says it was.  Returns
 * an enum sim_visit_result, or -ENOMEM (nothing recorded).
 */
int sim_visited_visit(struct sim_visited *v, const struct sim_visit_key *key);
/* Bytes the table and the bits use now. */
size_t sim_visited_memory(const struct sim_visited *v);
/* Chance that a new state is taken for a visited one (0 when exact). */
double sim_visited_omission(const struct sim_visited *v);
/* The digest @lo:@hi made distinct per @tag (e.g. the running actor). */
void sim_visited_mix(uint64_t *lo, uint64_t *hi, uint64_t tag);
/* A 64-bit hash of @x, for order-free set hashes. */
uint64_t sim_visited_hash64(uint64_t x);

#endif /* IONSIM_SIM_EXPLORE_INTERNAL_H */
