/*
 * scenarios/lang/explore_world.h - a scenario program as a world for the
 * explorer (include/ionsim/explore.h), and the canonical digest of its
 * state.
 *
 * The file order of a scenario is one schedule; here each actor's lines
 * are a program of their own.  One execution of the world boots the
 * machine (scn_run_new), then asks the explorer, at every step, which
 * enabled actor moves next, runs that actor's next step with
 * scn_run_exec, judges what the step found, and tells the explorer the
 * digest of the state it reached.  When no actor can move, the run is
 * finished (finals, full audit, leaks) and judged once more.
 *
 * An actor may move when it has a step left and every step its next one
 * waits for has run.  A step waits for (1) the step of another actor
 * that last bound, before it in the file, a variable it reads in that
 * scope (a `send ... -> V`, a driver's `share ... to PROC -> V`, a
 * thread's binding in its process), and (2) for the actors a `fork`
 * makes, that fork.  Both are fixed before the search: the program
 * decides them, not the schedule.  `expect`, `fail` and `preempt` lines
 * belong to no actor and are not run; `final` lines are checked by
 * scn_run_finish at the end of every execution.
 *
 * Every finding is a violation: a step whose outcome its `=>` did not
 * allow (a schedule-dependent failure is exactly what the explorer
 * looks for), a skipped step, an audit violation, a read mismatch, a
 * final that does not hold, a leak, kernel objects that outlive the
 * machine.  With fault branching on, once an injected fault has fired
 * in an execution the step outcomes and skips that follow are not
 * judged (the fault explains them); the audit, reads, finals and leaks
 * still are.
 *
 * docs/EXPLORE.md says what the search proves and what it does not.
 */
#ifndef IONSIM_SCN_EXPLORE_WORLD_H
#define IONSIM_SCN_EXPLORE_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "ionsim/explore.h"
#include "scenarios/lang/scn.h"

struct scn_world;
struct scn_digest;

/* How the world runs. */
struct scn_world_opts {
	/* branch on every fault point: the explorer decides whether each
	 * simulated allocation fails (SIM_CHOICE_FAULT) */
	bool faults;
	/* preempt inside ioctls: at every point where the step in progress
	 * holds no lock, another actor's next step may run
	 * (SIM_CHOICE_PREEMPT; scenarios/lang/schedule.c) */
	bool preempt;
};

/* One entry of a counterexample, in the order things happened. */
enum scn_cex_kind {
	SCN_CEX_STEP,		/* a step ran */
	SCN_CEX_FAULT,		/* a fault was injected in the next step */
	SCN_CEX_PREEMPT,	/* the next step was preempted: the steps
				 * after it ran at its point */
};

struct scn_cex_entry {
	enum scn_cex_kind kind;
	unsigned int step;	/* index into program->steps */
	/* STEP: the step's result (errno 0: success; ret as the event's) */
	int err;
	long ret;
	bool skipped;		/* STEP: not run (an operand was unbound, or
				 * its process was never forked) */
	unsigned int depth;	/* STEP: steps it ran inside (0: none; 1:
				 * it ran at a preemption point of another) */
	/* FAULT: the nth fault point of this kind in that step, from 1:
	 * `fail NTH KIND` armed just before the step replays it */
	enum sim_fault_kind fault;
	/* PREEMPT: at the nth point of kind @at of lock class @lock in that
	 * step: `preempt NTH lock|unlock CLASS` armed before it replays it.
	 * FAULT and PREEMPT counts are nth. */
	enum sim_sched_point at;
	int lock;
	unsigned long nth;
};

/* A violation, with the execution that led to it. */
struct scn_cex {
	bool found;
	bool at_end;		/* found by the end-of-run checks */
	struct scn_finding finding;	/* the violated check (line 0: at end) */
	char why[320];		/* as told to the explorer */
	unsigned int n;
	struct scn_cex_entry *entries;
};

/*
 * scn_world_new - the world of program @p (which must outlive it).  The
 * machine is booted once, to check that it can be.  Returns NULL with
 * *@err on failure: -EINVAL for a program the interpreter refuses,
 * scn_run_new's error for a machine that does not boot, -ENOMEM.
 */
struct scn_world *scn_world_new(const struct scn_program *p,
				const struct scn_world_opts *opts, int *err);
void scn_world_free(struct scn_world *w);

/* The explorer's view of @w: its run function and context. */
struct sim_explore_world scn_world_explore(struct scn_world *w);

/*
 * scn_world_replay - run the execution an explorer's violating @path
 * (as sim_explore_report_fn receives it) describes once more, on its
 * own: its schedule choices become the steps their actors run, its
 * faults `fail`-style injections at the same fault point of the same
 * step.  The execution that results is kept as the world's
 * counterexample (scn_world_cex) when it ends in a violation.  Returns
 * 1 (the violation, reproduced), 0 (the path ends without one: a world
 * that is not deterministic), -EINVAL for a path that is not one of
 * this world's, or -ENOMEM.  Not during sim_explore_run's executions;
 * from its report callback is fine.
 */
int scn_world_replay(struct scn_world *w,
		     const struct sim_explore_choice *path, unsigned int len);

/* The counterexample of the last scn_world_replay that found a
 * violation (found is false until one did).  Valid until the world is
 * freed or replays again. */
const struct scn_cex *scn_world_cex(const struct scn_world *w);

/* How many steps actor @actor's program has (0 for a bad index). */
unsigned int scn_world_steps(const struct scn_world *w, unsigned int actor);

/* ------------------------------------------------------------------ */
/* The digest (digest.c)                                               */
/* ------------------------------------------------------------------ */

/*
 * scn_digest_new - a reusable digest maker for runs of @p (it learns
 * from @p which history figures its finals read and whether any step
 * reads buffer bytes).  NULL on -ENOMEM.
 */
struct scn_digest *scn_digest_new(const struct scn_program *p);
void scn_digest_free(struct scn_digest *d);

/* scn_digest_begin - a new execution: forget what its writes stored. */
void scn_digest_begin(struct scn_digest *d);
/*
 * scn_digest_wrote - step @index of @run has just run and succeeded: if
 * it is a `write` (and some step reads bytes back), remember what it
 * stored where.  0, or -ENOMEM (the digest is then not usable).
 */
int scn_digest_wrote(struct scn_digest *d, struct scn_run *run,
		     unsigned int index);
/*
 * scn_digest_state - the 128-bit canonical digest of @run between two
 * steps, with the program counters @pc (one per program actor) and
 * @extra (what else the world's future depends on: the faults injected
 * so far) folded in.  Two runs of the same program with equal digests
 * are in the same state up to a renaming of object serials (docs of
 * digest.c).  Returns 0, or -ENOMEM (the digest is then not usable).
 */
int scn_digest_state(struct scn_digest *d, struct scn_run *run,
		     const unsigned int *pc, uint64_t extra, uint64_t out[2]);

#endif /* IONSIM_SCN_EXPLORE_WORLD_H */
