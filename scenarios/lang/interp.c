/*
 * scenarios/lang/interp.c - the scenario interpreter: a run's life (boot,
 * actors, teardown) and the execution of one step, whatever its kind.
 *
 * Executing a step is always the same five moves: find the actor's
 * process and variables, tag the device with the step's line (so the
 * leak report can name the line that allocated each buffer), run the
 * operation, judge its result against the step's outcome (binding the
 * step's variable on success), and run the cheap per-step checks before
 * the caller's hook sees the event.  The operations themselves live in
 * interp_steps.c (what userspace and the kernel's threads do) and
 * interp_driver.c (what drivers do through ION's kernel API);
 * expressions in expect.c; the end of the run in report.c.
 *
 * The hot path allocates nothing, formats nothing and makes no syscall:
 * findings, which allocate and format, are the exception a clean run
 * never takes, and the ioctl arguments sit in the run's scratch, which
 * the run vouches for (kion_uaccess_trust) while a step executes.  The program is
 * checked once, when the run is made, so that a step can index the
 * program's tables without checking them again.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/interp.h"

/* How a step is run: the function, and whether it is a system call of
 * the actor's process (and so needs one, alive). */
struct scn_op_desc {
	scn_exec_fn fn;
	bool user;
};

static int exec_expect(struct scn_ctx *c);
static int exec_final(struct scn_ctx *c);

static const struct scn_op_desc op_table[SCN_OP_NOPS] = {
	[SCN_OP_OPEN] = { scn_exec_open, true },
	[SCN_OP_ALLOC] = { scn_exec_alloc, true },
	[SCN_OP_FREE] = { scn_exec_free, true },
	[SCN_OP_SHARE] = { scn_exec_share, true },
	[SCN_OP_MAP] = { scn_exec_share, true },
	[SCN_OP_IMPORT] = { scn_exec_import, true },
	[SCN_OP_SYNC] = { scn_exec_sync, true },
	[SCN_OP_QUERY] = { scn_exec_query, true },
	[SCN_OP_HEAPALLOC] = { scn_exec_heapalloc, true },
	[SCN_OP_DUP] = { scn_exec_dup, true },
	[SCN_OP_CLOSE] = { scn_exec_close, true },
	[SCN_OP_SEND] = { scn_exec_send, true },
	[SCN_OP_MMAP] = { scn_exec_mmap, true },
	[SCN_OP_MUNMAP] = { scn_exec_munmap, true },
	[SCN_OP_WRITE] = { scn_exec_write, true },
	[SCN_OP_READ] = { scn_exec_read, true },
	[SCN_OP_CPU_BEGIN] = { scn_exec_cpu_sync, true },
	[SCN_OP_CPU_END] = { scn_exec_cpu_sync, true },
	[SCN_OP_KMAP] = { scn_exec_kmap, true },
	[SCN_OP_KUNMAP] = { scn_exec_kunmap, true },
	[SCN_OP_ATTACH] = { scn_exec_attach, true },
	[SCN_OP_DETACH] = { scn_exec_detach, true },
	[SCN_OP_DMAMAP] = { scn_exec_dmamap, true },
	[SCN_OP_DMAUNMAP] = { scn_exec_dmaunmap, true },
	[SCN_OP_FORK] = { scn_exec_fork, true },
	[SCN_OP_EXIT] = { scn_exec_exit, true },
	[SCN_OP_DRAIN] = { scn_exec_drain, false },
	[SCN_OP_SHRINK] = { scn_exec_shrink, false },
	[SCN_OP_FAIL] = { scn_exec_fail, false },
	[SCN_OP_PREEMPT] = { scn_exec_preempt, false },
	[SCN_OP_EXPECT] = { exec_expect, false },
	[SCN_OP_FINAL] = { exec_final, false },
	[SCN_OP_KCLIENT] = { scn_exec_kclient, false },
	[SCN_OP_KALLOC] = { scn_exec_kalloc, false },
	[SCN_OP_KFREE] = { scn_exec_kfree, false },
	[SCN_OP_KMAP_KERNEL] = { scn_exec_kmap_kernel, false },
	[SCN_OP_KUNMAP_KERNEL] = { scn_exec_kunmap_kernel, false },
	[SCN_OP_KSHARE] = { scn_exec_kshare, false },
	[SCN_OP_KIMPORT] = { scn_exec_kimport, false },
	[SCN_OP_KGET] = { scn_exec_kget, false },
	[SCN_OP_KPUT] = { scn_exec_kput, false },
	[SCN_OP_KDESTROY] = { scn_exec_kdestroy, false },
};

/* ------------------------------------------------------------------ */
/* Checking the program once                                           */
/* ------------------------------------------------------------------ */

static bool actor_ok(const struct scn_program *p, int actor)
{
	return actor >= 0 && (unsigned int)actor < p->nactors;
}

static bool var_ok(const struct scn_program *p, int var)
{
	return var >= 0 && (unsigned int)var < p->nvars;
}

/* A thread's process must be a process-like actor: one level only. */
static bool actors_ok(const struct scn_program *p)
{
	unsigned int i;

	for (i = 0; i < p->nactors; i++) {
		const struct scn_actor *a = &p->actors[i];

		if (a->kind != SCN_ACTOR_THREAD)
			continue;
		if (!actor_ok(p, a->process) ||
		    p->actors[a->process].kind == SCN_ACTOR_THREAD)
			return false;
	}
	return true;
}

static bool expr_ok(const struct scn_program *p, const struct scn_expr *e)
{
	switch (e->term) {
	case SCN_TERM_REFS:
		return actor_ok(p, e->actor) && var_ok(p, e->var);
	case SCN_TERM_HANDLES:
	case SCN_TERM_FDS:
	case SCN_TERM_MAPPINGS:
		return actor_ok(p, e->actor);
	default:
		return true;
	}
}

static bool step_ok(const struct scn_program *p, const struct scn_step *s)
{
	unsigned int i;

	if ((unsigned int)s->op >= SCN_OP_NOPS)
		return false;
	if (s->actor != -1 && !actor_ok(p, s->actor))
		return false;
	if (s->other != -1 && !actor_ok(p, s->other))
		return false;
	if (s->bind != -1 && !var_ok(p, s->bind))
		return false;
	if (s->bind != -1 && s->bind_actor != -1 && !actor_ok(p, s->bind_actor))
		return false;
	for (i = 0; i < SCN_MAX_ARGS; i++)
		if (s->arg[i].kind == SCN_VALUE_VAR &&
		    !var_ok(p, s->arg[i].var))
			return false;
	if (s->op == SCN_OP_EXPECT || s->op == SCN_OP_FINAL)
		return expr_ok(p, &s->expr);
	if (s->op == SCN_OP_PREEMPT)
		return kion_lock_class_name((unsigned int)s->lock_class) &&
		       (unsigned int)s->at <= SIM_SCHED_UNLOCK;
	return true;
}

/* Every index the steps hold is inside the program's tables. */
static bool program_ok(const struct scn_program *p)
{
	unsigned int i;

	if (!actors_ok(p))
		return false;
	for (i = 0; i < p->nsteps; i++)
		if (!step_ok(p, &p->steps[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Actors                                                              */
/* ------------------------------------------------------------------ */

/* The actor a fork step makes, per step (-1 for every other step). */
static int map_forks(struct scn_run *run)
{
	const struct scn_program *p = run->p;
	unsigned int i;

	run->fork_child = malloc((p->nsteps ? p->nsteps : 1) * sizeof(int));
	if (!run->fork_child)
		return -ENOMEM;
	for (i = 0; i < p->nsteps; i++)
		run->fork_child[i] = -1;
	for (i = 0; i < p->nactors; i++) {
		int at = p->actors[i].fork_step;

		if (p->actors[i].kind == SCN_ACTOR_FORKED && at >= 0 &&
		    (unsigned int)at < p->nsteps)
			run->fork_child[at] = (int)i;
	}
	return 0;
}

/* Every non-thread actor gets nvars variables, all unbound. */
static int make_vars(struct scn_run *run)
{
	const struct scn_program *p = run->p;
	size_t nvars = p->nvars ? p->nvars : 1;
	unsigned int i, k = 0;

	run->rt = calloc(p->nactors ? p->nactors : 1, sizeof(*run->rt));
	run->var_pool = calloc(nvars * (p->nactors ? p->nactors : 1),
			       sizeof(struct scn_var));
	if (!run->rt || !run->var_pool)
		return -ENOMEM;
	for (i = 0; i < p->nactors; i++) {
		struct scn_actor_rt *rt = &run->rt[i];

		if (p->actors[i].kind == SCN_ACTOR_THREAD) {
			rt->owner = p->actors[i].process;
			continue;
		}
		rt->owner = (int)i;
		rt->vars = run->var_pool + nvars * k++;
	}
	return 0;
}

/* The part of "camera.T" after the dot names the thread. */
static const char *thread_name(const struct scn_actor *a)
{
	const char *dot = strchr(a->name, '.');

	return dot ? dot + 1 : a->name;
}

/* Threads of process actor @owner, once it has a process. */
static int spawn_threads(struct scn_run *run, int owner)
{
	const struct scn_program *p = run->p;
	struct sim_proc *proc = run->rt[owner].proc;
	unsigned int i;
	int err = 0;

	for (i = 0; i < p->nactors; i++) {
		const struct scn_actor *a = &p->actors[i];

		if (a->kind != SCN_ACTOR_THREAD || a->process != owner)
			continue;
		run->rt[i].thread = sim_thread_create(proc, thread_name(a),
						      &err);
		if (!run->rt[i].thread)
			return err ? err : -ENOMEM;
	}
	return 0;
}

/* Declared processes in declaration order, then their threads: threads
 * take ids from the pid space, which must not shift the processes'. */
static int spawn_actors(struct scn_run *run)
{
	const struct scn_program *p = run->p;
	unsigned int i;
	int err = 0;

	for (i = 0; i < p->nactors; i++) {
		const struct scn_actor *a = &p->actors[i];
		struct scn_actor_rt *rt = &run->rt[i];

		if (a->kind != SCN_ACTOR_PROCESS)
			continue;
		rt->proc = sim_proc_spawn(run->m, a->name, a->pid, &err);
		if (!rt->proc)
			return err ? err : -ENOMEM;
		rt->thread = sim_proc_main_thread(rt->proc);
	}
	for (i = 0; i < p->nactors; i++) {
		if (p->actors[i].kind != SCN_ACTOR_PROCESS)
			continue;
		err = spawn_threads(run, (int)i);
		if (err)
			return err;
	}
	return 0;
}

/* scn_run_vars - see interp.h. */
struct scn_var *scn_run_vars(struct scn_run *run, int actor)
{
	return run->rt[run->rt[actor].owner].vars;
}

/* scn_run_proc - see interp.h. */
struct sim_proc *scn_run_proc(struct scn_run *run, int actor)
{
	return run->rt[run->rt[actor].owner].proc;
}

/* scn_run_other_proc - see interp.h. */
struct sim_proc *scn_run_other_proc(struct scn_ctx *c)
{
	if (c->s->other < 0)
		return NULL;
	return scn_run_proc(c->run, c->s->other);
}

/* scn_exec_fork's other half: actor @child now is process @proc, with a
 * copy of @parent's variables, and its declared threads. */
static int adopt_child(struct scn_run *run, int child, struct sim_proc *proc,
		       const struct scn_var *parent)
{
	struct scn_actor_rt *rt = &run->rt[child];

	rt->proc = proc;
	rt->thread = sim_proc_main_thread(proc);
	memcpy(rt->vars, parent, run->p->nvars * sizeof(*parent));
	return spawn_threads(run, child);
}

/* scn_exec_fork - see interp.h; here because it makes an actor. */
int scn_exec_fork(struct scn_ctx *c)
{
	int child = c->run->fork_child[c->ev.index];
	struct sim_proc *proc;
	int err = 0;

	proc = sim_proc_fork(c->proc, &err);
	if (!proc)
		return err ? err : -ENOMEM;
	c->ev.ret = sim_proc_pid(proc);
	c->out.kind = SCN_VAR_PID;
	c->out.value = c->ev.ret;
	if (child < 0)
		return 0;
	return adopt_child(c->run, child, proc, c->vars);
}

/* ------------------------------------------------------------------ */
/* The run                                                              */
/* ------------------------------------------------------------------ */

/* scn_run_new - see scn.h. */
struct scn_run *scn_run_new(const struct scn_program *p,
			    const struct scn_hooks *hooks, int *err)
{
	struct scn_run *run;
	int ret = -EINVAL;

	if (!p || !program_ok(p))
		goto fail;
	ret = -ENOMEM;
	run = calloc(1, sizeof(*run));
	if (!run)
		goto fail;
	run->p = p;
	if (hooks)
		run->hooks = *hooks;
	ret = map_forks(run);
	if (!ret)
		ret = make_vars(run);
	if (!ret)
		ret = kion_board_boot(&p->board, &run->m, &run->dev);
	if (ret)
		goto free_run;
	kion_set_trace(run->dev, run->hooks.trace, run->hooks.ctx);
	/* steps reach mapped bytes through physical memory (interp_steps.c):
	 * no host mmap per mapping */
	sim_set_lazy_mappings(run->m, true);
	ret = spawn_actors(run);
	if (ret)
		goto free_run;
	return run;

free_run:
	scn_run_free(run);
fail:
	if (err)
		*err = ret;
	return NULL;
}

/* scn_run_free - see scn.h. */
unsigned long scn_run_free(struct scn_run *run)
{
	unsigned long leaked;

	if (!run)
		return 0;
	leaked = kion_board_shutdown(run->m, run->dev);
	free(run->rep.findings);
	free(run->atts);
	free(run->gets);
	free(run->clients);
	free(run->var_pool);
	free(run->rt);
	free(run->fork_child);
	free(run);
	return leaked;
}

/* scn_run_device - see scn.h. */
struct kion_device *scn_run_device(struct scn_run *run)
{
	return run->dev;
}

/* scn_run_machine - see scn.h. */
struct sim_machine *scn_run_machine(struct scn_run *run)
{
	return run->m;
}

/* scn_run_program - see scn.h. */
const struct scn_program *scn_run_program(struct scn_run *run)
{
	return run->p;
}

/* scn_run_table_grow - see interp.h. */
int scn_run_table_grow(void **rows, unsigned int n, unsigned int *cap,
		       size_t size)
{
	unsigned int want = *cap ? *cap * 2 : 8;
	void *grown;

	if (n < *cap)
		return 0;
	if (want <= *cap)
		return -ENOMEM;
	grown = realloc(*rows, (size_t)want * size);
	if (!grown)
		return -ENOMEM;
	*rows = grown;
	*cap = want;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Findings                                                             */
/* ------------------------------------------------------------------ */

/* A free row for one more finding, or NULL when the report is full or
 * the host is out of memory (the finding is then only counted). */
static struct scn_finding *finding_row(struct scn_run *run)
{
	struct scn_report *rep = &run->rep;
	void *rows = rep->findings;

	if (rep->nfindings >= SCN_MAX_FINDINGS ||
	    scn_run_table_grow(&rows, rep->nfindings, &run->findings_cap,
			       sizeof(*rep->findings))) {
		rep->findings_dropped++;
		return NULL;
	}
	rep->findings = rows;
	return &rep->findings[rep->nfindings++];
}

/* scn_run_finding - see interp.h. */
struct scn_finding *scn_run_finding(struct scn_run *run,
				    enum scn_finding_kind kind,
				    const struct scn_step *s, const char *fmt,
				    ...)
{
	struct scn_finding *f = finding_row(run);
	va_list ap;

	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->actor = s ? s->actor : -1;
	f->line = s ? s->line : 0;
	f->op = s ? s->op : SCN_OP_NOPS;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return f;
}

/* scn_run_step_words - see interp.h. */
void scn_run_step_words(const struct scn_run *run, const struct scn_step *s,
			char *buf, size_t len)
{
	if (s->actor >= 0)
		snprintf(buf, len, "%s %s", run->p->actors[s->actor].name,
			 scn_op_name(s->op));
	else
		snprintf(buf, len, "%s", scn_op_name(s->op));
}

/* "EINVAL"; "E?" for an errno without a name (none the model returns). */
static const char *errno_text(int err)
{
	const char *name = scn_errno_name(err);

	return name ? name : "E?";
}

/* "ok|EINVAL|EBADF": what the step allowed, for messages. */
static void outcome_text(const struct scn_outcome *o, char *buf, size_t len)
{
	size_t at = 0;
	unsigned int i;

	buf[0] = '\0';
	if (!o->given || o->ok)
		at += (size_t)snprintf(buf, len, "ok");
	for (i = 0; i < o->nerrnos && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
				       at ? "|" : "",
				       errno_text(o->errnos[i]));
}

/* ------------------------------------------------------------------ */
/* One step                                                              */
/* ------------------------------------------------------------------ */

/* scn_run_result - see interp.h. */
int scn_run_result(struct scn_ctx *c, enum scn_var_kind kind, int64_t value,
		   int32_t aux)
{
	c->out.kind = (uint8_t)kind;
	c->out.value = value;
	c->out.aux = aux;
	c->ev.ret = (long)value;
	return 0;
}

/* scn_run_operand_in - see interp.h. */
bool scn_run_operand_in(struct scn_ctx *c, unsigned int i,
			const struct scn_var *vars, int64_t *out)
{
	const struct scn_value *v = &c->s->arg[i];

	if (v->kind == SCN_VALUE_INT) {
		*out = v->num;
		return true;
	}
	if (v->kind != SCN_VALUE_VAR) {
		*out = -1;	/* no operand written: an invalid number */
		return true;
	}
	if (!vars || vars[v->var].kind == SCN_VAR_UNBOUND) {
		c->skipped = true;
		c->unbound = v->var;
		return false;
	}
	*out = vars[v->var].value;
	return true;
}

/* scn_run_operand - see interp.h. */
bool scn_run_operand(struct scn_ctx *c, unsigned int i, int64_t *out)
{
	return scn_run_operand_in(c, i, c->vars, out);
}

/* A number as an int: one outside int's range becomes -1. */
static int clamp_int(int64_t v)
{
	return (v < INT_MIN || v > INT_MAX) ? -1 : (int)v;
}

/* scn_run_operand_int - see interp.h. */
bool scn_run_operand_int(struct scn_ctx *c, unsigned int i, int *out)
{
	int64_t v;

	if (!scn_run_operand(c, i, &v))
		return false;
	*out = clamp_int(v);
	return true;
}

/* scn_run_operand_int_in - see interp.h. */
bool scn_run_operand_int_in(struct scn_ctx *c, unsigned int i,
			    const struct scn_var *vars, int *out)
{
	int64_t v;

	if (!scn_run_operand_in(c, i, vars, &v))
		return false;
	*out = clamp_int(v);
	return true;
}

/* The step's actor as the context needs it; false when that actor is a
 * process that does not exist yet (a forked child before its fork). */
static bool ctx_init(struct scn_run *run, unsigned int index,
		     struct scn_ctx *c)
{
	const struct scn_step *s = &run->p->steps[index];
	enum scn_actor_kind kind;

	memset(c, 0, sizeof(*c));
	c->run = run;
	c->s = s;
	c->ev.index = index;
	c->ev.step = s;
	if (s->actor < 0)
		return true;
	kind = run->p->actors[run->rt[s->actor].owner].kind;
	c->vars = scn_run_vars(run, s->actor);
	c->proc = scn_run_proc(run, s->actor);
	c->thread = run->rt[s->actor].thread;
	return c->proc ||
	       (kind != SCN_ACTOR_PROCESS && kind != SCN_ACTOR_FORKED);
}

static int run_op(struct scn_ctx *c)
{
	const struct scn_op_desc *d = &op_table[c->s->op];

	if (!d->fn)
		return -ENOSYS;
	if (d->user && (!c->proc || !sim_proc_alive(c->proc)))
		return -ESRCH;
	return d->fn(c);
}

/* Whether errno @err (0: success) is an outcome @o allows. */
static bool outcome_allows(const struct scn_outcome *o, int err)
{
	unsigned int i;

	if (err == 0)
		return !o->given || o->ok;
	for (i = 0; o->given && i < o->nerrnos; i++)
		if (o->errnos[i] == err)
			return true;
	return false;
}

/* The finding for a result the outcome did not allow. */
static void outcome_finding(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	struct scn_finding *f;
	char who[80], want[96];

	scn_run_step_words(c->run, s, who, sizeof(who));
	outcome_text(&s->outcome, want, sizeof(want));
	if (c->ev.err == 0)
		f = scn_run_finding(c->run, SCN_FIND_UNEXPECTED_SUCCESS, s,
				    "%s succeeded; %s was expected", who, want);
	else if (!s->outcome.given || (s->outcome.ok && !s->outcome.nerrnos))
		f = scn_run_finding(c->run, SCN_FIND_UNEXPECTED_FAILURE, s,
				    "%s failed with %s; success was expected",
				    who, errno_text(c->ev.err));
	else
		f = scn_run_finding(c->run, SCN_FIND_WRONG_ERRNO, s,
				    "%s failed with %s; %s was expected", who,
				    errno_text(c->ev.err), want);
	if (f)
		f->err = c->ev.err;
}

static void bind_result(struct scn_ctx *c)
{
	const struct scn_step *s = c->s;
	int to = s->bind_actor >= 0 ? s->bind_actor : s->actor;
	struct scn_var *vars;

	if (s->bind < 0 || to < 0 || c->out.kind == SCN_VAR_UNBOUND)
		return;
	vars = scn_run_vars(c->run, to);
	if (vars)
		vars[s->bind] = c->out;
}

/* Judge the result: a skip, an outcome the step did not allow, or a
 * success whose value the step binds. */
static void conclude(struct scn_ctx *c, int ret)
{
	const struct scn_step *s = c->s;
	char who[80];

	if (c->skipped) {
		c->ev.skipped = true;
		scn_run_step_words(c->run, s, who, sizeof(who));
		scn_run_finding(c->run, SCN_FIND_SKIPPED, s,
				"%s skipped: variable %s is unbound", who,
				c->run->p->vars[c->unbound]);
		return;
	}
	c->ev.err = ret < 0 ? -ret : 0;
	c->ev.allowed = outcome_allows(&s->outcome, c->ev.err);
	if (!c->ev.allowed)
		outcome_finding(c);
	if (ret == 0)
		bind_result(c);
}

/* ------------------------------------------------------------------ */
/* Per-step checks                                                       */
/* ------------------------------------------------------------------ */

/* The first line of the full audit without its "audit: ", for a
 * message; "" when it has none. */
static void first_audit_line(struct kion_device *dev, char *buf, size_t len)
{
	char *text = NULL, *line;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	buf[0] = '\0';
	if (!f)
		return;
	kion_audit(dev, f);
	fclose(f);
	line = text;
	if (line && strncmp(line, "audit: ", 7) == 0)
		line += 7;
	if (line)
		snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
	free(text);
}

/* The kernel WARNs that are findings: all but those the kernel gives in
 * its own defence (kion_warn_defended), as the audit counts them. */
static unsigned long warnings(const struct kion_device *dev)
{
	return dev->warnings - dev->warnings_defended;
}

/* The quick audit's counter checks, WARNs and use-after-frees apart: each
 * is reported when it first shows, at the step that caused it. */
static void step_checks(struct scn_run *run, const struct scn_step *s)
{
	struct kion_device *dev = run->dev;
	char who[80], line[160];
	int q;

	scn_run_step_words(run, s, who, sizeof(who));
	if (warnings(dev) != run->warnings_seen)
		scn_run_finding(run, SCN_FIND_AUDIT, s, "%s: kernel WARN hit "
				"(%lu so far)", who, warnings(dev));
	if (dev->uaf != run->uaf_seen)
		scn_run_finding(run, SCN_FIND_AUDIT, s, "%s: use after free "
				"of a destroyed handle (%lu so far)", who,
				dev->uaf);
	run->warnings_seen = warnings(dev);
	run->uaf_seen = dev->uaf;
	q = kion_audit_quick(dev) - (warnings(dev) != 0) - (dev->uaf != 0);
	if (q > run->quick_seen) {
		first_audit_line(dev, line, sizeof(line));
		scn_run_finding(run, SCN_FIND_AUDIT, s, "%s: %d counter "
				"violation(s): %s", who, q, line);
	}
	run->quick_seen = q;
}

/* Whether anything the per-step checks watch has changed: the test that
 * keeps a clean step free of the checks' formatting. */
static bool checks_changed(const struct scn_run *run)
{
	const struct kion_device *dev = run->dev;

	return warnings(dev) != run->warnings_seen ||
	       dev->uaf != run->uaf_seen ||
	       kion_audit_quick(run->dev) != run->quick_seen +
	       (warnings(dev) != 0) + (dev->uaf != 0);
}

/* ------------------------------------------------------------------ */
/* Executing steps                                                       */
/* ------------------------------------------------------------------ */

/* expect: checked where it stands. */
static int exec_expect(struct scn_ctx *c)
{
	c->ev.ret = scn_run_expr_check(c->run, c->s, &c->s->expr,
				       SCN_FIND_EXPECT);
	return 0;
}

/* final: only at scn_run_finish, whatever order the steps ran in. */
static int exec_final(struct scn_ctx *c)
{
	return 0;
}

/* Enters step @index: a frame for it, its own scratch; an actor step
 * takes the `preempt` lines waiting for it.  The outermost step vouches
 * for every level's scratch (the steps it lets run inside it too). */
static struct scn_frame *enter_step(struct scn_run *run, unsigned int index,
				    struct scn_ctx *c)
{
	struct scn_frame *f = &run->frames[run->nest];

	memset(f, 0, sizeof(*f));
	f->step = index;
	if (c->s->actor >= 0) {
		memcpy(f->plan, run->pending, sizeof(f->plan));
		f->nplan = run->npending;
		run->npending = 0;
	}
	c->scratch = &run->scratch[run->nest];
	if (run->nest++ == 0)
		kion_uaccess_trust(run->scratch, sizeof(run->scratch));
	return f;
}

static void leave_step(struct scn_run *run)
{
	if (--run->nest == 0)
		kion_uaccess_trust(NULL, 0);
}

/* scn_run_exec - see scn.h.  Re-entered from the preemption point for
 * the steps that run inside this one; the per-step checks wait for the
 * outermost step to end, since a count caught half-way through an ioctl
 * is not a violation. */
int scn_run_exec(struct scn_run *run, unsigned int index)
{
	unsigned int tag = run->dev->tag;
	struct scn_ctx c;
	int ret;

	if (index >= run->p->nsteps || run->nest == SCN_MAX_NEST)
		return -EINVAL;
	if (!ctx_init(run, index, &c)) {
		scn_run_drop_pending(run, "its step's process was never created");
		return -ESRCH;
	}
	if (run->nest && run->hooks.preempted)
		run->hooks.preempted(run->hooks.ctx, run,
				     run->frames[run->nest - 1].step, index);
	run->dev->tag = c.s->line;
	enter_step(run, index, &c);
	ret = run_op(&c);
	scn_run_missed_preemptions(run);
	leave_step(run);
	if (run->nest)
		run->dev->tag = tag;
	conclude(&c, ret);
	if (!run->nest && !run->hooks.no_step_checks && checks_changed(run))
		step_checks(run, c.s);
	run->rep.steps_run++;
	if (run->hooks.step)
		run->hooks.step(run->hooks.ctx, run, &c.ev);
	return 0;
}
