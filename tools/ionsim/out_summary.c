/*
 * tools/ionsim/out_summary.c - what `ionsim run` prints for people: the
 * one-screen summary of each replayed file, and the --explain narration.
 *
 * The summary answers, in this order: did the steps do what the file
 * said they would (unexpected outcomes), did the expectations hold, is
 * the audit clean, which buffers are still alive and who holds them (the
 * leak report, in the spirit of valgrind's), and how each heap fared.
 * Sizes are written as the scenario language writes them (1M), so a
 * reader can paste them back into an expect line.
 *
 * The narration tells each step as a teacher would: the line as written,
 * the kernel functions it went through with the references that moved
 * (the model's trace hook), and the result.  Trace lines arrive while the
 * step runs and its event only afterwards, so they wait in a buffer.
 *
 * The words both outputs share (errno names, outcomes, expressions) live
 * here too, so that the JSON says exactly what the text says.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/tool.h"

/* ------------------------------------------------------------------ */
/* Shared words                                                         */
/* ------------------------------------------------------------------ */

/* tool_errno_name - see tool.h. */
const char *tool_errno_name(int err, char *buf, size_t len)
{
	const char *name;

	if (err < 0)
		err = -err;
	/* The language's own table: the names `=>` accepts. */
	name = scn_errno_name(err);
	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

/* tool_size_str - see tool.h. */
void tool_size_str(uint64_t bytes, char *buf, size_t len)
{
	static const char suffix[] = "GMK";
	unsigned int i;

	for (i = 0; i < 3 && bytes; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (bytes % unit == 0) {
			snprintf(buf, len, "%" PRIu64 "%c", bytes / unit,
				 suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64, bytes);
}

/* tool_number_str - see tool.h. */
void tool_number_str(double v, char *buf, size_t len)
{
	/* Expressions compare whole bytes or counts, and fractions such as
	 * frag; print each the way it would be written.  The range test
	 * comes first: converting a double that does not fit in int64_t is
	 * undefined. */
	if (v > -9.2e18 && v < 9.2e18 && v == (double)(int64_t)v)
		snprintf(buf, len, "%" PRId64, (int64_t)v);
	else
		snprintf(buf, len, "%.6g", v);
}

/* tool_outcome_str - see tool.h. */
void tool_outcome_str(const struct scn_outcome *o, char *buf, size_t len)
{
	char ename[16];
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	if (!o->given || o->ok)
		used += (size_t)snprintf(buf, len, "ok");
	for (i = 0; i < o->nerrnos && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used ? "|" : "",
					 tool_errno_name(o->errnos[i], ename,
							 sizeof(ename)));
}

static const char *term_name(enum scn_term t)
{
	switch (t) {
	case SCN_TERM_LIVE_BUFFERS: return "live_buffers";
	case SCN_TERM_LEAKS: return "leaks";
	case SCN_TERM_ORPHANED: return "orphaned";
	case SCN_TERM_USED: return "used";
	case SCN_TERM_FREE: return "free";
	case SCN_TERM_FRAG: return "frag";
	case SCN_TERM_LARGEST_FREE: return "largest_free";
	case SCN_TERM_FAILURES: return "failures";
	case SCN_TERM_FRAG_FAILURES: return "frag_failures";
	case SCN_TERM_PEAK: return "peak";
	case SCN_TERM_REFS: return "refs";
	case SCN_TERM_HANDLES: return "handles";
	case SCN_TERM_FDS: return "fds";
	case SCN_TERM_MAPPINGS: return "mappings";
	}
	return "?";
}

static const char *cmp_name(enum scn_cmp c)
{
	static const char *const names[] = { "==", "!=", "<", "<=", ">",
					     ">=" };

	return (unsigned int)c < 6 ? names[c] : "?";
}

/* The operand of a term, as written after it: a heap, a process, a
 * process and a variable, or nothing. */
static void term_operand(const struct scn_program *p,
			 const struct scn_expr *e, char *buf, size_t len)
{
	const char *actor = tool_actor_name(p, e->actor);

	buf[0] = '\0';
	switch (e->term) {
	case SCN_TERM_LIVE_BUFFERS:
	case SCN_TERM_LEAKS:
	case SCN_TERM_ORPHANED:
		return;
	case SCN_TERM_REFS:
		snprintf(buf, len, " %s %s", actor ? actor : "?",
			 e->var >= 0 && (unsigned int)e->var < p->nvars ?
			 p->vars[e->var] : "?");
		return;
	case SCN_TERM_HANDLES:
	case SCN_TERM_FDS:
	case SCN_TERM_MAPPINGS:
		snprintf(buf, len, " %s", actor ? actor : "?");
		return;
	default:
		snprintf(buf, len, " %s", e->heap);
		return;
	}
}

/* tool_expr_str - see tool.h. */
void tool_expr_str(const struct scn_program *p, const struct scn_expr *e,
		   char *buf, size_t len)
{
	char operand[2 * SCN_NAME_MAX + 8], num[40];

	term_operand(p, e, operand, sizeof(operand));
	tool_number_str(e->number, num, sizeof(num));
	snprintf(buf, len, "%s%s %s %s", term_name(e->term), operand,
		 cmp_name(e->cmp), num);
}

/* tool_finding_kind - see tool.h. */
const char *tool_finding_kind(enum scn_finding_kind kind)
{
	switch (kind) {
	case SCN_FIND_UNEXPECTED_FAILURE: return "unexpected_failure";
	case SCN_FIND_UNEXPECTED_SUCCESS: return "unexpected_success";
	case SCN_FIND_WRONG_ERRNO: return "wrong_errno";
	case SCN_FIND_EXPECT: return "expect";
	case SCN_FIND_FINAL: return "final";
	case SCN_FIND_READ: return "read";
	case SCN_FIND_AUDIT: return "audit";
	case SCN_FIND_LEAK: return "leak";
	case SCN_FIND_SKIPPED: return "skipped";
	}
	return "?";
}

/* tool_step_at_line - see tool.h. */
const struct scn_step *tool_step_at_line(const struct scn_program *p,
					 unsigned int line)
{
	unsigned int lo = 0, hi = p->nsteps, mid;

	/* Steps are in file order, one per line: their lines increase, and
	 * a long trace's thousands of findings each look one up. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->steps[mid].line == line)
			return &p->steps[mid];
		if (p->steps[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* tool_actor_name - see tool.h. */
const char *tool_actor_name(const struct scn_program *p, int actor)
{
	if (actor < 0 || (unsigned int)actor >= p->nactors)
		return NULL;
	return p->actors[actor].name;
}

/* tool_read_all - see tool.h. */
char *tool_read_all(FILE *f, size_t *len)
{
	size_t cap = 8192, got;
	char *text = malloc(cap), *bigger;

	*len = 0;
	while (text) {
		got = fread(text + *len, 1, cap - *len - 1, f);
		*len += got;
		if (got == 0)
			break;
		if (cap - *len - 1 > 0)
			continue;
		bigger = realloc(text, cap *= 2);
		if (!bigger)
			free(text);
		text = bigger;
	}
	if (text)
		text[*len] = '\0';
	return text;
}

/* ------------------------------------------------------------------ */
/* The summary                                                          */
/* ------------------------------------------------------------------ */

/* Lines per list: a long trace's summary must still fit a screen; the
 * JSON has every entry. */
#define LIST_MAX 20

typedef bool (*finding_pick_fn)(enum scn_finding_kind k);
typedef void (*finding_print_fn)(FILE *out, const struct scn_program *p,
				 const struct scn_finding *f);

static bool is_outcome_finding(enum scn_finding_kind k)
{
	return k == SCN_FIND_UNEXPECTED_FAILURE ||
	       k == SCN_FIND_UNEXPECTED_SUCCESS || k == SCN_FIND_WRONG_ERRNO ||
	       k == SCN_FIND_SKIPPED;
}

static bool is_expectation_finding(enum scn_finding_kind k)
{
	return k == SCN_FIND_EXPECT || k == SCN_FIND_FINAL ||
	       k == SCN_FIND_READ;
}

static bool is_audit_finding(enum scn_finding_kind k)
{
	return k == SCN_FIND_AUDIT;
}

static unsigned int count_findings(const struct scn_report *rep,
				   finding_pick_fn pick)
{
	unsigned int i, n = 0;

	for (i = 0; i < rep->nfindings; i++)
		n += pick(rep->findings[i].kind);
	return n;
}

/* "line 9: camera free: EINVAL, expected ok". */
static void print_outcome(FILE *out, const struct scn_program *p,
			  const struct scn_finding *f)
{
	const struct scn_step *s = tool_step_at_line(p, f->line);
	const char *actor = tool_actor_name(p, f->actor);
	char expected[SCN_MAX_ERRNOS * 16 + 8] = "ok", ename[16];

	if (s)
		tool_outcome_str(&s->outcome, expected, sizeof(expected));
	fprintf(out, "  line %u: %s%s%s: ", f->line, actor ? actor : "",
		actor ? " " : "", scn_op_name(f->op));
	if (f->kind == SCN_FIND_SKIPPED)
		fprintf(out, "skipped: %s\n", f->msg);
	else if (f->kind == SCN_FIND_UNEXPECTED_SUCCESS)
		fprintf(out, "succeeded, expected %s\n", expected);
	else
		fprintf(out, "%s, expected %s\n",
			tool_errno_name(f->err, ename, sizeof(ename)),
			expected);
}

/* "line 12: expect live_buffers == 1: actual 2", or the interpreter's
 * own words for a read (its bytes do not fit a number). */
static void print_expectation(FILE *out, const struct scn_program *p,
			      const struct scn_finding *f)
{
	const struct scn_step *s = tool_step_at_line(p, f->line);
	char expr[160], actual[40];

	if (f->kind == SCN_FIND_READ || !s) {
		fprintf(out, "  line %u: %s\n", f->line, f->msg);
		return;
	}
	tool_expr_str(p, &s->expr, expr, sizeof(expr));
	tool_number_str(f->actual, actual, sizeof(actual));
	fprintf(out, "  line %u: %s %s: actual %s\n", f->line,
		f->kind == SCN_FIND_FINAL ? "final" : "expect", expr, actual);
}

/* The audit's own words. */
static void print_audit(FILE *out, const struct scn_program *p,
			const struct scn_finding *f)
{
	fprintf(out, "  %s\n", f->msg);
}

/* The findings @pick selects, at most LIST_MAX of them. */
static void print_list(FILE *out, const struct tool_result *r,
		       finding_pick_fn pick, finding_print_fn print)
{
	const struct scn_report *rep = r->rep;
	unsigned int i, shown = 0;

	for (i = 0; i < rep->nfindings; i++) {
		if (!pick(rep->findings[i].kind))
			continue;
		if (shown++ == LIST_MAX) {
			fprintf(out, "  ... and %u more\n",
				count_findings(rep, pick) - LIST_MAX);
			return;
		}
		print(out, r->prog, &rep->findings[i]);
	}
}

static void print_findings(FILE *out, const struct tool_result *r)
{
	const struct scn_report *rep = r->rep;

	fprintf(out, "unexpected outcomes: %u\n",
		count_findings(rep, is_outcome_finding));
	print_list(out, r, is_outcome_finding, print_outcome);
	fprintf(out, "expectations failed: %u\n",
		count_findings(rep, is_expectation_finding));
	print_list(out, r, is_expectation_finding, print_expectation);
	fprintf(out, "audit violations: %u\n", rep->audit_violations);
	print_list(out, r, is_audit_finding, print_audit);
	if (rep->findings_dropped)
		fprintf(out, "(%lu more findings were counted, not kept)\n",
			rep->findings_dropped);
}

/* "buffer 2: 4K on system, line 10, pid 101 (sf): held". */
static void print_buffer_head(FILE *out, const struct kion_buffer_info *b)
{
	char size[32];

	tool_size_str(b->size, size, sizeof(size));
	fprintf(out, "  buffer %" PRIu64 ": %s on %s, allocated", b->serial,
		size, b->heap);
	if (b->alloc_tag)
		fprintf(out, " at line %u", b->alloc_tag);
	if (b->alloc_pid)
		fprintf(out, " by pid %d (%s)", b->alloc_pid, b->alloc_comm);
	else
		fprintf(out, " by kernel client %s", b->alloc_comm);
	fprintf(out, ": %s", kion_buffer_class_name(b->cls));
	if (b->cls == KION_BUFFER_LEAKED)
		fprintf(out, " (ref %u, handle_count %d, nothing reachable "
			"holds it)", b->ref, b->handle_count);
	fputc('\n', out);
}

/* Live buffers listed, and holders per buffer: the leaked ones come
 * first, being the ones a reader is looking for. */
#define LIVE_MAX 10
#define HOLDERS_MAX 5

/* The leak report's walk: where it prints, which class it lists in this
 * pass, how many it has shown. */
struct live_list {
	FILE *out;
	bool leaked;
	unsigned long shown;
};

static void print_holders(FILE *out, const struct kion_buffer_info *b)
{
	char holder[200];
	unsigned int i;

	for (i = 0; i < b->nholders && i < HOLDERS_MAX; i++) {
		kion_holder_format(&b->holders[i], holder, sizeof(holder));
		fprintf(out, "      held by %s\n", holder);
	}
	if (b->nholders > HOLDERS_MAX)
		fprintf(out, "      ... and %u more holders\n",
			b->nholders - HOLDERS_MAX);
}

static int print_live_buffer(void *ctx, const struct kion_buffer_info *b)
{
	struct live_list *l = ctx;

	if ((b->cls == KION_BUFFER_LEAKED) != l->leaked)
		return 0;
	if (l->shown == LIVE_MAX)
		return 1;	/* stops the walk: the rest is only counted */
	l->shown++;
	print_buffer_head(l->out, b);
	print_holders(l->out, b);
	return 0;
}

static void print_leak_report(FILE *out, const struct tool_result *r)
{
	const struct kion_buffer_counts *c = &r->rep->counts;
	struct kion_device *dev = scn_run_device(r->run);
	struct live_list l = { .out = out, .leaked = true };
	int ret;

	fprintf(out, "live buffers: %lu (held %lu, orphaned %lu, "
		"leaked %lu)\n", c->live_buffers, c->held, c->orphaned,
		c->leaks);
	ret = kion_buffer_foreach_live(dev, print_live_buffer, &l);
	l.leaked = false;
	if (ret >= 0)
		ret = kion_buffer_foreach_live(dev, print_live_buffer, &l);
	if (ret < 0)
		fputs("  (the list ran out of memory)\n", out);
	else if (c->live_buffers > l.shown)
		fprintf(out, "  ... and %lu more\n",
			c->live_buffers - l.shown);
}

static void print_heaps(FILE *out, const struct scn_report *rep)
{
	unsigned int i;

	fprintf(out, "%-16s %10s %8s %13s %6s %12s\n", "heap", "peak",
		"failures", "frag_failures", "frag", "largest_free");
	for (i = 0; i < rep->nheaps; i++) {
		const struct heap_metrics *m = &rep->heaps[i].metrics;
		char peak[32], largest[32];

		tool_size_str(m->peak, peak, sizeof(peak));
		tool_size_str(m->largest_free, largest, sizeof(largest));
		fprintf(out, "%-16s %10s %8lu %13lu %6.3f %12s\n",
			rep->heaps[i].name, peak, m->failures,
			m->frag_failures, m->frag, largest);
	}
}

/* out_summary_print - see tool.h. */
void out_summary_print(FILE *out, const struct tool_result *r)
{
	unsigned long findings = r->rep->nfindings + r->rep->findings_dropped;

	fprintf(out, "== %s ==\n", r->path);
	fprintf(out, "steps run: %u\n", r->rep->steps_run);
	print_findings(out, r);
	print_leak_report(out, r);
	print_heaps(out, r->rep);
	if (r->status == TOOL_OK)
		fputs("result: PASS\n", out);
	else if (r->status == TOOL_FOUND)
		fprintf(out, "result: FAIL (%lu finding%s)\n", findings,
			findings == 1 ? "" : "s");
	else
		fprintf(out, "result: ERROR (bad input, see above)\n");
}

/* ------------------------------------------------------------------ */
/* --explain                                                            */
/* ------------------------------------------------------------------ */

/* Cuts @text (@len bytes) into lines in place: lines[i] is line i + 1. */
static int split_lines(struct tool_narrator *n, char *text, size_t len)
{
	unsigned int line = 0;
	size_t i;

	n->nlines = 1;
	for (i = 0; i < len; i++)
		n->nlines += text[i] == '\n';
	n->lines = calloc(n->nlines, sizeof(*n->lines));
	if (!n->lines)
		return -ENOMEM;
	n->lines[line++] = text;
	for (i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		text[i] = '\0';
		n->lines[line++] = text + i + 1;
	}
	return 0;
}

/* A copy of @len bytes of @text, NUL-terminated; NULL on -ENOMEM. */
static char *copy_text(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

/* The source to quote: @text when given, else @path read again.  A file
 * that cannot be read again is no error: the narration names steps by
 * actor and operation then. */
static int load_lines(struct tool_narrator *n, const char *path,
		      const char *text, size_t len)
{
	FILE *f;

	if (text) {
		n->source = copy_text(text, len);
	} else {
		f = fopen(path, "rb");
		if (!f)
			return 0;
		n->source = tool_read_all(f, &len);
		fclose(f);
	}
	if (!n->source)
		return -ENOMEM;
	if (split_lines(n, n->source, len) < 0) {
		n->nlines = 0;
		return -ENOMEM;
	}
	return 0;
}

/* narrator_init - see tool.h. */
int narrator_init(struct tool_narrator *n, FILE *out,
		  const struct scn_program *prog, const char *path,
		  const char *text, size_t len)
{
	memset(n, 0, sizeof(*n));
	n->out = out;
	n->prog = prog;
	return load_lines(n, path, text, len);
}

static int pending_append(struct tool_narrator *n, const char *s, size_t len)
{
	if (n->pending_len + len + 1 > n->pending_cap) {
		size_t cap = 2 * n->pending_cap + len + 256;
		char *bigger = realloc(n->pending, cap);

		if (!bigger)
			return -ENOMEM;
		n->pending = bigger;
		n->pending_cap = cap;
	}
	memcpy(n->pending + n->pending_len, s, len);
	n->pending_len += len;
	n->pending[n->pending_len] = '\0';
	return 0;
}

/* narrator_trace - see tool.h. */
void narrator_trace(struct tool_narrator *n, const char *func,
		    const char *what)
{
	char line[400];
	int len;

	if (n->closed)
		return;
	len = snprintf(line, sizeof(line), "    %s: %s\n", func, what);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1;
	/* Out of memory, the narration loses a line; the run goes on. */
	(void)pending_append(n, line, (size_t)len);
}

static void flush_pending(struct tool_narrator *n)
{
	if (n->pending_len)
		fwrite(n->pending, 1, n->pending_len, n->out);
	n->pending_len = 0;
}

/* The line as written, blanks trimmed; or actor and op when the source
 * could not be read again. */
static void print_step_text(struct tool_narrator *n, const struct scn_step *s)
{
	const char *text, *actor;
	size_t len;

	if (s->line >= 1 && s->line <= n->nlines) {
		text = n->lines[s->line - 1];
		text += strspn(text, " \t");
		len = strlen(text);
		while (len && strchr(" \t\r", text[len - 1]))
			len--;
		fprintf(n->out, "line %u: %.*s\n", s->line, (int)len, text);
		return;
	}
	actor = scn_step_actor(n->prog, s);
	fprintf(n->out, "line %u: %s%s%s\n", s->line, actor ? actor : "",
		actor && *actor ? " " : "", scn_op_name(s->op));
}

/* ", frame = 3" when the step binds a variable. */
static void print_binding(struct tool_narrator *n, const struct scn_event *ev)
{
	const struct scn_step *s = ev->step;

	if (s->bind < 0 || (unsigned int)s->bind >= n->prog->nvars)
		return;
	if (s->op == SCN_OP_MMAP)
		fprintf(n->out, ", %s = 0x%lx", n->prog->vars[s->bind],
			(unsigned long)ev->ret);
	else
		fprintf(n->out, ", %s = %ld", n->prog->vars[s->bind],
			ev->ret);
}

/* "; buffer 1: 1M on carveout at phys 0x10000000". */
static void print_allocation(struct tool_narrator *n,
			     const struct scn_event *ev)
{
	char size[32];

	if (!ev->buffer)
		return;
	tool_size_str(ev->size, size, sizeof(size));
	fprintf(n->out, "; buffer %" PRIu64 ": %s on %s", ev->buffer, size,
		ev->heap ? ev->heap : "?");
	if (ev->contiguous)
		fprintf(n->out, " at phys 0x%" PRIx64, ev->phys);
}

static void print_check_result(struct tool_narrator *n,
			       const struct scn_event *ev)
{
	fprintf(n->out, "  => %s\n", ev->allowed ? "holds" :
		"does not hold: a finding");
}

static void print_call_result(struct tool_narrator *n,
			      const struct scn_event *ev)
{
	char expected[SCN_MAX_ERRNOS * 16 + 8], ename[16];

	if (ev->err) {
		fprintf(n->out, "  => failed with %s%s\n",
			tool_errno_name(ev->err, ename, sizeof(ename)),
			ev->allowed ? ", as allowed" :
			", which was not allowed: a finding");
		return;
	}
	fputs("  => ok", n->out);
	print_binding(n, ev);
	print_allocation(n, ev);
	if (!ev->allowed) {
		tool_outcome_str(&ev->step->outcome, expected,
				 sizeof(expected));
		fprintf(n->out, "; but the step had to fail (=> %s): a "
			"finding", expected);
	}
	fputc('\n', n->out);
}

static void print_result(struct tool_narrator *n, const struct scn_event *ev)
{
	switch (ev->step->op) {
	case SCN_OP_EXPECT:
	case SCN_OP_FINAL:
		print_check_result(n, ev);
		return;
	case SCN_OP_FAIL:
		fputs("  => fault armed\n", n->out);
		return;
	case SCN_OP_PREEMPT:
		fputs("  => preemption armed for the next step\n", n->out);
		return;
	default:
		break;
	}
	if (ev->skipped)
		fputs("  => skipped: an operand names a variable that is not "
		      "bound\n", n->out);
	else
		print_call_result(n, ev);
}

/* narrator_preempted - see tool.h. */
void narrator_preempted(struct tool_narrator *n, unsigned int outer,
			unsigned int inner)
{
	const struct scn_step *s = &n->prog->steps[outer];

	if (n->closed)
		return;
	if (!n->nstopped || n->stopped[n->nstopped - 1] != outer) {
		print_step_text(n, s);
		if (n->nstopped < SCN_MAX_NEST_TOLD)
			n->stopped[n->nstopped++] = outer;
	}
	flush_pending(n);
	fprintf(n->out, "  -- preempted: line %u runs here --\n",
		n->prog->steps[inner].line);
}

/* narrator_step - see tool.h. */
void narrator_step(struct tool_narrator *n, const struct scn_event *ev)
{
	if (n->nstopped && n->stopped[n->nstopped - 1] == ev->index) {
		n->nstopped--;
		fprintf(n->out, "line %u resumes:\n", ev->step->line);
	} else {
		print_step_text(n, ev->step);
	}
	flush_pending(n);
	print_result(n, ev);
}

/* narrator_close - see tool.h. */
void narrator_close(struct tool_narrator *n)
{
	if (n->closed)
		return;
	if (n->pending_len) {
		fputs("after the last step:\n", n->out);
		flush_pending(n);
	}
	/* A blank line before whatever follows (the summary). */
	fputc('\n', n->out);
	n->closed = true;
}

/* narrator_free - see tool.h. */
void narrator_free(struct tool_narrator *n)
{
	free(n->pending);
	free(n->lines);
	free(n->source);
	memset(n, 0, sizeof(*n));
}
