/*
 * scenarios/lang/actors.c - who acts in a scenario: `process NAME
 * [pid=N]`, `thread NAME.T`, `driver NAME` (our extension: a kernel-side
 * ION client), the children that `fork -> CHILD` creates, and the
 * reserved `kernel`.
 *
 * An actor must exist before a line uses it: the explorer runs each
 * actor's lines as a program, and a program cannot start before it is
 * declared.  When a line names an actor that is only declared further
 * down, the message says so and where, since that is nearly always a line
 * put in the wrong place rather than a typo.
 *
 * Process names may not contain '.', which would make `a.b.c` ambiguous
 * between thread `b.c` of `a` and thread `c` of `a.b`; everything from the
 * first '.' of a thread's name on is the thread's own part.
 */
#include <errno.h>
#include <string.h>

#include "scenarios/lang/parser.h"

#define PID_MAX 4194304		/* Linux's PID_MAX_LIMIT */
#define LOOKAHEAD_WORDS 4	/* `X fork -> CHILD` is the longest shape */

static const char *const reserved_words[] = {
	"process", "thread", "driver", "kernel", "fail", "expect", "final",
	"ram", "abi", "heap", "dmaheap", "nofile", "bug", "fix", "kref_bits",
	"preempt",
};

/* scn_is_declaration - see parser.h. */
bool scn_is_declaration(const struct scn_token *t)
{
	return scn_tok_is(t, "process") || scn_tok_is(t, "thread") ||
	       scn_tok_is(t, "driver");
}

/* scn_is_reserved - see parser.h. */
bool scn_is_reserved(const struct scn_token *t)
{
	for (size_t i = 0; i < sizeof(reserved_words) / sizeof(*reserved_words); i++)
		if (scn_tok_is(t, reserved_words[i]))
			return true;
	return false;
}

/* scn_name_valid - see parser.h. */
bool scn_name_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool first = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     c == '_';
		bool more = (c >= '0' && c <= '9') || c == '.' || c == '-';

		if (!first && (i == 0 || !more))
			return false;
	}
	return len > 0;
}

/* scn_actor_kind_word - see parser.h. */
const char *scn_actor_kind_word(enum scn_actor_kind kind)
{
	switch (kind) {
	case SCN_ACTOR_PROCESS: return "process";
	case SCN_ACTOR_THREAD: return "thread";
	case SCN_ACTOR_FORKED: return "process";
	case SCN_ACTOR_KERNEL: return "kernel";
	case SCN_ACTOR_DRIVER: return "driver";
	}
	return "actor";
}

/* scn_actor_find - see parser.h. */
int scn_actor_find(const struct scn_program *p, const struct scn_token *t)
{
	if (t->kind != SCN_TOK_WORD)
		return -1;
	for (unsigned int i = 0; i < p->nactors; i++) {
		const char *name = p->actors[i].name;

		if (strlen(name) == t->len && memcmp(name, t->s, t->len) == 0)
			return (int)i;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Looking ahead for a later declaration                                */
/* ------------------------------------------------------------------ */

struct span {
	const char *s;
	size_t len;
};

static bool span_is(const struct span *w, const char *text)
{
	return strlen(text) == w->len && memcmp(w->s, text, w->len) == 0;
}

static bool span_eq(const struct span *w, const struct scn_token *t)
{
	return w->len == t->len && memcmp(w->s, t->s, t->len) == 0;
}

/* Up to LOOKAHEAD_WORDS blank-separated words of the line at @s (@len
 * bytes), stopping at a comment; how many were found.  Strings do not
 * matter here: no declaration has one among its first words. */
static unsigned int first_words(const char *s, size_t len, struct span *w)
{
	unsigned int n = 0;
	size_t p = 0;

	while (n < LOOKAHEAD_WORDS) {
		while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r'))
			p++;
		if (p == len || s[p] == '#')
			break;
		w[n].s = s + p;
		while (p < len && s[p] != ' ' && s[p] != '\t' && s[p] != '\r' &&
		       s[p] != '#')
			p++;
		w[n].len = (size_t)(s + p - w[n].s);
		n++;
	}
	return n;
}

/* Whether the line's words declare @t: 1 for a declaration, 2 for a
 * fork that creates it, 0 otherwise. */
static int declares(const struct span *w, unsigned int n,
		    const struct scn_token *t)
{
	if (n >= 2 && span_eq(&w[1], t) &&
	    (span_is(&w[0], "process") || span_is(&w[0], "driver") ||
	     span_is(&w[0], "thread")))
		return 1;
	if (n >= 4 && span_is(&w[1], "fork") && span_is(&w[2], "->") &&
	    span_eq(&w[3], t))
		return 2;
	return 0;
}

/* The first line below the current one that declares @t (its number,
 * with *@how from declares()), or 0. */
static unsigned int declared_below(const struct scn_parser *ps,
				   const struct scn_token *t, int *how)
{
	const struct scn_line *cur = ps->line;
	const char *end = ps->text + ps->len;
	const char *s = cur->src + cur->len;
	unsigned int lineno = cur->lineno;
	struct span w[LOOKAHEAD_WORDS];

	while (s < end) {
		const char *nl;
		size_t len;

		s++;	/* past the newline that ended the previous line */
		if (s >= end)
			break;
		nl = memchr(s, '\n', (size_t)(end - s));
		len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		lineno++;
		*how = declares(w, first_words(s, len, w), t);
		if (*how)
			return lineno;
		s += len;
	}
	return 0;
}

/* scn_actor_lookup - see parser.h. */
int scn_actor_lookup(struct scn_parser *ps, const struct scn_token *t,
		     const char *role)
{
	int idx = scn_actor_find(ps->p, t);
	unsigned int later;
	int how = 0;

	if (idx >= 0)
		return idx;
	if (t->kind != SCN_TOK_WORD)
		return scn_perr(ps, t->col, "expected a %s name, not a string or an arrow",
				role);
	later = declared_below(ps, t, &how);
	if (later && how == 2)
		return scn_perr(ps, t->col,
				"actor '%.*s' is used before line %u, whose fork creates it",
				scn_qlen(t), t->s, later);
	if (later)
		return scn_perr(ps, t->col,
				"actor '%.*s' is used before its declaration on line %u",
				scn_qlen(t), t->s, later);
	return scn_perr(ps, t->col, "unknown %s '%.*s'", role, scn_qlen(t), t->s);
}

/* ------------------------------------------------------------------ */
/* Declarations                                                         */
/* ------------------------------------------------------------------ */

/* The checks every new actor name passes; @what names it in messages. */
static int check_new_name(struct scn_parser *ps, const struct scn_token *t,
			  const char *what, size_t max_len)
{
	int dup;

	if (t->kind != SCN_TOK_WORD)
		return scn_perr(ps, t->col, "expected a %s name, not a string or an arrow",
				what);
	if (!scn_name_valid(t->s, t->len))
		return scn_perr(ps, t->col,
				"bad %s name '%.*s': names are [A-Za-z_][A-Za-z0-9_.-]*",
				what, scn_qlen(t), t->s);
	if (scn_is_reserved(t))
		return scn_perr(ps, t->col, "'%.*s' is a reserved word and cannot name an actor",
				scn_qlen(t), t->s);
	if (t->len > max_len)
		return scn_perr(ps, t->col, "%s name '%.*s' is longer than %zu characters",
				what, scn_qlen(t), t->s, max_len);
	dup = scn_actor_find(ps->p, t);
	if (dup >= 0)
		return scn_perr(ps, t->col, "duplicate actor '%.*s' (the first is on line %u)",
				scn_qlen(t), t->s, ps->p->actors[dup].line);
	if (ps->p->nactors >= SCN_MAX_ACTORS)
		return scn_perr(ps, t->col, "too many actors (at most %d)",
				SCN_MAX_ACTORS);
	return 0;
}

/* A process or driver name: a new name without '.' (see the header). */
static int check_process_name(struct scn_parser *ps, const struct scn_token *t,
			      const char *what)
{
	int ret = check_new_name(ps, t, what, SCN_NAME_MAX - 1);

	if (ret)
		return ret;
	if (memchr(t->s, '.', t->len))
		return scn_perr(ps, t->col,
				"%s name '%.*s' has a '.', which only thread names (PROCESS.T) have",
				what, scn_qlen(t), t->s);
	return 0;
}

/* The actor of a declaration (or fork) at token @t of the current line. */
static void actor_init(struct scn_actor *a, const struct scn_parser *ps,
		       const struct scn_token *t, enum scn_actor_kind kind)
{
	memset(a, 0, sizeof(*a));
	memcpy(a->name, t->s, t->len);
	a->kind = kind;
	a->process = (int)ps->p->nactors;	/* its own, unless a thread */
	a->fork_step = -1;
	a->line = ps->line->lineno;
	a->col = t->col;
}

/* Nothing may follow a declaration's last word. */
static int expect_end(struct scn_parser *ps, unsigned int next, const char *what)
{
	const struct scn_token *t;

	if (next >= ps->line->ntok)
		return 0;
	t = &ps->line->tok[next];
	return scn_perr(ps, t->col, "unexpected '%.*s' at the end of the %s statement",
			scn_qlen(t), t->s, what);
}

/* No two processes may ask for the same pid. */
static int check_pid_free(struct scn_parser *ps, const struct scn_token *t,
			  uint64_t pid)
{
	for (unsigned int i = 0; i < ps->p->nactors; i++) {
		const struct scn_actor *a = &ps->p->actors[i];

		if (a->pid > 0 && (uint64_t)a->pid == pid)
			return scn_perr(ps, t->col,
					"pid %d is already taken by process '%s' (line %u)",
					a->pid, a->name, a->line);
	}
	return 0;
}

/* The optional pid=N of a process statement, into *@pid. */
static int parse_pid(struct scn_parser *ps, const struct scn_token *t, int *pid)
{
	struct scn_token key, val;
	uint64_t n;
	int ret;

	if (t->kind != SCN_TOK_WORD || !scn_split_option(t, &key, &val) ||
	    !scn_tok_is(&key, "pid"))
		return expect_end(ps, (unsigned int)(t - ps->line->tok), "process");
	if (val.len == 0)
		return scn_perr(ps, val.col, "missing value after 'pid='");
	ret = scn_parse_uint_tok(ps, &val, "pid", 1, PID_MAX, &n);
	if (!ret)
		ret = check_pid_free(ps, &val, n);
	if (!ret)
		*pid = (int)n;
	return ret;
}

/* process NAME [pid=N] */
static int parse_process(struct scn_parser *ps)
{
	const struct scn_line *line = ps->line;
	struct scn_actor a;
	int pid = 0, ret;

	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				"missing name after 'process'");
	ret = check_process_name(ps, &line->tok[1], "process");
	if (!ret && line->ntok > 2)
		ret = parse_pid(ps, &line->tok[2], &pid);
	if (!ret)
		ret = expect_end(ps, 3, "process");
	if (ret)
		return ret;
	actor_init(&a, ps, &line->tok[1], SCN_ACTOR_PROCESS);
	a.pid = pid;
	ret = scn_program_add_actor(ps, &a);
	return ret < 0 ? ret : 0;
}

/* driver NAME */
static int parse_driver(struct scn_parser *ps)
{
	const struct scn_line *line = ps->line;
	struct scn_actor a;
	int ret;

	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				"missing name after 'driver'");
	ret = check_process_name(ps, &line->tok[1], "driver");
	if (!ret)
		ret = expect_end(ps, 2, "driver");
	if (ret)
		return ret;
	actor_init(&a, ps, &line->tok[1], SCN_ACTOR_DRIVER);
	ret = scn_program_add_actor(ps, &a);
	return ret < 0 ? ret : 0;
}

/* A thread's name: PROCESS.T, with both parts. */
static int check_thread_shape(struct scn_parser *ps, const struct scn_token *t)
{
	const char *dot = t->kind == SCN_TOK_WORD ? memchr(t->s, '.', t->len) : NULL;

	if (t->kind == SCN_TOK_WORD &&
	    (!dot || dot == t->s || dot + 1 == t->s + t->len))
		return scn_perr(ps, t->col,
				"thread name '%.*s' must be PROCESS.T, such as camera.render",
				scn_qlen(t), t->s);
	return 0;
}

/* The process part of thread name @t (up to its first '.'), which must
 * be a process declared above; its index. */
static int thread_owner(struct scn_parser *ps, const struct scn_token *t)
{
	const char *dot = memchr(t->s, '.', t->len);
	struct scn_token proc = *t;
	int idx;

	proc.len = (unsigned int)(dot - t->s);
	idx = scn_actor_lookup(ps, &proc, "process");
	if (idx < 0)
		return idx;
	if (ps->p->actors[idx].kind != SCN_ACTOR_PROCESS &&
	    ps->p->actors[idx].kind != SCN_ACTOR_FORKED)
		return scn_perr(ps, t->col, "thread '%.*s': '%s' is a %s, not a process",
				scn_qlen(t), t->s, ps->p->actors[idx].name,
				scn_actor_kind_word(ps->p->actors[idx].kind));
	return idx;
}

/* thread NAME.T */
static int parse_thread(struct scn_parser *ps)
{
	const struct scn_line *line = ps->line;
	struct scn_actor a;
	int owner, ret;

	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				"missing name after 'thread' (PROCESS.T)");
	ret = check_thread_shape(ps, &line->tok[1]);
	if (!ret)
		ret = check_new_name(ps, &line->tok[1], "thread",
				     sizeof(a.name) - 1);
	owner = ret ? ret : thread_owner(ps, &line->tok[1]);
	if (owner < 0)
		return owner;
	ret = expect_end(ps, 2, "thread");
	if (ret)
		return ret;
	actor_init(&a, ps, &line->tok[1], SCN_ACTOR_THREAD);
	a.process = owner;
	ret = scn_program_add_actor(ps, &a);
	return ret < 0 ? ret : 0;
}

/* scn_parse_declaration - see parser.h. */
int scn_parse_declaration(struct scn_parser *ps)
{
	const struct scn_token *kw = &ps->line->tok[0];

	if (scn_tok_is(kw, "process"))
		return parse_process(ps);
	if (scn_tok_is(kw, "driver"))
		return parse_driver(ps);
	return parse_thread(ps);
}

/* ------------------------------------------------------------------ */
/* Actors made by steps                                                 */
/* ------------------------------------------------------------------ */

/* scn_actor_kernel - see parser.h. */
int scn_actor_kernel(struct scn_parser *ps, unsigned int col)
{
	static const struct scn_token word = {
		.kind = SCN_TOK_WORD, .s = "kernel", .len = 6, .width = 6,
	};
	struct scn_actor a;
	int idx;

	if (ps->kernel >= 0)
		return ps->kernel;
	actor_init(&a, ps, &word, SCN_ACTOR_KERNEL);
	a.col = col;
	idx = scn_program_add_actor(ps, &a);
	if (idx >= 0)
		ps->kernel = idx;
	return idx;
}

/* scn_actor_fork - see parser.h. */
int scn_actor_fork(struct scn_parser *ps, int parent, const struct scn_token *t,
		   unsigned int step)
{
	struct scn_actor a;
	int idx, ret = check_process_name(ps, t, "child process");

	if (ret)
		return ret;
	actor_init(&a, ps, t, SCN_ACTOR_FORKED);
	a.fork_step = (int)step;
	idx = scn_program_add_actor(ps, &a);
	if (idx < 0)
		return idx;
	ret = scn_scope_copy(ps, idx, ps->p->actors[parent].process);
	return ret ? ret : idx;
}
