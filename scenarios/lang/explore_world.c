/*
 * scenarios/lang/explore_world.c - a scenario program as the explorer's
 * world: the actors' programs, which of them may move, what a step may
 * touch, one execution, and the counterexample of the first violation.
 *
 * Before the search the program is cut into one list of steps per actor
 * (file order within an actor is program order) and each step learns
 * which steps of other actors it waits for (explore_world.h).  An
 * execution keeps a program counter per actor; an actor is enabled when
 * it has a step left and every step that step waits for has run (a
 * step has run when its actor's counter is past it).
 *
 * Footprints.  For each enabled step the explorer gets a 64-bit set of
 * what the step may read or write, computed in the current state; two
 * steps whose sets are disjoint are treated as independent (they
 * commute, and neither enables the other).  The bits stand for:
 *   - the step's process scope (its process's fd table, mappings and
 *     variables, shared by its threads), and the other scope a step
 *     names (the receiver of a send or a driver's share, the source of
 *     a driver's import or get, the child of a fork): bits 0-30 by the
 *     scope's actor index, so that every two steps of one process, and
 *     a binder and the steps waiting for it, always intersect;
 *   - every heap an allocation may use (each heap of its mask; system
 *     and system_contig share one bit, as they share the buddy), the
 *     heap a drain or shrink names, and the heap of every buffer the
 *     step may reach (it may drop the last reference and so free into
 *     that heap): bits 32-39;
 *   - the objects behind its operands, by serial: the file behind an fd
 *     or a mapping, the dma-buf and the buffer behind it, the client of
 *     a /dev/ion file, the buffer behind a handle, a driver's client,
 *     get or attachment: bits 40-63.  Closing a /dev/ion file, exit and
 *     fork reach further: a released client destroys all its handles,
 *     and exit and fork touch every file of the process;
 *   - an integer literal operand (a raw fd or handle number) stands for
 *     every file of the process;
 *   - forks share bit 31: a child's pid is the next free one.
 * Why this is conservative: a step only touches state through its
 * process, the operands it names, the objects these reach and the
 * heaps those may free into or allocate from; all of these are in its
 * set, and any two sets that share an object intersect.  Different
 * objects may share a bit (the sets are hashed into 64), which only
 * makes more steps dependent.  One object is left out on purpose: the
 * terminal behind fds 0-2 of every process, whose count changes commute
 * (the machine holds it, so it is never released) and whose ioctls all
 * fail with ENOTTY.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/explore_world.h"
#include "scenarios/lang/interp.h"

#define MAX_DEPS (SCN_MAX_ARGS + 1)	/* binders of each operand, the fork */

/* The bits of a footprint (see the top of this file). */
#define SCOPE_BITS 31
#define HEAP_BASE 32
#define HEAP_BITS 8
#define OBJ_BASE 40
#define OBJ_BITS 24
#define FORK_BIT (1ull << 31)	/* pids: shared by every fork */

/* Classes of the objects footprints name. */
enum { OBJ_FILE = 1, OBJ_CLIENT, OBJ_DMABUF, OBJ_BUFFER };

struct scn_world {
	const struct scn_program *p;
	struct scn_world_opts opts;
	/* the programs: actor a's steps are prog[start[a] .. start[a + 1]) */
	unsigned int *prog;
	unsigned int *start;
	unsigned int *pos;		/* per step: its place in its program */
	int (*deps)[MAX_DEPS];		/* per step: steps it waits for, -1 */
	/* one execution */
	struct sim_explore *e;
	struct scn_run *run;
	unsigned int *pc;		/* per actor */
	unsigned int *labels;		/* the enabled actors */
	uint64_t *fps;			/* and their footprints */
	struct scn_digest *digest;
	unsigned int judged;		/* findings judged so far */
	unsigned long injected;		/* faults injected so far */
	unsigned long points[SIM_FAULT_NKINDS];	/* this step's fault points */
	unsigned int cur_step;		/* the step running */
	bool cut;			/* the explorer stopped this execution */
	int error;			/* -ENOMEM: end the search */
	/* replaying a counterexample (scn_world_replay): what to do */
	const struct scn_cex_entry *plan;
	unsigned int nplan, at;		/* entries, and the next one */
	struct scn_cex_entry last;	/* the last step's result (hook) */
	struct scn_cex_entry *log;	/* what this execution did */
	unsigned int nlog, log_cap;
	struct scn_cex cex;		/* the first violation */
};

/* ------------------------------------------------------------------ */
/* The programs, and what each step waits for                          */
/* ------------------------------------------------------------------ */

/* The actor whose variables and process a step of @actor uses. */
static int scope_of(const struct scn_program *p, int actor)
{
	return p->actors[actor].process;
}

/* The scope operand @i of @s is read in: the source process for a
 * driver's import and get, the actor's own otherwise. */
static int operand_scope(const struct scn_program *p,
			 const struct scn_step *s, unsigned int i)
{
	if ((s->op == SCN_OP_KIMPORT && i == 1) ||
	    (s->op == SCN_OP_KGET && i == 0))
		return s->other;
	return scope_of(p, s->actor);
}

/* The scope a binding step binds in. */
static int bind_scope(const struct scn_program *p, const struct scn_step *s)
{
	return s->bind_actor >= 0 ? s->bind_actor : scope_of(p, s->actor);
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
	int owner = scope_of(p, s->actor);
	unsigned int k;

	for (k = 0; k < MAX_DEPS; k++)
		w->deps[i][k] = -1;
	for (k = 0; k < SCN_MAX_ARGS; k++) {
		int t;

		if (s->arg[k].kind != SCN_VALUE_VAR)
			continue;
		t = last_binder(b, nb, operand_scope(p, s, k), s->arg[k].var,
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
	w->labels = calloc(nactors, sizeof(*w->labels));
	w->fps = calloc(nactors, sizeof(*w->fps));
	w->digest = scn_digest_new(p);
	if (!w->prog || !w->pos || !w->deps || !w->start || !w->pc ||
	    !w->labels || !w->fps || !w->digest)
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
	free(w->labels);
	free(w->fps);
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
/* Footprints                                                           */
/* ------------------------------------------------------------------ */

static uint64_t scope_bit(int actor)
{
	return 1ull << ((unsigned int)actor % SCOPE_BITS);
}

/* The bit of an object (class, serial): hashed, so that objects made
 * later do not all pile on one bit. */
static uint64_t obj_bit(unsigned int cls, uint64_t serial)
{
	uint64_t x = (serial << 3 | cls) * 0x9e3779b97f4a7c15ull;

	return 1ull << (OBJ_BASE + (unsigned int)((x >> 40) % OBJ_BITS));
}

/* The bit of @heap: system and system_contig share the buddy. */
static uint64_t heap_bit(const struct kion_device *dev,
			 const struct heap *heap)
{
	enum heap_type t = heap_type(heap);
	unsigned int i;

	if (t == HEAP_TYPE_SYSTEM || t == HEAP_TYPE_SYSTEM_CONTIG)
		return 1ull << HEAP_BASE;
	for (i = 0; i < dev->nheaps && dev->heaps[i] != heap; i++)
		;
	return 1ull << (HEAP_BASE + 1 + i % (HEAP_BITS - 1));
}

static uint64_t buffer_bits(const struct kion_device *dev,
			    const struct kion_buffer *b)
{
	return b ? obj_bit(OBJ_BUFFER, b->serial) | heap_bit(dev, b->heap) : 0;
}

static uint64_t dmabuf_bits(const struct kion_device *dev,
			    const struct kion_dmabuf *db)
{
	if (!db)
		return 0;
	return obj_bit(OBJ_DMABUF, db->serial) | buffer_bits(dev, db->buffer);
}

/* A client, and with @deep every buffer its handles hold (a release
 * destroys them all). */
static uint64_t client_bits(const struct kion_device *dev,
			    struct kion_client *c, bool deep)
{
	struct kion_handle *h;
	uint64_t fp;

	if (!c)
		return 0;
	fp = obj_bit(OBJ_CLIENT, c->serial);
	if (deep)
		RB_FOREACH(h, kion_handle_by_id, &c->idr)
			fp |= buffer_bits(dev, h->buffer);
	return fp;
}

static uint64_t file_bits(const struct scn_world *w, struct sim_file *f,
			  bool deep)
{
	const struct kion_device *dev = w->run->dev;

	if (!f || f == sim_tty(w->run->m))
		return 0;
	if (kion_dmabuf_from_file(f))
		return dmabuf_bits(dev, kion_dmabuf_from_file(f));
	if (kion_client_from_file(f))
		return client_bits(dev, kion_client_from_file(f), deep);
	if (f->ops == &kion_dmaheap_fops)
		return obj_bit(OBJ_FILE, f->ino) |
		       heap_bit(dev, ((struct kion_dmaheap *)
				      f->private_data)->heap);
	return obj_bit(OBJ_FILE, f->ino);
}

struct proc_walk {
	const struct scn_world *w;
	uint64_t fp;
};

static int fd_bits(struct sim_proc *p, int fd, struct sim_file *f, void *ctx)
{
	struct proc_walk *pw = ctx;

	pw->fp |= file_bits(pw->w, f, true);
	return 0;
}

static int vma_bits(struct sim_vma *vma, void *ctx)
{
	struct proc_walk *pw = ctx;

	pw->fp |= file_bits(pw->w, vma->file, true);
	return 0;
}

/* Every file of @p, as far as releasing them reaches. */
static uint64_t proc_bits(const struct scn_world *w, struct sim_proc *p)
{
	struct proc_walk pw = { w, 0 };

	if (!p || !sim_proc_alive(p))
		return 0;
	sim_fd_foreach(p, fd_bits, &pw);
	sim_vma_foreach(p, vma_bits, &pw);
	return pw.fp;
}

/* The buffer behind handle @id of client @c, with the client. */
static uint64_t handle_bits(const struct kion_device *dev,
			   struct kion_client *c, int64_t id)
{
	struct kion_handle *h;

	if (!c)
		return 0;
	h = id >= 0 && id <= INT32_MAX ? scn_run_handle(c, (int)id) : NULL;
	return client_bits(dev, c, false) |
	       buffer_bits(dev, h ? h->buffer : NULL);
}

/* What a variable of scope @scope stands for. */
static uint64_t var_bits(const struct scn_world *w, int scope,
			 const struct scn_var *v, bool deep)
{
	struct scn_run *run = w->run;
	struct sim_proc *proc = scn_run_proc(run, scope);
	struct sim_vma *vma;

	switch (v->kind) {
	case SCN_VAR_FD:
		return proc ? file_bits(w, sim_fd_peek(proc, (int)v->value),
					deep) : 0;
	case SCN_VAR_HANDLE:
		return proc ? handle_bits(run->dev, kion_client_from_file(
				sim_fd_peek(proc, v->aux)), v->value) : 0;
	case SCN_VAR_MAPPING:
		vma = proc ? sim_vma_find_uaddr(proc, (uint64_t)v->value) : NULL;
		return vma ? file_bits(w, vma->file, deep) : 0;
	case SCN_VAR_CLIENT:
		return client_bits(run->dev, scn_run_client(run, (int)v->value),
				   deep);
	case SCN_VAR_KHANDLE:
		return handle_bits(run->dev, scn_run_client(run, v->aux),
				   v->value);
	case SCN_VAR_GET:
		return v->value >= 0 && v->value < run->ngets ?
		       dmabuf_bits(run->dev, run->gets[v->value].db) : 0;
	case SCN_VAR_ATTACH:
		return v->value >= 0 && v->value < run->natts ?
		       dmabuf_bits(run->dev, run->atts[v->value].db) : 0;
	default:
		return 0;
	}
}

/* Steps that may release a whole client or every file of a process. */
static bool reaches_deep(enum scn_op op)
{
	return op == SCN_OP_CLOSE || op == SCN_OP_EXIT || op == SCN_OP_FORK ||
	       op == SCN_OP_KDESTROY;
}

/* What the operands of @s stand for. */
static uint64_t operand_bits(const struct scn_world *w,
			     const struct scn_step *s)
{
	const struct scn_program *p = w->p;
	bool deep = reaches_deep(s->op);
	uint64_t fp = 0;
	unsigned int i;

	for (i = 0; i < SCN_MAX_ARGS; i++) {
		int scope = operand_scope(p, s, i);
		const struct scn_var *vars;

		if (s->arg[i].kind == SCN_VALUE_INT)
			fp |= proc_bits(w, scn_run_proc(w->run, scope));
		if (s->arg[i].kind != SCN_VALUE_VAR || scope < 0)
			continue;
		vars = scn_run_vars(w->run, scope);
		if (vars)
			fp |= var_bits(w, scope, &vars[s->arg[i].var], deep);
	}
	return fp;
}

/* Every heap of an allocation's mask. */
static uint64_t mask_bits(const struct kion_device *dev, unsigned int mask)
{
	uint64_t fp = 0;
	unsigned int i;

	for (i = 0; i < dev->nheaps; i++)
		if (mask >> (heap_id(dev->heaps[i]) & 31) & 1)
			fp |= heap_bit(dev, dev->heaps[i]);
	return fp;
}

/* The footprint of step @i in the current state. */
static uint64_t footprint(const struct scn_world *w, unsigned int i)
{
	const struct scn_step *s = &w->p->steps[i];
	struct kion_device *dev = w->run->dev;
	int scope = scope_of(w->p, s->actor);
	uint64_t fp = scope_bit(scope) | operand_bits(w, s);
	struct heap *heap;

	if (s->other >= 0)
		fp |= scope_bit(s->other);
	switch (s->op) {
	case SCN_OP_ALLOC:
	case SCN_OP_KALLOC:
		return fp | mask_bits(dev, s->heap_mask);
	case SCN_OP_DRAIN:
	case SCN_OP_SHRINK:
		heap = kion_heap_by_name(dev, s->name);
		return heap ? fp | heap_bit(dev, heap) : fp;
	case SCN_OP_FORK:
		/* a fork takes a reference on every file, as exit drops one */
		return fp | FORK_BIT | proc_bits(w, scn_run_proc(w->run, scope));
	case SCN_OP_EXIT:
		return fp | proc_bits(w, scn_run_proc(w->run, scope));
	default:
		return fp;
	}
}

static unsigned int planned_step_done(const struct scn_world *w);

/* ------------------------------------------------------------------ */
/* Decisions: the explorer's, or a counterexample's                   */
/* ------------------------------------------------------------------ */

/* The index among the @n enabled actors of the one @plan runs next, or
 * -1 when the plan has no step left or names an actor that cannot
 * move. */
static int planned_actor(struct scn_world *w, unsigned int n)
{
	unsigned int k, at;

	for (at = w->at; at < w->nplan; at++)
		if (w->plan[at].kind == SCN_CEX_STEP)
			break;
	if (at == w->nplan)
		return -1;
	for (k = 0; k < n; k++)
		if ((int)w->labels[k] == w->p->steps[w->plan[at].step].actor)
			return (int)k;
	return -1;
}

/* Which enabled actor moves next: -1 to stop this execution. */
static int choose_actor(struct scn_world *w, unsigned int n)
{
	if (w->plan)
		return planned_actor(w, n);
	return sim_explore_choose(w->e, SIM_CHOICE_SCHEDULE, n, w->labels,
				  w->fps);
}

/* Whether the plan injects a fault at this fault point of @kind. */
static int planned_fault(struct scn_world *w, enum sim_fault_kind kind)
{
	const struct scn_cex_entry *f = w->at < w->nplan ? &w->plan[w->at]
							  : NULL;

	if (!f || f->kind != SCN_CEX_FAULT || f->step != w->cur_step ||
	    f->fault != kind || f->nth != w->points[kind])
		return 0;
	w->at++;
	return 1;
}

/* Whether this fault point fails: 1, 0, or -1 to stop. */
static int choose_fault(struct scn_world *w, enum sim_fault_kind kind)
{
	unsigned int labels[2] = { kind, kind };

	if (w->plan)
		return planned_fault(w, kind);
	return sim_explore_choose(w->e, SIM_CHOICE_FAULT, 2, labels, NULL);
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

/* Fills labels and footprints with the enabled actors; their count. */
static unsigned int enabled(struct scn_world *w)
{
	unsigned int a, n = 0;

	for (a = 0; a < w->p->nactors; a++) {
		unsigned int i;

		if (w->start[a] + w->pc[a] >= w->start[a + 1])
			continue;
		i = w->prog[w->start[a] + w->pc[a]];
		if (!waits_done(w, i))
			continue;
		w->labels[n] = a;
		w->fps[n] = w->plan ? 0 : footprint(w, i);
		n++;
	}
	return n;
}

/* Appends @entry to this execution's log; -ENOMEM leaves it out, and
 * stops the search at the next step. */
static void log_add(struct scn_world *w, const struct scn_cex_entry *entry)
{
	if (scn_run_table_grow((void **)&w->log, w->nlog, &w->log_cap,
			       sizeof(*w->log))) {
		w->error = -ENOMEM;
		return;
	}
	w->log[w->nlog++] = *entry;
}

/* The fault hook (sim_fault_set_hook): every fault point is a decision
 * of the explorer's, within its fault bound. */
static bool fault_hook(void *ctx, enum sim_fault_kind kind)
{
	struct scn_world *w = ctx;
	struct scn_cex_entry entry = { .kind = SCN_CEX_FAULT };
	int k;

	if ((unsigned int)kind >= SIM_FAULT_NKINDS || w->cut)
		return false;
	w->points[kind]++;
	k = choose_fault(w, kind);
	if (k < 0)
		w->cut = true;
	if (k != 1)
		return false;
	entry.step = w->cur_step;
	entry.fault = kind;
	entry.nth = w->points[kind];
	log_add(w, &entry);
	w->injected++;
	return true;
}

/* The step hook: the result of the step that just ran. */
static void on_step(void *ctx, struct scn_run *run, const struct scn_event *ev)
{
	struct scn_world *w = ctx;

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

/* A violation: told to the explorer, or, replaying a plan, kept with
 * this execution's log as the counterexample.  Returns 1, or -ENOMEM. */
static int violation(struct scn_world *w, const struct scn_finding *f,
		     bool at_end)
{
	struct scn_cex *cex = &w->cex;
	char why[sizeof(cex->why)];

	describe(w, f, why, sizeof(why));
	if (!w->plan) {
		sim_explore_violation(w->e, "%s", why);
		return 1;
	}
	memcpy(cex->why, why, sizeof(why));
	free(cex->entries);
	cex->entries = malloc((w->nlog ? w->nlog : 1) * sizeof(*w->log));
	if (!cex->entries)
		return -ENOMEM;
	memcpy(cex->entries, w->log, w->nlog * sizeof(*w->log));
	cex->n = w->nlog;
	cex->found = true;
	cex->at_end = at_end;
	cex->finding = *f;
	return 1;
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
			return violation(w, &rep->findings[i], at_end);
	return 0;
}

/* Runs actor @a's next step and judges it: 1, 0 or -errno. */
static int exec_next(struct scn_world *w, unsigned int a)
{
	unsigned int i = w->prog[w->start[a] + w->pc[a]];
	struct scn_cex_entry entry = { .kind = SCN_CEX_STEP, .step = i };
	char who[80];

	w->cur_step = i;
	memset(w->points, 0, sizeof(w->points));
	memset(&w->last, 0, sizeof(w->last));
	if (scn_run_exec(w->run, i) == -ESRCH) {
		/* its fork ran and failed: replay skips it the same way */
		scn_run_step_words(w->run, &w->p->steps[i], who, sizeof(who));
		scn_run_finding(w->run, SCN_FIND_SKIPPED, &w->p->steps[i],
				"%s skipped: process %s was never created",
				who, w->p->actors[a].name);
		w->last.skipped = true;
	}
	w->pc[a]++;
	if (!w->last.skipped && !w->last.err &&
	    scn_digest_wrote(w->digest, w->run, i))
		w->error = -ENOMEM;
	entry.err = w->last.err;
	entry.ret = w->last.ret;
	entry.skipped = w->last.skipped;
	log_add(w, &entry);
	if (w->plan)
		w->at = planned_step_done(w);
	if (w->error || w->cut)
		return w->error;
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
	if (w->plan || !sim_explore_wants_state(w->e))
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
		k = choose_actor(w, n);
		if (k < 0)
			return 2;
		ret = exec_next(w, w->labels[k]);
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
	scn_run_finish(w->run);
	ret = judge(w, true);
	left = scn_run_free(w->run);
	w->run = NULL;
	if (ret || !left)
		return ret;
	snprintf(f.msg, sizeof(f.msg), "%lu kernel objects outlived the "
		 "machine (the model leaked)", left);
	return violation(w, &f, true);
}

/* One execution from boot: 0, 1 (a violation), or a negative errno. */
static int execute(struct scn_world *w)
{
	struct scn_hooks hooks = { .ctx = w, .step = on_step };
	int err = 0, ret;

	memset(w->pc, 0, w->p->nactors * sizeof(*w->pc));
	w->judged = 0;
	w->injected = 0;
	w->cut = false;
	w->error = 0;
	w->nlog = 0;
	scn_digest_begin(w->digest);
	w->run = scn_run_new(w->p, &hooks, &err);
	if (!w->run)
		return err < 0 ? err : -ENOMEM;
	if (w->opts.faults)
		sim_fault_set_hook(w->run->m, fault_hook, w);
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

/* ------------------------------------------------------------------ */
/* Counterexamples                                                      */
/* ------------------------------------------------------------------ */

/* The plan's place after the step just run: past its STEP entry. */
static unsigned int planned_step_done(const struct scn_world *w)
{
	unsigned int at = w->at;

	while (at < w->nplan && w->plan[at].kind != SCN_CEX_STEP)
		at++;
	return at < w->nplan ? at + 1 : at;
}

/* A schedule choice of a path: the step its actor runs next. */
static int path_step(const struct scn_world *w, unsigned int *pc,
		     unsigned int actor)
{
	if (actor >= w->p->nactors ||
	    w->start[actor] + pc[actor] >= w->start[actor + 1])
		return -EINVAL;
	return (int)w->prog[w->start[actor] + pc[actor]++];
}

/*
 * The plan of an explorer's path: each schedule choice becomes the step
 * its actor runs, each fault taken a FAULT entry before that step,
 * counted among the step's fault points of its kind (every fault point
 * is a decision, so the path holds them all).
 */
static int path_plan(const struct scn_world *w,
		     const struct sim_explore_choice *path, unsigned int len,
		     struct scn_cex_entry *plan, unsigned int *n)
{
	unsigned long points[SIM_FAULT_NKINDS] = { 0 };
	unsigned int *pc = calloc(w->p->nactors + 1, sizeof(*pc)), i;
	int step = -1;

	*n = 0;
	if (!pc)
		return -ENOMEM;
	for (i = 0; i < len && step != -EINVAL; i++) {
		const struct sim_explore_choice *c = &path[i];

		if (c->kind == SIM_CHOICE_SCHEDULE) {
			if (step >= 0)
				plan[(*n)++] = (struct scn_cex_entry){
					.kind = SCN_CEX_STEP,
					.step = (unsigned int)step };
			step = path_step(w, pc, c->label);
			memset(points, 0, sizeof(points));
		} else if (c->kind == SIM_CHOICE_FAULT && step >= 0 &&
			   c->label < SIM_FAULT_NKINDS) {
			points[c->label]++;
			if (c->value == 1)
				plan[(*n)++] = (struct scn_cex_entry){
					.kind = SCN_CEX_FAULT,
					.step = (unsigned int)step,
					.fault = (enum sim_fault_kind)c->label,
					.nth = points[c->label] };
		}
	}
	if (step >= 0)
		plan[(*n)++] = (struct scn_cex_entry){ .kind = SCN_CEX_STEP,
						      .step = (unsigned int)step };
	free(pc);
	return step == -EINVAL ? -EINVAL : 0;
}

/* scn_world_replay - see explore_world.h. */
int scn_world_replay(struct scn_world *w,
		     const struct sim_explore_choice *path, unsigned int len)
{
	struct scn_cex_entry *plan = calloc(len + 1, sizeof(*plan));
	unsigned int n;
	int ret;

	if (!plan)
		return -ENOMEM;
	ret = path_plan(w, path, len, plan, &n);
	if (ret == 0) {
		w->plan = plan;
		w->nplan = n;
		w->at = 0;
		ret = execute(w);
		w->plan = NULL;
	}
	free(plan);
	return ret;
}
