/*
 * sim/explore_sleep.c - sleep sets: which schedule alternatives a node
 * need not take, because every execution through them is equivalent to
 * one explored elsewhere.
 *
 * A sleeper is a step named by its actor (the alternative's label) with
 * the footprint the world declared for it.  At a schedule node, each
 * alternative whose subtree has been explored joins the sleep set its
 * later siblings start from; a sleeper travels down the path for as long
 * as the steps taken are independent of it (disjoint footprints), and a
 * node never takes an alternative whose actor is asleep there.  Fault and
 * preemption-point decisions happen inside a step: the set goes through
 * them unchanged, except that a preemption that lets another thread run
 * (value != 0) wakes everything, since the steps are no longer atomic.
 * A schedule node without footprints wakes everything too (its step is
 * dependent on all), and one without labels cannot be matched, so it
 * neither sleeps nor hands anything down of its own.
 */
#include <errno.h>

#include "sim/explore_internal.h"

void sim_sleep_classify(struct sim_explore *e,
			const struct sim_explore_node *node)
{
	struct sim_explore_alt *alt = &e->alts[node->alts];
	const struct sim_explore_sleeper *s = &e->sleepers[node->sleepers];
	unsigned int i, j;

	if (node->kind != SIM_CHOICE_SCHEDULE || !node->labelled)
		return;
	for (i = 0; i < node->n; i++) {
		for (j = 0; j < node->nsleepers; j++) {
			if (s[j].label == alt[i].label) {
				alt[i].status = SIM_ALT_ASLEEP;
				e->stats->sleep_pruned++;
				break;
			}
		}
	}
}

/* True when the steps of footprints @a and @b commute. */
static bool independent(uint64_t a, uint64_t b)
{
	return !(a & b);
}

/* True when alternative @j of @node was explored before the current one,
 * here or, for another shard's, by that shard. */
static bool explored_before(const struct sim_explore *e,
			    const struct sim_explore_node *node,
			    unsigned int j)
{
	uint8_t st = e->alts[node->alts + j].status;

	return j < node->cur &&
	       (st == SIM_ALT_DONE || st == SIM_ALT_OTHER_SHARD);
}

/* The set after a schedule step: what stays asleep across it, and the
 * node's siblings explored before it. */
static void after_schedule(struct sim_explore *e,
			   const struct sim_explore_node *node)
{
	const struct sim_explore_alt *alt = &e->alts[node->alts];
	const struct sim_explore_sleeper *s = &e->sleepers[node->sleepers];
	struct sim_explore_sleeper *out = &e->sleepers[e->nsleepers];
	uint64_t taken = alt[node->cur].footprint;
	unsigned int i, n = 0;

	for (i = 0; i < node->nsleepers; i++)
		if (independent(s[i].footprint, taken))
			out[n++] = s[i];
	for (i = 0; i < node->n; i++) {
		if (explored_before(e, node, i) &&
		    independent(alt[i].footprint, taken)) {
			out[n].footprint = alt[i].footprint;
			out[n].label = alt[i].label;
			n++;
		}
	}
	e->npending = n;
}

/* True when the step taken at @node keeps the sleep set as it was. */
static bool passes_through(const struct sim_explore_node *node)
{
	return node->kind == SIM_CHOICE_FAULT ||
	       (node->kind == SIM_CHOICE_PREEMPT && node->cur == 0);
}

int sim_sleep_after(struct sim_explore *e,
		    const struct sim_explore_node *node)
{
	unsigned int i;

	e->npending = 0;
	/* room above the top for what stays asleep and what joins */
	if (sim_explore_reserve((void **)&e->sleepers, &e->sleepers_cap,
				e->nsleepers + node->nsleepers + node->n,
				sizeof(*e->sleepers)))
		return -ENOMEM;
	if (passes_through(node)) {
		for (i = 0; i < node->nsleepers; i++)
			e->sleepers[e->nsleepers + i] =
				e->sleepers[node->sleepers + i];
		e->npending = node->nsleepers;
	} else if (node->kind == SIM_CHOICE_SCHEDULE && node->labelled &&
		   node->footprinted) {
		after_schedule(e, node);
	}
	return 0;
}

void sim_sleep_key(const struct sim_explore *e, struct sim_visit_key *key)
{
	const struct sim_explore_sleeper *s = &e->sleepers[e->nsleepers];
	bool wide = false;
	unsigned int i;

	key->sleep_under = 0;
	key->sleep_hash = 0;
	for (i = 0; i < e->npending; i++) {
		if (s[i].label < 64)
			key->sleep_under |= (uint64_t)1 << s[i].label;
		else
			wide = true;
		key->sleep_hash += sim_visited_hash64(s[i].label);
	}
	key->sleep_over = wide ? UINT64_MAX : key->sleep_under;
}
