/*
 * scenarios/lang/expect.c - the terms of expect and final expressions,
 * evaluated against the running model, and their comparison.
 *
 * Most terms are counters the model keeps anyway (live_buffers, a heap's
 * metrics, a process's fd and mapping counts) and cost nothing to read.
 * leaks and orphaned need the reference walk of the leak report
 * (kion_buffer_counts), which visits the whole world: fine for an expect,
 * not something to run per step.  refs looks through a variable to the
 * buffer behind it, by the variable's kind: an fd's dma-buf, a handle in
 * the client it was made in, a mapping's file, a driver's handle, get or
 * attachment.  A variable with nothing behind it any more (a closed fd,
 * a freed handle) has refs 0, as a buffer that is gone has no references.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/interp.h"

/* ------------------------------------------------------------------ */
/* Heap terms                                                           */
/* ------------------------------------------------------------------ */

static bool heap_term(struct scn_run *run, const struct scn_expr *e,
		      double *out, const char **why)
{
	struct heap *heap = kion_heap_by_name(run->dev, e->heap);
	struct heap_metrics mt;

	if (!heap) {
		*why = "no such heap";
		return false;
	}
	heap_metrics(heap, &mt);
	switch (e->term) {
	case SCN_TERM_USED:
		*out = (double)mt.used;
		break;
	case SCN_TERM_FREE:
		*out = (double)mt.free;
		break;
	case SCN_TERM_FRAG:
		*out = mt.frag;
		break;
	case SCN_TERM_LARGEST_FREE:
		*out = (double)mt.largest_free;
		break;
	case SCN_TERM_FAILURES:
		*out = (double)mt.failures;
		break;
	case SCN_TERM_FRAG_FAILURES:
		*out = (double)mt.frag_failures;
		break;
	default:
		*out = (double)mt.peak;
		break;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* refs PROC VAR                                                        */
/* ------------------------------------------------------------------ */

/* The buffer behind a mapping that starts at @uaddr. */
static struct kion_buffer *mapping_buffer(struct sim_proc *p, uint64_t uaddr)
{
	struct sim_vma *vma = p ? sim_vma_find_uaddr(p, uaddr) : NULL;
	struct kion_dmabuf *db;

	if (!vma || vma->uaddr != uaddr)
		return NULL;
	db = kion_dmabuf_from_file(vma->file);
	return db ? db->buffer : NULL;
}

/* The buffer behind handle @id of the client on @p's /dev/ion fd @ion. */
static struct kion_buffer *handle_buffer(struct sim_proc *p, int ion,
					 int64_t id)
{
	struct kion_client *client;
	struct kion_handle *h;

	client = p ? kion_client_from_file(sim_fd_peek(p, ion)) : NULL;
	h = client && id >= 0 && id <= INT32_MAX ?
		scn_run_handle(client, (int)id) : NULL;
	return h ? h->buffer : NULL;
}

/* A driver's handle: in the client of slot @slot. */
static struct kion_buffer *khandle_buffer(struct scn_run *run, int slot,
					  int64_t id)
{
	struct kion_client *client = scn_run_client(run, slot);
	struct kion_handle *h;

	h = client && id >= 0 && id <= INT32_MAX ?
		scn_run_handle(client, (int)id) : NULL;
	return h ? h->buffer : NULL;
}

/* A row of the gets or attachments table: its dma-buf's buffer while the
 * row still pins it. */
static struct kion_buffer *slot_buffer(struct scn_run *run,
				       enum scn_var_kind kind, int64_t slot)
{
	struct kion_dmabuf *db = NULL;

	if (kind == SCN_VAR_GET && slot >= 0 && slot < run->ngets)
		db = run->gets[slot].db;
	if (kind == SCN_VAR_ATTACH && slot >= 0 && slot < run->natts)
		db = run->atts[slot].att ? run->atts[slot].db : NULL;
	return db ? db->buffer : NULL;
}

/* The buffer behind variable @v of actor @actor's process, or NULL. */
static struct kion_buffer *var_buffer(struct scn_run *run, int actor,
				      const struct scn_var *v)
{
	struct sim_proc *p = scn_run_proc(run, actor);

	switch ((enum scn_var_kind)v->kind) {
	case SCN_VAR_FD:
		return p && v->value >= 0 && v->value <= INT32_MAX ?
			scn_run_fd_buffer(p, (int)v->value) : NULL;
	case SCN_VAR_HANDLE:
		return handle_buffer(p, v->aux, v->value);
	case SCN_VAR_MAPPING:
		return mapping_buffer(p, (uint64_t)v->value);
	case SCN_VAR_KHANDLE:
		return khandle_buffer(run, v->aux, v->value);
	case SCN_VAR_GET:
	case SCN_VAR_ATTACH:
		return slot_buffer(run, (enum scn_var_kind)v->kind, v->value);
	default:
		return NULL;
	}
}

static double refs_term(struct scn_run *run, const struct scn_expr *e)
{
	const struct scn_var *vars = scn_run_vars(run, e->actor);
	struct kion_buffer *b = vars ? var_buffer(run, e->actor, &vars[e->var])
				     : NULL;

	return b ? (double)b->ref : 0;
}

/* ------------------------------------------------------------------ */
/* handles, fds, mappings of an actor                                   */
/* ------------------------------------------------------------------ */

/* A sum of handles over the distinct clients a process's fds reach. */
struct handle_sum {
	struct sim_proc *p;
	unsigned long handles;
};

/* Whether an fd below @fd refers to @f already (dup'ed or sent twice):
 * its client was counted there. */
static bool seen_below(struct sim_proc *p, int fd, const struct sim_file *f)
{
	int i;

	for (i = 0; i < fd; i++)
		if (sim_fd_peek(p, i) == f)
			return true;
	return false;
}

static int add_client_handles(struct sim_proc *p, int fd, struct sim_file *f,
			      void *ctx)
{
	struct handle_sum *sum = ctx;
	struct kion_client *client = kion_client_from_file(f);

	if (client && !seen_below(p, fd, f))
		sum->handles += client->nhandles;
	return 0;
}

/* A driver's handles: over the clients it made and has not destroyed. */
static unsigned long driver_handles(struct scn_run *run, int actor)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < run->nclients; i++)
		if (run->clients[i].client && run->clients[i].actor == actor)
			n += run->clients[i].client->nhandles;
	return n;
}

static double handles_term(struct scn_run *run, int actor)
{
	struct handle_sum sum = { .p = scn_run_proc(run, actor) };
	int owner = run->rt[actor].owner;

	if (run->p->actors[owner].kind == SCN_ACTOR_DRIVER)
		return (double)driver_handles(run, owner);
	if (sum.p)
		sim_fd_foreach(sum.p, add_client_handles, &sum);
	return (double)sum.handles;
}

static double proc_count(struct scn_run *run, const struct scn_expr *e)
{
	struct sim_proc *p = scn_run_proc(run, e->actor);

	if (!p)
		return 0;
	if (e->term == SCN_TERM_FDS)
		return sim_fd_count(p);
	return sim_vma_count(p);
}

/* ------------------------------------------------------------------ */
/* Evaluating and comparing                                             */
/* ------------------------------------------------------------------ */

static bool buffer_class_term(struct scn_run *run, enum scn_term term,
			      double *out, const char **why)
{
	struct kion_buffer_counts counts;

	if (kion_buffer_counts(run->dev, &counts) < 0) {
		*why = "the reference walk ran out of memory";
		return false;
	}
	*out = (double)(term == SCN_TERM_LEAKS ? counts.leaks
					       : counts.orphaned);
	return true;
}

/* scn_run_term_value - see interp.h. */
bool scn_run_term_value(struct scn_run *run, const struct scn_expr *e,
			double *out, const char **why)
{
	switch (e->term) {
	case SCN_TERM_LIVE_BUFFERS:
		*out = (double)run->dev->nbuffers;
		return true;
	case SCN_TERM_LEAKS:
	case SCN_TERM_ORPHANED:
		return buffer_class_term(run, e->term, out, why);
	case SCN_TERM_REFS:
		*out = refs_term(run, e);
		return true;
	case SCN_TERM_HANDLES:
		*out = handles_term(run, e->actor);
		return true;
	case SCN_TERM_FDS:
	case SCN_TERM_MAPPINGS:
		*out = proc_count(run, e);
		return true;
	default:
		return heap_term(run, e, out, why);
	}
}

static bool compare(double a, enum scn_cmp cmp, double b)
{
	switch (cmp) {
	case SCN_EQ:
		return a == b;
	case SCN_NE:
		return a != b;
	case SCN_LT:
		return a < b;
	case SCN_LE:
		return a <= b;
	case SCN_GT:
		return a > b;
	default:
		return a >= b;
	}
}

static const char *const term_names[] = {
	[SCN_TERM_LIVE_BUFFERS] = "live_buffers", [SCN_TERM_LEAKS] = "leaks",
	[SCN_TERM_ORPHANED] = "orphaned", [SCN_TERM_USED] = "used",
	[SCN_TERM_FREE] = "free", [SCN_TERM_FRAG] = "frag",
	[SCN_TERM_LARGEST_FREE] = "largest_free",
	[SCN_TERM_FAILURES] = "failures",
	[SCN_TERM_FRAG_FAILURES] = "frag_failures", [SCN_TERM_PEAK] = "peak",
	[SCN_TERM_REFS] = "refs", [SCN_TERM_HANDLES] = "handles",
	[SCN_TERM_FDS] = "fds", [SCN_TERM_MAPPINGS] = "mappings",
};

static const char *const cmp_names[] = {
	[SCN_EQ] = "==", [SCN_NE] = "!=", [SCN_LT] = "<",
	[SCN_LE] = "<=", [SCN_GT] = ">", [SCN_GE] = ">=",
};

/* The expression as it was written, near enough: "used carveout == 1M"
 * comes back as "used carveout == 1048576". */
static void expr_text(const struct scn_run *run, const struct scn_expr *e,
		      char *buf, size_t len)
{
	const struct scn_program *p = run->p;
	const char *term = (unsigned int)e->term < sizeof(term_names) /
		sizeof(term_names[0]) ? term_names[e->term] : "?";
	const char *cmp = (unsigned int)e->cmp < 6 ? cmp_names[e->cmp] : "?";

	if (e->term == SCN_TERM_REFS)
		snprintf(buf, len, "%s %s %s %s %.15g", term,
			 p->actors[e->actor].name, p->vars[e->var], cmp,
			 e->number);
	else if (e->term >= SCN_TERM_HANDLES)
		snprintf(buf, len, "%s %s %s %.15g", term,
			 p->actors[e->actor].name, cmp, e->number);
	else if (e->term >= SCN_TERM_USED)
		snprintf(buf, len, "%s %s %s %.15g", term, e->heap, cmp,
			 e->number);
	else
		snprintf(buf, len, "%s %s %.15g", term, cmp, e->number);
}

/* scn_run_expr_check - see interp.h. */
bool scn_run_expr_check(struct scn_run *run, const struct scn_step *s,
			const struct scn_expr *e, enum scn_finding_kind kind)
{
	const char *word = kind == SCN_FIND_FINAL ? "final" : "expect";
	const char *why = "";
	struct scn_finding *f;
	char text[120];
	double value;

	if (!scn_run_term_value(run, e, &value, &why)) {
		expr_text(run, e, text, sizeof(text));
		scn_run_finding(run, kind, s, "%s %s: cannot be evaluated: %s",
				word, text, why);
		return false;
	}
	if (compare(value, e->cmp, e->number))
		return true;
	expr_text(run, e, text, sizeof(text));
	f = scn_run_finding(run, kind, s, "%s %s does not hold: it is %.15g",
			    word, text, value);
	if (f) {
		f->expected = e->number;
		f->actual = value;
	}
	return false;
}
