/*
 * tools/ionsim/out_json.c - `ionsim run`'s machine-readable outputs,
 * built with libjansson: --json (the summary of every file as one
 * document on stdout) and --events (one JSON object per executed step,
 * one per line).
 *
 * The JSON says what the text summary says, in the same words (errno
 * names, outcomes as written after `=>`, expressions as written after
 * `expect`), plus what the text leaves out for room: every finding's own
 * message, every heap figure.  Keys keep their insertion order, so the
 * bytes are stable; no pointer, time or hash order reaches them.
 *
 * Building a document can run out of memory at any json_* call.  Rather
 * than check each one, an object is built through struct jobj: the first
 * failure spoils it, later values are dropped, and the caller gets NULL
 * at the end instead of a document with holes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/tool.h"

/* Real numbers (frag, expected/actual) with enough digits to tell 0.25
 * from 0.2500001, without the binary noise of %.17g. */
#define JSON_FLAGS_DOC (JSON_INDENT(2) | JSON_REAL_PRECISION(9))
#define JSON_FLAGS_LINE (JSON_COMPACT | JSON_REAL_PRECISION(9))

/* An object being built: the first failure spoils it, and jobj_done
 * then gives NULL instead of a partial object. */
struct jobj {
	json_t *obj;
	bool spoiled;
};

static struct jobj jobj_new(void)
{
	struct jobj b = { .obj = json_object() };

	b.spoiled = b.obj == NULL;
	return b;
}

/* Sets @key of @b to @value (consumed, even on failure; NULL is a
 * failure: the value could not be made). */
static void put(struct jobj *b, const char *key, json_t *value)
{
	if (b->spoiled) {
		json_decref(value);
		return;
	}
	/* json_object_set_new consumes @value whatever it returns. */
	if (json_object_set_new(b->obj, key, value) < 0)
		b->spoiled = true;
}

/* The finished object (a new reference), or NULL when it is spoiled. */
static json_t *jobj_done(struct jobj *b)
{
	if (b->spoiled) {
		json_decref(b->obj);
		return NULL;
	}
	return b->obj;
}

static json_t *json_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* A number as an expression compares it: whole bytes and counts as
 * integers, fractions (frag) as reals. */
static json_t *json_number(double v)
{
	if (v > -9.2e18 && v < 9.2e18 && v == (double)(json_int_t)v)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* A string, or null for NULL. */
static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *json_errno_or_null(int err)
{
	char buf[16];

	return err ? json_string(tool_errno_name(err, buf, sizeof(buf))) :
		     json_null();
}

/* Appends @value (consumed) to @arr; false when either is missing. */
static bool append(json_t *arr, json_t *value)
{
	if (!arr || !value) {
		json_decref(value);
		return false;
	}
	return json_array_append_new(arr, value) == 0;
}

/* ------------------------------------------------------------------ */
/* Findings                                                             */
/* ------------------------------------------------------------------ */

/* What the step on the finding's line allowed, or the expression it
 * checked: the "expected" side in words. */
static json_t *finding_expected(const struct scn_program *p,
				const struct scn_finding *f)
{
	const struct scn_step *s = tool_step_at_line(p, f->line);
	char buf[200];

	if (!s)
		return json_null();
	if (f->kind == SCN_FIND_EXPECT || f->kind == SCN_FIND_FINAL) {
		tool_expr_str(p, &s->expr, buf, sizeof(buf));
		return json_string(buf);
	}
	if (f->kind == SCN_FIND_READ || f->kind == SCN_FIND_AUDIT ||
	    f->kind == SCN_FIND_LEAK)
		return json_null();
	tool_outcome_str(&s->outcome, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *finding_json(const struct scn_program *p,
			    const struct scn_finding *f)
{
	struct jobj o = jobj_new();
	bool numeric = f->kind == SCN_FIND_EXPECT || f->kind == SCN_FIND_FINAL;

	put(&o, "kind", json_string(tool_finding_kind(f->kind)));
	put(&o, "line", f->line ? json_integer(f->line) : json_null());
	put(&o, "actor", json_str_or_null(tool_actor_name(p,
								     f->actor)));
	put(&o, "op", f->op < SCN_OP_NOPS ? json_string(scn_op_name(f->op)) :
		      json_null());
	put(&o, "errno", json_errno_or_null(f->err));
	put(&o, "expected", finding_expected(p, f));
	put(&o, "expected_value", numeric ? json_number(f->expected) :
		      json_null());
	put(&o, "actual", numeric ? json_number(f->actual) : json_null());
	put(&o, "message", json_string(f->msg));
	return jobj_done(&o);
}

static json_t *findings_json(const struct tool_result *r)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr && i < r->rep->nfindings; i++)
		if (!append(arr, finding_json(r->prog, &r->rep->findings[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* ------------------------------------------------------------------ */
/* Counts and heaps                                                     */
/* ------------------------------------------------------------------ */

static json_t *counts_json(const struct scn_report *rep)
{
	struct jobj o = jobj_new();

	put(&o, "findings", json_integer(rep->nfindings));
	put(&o, "findings_dropped", json_u64(rep->findings_dropped));
	put(&o, "audit_violations",
		      json_integer(rep->audit_violations));
	put(&o, "live_buffers", json_integer(
			      (json_int_t)rep->counts.live_buffers));
	put(&o, "held", json_integer((json_int_t)rep->counts.held));
	put(&o, "orphaned",
		      json_integer((json_int_t)rep->counts.orphaned));
	put(&o, "leaks", json_integer((json_int_t)rep->counts.leaks));
	return jobj_done(&o);
}

static json_t *pool_pages_json(const struct heap_metrics *m)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr && i < HEAP_MAX_ORDERS; i++)
		if (!append(arr, json_integer((json_int_t)m->pool_pages[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *heap_json(const struct scn_heap_summary *h)
{
	const struct heap_metrics *m = &h->metrics;
	struct jobj o = jobj_new();

	put(&o, "name", json_string(h->name));
	put(&o, "size", json_u64(m->size));
	put(&o, "used", json_u64(m->used));
	put(&o, "free", json_u64(m->free));
	put(&o, "peak", json_u64(m->peak));
	put(&o, "largest_free", json_u64(m->largest_free));
	put(&o, "free_extents", json_u64(m->free_extents));
	put(&o, "frag", json_real(m->frag));
	put(&o, "waste", json_u64(m->waste));
	put(&o, "live", json_u64(m->live));
	put(&o, "allocs", json_u64(m->allocs));
	put(&o, "failures", json_u64(m->failures));
	put(&o, "frag_failures", json_u64(m->frag_failures));
	put(&o, "deferred", json_u64(m->deferred));
	put(&o, "deferred_buffers", json_u64(m->deferred_buffers));
	put(&o, "pool_pages", pool_pages_json(m));
	return jobj_done(&o);
}

static json_t *heaps_json(const struct scn_report *rep)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr && i < rep->nheaps; i++)
		if (!append(arr, heap_json(&rep->heaps[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

/* ------------------------------------------------------------------ */
/* The leak report                                                      */
/* ------------------------------------------------------------------ */

static const char *holder_kind(enum kion_holder_kind k)
{
	switch (k) {
	case KION_HOLDER_HANDLE: return "handle";
	case KION_HOLDER_KERNEL_CLIENT: return "kernel_client";
	case KION_HOLDER_FD: return "fd";
	case KION_HOLDER_MAPPING: return "mapping";
	case KION_HOLDER_INFLIGHT: return "in_flight";
	case KION_HOLDER_KERNEL_REF: return "kernel_ref";
	}
	return "?";
}

/* The fields that make sense for the holder's kind, and its words. */
static json_t *holder_json(const struct kion_holder *h)
{
	struct jobj o = jobj_new();
	char text[200];

	kion_holder_format(h, text, sizeof(text));
	put(&o, "kind", json_string(holder_kind(h->kind)));
	put(&o, "text", json_string(text));
	if (h->pid)
		put(&o, "pid", json_integer(h->pid));
	if (h->comm)
		put(&o, "comm", json_string(h->comm));
	if (h->kind == KION_HOLDER_FD || h->kind == KION_HOLDER_HANDLE)
		put(&o, "fd", json_integer(h->fd));
	if (h->kind == KION_HOLDER_HANDLE ||
	    h->kind == KION_HOLDER_KERNEL_CLIENT)
		put(&o, "handle", json_integer(h->handle));
	if (h->kind == KION_HOLDER_MAPPING)
		put(&o, "uaddr", json_u64(h->uaddr));
	if (h->token)
		put(&o, "message", json_integer(h->token));
	if (h->dmabuf)
		put(&o, "dmabuf", json_u64(h->dmabuf));
	if (h->kind == KION_HOLDER_KERNEL_REF)
		put(&o, "count", json_u64(h->count));
	return jobj_done(&o);
}

static json_t *holders_json(const struct kion_buffer_info *b)
{
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr && i < b->nholders; i++)
		if (!append(arr, holder_json(&b->holders[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *live_buffer_json(const struct kion_buffer_info *b)
{
	struct jobj o = jobj_new();

	put(&o, "buffer", json_u64(b->serial));
	put(&o, "class", json_string(kion_buffer_class_name(b->cls)));
	put(&o, "size", json_u64(b->size));
	put(&o, "heap", json_string(b->heap));
	put(&o, "line", b->alloc_tag ? json_integer(b->alloc_tag) :
		      json_null());
	put(&o, "pid", b->alloc_pid ? json_integer(b->alloc_pid) :
		      json_null());
	put(&o, "allocated_by", json_str_or_null(b->alloc_comm));
	put(&o, "ref", json_integer(b->ref));
	put(&o, "handle_count", json_integer(b->handle_count));
	put(&o, "holders", holders_json(b));
	return jobj_done(&o);
}

static int add_live_buffer(void *ctx, const struct kion_buffer_info *b)
{
	return append(ctx, live_buffer_json(b)) ? 0 : -ENOMEM;
}

static json_t *leak_report_json(const struct tool_result *r)
{
	json_t *arr = json_array();

	if (arr && kion_buffer_foreach_live(scn_run_device(r->run),
					    add_live_buffer, arr) != 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

static const char *result_word(int status)
{
	return status == TOOL_OK ? "pass" : status == TOOL_FOUND ? "fail" :
	       "error";
}

/* out_json_result - see tool.h. */
json_t *out_json_result(const struct tool_result *r)
{
	struct jobj o = jobj_new();

	put(&o, "file", json_string(r->path));
	put(&o, "status", json_integer(r->status));
	put(&o, "result", json_string(result_word(r->status)));
	put(&o, "steps_run", json_integer(r->rep->steps_run));
	put(&o, "counts", counts_json(r->rep));
	put(&o, "findings", findings_json(r));
	put(&o, "leak_report", leak_report_json(r));
	put(&o, "heaps", heaps_json(r->rep));
	return jobj_done(&o);
}

/* out_json_document - see tool.h. */
int out_json_document(FILE *out, json_t *files, int status)
{
	struct jobj b = jobj_new();
	json_t *doc;
	int ret = -EIO;

	put(&b, "ionsim", json_string(IONSIM_VERSION));
	put(&b, "status", json_integer(status));
	put(&b, "files", json_incref(files));
	doc = jobj_done(&b);
	if (doc && json_dumpf(doc, out, JSON_FLAGS_DOC) == 0 &&
	    fputc('\n', out) != EOF)
		ret = 0;
	json_decref(doc);
	return ret;
}

/* The allocation's fields: the buffer, where, and how big. */
static void event_allocation(struct jobj *o, const struct scn_event *ev)
{
	put(o, "buffer", json_u64(ev->buffer));
	put(o, "heap", json_str_or_null(ev->heap));
	put(o, "size", json_u64(ev->size));
	put(o, "contiguous", json_boolean(ev->contiguous));
	if (ev->contiguous)
		put(o, "phys", json_u64(ev->phys));
}

static json_t *event_json(const char *path, const struct scn_program *prog,
			  const struct scn_event *ev)
{
	const struct scn_step *s = ev->step;
	struct jobj o = jobj_new();

	put(&o, "file", json_string(path));
	put(&o, "step", json_integer(ev->index + 1));
	put(&o, "line", json_integer(s->line));
	put(&o, "actor", json_str_or_null(tool_actor_name(prog,
								     s->actor)));
	put(&o, "op", json_string(scn_op_name(s->op)));
	put(&o, "ret", json_integer(ev->ret));
	put(&o, "errno", json_errno_or_null(ev->err));
	put(&o, "allowed", json_boolean(ev->allowed));
	put(&o, "skipped", json_boolean(ev->skipped));
	if (ev->buffer)
		event_allocation(&o, ev);
	return jobj_done(&o);
}

/* out_json_event - see tool.h. */
int out_json_event(FILE *out, const char *path,
		   const struct scn_program *prog,
		   const struct scn_event *ev)
{
	json_t *o = event_json(path, prog, ev);
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (json_dumpf(o, out, JSON_FLAGS_LINE) < 0 || fputc('\n', out) == EOF)
		ret = -EIO;
	json_decref(o);
	return ret;
}
