/*
 * scenarios/lang/explore_decide.c - the decisions of a scenario world:
 * which actor moves, whether an allocation fails, whether another actor
 * runs at a preemption point; and the log of an execution that becomes
 * its counterexample.
 *
 * Under the explorer every decision is sim_explore_choose's.  Replaying
 * a violating path (scn_world_replay), the same decisions are answered
 * from the path, one by one, and the execution is logged in file order:
 * a step's `fail` and `preempt` entries before it, the steps that ran
 * inside it after it.  That is the order in which `ionsim run` must read
 * them to do the same: it arms a fault or a preemption where the line
 * stands, and runs a preempting step when the preempted one reaches the
 * point.  A fault's count starts where its `fail` line stands, just
 * before its step, so it counts the fault points of the steps run
 * inside that step too.
 *
 * Preemption points (docs/EXPLORE.md, scenarios/lang/schedule.c): where
 * the step in progress holds no lock, each actor that could move and
 * has no step in progress may run its next step there; after it, the
 * same point is offered again, until the explorer lets the preempted
 * step go on.  A step lets at most SCN_MAX_PLAN steps run inside it, as
 * many as `preempt` lines before one step can replay.  Each step run there is a PREEMPT decision labelled with
 * its actor, which the explorer's preemption bound counts; letting the
 * preempted step go on (alternative 0, labelled with its actor) hands
 * the processor back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/explore_world_int.h"

/* ------------------------------------------------------------------ */
/* Decisions                                                            */
/* ------------------------------------------------------------------ */

/* The recorded answer to a decision of @kind among @n, replaying. */
static int recorded(struct scn_world *w, enum sim_choice_kind kind,
		    unsigned int n, const unsigned int *labels)
{
	const struct sim_explore_choice *c;

	if (w->path_at == w->path_len)
		/* past the path's end nothing more happens: no fault, no
		 * preemption, no step */
		return kind == SIM_CHOICE_SCHEDULE ? -1 : 0;
	c = &w->path[w->path_at++];
	if (c->kind != kind || c->value >= n ||
	    (labels && kind != SIM_CHOICE_FAULT &&
	     labels[c->value] != c->label)) {
		w->error = -EINVAL;
		w->cut = true;
		return -1;
	}
	return (int)c->value;
}

/* scn_world_choose - see explore_world_int.h. */
int scn_world_choose(struct scn_world *w, enum sim_choice_kind kind,
		     unsigned int n, const unsigned int *labels,
		     const uint64_t *footprints)
{
	if (w->path)
		return recorded(w, kind, n, labels);
	return sim_explore_choose(w->e, kind, n, labels, footprints);
}

/* ------------------------------------------------------------------ */
/* The log                                                              */
/* ------------------------------------------------------------------ */

/* Room for one more entry; false (and the search ends) without it. */
static bool log_room(struct scn_world *w)
{
	if (scn_run_table_grow((void **)&w->log, w->nlog, &w->log_cap,
			       sizeof(*w->log)) == 0)
		return true;
	w->error = -ENOMEM;
	w->cut = true;
	return false;
}

/* scn_world_log_step - see explore_world_int.h. */
unsigned int scn_world_log_step(struct scn_world *w, unsigned int i)
{
	if (!log_room(w))
		return w->nlog;
	w->log[w->nlog] = (struct scn_cex_entry){ .kind = SCN_CEX_STEP,
						  .step = i,
						  .depth = scn_run_depth(w->run) };
	return w->nlog++;
}

/* @entry, about the innermost step, goes just before that step's own
 * entry (after what was logged for it before). */
static void log_before_step(struct scn_world *w,
			    const struct scn_cex_entry *entry)
{
	if (w->slot >= w->nlog || !log_room(w))
		return;
	memmove(&w->log[w->slot + 1], &w->log[w->slot],
		(w->nlog - w->slot) * sizeof(*w->log));
	w->log[w->slot++] = *entry;
	w->nlog++;
}

/* ------------------------------------------------------------------ */
/* Violations                                                           */
/* ------------------------------------------------------------------ */

/* "FILE:LINE: kind: message", the violation in words. */
static void describe(const struct scn_world *w, const struct scn_finding *f,
		     char *buf, size_t len)
{
	const char *kind = scn_finding_kind_name(f->kind);

	if (f->line)
		snprintf(buf, len, "%s:%u: %s: %s", w->p->filename, f->line,
			 kind, f->msg);
	else
		snprintf(buf, len, "%s: %s: %s", w->p->filename, kind, f->msg);
}

/* scn_world_keep_cex - see explore_world_int.h. */
int scn_world_keep_cex(struct scn_world *w)
{
	struct scn_cex *cex = &w->cex;

	w->cex_due = false;
	free(cex->entries);
	cex->entries = malloc((w->nlog ? w->nlog : 1) * sizeof(*w->log));
	if (!cex->entries) {
		cex->n = 0;
		cex->found = false;
		return -ENOMEM;
	}
	memcpy(cex->entries, w->log, w->nlog * sizeof(*w->log));
	cex->n = w->nlog;
	cex->found = true;
	return 0;
}

/* scn_world_violation - see explore_world_int.h.  Found inside a step
 * that another one preempted, the log is kept when the outermost step
 * has ended, so that every entry holds its step's result. */
int scn_world_violation(struct scn_world *w, const struct scn_finding *f,
			bool at_end)
{
	struct scn_cex *cex = &w->cex;
	char why[sizeof(cex->why)];

	describe(w, f, why, sizeof(why));
	if (w->run && scn_run_depth(w->run))
		w->nested = 1;
	if (!w->path) {
		sim_explore_violation(w->e, "%s", why);
		return 1;
	}
	memcpy(cex->why, why, sizeof(why));
	cex->at_end = at_end;
	cex->finding = *f;
	if (w->nested) {
		w->cex_due = true;
		return 1;
	}
	return scn_world_keep_cex(w) ? -ENOMEM : 1;
}

/* ------------------------------------------------------------------ */
/* Fault and preemption points                                          */
/* ------------------------------------------------------------------ */

/* Whether the search may go on inside this step. */
static bool may_decide(const struct scn_world *w)
{
	return !w->cut && !w->nested && !w->error;
}

/* scn_world_fault_point - see explore_world_int.h: within the fault
 * bound the explorer decides; a fault taken is logged for its step,
 * counted from that step's start. */
bool scn_world_fault_point(void *ctx, enum sim_fault_kind kind)
{
	struct scn_world *w = ctx;
	unsigned int labels[2] = { kind, kind };
	struct scn_cex_entry entry = { .kind = SCN_CEX_FAULT };
	int k;

	/* after a violation inside a step, the rest of the step asks no
	 * more: its path ends at the violation */
	if ((unsigned int)kind >= SIM_FAULT_NKINDS || !may_decide(w))
		return false;
	w->points[kind]++;
	k = scn_world_choose(w, SIM_CHOICE_FAULT, 2, labels, NULL);
	if (k < 0)
		w->cut = true;
	if (k != 1)
		return false;
	if (w->path) {
		entry.step = w->cur_step;
		entry.fault = kind;
		entry.nth = w->points[kind] - w->base[kind];
		log_before_step(w, &entry);
	}
	w->injected++;
	return true;
}

/* The alternatives at a preemption point of @running's step: @running
 * first (it goes on), then every actor that could move and has no step
 * in progress.  Their count. */
static unsigned int preempt_alternatives(struct scn_world *w,
					 unsigned int running)
{
	unsigned int a, n = 0;

	w->plabels[n++] = running;
	for (a = 0; a < w->p->nactors; a++)
		if (!w->busy[a] && scn_world_can_move(w, a))
			w->plabels[n++] = a;
	return n;
}


/* scn_world_preempt_point - see explore_world_int.h. */
void scn_world_preempt_point(void *ctx, struct scn_run *run,
			     enum sim_sched_point at, int lock_class,
			     unsigned long nth)
{
	struct scn_world *w = ctx;
	unsigned int running = (unsigned int)w->p->steps[w->cur_step].actor;
	struct scn_cex_entry entry = { .kind = SCN_CEX_PREEMPT, .at = at,
				       .lock = lock_class, .nth = nth };
	bool switched = false;
	int k;

	unsigned int *count = &w->preempted[scn_run_depth(run) - 1];

	while (may_decide(w)) {
		unsigned int n = *count < SCN_MAX_PLAN ?
				 preempt_alternatives(w, running) : 1;

		if (n < 2) {
			/* the processor comes back without a choice */
			if (switched)
				scn_world_choose(w, SIM_CHOICE_PREEMPT, 1,
						 &running, NULL);
			return;
		}
		k = scn_world_choose(w, SIM_CHOICE_PREEMPT, n, w->plabels,
				     NULL);
		if (k < 0)
			w->cut = true;
		if (k <= 0)
			return;
		if (w->path) {
			entry.step = w->cur_step;
			log_before_step(w, &entry);
		}
		switched = true;
		(*count)++;
		if (scn_world_exec_next(w, w->plabels[k]) > 0)
			w->nested = 1;
	}
}
