/*
 * scenarios/lang/explore_world.c - a scenario program as the explorer's
 * world: the actors' programs, which of them may move, and one execution
 * (what a step may touch is explore_footprint.c's; decisions, faults,
 * preemptions and counterexamples explore_decide.c's).
 *
 * Before the search the program is cut into one list of steps per actor
 * (file order within an actor is program order) and each step learns
 * which steps of other actors it waits for (explore_world.h).  An
 * execution keeps a program counter per actor; an actor is enabled when
 * it has a step left and every step that step waits for has run (a
 * step has run when its actor's counter is past it).
 *
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/explore_world_int.h"

/* ------------------------------------------------------------------ */
/* The programs, and what each step waits for                          */
/* ------------------------------------------------------------------ */

/* The scope a binding step binds in. */
static int bind_scope(const struct scn_program *p, const struct scn_step *s)
{
	return s->bind_actor >= 0 ? s->bind_actor : scn_scope_of(p, s->actor);
}

/* One binding of the program: (scope, variable) at step. */
struct binding {
	int scope, var;
	unsigned int step;
};

static int binding_cmp(const void *a, const void *b)
{
	const struct binding *x = a, *y = b;

	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if (x->var != y->var)
		return x->var < y->var ? -1 : 1;
	return (x->step > y->step) - (x->step < y->step);
}

/* The last binding of (@scope, @var) before step @before, or -1. */
static int last_binder(const struct binding *b, unsigned int n, int scope,
		       int var, unsigned int before)
{
	unsigned int lo = 0, hi = n;
	int found = -1;

	/* the first entry not less than (scope, var, before) */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		struct binding key = { scope, var, before };

		if (binding_cmp(&b[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && b[lo - 1].scope == scope && b[lo - 1].var == var)
		found = (int)b[lo - 1].step;
	return found;
}

/* Every binding step of @p, sorted; NULL on -ENOMEM (*@n 0 is fine). */
static struct binding *bindings(const struct scn_program *p, unsigned int *n)
{
	struct binding *b = malloc((p->nsteps ? p->nsteps : 1) * sizeof(*b));
	unsigned int i;

	*n = 0;
	if (!b)
		return NULL;
	for (i = 0; i < p->nsteps; i++) {
		const struct scn_step *s = &p->steps[i];

		if (s->actor < 0 || s->bind < 0)
			continue;
		b[(*n)++] = (struct binding){ bind_scope(p, s), s->bind, i };
	}
	qsort(b, *n, sizeof(*b), binding_cmp);
	return b;
}

/* Adds @dep to step @i's list, once. */
static void add_dep(struct scn_world *w, unsigned int i, int dep)
{
	unsigned int k;

	for (k = 0; k < MAX_DEPS && w->deps[i][k] >= 0; k++)
		if (w->deps[i][k] == dep)
			return;
	if (k < MAX_DEPS)
		w->deps[i][k] = dep;
}

/* What step @i waits for: other actors' bindings of what it reads, and
 * the fork that makes its process. */
static void step_deps(struct scn_world *w, const struct binding *b,
		      unsigned int nb, unsigned int i)
{
	const struct scn_program *p = w->p;
	const struct scn_step *s = &p->steps[i];
	int owner = scn_scope_of(p, s->actor);
	unsigned int k;

	for (k = 0; k < MAX_DEPS; k++)
		w->deps[i][k] = -1;
	for (k = 0; k < SCN_MAX_ARGS; k++) {
		int t;

		if (s->arg[k].kind != SCN_VALUE_VAR)
			continue;
		t = last_binder(b, nb, scn_operand_scope(p, s, k), s->arg[k].var,
				i);
		if (t >= 0 && p->steps[t].actor != s->actor)
			add_dep(w, i, t);
	}
	if (p->actors[owner].kind == SCN_ACTOR_FORKED &&
	    p->actors[owner].fork_step >= 0)
		add_dep(w, i, p->actors[owner].fork_step);
}

/* Cuts @p into the actors' programs and finds every step's waits. */
static int make_programs(struct scn_world *w)
{
	const struct scn_program *p = w->p;
	unsigned int i, a, nb, *fill;
	struct binding *b = bindings(p, &nb);

	fill = calloc(p->nactors + 1, sizeof(*fill));
	if (!b || !fill) {
		free(b);
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].actor >= 0)
			w->start[p->steps[i].actor + 1]++;
	for (a = 0; a < p->nactors; a++)
		w->start[a + 1] += w->start[a];
	for (i = 0; i < p->nsteps; i++) {
		int actor = p->steps[i].actor;

		if (actor < 0)
			continue;
		w->pos[i] = fill[actor]++;
		w->prog[w->start[actor] + w->pos[i]] = i;
		step_deps(w, b, nb, i);
	}
	free(b);
	free(fill);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The world                                                            */
/* ------------------------------------------------------------------ */

static int world_alloc(struct scn_world *w)
{
	const struct scn_program *p = w->p;
	size_t nsteps = p->nsteps ? p->nsteps : 1;
	size_t nactors = p->nactors ? p->nactors : 1;

	w->prog = calloc(nsteps, sizeof(*w->prog));
	w->pos = calloc(nsteps, sizeof(*w->pos));
	w->deps = calloc(nsteps, sizeof(*w->deps));
	w->start = calloc(nactors + 1, sizeof(*w->start));
	w->pc = calloc(nactors, sizeof(*w->pc));
	w->busy = calloc(nactors, sizeof(*w->busy));
	w->labels = calloc(nactors, sizeof(*w->labels));
	w->fps = calloc(nactors, sizeof(*w->fps));
	w->plabels = calloc(nactors + 1, sizeof(*w->plabels));
	w->digest = scn_digest_new(p);
	if (!w->prog || !w->pos || !w->deps || !w->start || !w->pc ||
	    !w->busy || !w->labels || !w->fps || !w->plabels || !w->digest)
		return -ENOMEM;
	return make_programs(w);
}

/* scn_world_new - see explore_world.h. */
struct scn_world *scn_world_new(const struct scn_program *p,
				const struct scn_world_opts *opts, int *err)
{
	struct scn_world *w = calloc(1, sizeof(*w));
	int ret = 0;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->p = p;
	if (opts)
		w->opts = *opts;
	/* the interpreter checks every index of the program, which the
	 * programs below are built from */
	w->run = scn_run_new(p, NULL, &ret);
	scn_run_free(w->run);
	w->run = NULL;
	ret = ret ? ret : world_alloc(w);
	if (ret) {
		scn_world_free(w);
		*err = ret;
		return NULL;
	}
	return w;
}

/* scn_world_free - see explore_world.h. */
void scn_world_free(struct scn_world *w)
{
	if (!w)
		return;
	scn_run_free(w->run);
	scn_digest_free(w->digest);
	free(w->prog);
	free(w->pos);
	free(w->deps);
	free(w->start);
	free(w->pc);
	free(w->busy);
	free(w->labels);
	free(w->fps);
	free(w->plabels);
	free(w->log);
	free(w->cex.entries);
	free(w);
}

/* scn_world_cex - see explore_world.h. */
const struct scn_cex *scn_world_cex(const struct scn_world *w)
{
	return &w->cex;
}

/* scn_world_steps - see explore_world.h. */
unsigned int scn_world_steps(const struct scn_world *w, unsigned int actor)
{
	if (actor >= w->p->nactors)
		return 0;
	return w->start[actor + 1] - w->start[actor];
}

/* ------------------------------------------------------------------ */
/* One execution                                                        */
/* ------------------------------------------------------------------ */

/* Whether step @i has run in this execution. */
static bool has_run(const struct scn_world *w, int i)
{
	int actor = w->p->steps[i].actor;

	return w->pc[actor] > w->pos[i];
}

static bool waits_done(const struct scn_world *w, unsigned int i)
{
	unsigned int k;

	for (k = 0; k < MAX_DEPS && w->deps[i][k] >= 0; k++)
		if (!has_run(w, w->deps[i][k]))
			return false;
	return true;
}

/* scn_world_can_move - see explore_world_int.h. */
bool scn_world_can_move(const struct scn_world *w, unsigned int a)
{
	if (w->start[a] + w->pc[a] >= w->start[a + 1])
		return false;
	return waits_done(w, w->prog[w->start[a] + w->pc[a]]);
}

/* Fills labels and footprints with the enabled actors; their count.
 * Footprints only matter to a decision the explorer has not made yet: a
 * replayed one, or one a recorded path answers, gets none. */
static unsigned int enabled(struct scn_world *w)
{
	bool fresh = !w->path && !sim_explore_replaying(w->e);
	unsigned int a, n = 0;

	for (a = 0; a < w->p->nactors; a++) {
		if (!scn_world_can_move(w, a))
			continue;
		w->labels[n] = a;
		w->fps[n] = fresh ? scn_world_footprint(w,
				w->prog[w->start[a] + w->pc[a]]) : 0;
		n++;
	}
	return n;
}

/* The step hook: the result of the step that just ran. */
static void on_step(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct scn_world *w = ctx;

	(void)run;
	w->last.err = ev->err;
	w->last.ret = ev->ret;
	w->last.skipped = ev->skipped;
}

/* Findings a fault explains: once one fired, outcomes are not judged. */
static bool tolerated(const struct scn_world *w, const struct scn_finding *f)
{
	if (!w->injected)
		return false;
	return f->kind == SCN_FIND_UNEXPECTED_FAILURE ||
	       f->kind == SCN_FIND_UNEXPECTED_SUCCESS ||
	       f->kind == SCN_FIND_WRONG_ERRNO || f->kind == SCN_FIND_SKIPPED;
}

/* Judges the findings made since the last judgement: 1 (a violation),
 * 0, or -ENOMEM. */
static int judge(struct scn_world *w, bool at_end)
{
	const struct scn_report *rep = &w->run->rep;
	unsigned int i = w->judged;

	w->judged = rep->nfindings;
	for (; i < rep->nfindings; i++)
		if (!tolerated(w, &rep->findings[i]))
			return scn_world_violation(w, &rep->findings[i],
						   at_end);
	return 0;
}

/* Runs step @i of actor @a, as the innermost step in progress. */
static void run_step(struct scn_world *w, unsigned int a, unsigned int i)
{
	char who[80];

	memset(&w->last, 0, sizeof(w->last));
	w->busy[a] = true;
	if (scn_run_exec(w->run, i) == -ESRCH) {
		/* its fork ran and failed: replay skips it the same way */
		scn_run_step_words(w->run, &w->p->steps[i], who, sizeof(who));
		scn_run_finding(w->run, SCN_FIND_SKIPPED, &w->p->steps[i],
				"%s skipped: process %s was never created",
				who, w->p->actors[a].name);
		w->last.skipped = true;
	}
	w->busy[a] = false;
	w->pc[a]++;
	if (!w->last.skipped && !w->last.err &&
	    scn_digest_wrote(w->digest, w->run, i))
		w->error = -ENOMEM;
}

/* scn_world_exec_next - see explore_world_int.h.  Steps nest when one
 * runs at another's preemption point: the innermost one's step, fault
 * count base and log entry are saved here and given back after it. */
int scn_world_exec_next(struct scn_world *w, unsigned int a)
{
	unsigned int i = w->prog[w->start[a] + w->pc[a]];
	unsigned long base[SIM_FAULT_NKINDS];
	unsigned int step = w->cur_step, slot = w->slot;
	struct scn_cex_entry *e;

	memcpy(base, w->base, sizeof(base));
	memcpy(w->base, w->points, sizeof(base));
	if (scn_run_depth(w->run) < SCN_MAX_NEST)
		w->preempted[scn_run_depth(w->run)] = 0;
	w->cur_step = i;
	if (w->path)
		w->slot = scn_world_log_step(w, i);
	run_step(w, a, i);
	if (w->path && w->slot < w->nlog) {
		e = &w->log[w->slot];
		e->err = w->last.err;
		e->ret = w->last.ret;
		e->skipped = w->last.skipped;
	}
	w->cur_step = step;
	w->slot = slot;
	memcpy(w->base, base, sizeof(base));
	if (!w->error && w->cex_due && !scn_run_depth(w->run))
		w->error = scn_world_keep_cex(w);
	if (w->error)
		return w->error;
	if (w->nested)
		return w->nested;
	if (w->cut)
		return 0;
	return judge(w, false);
}

/* The state reached, for the visited set: 0 to go on, 2 to stop here
 * (seen before), or -ENOMEM. */
static int state_seen(struct scn_world *w)
{
	uint64_t h[2];
	int ret;

	/* most states are replayed prefixes, which the explorer does not
	 * look up: they cost no digest */
	if (w->path || !sim_explore_wants_state(w->e))
		return 0;
	ret = scn_digest_state(w->digest, w->run, w->pc, w->injected != 0, h);
	if (ret)
		return ret;
	return sim_explore_state(w->e, h[0], h[1]) ? 0 : 2;
}

/* Steps until no actor can move: 0 (then finish), 1 (a violation), 2
 * (cut short), or a negative errno. */
static int run_steps(struct scn_world *w)
{
	int ret = state_seen(w);

	while (ret == 0) {
		unsigned int n = enabled(w);
		int k;

		if (n == 0)
			return 0;
		k = scn_world_choose(w, SIM_CHOICE_SCHEDULE, n, w->labels,
				     w->fps);
		if (k < 0)
			return w->error ? w->error : 2;
		ret = scn_world_exec_next(w, w->labels[k]);
		if (ret == 0)
			ret = w->cut ? 2 : state_seen(w);
	}
	return ret;
}

/* The end of a complete execution: finals, audit, leaks, and the
 * objects the model left behind when the machine goes. */
static int finish(struct scn_world *w)
{
	struct scn_finding f = { .kind = SCN_FIND_AUDIT, .actor = -1,
				 .op = SCN_OP_NOPS };
	unsigned long left;
	int ret;

	sim_fault_set_hook(w->run->m, NULL, NULL);
	scn_run_set_preempt(w->run, NULL, NULL);
	scn_run_finish(w->run);
	ret = judge(w, true);
	left = scn_run_free(w->run);
	w->run = NULL;
	if (ret || !left)
		return ret;
	snprintf(f.msg, sizeof(f.msg), "%lu kernel objects outlived the "
		 "machine (the model leaked)", left);
	return scn_world_violation(w, &f, true);
}

/* One execution from boot: 0, 1 (a violation), or a negative errno. */
static int execute(struct scn_world *w)
{
	struct scn_hooks hooks = { .ctx = w, .step = on_step };
	int err = 0, ret;

	memset(w->pc, 0, w->p->nactors * sizeof(*w->pc));
	memset(w->points, 0, sizeof(w->points));
	w->judged = 0;
	w->injected = 0;
	w->cut = false;
	w->error = 0;
	w->nested = 0;
	w->nlog = 0;
	w->cex_due = false;
	scn_digest_begin(w->digest);
	w->run = scn_run_new(w->p, &hooks, &err);
	if (!w->run)
		return err < 0 ? err : -ENOMEM;
	if (w->opts.faults)
		sim_fault_set_hook(w->run->m, scn_world_fault_point, w);
	if (w->opts.preempt)
		scn_run_set_preempt(w->run, scn_world_preempt_point, w);
	ret = run_steps(w);
	if (ret == 0)
		return finish(w);
	scn_run_free(w->run);
	w->run = NULL;
	return ret == 2 ? 0 : ret;
}

/* The world's run (explore.h). */
static int world_run(void *ctx, struct sim_explore *e)
{
	struct scn_world *w = ctx;

	w->e = e;
	return execute(w);
}

/* scn_world_explore - see explore_world.h. */
struct sim_explore_world scn_world_explore(struct scn_world *w)
{
	struct sim_explore_world world = { .ctx = w, .run = world_run };

	return world;
}

/* scn_world_replay - see explore_world.h. */
int scn_world_replay(struct scn_world *w,
		     const struct sim_explore_choice *path, unsigned int len)
{
	int ret;

	w->e = NULL;
	w->path = path;
	w->path_len = len;
	w->path_at = 0;
	ret = execute(w);
	w->path = NULL;
	if (ret == 0 && w->error)
		ret = w->error;
	return ret;
}
