/*
 * scenarios/lang/explore_world_int.h - what the files of the scenario
 * world share: the world itself, and the functions one file gives the
 * others.
 *
 *   explore_world.c     the actors' programs, one execution, the world
 *   explore_footprint.c what a step may touch (sleep sets' dependence)
 *   explore_decide.c    decisions (the explorer's, or a recorded path's),
 *                       fault and preemption points, and the log that
 *                       becomes a counterexample
 */
#ifndef IONSIM_SCN_EXPLORE_WORLD_INT_H
#define IONSIM_SCN_EXPLORE_WORLD_INT_H

#include "scenarios/lang/explore_world.h"
#include "scenarios/lang/interp.h"

#define MAX_DEPS (SCN_MAX_ARGS + 1)	/* binders of each operand, the fork */

struct scn_world {
	const struct scn_program *p;
	struct scn_world_opts opts;
	/* the programs: actor a's steps are prog[start[a] .. start[a + 1]) */
	unsigned int *prog;
	unsigned int *start;
	unsigned int *pos;		/* per step: its place in its program */
	int (*deps)[MAX_DEPS];		/* per step: steps it waits for, -1 */
	/* one execution */
	struct sim_explore *e;		/* NULL while replaying a path */
	struct scn_run *run;
	unsigned int *pc;		/* per actor */
	bool *busy;			/* per actor: a step of it is in progress */
	unsigned int *labels;		/* the enabled actors */
	uint64_t *fps;			/* and their footprints */
	unsigned int *plabels;		/* a preemption point's alternatives */
	struct scn_digest *digest;
	unsigned int judged;		/* findings judged so far */
	unsigned long injected;		/* faults injected so far */
	unsigned long points[SIM_FAULT_NKINDS];	/* fault points so far */
	unsigned long base[SIM_FAULT_NKINDS];	/* points when cur_step began */
	unsigned int cur_step;		/* the innermost step in progress */
	/* per step in progress (by depth): the steps run inside it so far,
	 * at most SCN_MAX_PLAN, as many as `preempt` lines can replay */
	unsigned int preempted[SCN_MAX_NEST];
	bool cut;			/* the explorer stopped this execution */
	int error;			/* -ENOMEM, -EINVAL: end the search */
	/* what a step run at a preemption point found: 1 (a violation,
	 * already told) or 0; the preempted step then ends the execution */
	int nested;
	/* replaying a violating path (scn_world_replay) */
	const struct sim_explore_choice *path;
	unsigned int path_len, path_at;
	struct scn_cex_entry last;	/* the last step's result (hook) */
	struct scn_cex_entry *log;	/* what this execution did, file order */
	unsigned int nlog, log_cap;
	unsigned int slot;		/* the log entry of cur_step */
	bool cex_due;			/* keep the log when the step ends */
	struct scn_cex cex;		/* the first violation */
};

/* The actor whose variables and process a step of @actor uses. */
static inline int scn_scope_of(const struct scn_program *p, int actor)
{
	return p->actors[actor].process;
}

/* The scope operand @i of @s is read in: the source process for a
 * driver's import and get, the actor's own otherwise. */
static inline int scn_operand_scope(const struct scn_program *p,
				    const struct scn_step *s, unsigned int i)
{
	if ((s->op == SCN_OP_KIMPORT && i == 1) ||
	    (s->op == SCN_OP_KGET && i == 0))
		return s->other;
	return scn_scope_of(p, s->actor);
}

/* ---- explore_footprint.c ------------------------------------------ */

/* The footprint of step @i in the current state (see the file). */
uint64_t scn_world_footprint(const struct scn_world *w, unsigned int i);

/* ---- explore_decide.c --------------------------------------------- */

/* A decision of @kind among @n: the explorer's answer, or the recorded
 * path's while replaying.  -1: stop this execution. */
int scn_world_choose(struct scn_world *w, enum sim_choice_kind kind,
		     unsigned int n, const unsigned int *labels,
		     const uint64_t *footprints);
/* The fault hook (sim_fault_set_hook): every fault point a decision. */
bool scn_world_fault_point(void *ctx, enum sim_fault_kind kind);
/* The preemption point (scn_run_set_preempt): other actors' next steps
 * may run here, one at a time, each a decision. */
void scn_world_preempt_point(void *ctx, struct scn_run *run,
			     enum sim_sched_point at, int lock_class,
			     unsigned long nth);
/* Replaying: a STEP entry for step @i, to be filled when it ends; its
 * index.  -ENOMEM stops the search at the next step. */
unsigned int scn_world_log_step(struct scn_world *w, unsigned int i);
/* The violation found: told to the explorer, or kept as the
 * counterexample with the log.  Returns 1, or -ENOMEM. */
int scn_world_violation(struct scn_world *w, const struct scn_finding *f,
			bool at_end);
/* Replaying, at the end of the outermost step: the log becomes the
 * counterexample if a violation was found inside the step.  0 or
 * -ENOMEM. */
int scn_world_keep_cex(struct scn_world *w);

/* ---- explore_world.c ---------------------------------------------- */

/* Whether actor @a has a next step and everything it waits for ran. */
bool scn_world_can_move(const struct scn_world *w, unsigned int a);
/* Runs actor @a's next step (at a preemption point too) and judges it:
 * 1 (a violation), 0, or a negative errno. */
int scn_world_exec_next(struct scn_world *w, unsigned int a);

#endif /* IONSIM_SCN_EXPLORE_WORLD_INT_H */
