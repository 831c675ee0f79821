/*
 * scenarios/lang/lexer.c - lines and tokens of the scenario language (the
 * contract is in lexer.h).
 *
 * Columns count bytes from 1, tabs included, the way model/board.c counts
 * them, so that an error from either parser points at the same place.
 * Blanks are the board's blanks (space, tab, CR, LF): a CRLF file reads
 * like an LF one.  A '#' outside a string cuts the line there even in the
 * middle of a word, again as the board does, so that one comment rule
 * holds for every statement.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/lexer.h"

/* scn_lex_init - see lexer.h. */
void scn_lex_init(struct scn_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = text ? len : 0;
	lx->pos = 0;
	lx->lineno = 0;
}

/* scn_lex_next_line - see lexer.h. */
bool scn_lex_next_line(struct scn_lexer *lx, struct scn_line *line)
{
	const char *start, *nl;
	size_t rest;

	if (lx->pos >= lx->len)
		return false;
	start = lx->text + lx->pos;
	rest = lx->len - lx->pos;
	nl = memchr(start, '\n', rest);
	line->src = start;
	line->len = nl ? (size_t)(nl - start) : rest;
	line->lineno = ++lx->lineno;
	line->ntok = 0;
	line->raw[0] = '\0';
	lx->pos += line->len + (nl ? 1 : 0);
	return true;
}

/* ------------------------------------------------------------------ */
/* Tokens                                                               */
/* ------------------------------------------------------------------ */

/* The state of one line being cut. */
struct cut {
	struct scn_line *line;
	unsigned int pos;	/* byte offset into line->raw */
	unsigned int nstr;	/* bytes of line->strings used */
	struct scn_lex_error *err;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where a token may end: a blank, a comment, or the end of the line. */
static bool ends_token(char c)
{
	return c == '\0' || c == '#' || is_blank(c);
}

__attribute__((format(printf, 3, 4)))
static int lex_fail(struct scn_lex_error *err, unsigned int col,
		    const char *fmt, ...)
{
	va_list ap;

	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static struct scn_token *new_token(struct cut *c, enum scn_tok_kind kind,
				   unsigned int start)
{
	struct scn_token *t = &c->line->tok[c->line->ntok++];

	t->kind = kind;
	t->col = start + 1;
	return t;
}

/* A word runs to the next blank or comment; `->` and `=>` are their own
 * kinds so that the parser never mistakes them for a name or key=value. */
static int lex_word(struct cut *c)
{
	const char *raw = c->line->raw;
	unsigned int start = c->pos, p = start;
	struct scn_token *t;

	for (; !ends_token(raw[p]); p++)
		if (raw[p] == '"')
			return lex_fail(c->err, p + 1,
					"a '\"' inside a word: put a blank before the string");
	/* `->x` would otherwise read as an operand named "->x" */
	if (p - start > 2 && (raw[start] == '-' || raw[start] == '=') &&
	    raw[start + 1] == '>')
		return lex_fail(c->err, start + 1, "put a blank after '%c>'",
				raw[start]);
	t = new_token(c, SCN_TOK_WORD, start);
	t->s = raw + start;
	t->len = p - start;
	t->width = t->len;
	if (scn_tok_is(t, "->"))
		t->kind = SCN_TOK_BIND;
	else if (scn_tok_is(t, "=>"))
		t->kind = SCN_TOK_OUTCOME;
	c->pos = p;
	return 0;
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* \xNN at @p (the backslash): the byte, or -1 when two hex digits are
 * not there. */
static int hex_escape(const char *raw, unsigned int p)
{
	int hi = hex_value(raw[p + 2]);
	int lo = hi < 0 ? -1 : hex_value(raw[p + 3]);

	return lo < 0 ? -1 : hi * 16 + lo;
}

static int bad_escape(struct cut *c, unsigned int p)
{
	char e = c->line->raw[p + 1];

	if (e == 'x')
		return lex_fail(c->err, p + 1,
				"bad escape in string: \\x needs two hex digits");
	if (e > ' ' && e < 0x7f)
		return lex_fail(c->err, p + 1,
				"bad escape '\\%c' in string (\\n, \\t, \\\\, \\\" or \\xNN)",
				e);
	return lex_fail(c->err, p + 1,
			"bad escape in string: '\\' before byte 0x%02x (\\n, \\t, \\\\, \\\" or \\xNN)",
			(unsigned char)e);
}

/* One escape at @p (the backslash) appended to @out; its source length,
 * or -EINVAL. */
static int lex_escape(struct cut *c, unsigned int p, char *out)
{
	const char *raw = c->line->raw;
	int byte;

	switch (raw[p + 1]) {
	case 'n': *out = '\n'; return 2;
	case 't': *out = '\t'; return 2;
	case '\\': *out = '\\'; return 2;
	case '"': *out = '"'; return 2;
	case 'x':
		byte = hex_escape(raw, p);
		if (byte < 0)
			return bad_escape(c, p);
		*out = (char)byte;
		return 4;
	default:
		return bad_escape(c, p);
	}
}

/* A string from its opening quote to the closing one, unescaped into
 * line->strings; it must be followed by a blank, a comment or the end. */
static int lex_string(struct cut *c)
{
	struct scn_line *line = c->line;
	const char *raw = line->raw;
	unsigned int start = c->pos, p = start + 1;
	char *out = line->strings + c->nstr;
	unsigned int n = 0;
	struct scn_token *t;

	while (raw[p] != '"') {
		int used = 1;

		/* a backslash at the very end escapes nothing: unterminated */
		if (raw[p] == '\0' || (raw[p] == '\\' && raw[p + 1] == '\0'))
			return lex_fail(c->err, start + 1,
					"unterminated string: no closing '\"' on this line");
		if (raw[p] == '\\')
			used = lex_escape(c, p, &out[n]);
		else
			out[n] = raw[p];
		if (used < 0)
			return used;
		p += (unsigned int)used;
		n++;
	}
	p++;
	if (!ends_token(raw[p]))
		return lex_fail(c->err, p + 1,
				"expected a blank after the closing '\"' of a string");
	t = new_token(c, SCN_TOK_STRING, start);
	t->s = out;
	t->len = n;
	t->width = p - start;
	c->nstr += n;
	c->pos = p;
	return 0;
}

/* The whole-line checks that come before any token. */
static int check_line(const struct scn_line *line, struct scn_lex_error *err)
{
	const char *nul;

	if (line->len > SCN_LINE_MAX)
		return lex_fail(err, SCN_LINE_MAX + 1,
				"line is longer than %d bytes", SCN_LINE_MAX);
	nul = memchr(line->src, '\0', line->len);
	if (nul)
		return lex_fail(err, (unsigned int)(nul - line->src) + 1,
				"NUL byte in the line (a scenario is text)");
	return 0;
}

/* scn_lex_tokens - see lexer.h. */
int scn_lex_tokens(struct scn_line *line, struct scn_lex_error *err)
{
	struct cut c = { .line = line, .err = err };
	int ret = check_line(line, err);

	line->ntok = 0;
	if (ret)
		return ret;
	memcpy(line->raw, line->src, line->len);
	line->raw[line->len] = '\0';
	for (;;) {
		while (is_blank(line->raw[c.pos]))
			c.pos++;
		if (line->raw[c.pos] == '\0' || line->raw[c.pos] == '#')
			return 0;
		if (line->raw[c.pos] == '"')
			ret = lex_string(&c);
		else
			ret = lex_word(&c);
		if (ret) {
			line->ntok = 0;
			return ret;
		}
	}
}

/* scn_tok_is - see lexer.h. */
bool scn_tok_is(const struct scn_token *t, const char *text)
{
	return t->kind != SCN_TOK_STRING && strlen(text) == t->len &&
	       memcmp(t->s, text, t->len) == 0;
}

/* scn_line_end_col - see lexer.h. */
unsigned int scn_line_end_col(const struct scn_line *line)
{
	const struct scn_token *last;

	if (line->ntok == 0)
		return 1;
	last = &line->tok[line->ntok - 1];
	return last->col + last->width;
}
