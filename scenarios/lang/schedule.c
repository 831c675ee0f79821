/*
 * scenarios/lang/schedule.c - steps inside steps: the preemption points
 * of a run, and the file's order as a schedule that uses them.
 *
 * The model takes its locks where Linux 4.9 does; between two critical
 * sections of an ioctl, with no lock held, another thread may run (the
 * races of ION-SPEC section 7 live in those gaps).  The machine's
 * scheduler hook reports every lock and unlock; the run keeps the ones
 * where nothing is held, counts them per step by kind and lock class,
 * and hands each to whoever drives the run (scn_run_set_preempt): the
 * explorer, which branches there, or scn_run_all, which follows the
 * file's `preempt` lines.
 *
 * A step run at such a point runs to its end before the preempted step
 * goes on: preemptions nest (a preempting step may itself be preempted)
 * but never interleave two steps back and forth.  Only points between
 * critical sections are offered: inside one, a step that wanted the same
 * lock would wait, and one that did not would commute with it.
 */
#include <errno.h>
#include <string.h>

#include "scenarios/lang/interp.h"

/* The machine's scheduler hook (sim_set_sched_hook). */
static void sched_point(void *ctx, enum sim_sched_point at,
			struct sim_mutex *lock)
{
	struct scn_run *run = ctx;
	struct scn_frame *f;
	int cls;

	if (!run->preempt || run->nest == 0 || run->nest >= SCN_MAX_NEST ||
	    sim_locks_held(run->m) || (unsigned int)at > SIM_SCHED_UNLOCK)
		return;
	cls = kion_lock_class(lock->name);
	if (cls < 0)
		return;
	f = &run->frames[run->nest - 1];
	run->preempt(run->preempt_ctx, run, at, cls, ++f->points[at][cls]);
}

/* scn_run_set_preempt - see scn.h. */
void scn_run_set_preempt(struct scn_run *run, scn_preempt_fn fn, void *ctx)
{
	run->preempt = fn;
	run->preempt_ctx = ctx;
	sim_set_sched_hook(run->m, fn ? sched_point : NULL, fn ? run : NULL);
}

/* scn_run_depth - see scn.h. */
unsigned int scn_run_depth(const struct scn_run *run)
{
	return run->nest;
}

/* scn_exec_preempt - see interp.h: armed for the next actor step. */
int scn_exec_preempt(struct scn_ctx *c)
{
	struct scn_run *run = c->run;

	if (run->npending == SCN_MAX_PLAN)
		return -ENOSPC;
	run->pending[run->npending++] = c->ev.index;
	return 0;
}

/* Runs the next line in file order; true when it was an actor step (a
 * step whose process was never made counts: it was skipped). */
static bool run_next(struct scn_run *run)
{
	const struct scn_program *p = run->p;
	unsigned int i = run->cursor++;
	char who[80];

	if (scn_run_exec(run, i) == -ESRCH) {
		scn_run_step_words(run, &p->steps[i], who, sizeof(who));
		scn_run_finding(run, SCN_FIND_SKIPPED, &p->steps[i],
				"%s skipped: process %s was never created",
				who, p->actors[p->steps[i].actor].name);
	}
	return p->steps[i].actor >= 0;
}

/* Whether `preempt` line @s names this point. */
static bool names_point(const struct scn_step *s, enum sim_sched_point at,
			int cls, unsigned long nth)
{
	return s->at == at && s->lock_class == cls && s->nth == nth;
}

/* Whether an actor step is left in the file after the cursor. */
static bool actor_step_ahead(const struct scn_run *run)
{
	unsigned int i;

	for (i = run->cursor; i < run->p->nsteps; i++)
		if (run->p->steps[i].actor >= 0)
			return true;
	return false;
}

/* scn_run_all's preemption point: each armed line that names it runs
 * the next actor step of the file here (with the lines before it); with
 * none left, the preemption is skipped and nothing runs inside. */
static void replay_point(void *ctx, struct scn_run *run,
			 enum sim_sched_point at, int cls, unsigned long nth)
{
	struct scn_frame *f = &run->frames[run->nest - 1];
	unsigned int k;

	(void)ctx;
	for (k = 0; k < f->nplan; k++) {
		if (f->fired[k] ||
		    !names_point(&run->p->steps[f->plan[k]], at, cls, nth))
			continue;
		f->fired[k] = true;
		if (!actor_step_ahead(run)) {
			scn_run_finding(run, SCN_FIND_SKIPPED,
					&run->p->steps[f->plan[k]],
					"preempt skipped: no step follows it");
			continue;
		}
		while (run->cursor < run->p->nsteps && !run_next(run))
			;
		f = &run->frames[run->nest - 1];
	}
}

/* scn_run_missed_preemptions - see interp.h. */
void scn_run_missed_preemptions(struct scn_run *run)
{
	const struct scn_frame *f = &run->frames[run->nest - 1];
	const struct scn_program *p = run->p;
	unsigned int k;

	for (k = 0; k < f->nplan; k++) {
		const struct scn_step *s = &p->steps[f->plan[k]];

		if (f->fired[k])
			continue;
		scn_run_finding(run, SCN_FIND_SKIPPED, s,
				"preempt %lu %s %s skipped: line %u's step "
				"never reached that point", s->nth,
				s->at == SIM_SCHED_LOCK ? "lock" : "unlock",
				kion_lock_class_name((unsigned int)s->lock_class),
				p->steps[f->step].line);
	}
}

/* scn_run_drop_pending - see interp.h. */
void scn_run_drop_pending(struct scn_run *run, const char *why)
{
	unsigned int k;

	for (k = 0; k < run->npending; k++)
		scn_run_finding(run, SCN_FIND_SKIPPED,
				&run->p->steps[run->pending[k]],
				"preempt skipped: %s", why);
	run->npending = 0;
}

/* Whether any line of @p is a `preempt`. */
static bool has_preempt_lines(const struct scn_program *p)
{
	unsigned int i;

	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == SCN_OP_PREEMPT)
			return true;
	return false;
}

/* scn_run_all - see scn.h. */
void scn_run_all(struct scn_run *run)
{
	bool preempting = has_preempt_lines(run->p) && !run->preempt;
	const struct scn_program *p = run->p;

	if (preempting)
		scn_run_set_preempt(run, replay_point, NULL);
	for (run->cursor = 0; run->cursor < p->nsteps;)
		run_next(run);
	scn_run_drop_pending(run, "no step follows it");
	if (preempting)
		scn_run_set_preempt(run, NULL, NULL);
}
