/*
 * scenarios/lang/expr.c - the statements without an actor: `fail NTH
 * KIND`, `expect EXPR` and `final EXPR`, EXPR being `TERM OP NUMBER`.
 *
 * Terms are checked as far as the text allows: the heap must be on the
 * board, the process must exist and the variable of `refs PROC VAR` must
 * be bound in that process by then.  That makes a `final refs` at the top
 * of a file an error even though it is only checked at the end; finals
 * belong at the end, where the example puts them.
 *
 * Decimals are read by hand rather than with strtod, whose idea of the
 * decimal point follows the locale: `frag <= 0.25` must mean the same in
 * every country.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "model/locks.h"
#include "scenarios/lang/parser.h"

#define DECIMAL_DIGITS_MAX 15	/* below 2^53: converted exactly */
#define KIND_TEXT_MAX 16

struct term_spec {
	const char *word;
	enum scn_term term;
	const char *args;	/* H: a heap, P: a process, V: its variable */
	const char *syntax;	/* for messages */
};

static const struct term_spec terms[] = {
	{ "live_buffers", SCN_TERM_LIVE_BUFFERS, "", "live_buffers" },
	{ "leaks", SCN_TERM_LEAKS, "", "leaks" },
	{ "orphaned", SCN_TERM_ORPHANED, "", "orphaned" },
	{ "used", SCN_TERM_USED, "H", "used HEAP" },
	{ "free", SCN_TERM_FREE, "H", "free HEAP" },
	{ "frag", SCN_TERM_FRAG, "H", "frag HEAP" },
	{ "largest_free", SCN_TERM_LARGEST_FREE, "H", "largest_free HEAP" },
	{ "failures", SCN_TERM_FAILURES, "H", "failures HEAP" },
	{ "frag_failures", SCN_TERM_FRAG_FAILURES, "H", "frag_failures HEAP" },
	{ "peak", SCN_TERM_PEAK, "H", "peak HEAP" },
	{ "refs", SCN_TERM_REFS, "PV", "refs PROC VAR" },
	{ "handles", SCN_TERM_HANDLES, "P", "handles PROC" },
	{ "fds", SCN_TERM_FDS, "P", "fds PROC" },
	{ "mappings", SCN_TERM_MAPPINGS, "P", "mappings PROC" },
};

#define NTERMS (sizeof(terms) / sizeof(terms[0]))

static const struct {
	const char *word;
	enum scn_cmp cmp;
} cmps[] = {
	{ "==", SCN_EQ }, { "!=", SCN_NE }, { "<", SCN_LT },
	{ "<=", SCN_LE }, { ">", SCN_GT }, { ">=", SCN_GE },
};

#define NCMPS (sizeof(cmps) / sizeof(cmps[0]))

/* How a message quotes any token (a string by its quote alone). */
#define QUOTE(t) ((t)->kind == SCN_TOK_STRING ? 1 : scn_qlen(t)), \
		 ((t)->kind == SCN_TOK_STRING ? "\"" : (t)->s)

/* Nothing may follow a statement's last word (token @next on). */
static int expect_end(struct scn_parser *ps, unsigned int next, const char *what)
{
	const struct scn_token *t;

	if (next >= ps->line->ntok)
		return 0;
	t = &ps->line->tok[next];
	return scn_perr(ps, t->col, "unexpected '%.*s' at the end of the %s",
			QUOTE(t), what);
}

/* ------------------------------------------------------------------ */
/* fail NTH KIND                                                        */
/* ------------------------------------------------------------------ */

/* Word @t as a C string in @buf (@size bytes): false when it is not a
 * word or does not fit, which no name it could be matched to does. */
static bool word_text(const struct scn_token *t, char *buf, size_t size)
{
	if (t->kind != SCN_TOK_WORD || t->len >= size)
		return false;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	return true;
}

static int parse_kind(struct scn_parser *ps, const struct scn_token *t,
		      struct scn_step *st)
{
	char text[KIND_TEXT_MAX];
	int kind = word_text(t, text, sizeof(text)) ?
		   sim_fault_kind_parse(text) : -1;

	if (kind < 0)
		return scn_perr(ps, t->col,
				"unknown fault kind '%.*s' (pages, genpool, kobj, fd or any)",
				QUOTE(t));
	st->fault = (enum sim_fault_kind)kind;
	return 0;
}

/* scn_parse_fail - see parser.h. */
int scn_parse_fail(struct scn_parser *ps)
{
	const struct scn_line *line = ps->line;
	struct scn_step st;
	uint64_t nth;
	int ret;

	scn_step_init(&st, line->lineno, line->tok[0].col);
	st.op = SCN_OP_FAIL;
	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				"missing count after 'fail' (fail NTH KIND)");
	ret = scn_parse_uint_tok(ps, &line->tok[1], "count", 1, ULONG_MAX, &nth);
	if (ret)
		return ret;
	st.nth = (unsigned long)nth;
	if (line->ntok < 3)
		return scn_perr(ps, scn_line_end_col(line),
				"missing fault kind after the count (pages, genpool, kobj, fd or any)");
	ret = parse_kind(ps, &line->tok[2], &st);
	if (!ret)
		ret = expect_end(ps, 3, "fail statement");
	if (!ret)
		ret = scn_program_add_step(ps, &st);
	return ret < 0 ? ret : 0;
}

/* ------------------------------------------------------------------ */
/* preempt NTH lock|unlock CLASS                                        */
/* ------------------------------------------------------------------ */

static int parse_point(struct scn_parser *ps, const struct scn_token *t,
		       struct scn_step *st)
{
	if (scn_tok_is(t, "lock"))
		st->at = SIM_SCHED_LOCK;
	else if (scn_tok_is(t, "unlock"))
		st->at = SIM_SCHED_UNLOCK;
	else
		return scn_perr(ps, t->col,
				"expected 'lock' or 'unlock' after the count, not '%.*s'",
				QUOTE(t));
	return 0;
}

static int parse_lock_class(struct scn_parser *ps, const struct scn_token *t,
			    struct scn_step *st)
{
	char text[32];

	st->lock_class = word_text(t, text, sizeof(text)) ?
			 kion_lock_class(text) : -1;
	if (st->lock_class < 0)
		return scn_perr(ps, t->col,
				"unknown lock '%.*s' (client->lock, dev->lock, dev->buffer_lock, buffer->lock or debugfs_mutex)",
				QUOTE(t));
	return 0;
}

/* scn_parse_preempt - see parser.h. */
int scn_parse_preempt(struct scn_parser *ps)
{
	const struct scn_line *line = ps->line;
	struct scn_step st;
	uint64_t nth;
	int ret;

	scn_step_init(&st, line->lineno, line->tok[0].col);
	st.op = SCN_OP_PREEMPT;
	if (line->ntok < 4)
		return scn_perr(ps, scn_line_end_col(line),
				"'preempt' needs a count, lock or unlock, and a lock (preempt NTH lock|unlock CLASS)");
	ret = scn_parse_uint_tok(ps, &line->tok[1], "count", 1, ULONG_MAX, &nth);
	if (!ret)
		ret = parse_point(ps, &line->tok[2], &st);
	if (!ret)
		ret = parse_lock_class(ps, &line->tok[3], &st);
	if (!ret)
		ret = expect_end(ps, 4, "preempt statement");
	st.nth = (unsigned long)nth;
	if (!ret)
		ret = scn_program_add_step(ps, &st);
	return ret < 0 ? ret : 0;
}

/* ------------------------------------------------------------------ */
/* Terms                                                                */
/* ------------------------------------------------------------------ */

static bool is_cmp(const struct scn_token *t)
{
	for (size_t k = 0; k < NCMPS; k++)
		if (scn_tok_is(t, cmps[k].word))
			return true;
	return false;
}

static const struct term_spec *find_term(const struct scn_token *t)
{
	for (size_t i = 0; i < NTERMS; i++)
		if (scn_tok_is(t, terms[i].word))
			return &terms[i];
	return NULL;
}

/* HEAP of a heap term. */
static int term_heap(struct scn_parser *ps, const struct scn_token *t,
		     struct scn_expr *e)
{
	unsigned int id;

	if (t->kind != SCN_TOK_WORD || !scn_name_valid(t->s, t->len) ||
	    t->len >= HEAP_NAME_MAX)
		return scn_perr(ps, t->col, "bad heap name '%.*s'", QUOTE(t));
	if (scn_parse_heap_name(ps, t->s, t->len, t->col, &id))
		return -EINVAL;
	memcpy(e->heap, t->s, t->len);
	e->heap[t->len] = '\0';
	return 0;
}

/* PROC of refs, handles, fds and mappings: its process (or driver). */
static int term_proc(struct scn_parser *ps, const struct scn_token *t,
		     struct scn_expr *e)
{
	int idx;

	/* named before any kernel step, it is not an actor yet */
	if (scn_tok_is(t, "kernel"))
		return scn_perr(ps, t->col,
				"the kernel actor has no fds, handles or mappings to count");
	idx = scn_actor_lookup(ps, t, "process");
	if (idx < 0)
		return idx;
	e->actor = ps->p->actors[idx].process;
	return 0;
}

/* VAR of refs: a variable (not a number) the process has bound. */
static int term_var(struct scn_parser *ps, const struct scn_token *t,
		    struct scn_expr *e)
{
	struct scn_value v;
	int ret = scn_parse_value(ps, t, e->actor, &v);

	if (ret)
		return ret;
	if (v.kind != SCN_VALUE_VAR)
		return scn_perr(ps, t->col, "refs takes a variable of '%s', not a number",
				ps->p->actors[e->actor].name);
	e->var = v.var;
	return 0;
}

/* The term's operands, from token *@i on. */
static int term_args(struct scn_parser *ps, const struct term_spec *spec,
		     unsigned int *i, struct scn_expr *e)
{
	const struct scn_line *line = ps->line;

	for (const char *a = spec->args; *a; a++, (*i)++) {
		const struct scn_token *t;
		int ret;

		/* `used == 0`: the heap was left out, not misspelt */
		if (*i >= line->ntok || is_cmp(&line->tok[*i]))
			return scn_perr(ps, *i >= line->ntok ?
					scn_line_end_col(line) : line->tok[*i].col,
					"missing operand for '%s' (%s)", spec->word,
					spec->syntax);
		t = &line->tok[*i];
		if (*a == 'H')
			ret = term_heap(ps, t, e);
		else if (*a == 'P')
			ret = term_proc(ps, t, e);
		else
			ret = term_var(ps, t, e);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Comparison and number                                                */
/* ------------------------------------------------------------------ */

static int parse_cmp(struct scn_parser *ps, unsigned int i, struct scn_expr *e)
{
	const struct scn_line *line = ps->line;
	const struct scn_token *t;

	if (i >= line->ntok)
		return scn_perr(ps, scn_line_end_col(line),
				"missing comparison (==, !=, <, <=, >, >=) after the term");
	t = &line->tok[i];
	for (size_t k = 0; k < NCMPS; k++)
		if (scn_tok_is(t, cmps[k].word)) {
			e->cmp = cmps[k].cmp;
			return 0;
		}
	return scn_perr(ps, t->col, "bad comparison '%.*s' (==, !=, <, <=, >, >=)",
			QUOTE(t));
}

/* DIGITS[.DIGITS] into *@out, exactly rounded: false when it is not one
 * or has too many digits. */
static bool read_decimal(const struct scn_token *t, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
		1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	unsigned int digits = 0, frac = 0;
	bool point = false;
	uint64_t m = 0;

	for (unsigned int i = 0; i < t->len; i++) {
		char c = t->s[i];

		if (c == '.' && !point) {
			point = true;
			continue;
		}
		if (c < '0' || c > '9' || ++digits > DECIMAL_DIGITS_MAX)
			return false;
		m = m * 10 + (uint64_t)(c - '0');
		frac += point;
	}
	if (digits == 0)
		return false;
	/* m and 10^frac are exact doubles, so one division rounds once */
	*out = (double)m / pow10[frac];
	return true;
}

/* NUMBER: a size (2M) or a decimal (0.25). */
static int parse_number(struct scn_parser *ps, unsigned int i, struct scn_expr *e)
{
	const struct scn_line *line = ps->line;
	const struct scn_token *t;
	char text[64];
	uint64_t size;

	if (i >= line->ntok)
		return scn_perr(ps, scn_line_end_col(line),
				"missing number after the comparison");
	t = &line->tok[i];
	if (t->kind == SCN_TOK_WORD && t->len < sizeof(text)) {
		memcpy(text, t->s, t->len);
		text[t->len] = '\0';
		if (sim_parse_size(text, &size) == 0) {
			e->number = (double)size;
			return 0;
		}
		if (read_decimal(t, &e->number))
			return 0;
	}
	return scn_perr(ps, t->col,
			"bad number '%.*s': expected a size (2M) or a decimal (0.25)",
			QUOTE(t));
}

/* ------------------------------------------------------------------ */
/* expect / final                                                       */
/* ------------------------------------------------------------------ */

static int parse_expr(struct scn_parser *ps, struct scn_expr *e)
{
	const struct scn_line *line = ps->line;
	const struct scn_token *t = &line->tok[1];
	const struct term_spec *spec;
	unsigned int i = 2;
	int ret;

	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				"missing expression after '%.*s' (TERM OP NUMBER, such as leaks == 0)",
				scn_qlen(&line->tok[0]), line->tok[0].s);
	spec = find_term(t);
	if (!spec)
		return scn_perr(ps, t->col,
				"unknown term '%.*s' (live_buffers, leaks, orphaned, used, free, frag, "
				"largest_free, failures, frag_failures, peak, refs, handles, fds or mappings)",
				QUOTE(t));
	e->term = spec->term;
	e->col = t->col;
	e->actor = -1;
	e->var = -1;
	ret = term_args(ps, spec, &i, e);
	if (!ret)
		ret = parse_cmp(ps, i, e);
	if (!ret)
		ret = parse_number(ps, i + 1, e);
	if (!ret)
		ret = expect_end(ps, i + 2, "expression");
	return ret;
}

/* scn_parse_expect - see parser.h. */
int scn_parse_expect(struct scn_parser *ps, enum scn_op op)
{
	struct scn_step st;
	int ret;

	scn_step_init(&st, ps->line->lineno, ps->line->tok[0].col);
	st.op = op;
	ret = parse_expr(ps, &st.expr);
	if (!ret)
		ret = scn_program_add_step(ps, &st);
	return ret < 0 ? ret : 0;
}
