/*
 * scenarios/lang/parser.c - reading a scenario: the line loop, machine
 * statements, and error reporting (the contract is scn_parse in scn.h).
 *
 * Each line goes first to the lexer, then, while no step has been seen,
 * to model/board.c, which owns the machine statements; what the board
 * does not take is a declaration or a step.  The board is finished at the
 * first step because a step's heap names (alloc heap=, used HEAP, kernel
 * drain HEAP) can only be resolved against a complete board; that is also
 * why SCENARIO.md puts the machine before the steps.
 *
 * A bad line is reported and skipped, and parsing goes on so that one
 * run shows every mistake, up to SCN_MAX_ERRORS.  Two things keep one
 * mistake from turning into many: a line whose first word is unknown
 * does not count as the first step (a misspelt `heap` line must not make
 * the machine statements after it illegal), and a step that fails still
 * binds its `-> VAR` (steps.c), so the lines using VAR stay quiet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/parser.h"

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static void report(struct scn_parser *ps, unsigned int line, unsigned int col,
		   const char *fmt, va_list ap)
{
	if (ps->stop)
		return;
	if (ps->errs) {
		fprintf(ps->errs, "%s:%u:%u: error: ", ps->filename, line, col);
		vfprintf(ps->errs, fmt, ap);
		fputc('\n', ps->errs);
	}
	if (++ps->nerrors >= SCN_MAX_ERRORS)
		ps->stop = true;
}

/* scn_perr - see parser.h. */
int scn_perr(struct scn_parser *ps, unsigned int col, const char *fmt, ...)
{
	unsigned int line = ps->line ? ps->line->lineno : 1;
	va_list ap;

	va_start(ap, fmt);
	report(ps, line, col, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* scn_perr_at - see parser.h. */
int scn_perr_at(struct scn_parser *ps, unsigned int line, unsigned int col,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ps, line, col, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* scn_perr_oom - see parser.h. */
int scn_perr_oom(struct scn_parser *ps)
{
	scn_perr(ps, 1, "out of memory");
	ps->stop = true;
	return -ENOMEM;
}

/* scn_qlen - see parser.h. */
int scn_qlen(const struct scn_token *t)
{
	return (int)(t->len < SCN_QUOTE_MAX ? t->len : SCN_QUOTE_MAX);
}

/* ------------------------------------------------------------------ */
/* The machine                                                          */
/* ------------------------------------------------------------------ */

/* scn_parse_board_finish - see parser.h. */
void scn_parse_board_finish(struct scn_parser *ps)
{
	struct kion_board_error err;

	if (ps->board_done)
		return;
	ps->board_done = true;
	/* A board missing a bad line would only add errors that are not
	 * the user's (a dmaheap naming the heap whose line was wrong). */
	if (ps->board_broken)
		return;
	if (kion_board_finish(&ps->p->board, &err))
		scn_perr_at(ps, err.line, err.col, "%s", err.msg);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_machine_keyword(const struct scn_token *t)
{
	static const char *const words[] = {
		"ram", "abi", "heap", "dmaheap", "nofile", "bug", "fix",
		"kref_bits",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (scn_tok_is(t, words[i]))
			return true;
	return false;
}

/* Whether the board would take this line, decided without the board,
 * which refuses every line once finished.  `kernel` followed by a version
 * is the board's; followed by anything else it is the kernel actor. */
static bool looks_like_machine(const struct scn_line *line)
{
	const struct scn_token *t = line->tok;

	if (is_machine_keyword(t))
		return true;
	return scn_tok_is(t, "kernel") && line->ntok > 1 &&
	       line->tok[1].kind == SCN_TOK_WORD && is_digit(line->tok[1].s[0]);
}

/* A machine statement: 1 when the line was one (taken or reported), 0
 * when it is something else. */
static int machine_statement(struct scn_parser *ps)
{
	struct scn_line *line = ps->line;
	struct heap_parse_error herr;
	int ret;

	if (ps->board_done) {
		if (!looks_like_machine(line))
			return 0;
		scn_perr(ps, line->tok[0].col,
			 "machine statement '%.*s' after the first step (line %u): "
			 "describe the machine before any step",
			 scn_qlen(&line->tok[0]), line->tok[0].s,
			 ps->first_step_line);
		return 1;
	}
	ret = kion_board_parse_line(&ps->p->board, line->raw, line->lineno,
				    &herr);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		ps->board_broken = true;
		scn_perr(ps, herr.col ? herr.col : 1, "%s", herr.msg);
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Lines                                                                */
/* ------------------------------------------------------------------ */

/* Whether the first word starts a step: only a word we know does, so
 * that an unknown one leaves the machine open (see the header). */
static bool starts_step(const struct scn_parser *ps, const struct scn_token *t)
{
	return scn_tok_is(t, "fail") || scn_tok_is(t, "preempt") ||
	       scn_tok_is(t, "expect") ||
	       scn_tok_is(t, "final") || scn_tok_is(t, "kernel") ||
	       scn_actor_find(ps->p, t) >= 0;
}

/* A line that is not a machine statement: a declaration or a step. */
static int route_statement(struct scn_parser *ps)
{
	const struct scn_token *t = &ps->line->tok[0];

	if (t->kind != SCN_TOK_WORD)
		return scn_perr(ps, t->col,
				"a line starts with a statement or an actor name, not '%.*s'",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	if (scn_is_declaration(t))
		return scn_parse_declaration(ps);
	if (starts_step(ps, t)) {
		if (!ps->first_step_line)
			ps->first_step_line = ps->line->lineno;
		scn_parse_board_finish(ps);
	}
	if (scn_tok_is(t, "fail"))
		return scn_parse_fail(ps);
	if (scn_tok_is(t, "preempt"))
		return scn_parse_preempt(ps);
	if (scn_tok_is(t, "expect"))
		return scn_parse_expect(ps, SCN_OP_EXPECT);
	if (scn_tok_is(t, "final"))
		return scn_parse_expect(ps, SCN_OP_FINAL);
	return scn_parse_actor_step(ps);
}

static void parse_line(struct scn_parser *ps)
{
	struct scn_lex_error err;

	if (scn_lex_tokens(ps->line, &err)) {
		scn_perr(ps, err.col, "%s", err.msg);
		return;
	}
	if (ps->line->ntok == 0 || machine_statement(ps))
		return;
	route_statement(ps);
}

static void parse_lines(struct scn_parser *ps)
{
	struct scn_lexer lx;

	scn_lex_init(&lx, ps->text, ps->len);
	while (!ps->stop && scn_lex_next_line(&lx, ps->line))
		parse_line(ps);
	/* a text without steps still gets its board finished (and checked) */
	if (!ps->stop)
		scn_parse_board_finish(ps);
}

/* scn_parse - see scn.h. */
int scn_parse(const char *filename, const char *text, size_t len,
	      struct scn_program **out, FILE *errs)
{
	struct scn_parser ps = {
		.filename = filename ? filename : "<scenario>",
		.errs = errs,
		.text = text,
		.len = text ? len : 0,
		.kernel = -1,
	};
	int nerrors;

	*out = NULL;
	ps.p = scn_program_new(ps.filename);
	ps.line = malloc(sizeof(*ps.line));
	if (!ps.p || !ps.line) {
		free(ps.line);
		ps.line = NULL;
		scn_perr_oom(&ps);
		goto out;
	}
	parse_lines(&ps);
out:
	nerrors = (int)ps.nerrors;
	free(ps.line);
	scn_vars_release(&ps);
	if (nerrors)
		scn_program_free(ps.p);
	else
		*out = ps.p;
	return nerrors;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/* The whole of @f into a malloc'd *@text; 0 or a negative errno. */
static int read_stream(FILE *f, char **text, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *buf = NULL, *bigger;

	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 16384;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		return errno ? -errno : -EIO;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f;
	int ret;

	errno = 0;
	f = fopen(path, "rb");
	if (!f)
		return errno ? -errno : -EIO;
	errno = 0;
	ret = read_stream(f, text, len);
	fclose(f);
	return ret;
}

/* scn_parse_file - see scn.h. */
int scn_parse_file(const char *path, struct scn_program **out, FILE *errs)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = read_file(path, &text, &len);
	if (ret) {
		if (errs)
			fprintf(errs, "%s: error: cannot read: %s\n", path,
				strerror(-ret));
		return 1;
	}
	ret = scn_parse(path, text, len, out, errs);
	free(text);
	return ret;
}
