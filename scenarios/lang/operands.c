/*
 * scenarios/lang/operands.c - the words inside a step: values (a
 * variable, or an integer standing for a raw fd or handle), sizes and
 * counts, key=value options, and the `=> ok|ERRNO` outcome.
 *
 * Each reader takes one token, checks all of it (a trailing "x" is never
 * silently dropped), and reports at the column of the token, or of the
 * value after a key's '=', or of the bad element of a comma or '|' list:
 * wherever the user has to look to fix it.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "ionsim/uapi/ion.h"
#include "scenarios/lang/parser.h"

#define NUMBER_TEXT_MAX 64	/* longest number we try to read */

/* scn_split_option - see parser.h. */
bool scn_split_option(const struct scn_token *t, struct scn_token *key,
		      struct scn_token *val)
{
	const char *eq;

	if (t->kind != SCN_TOK_WORD)
		return false;
	eq = memchr(t->s, '=', t->len);
	if (!eq)
		return false;
	*key = *t;
	key->len = (unsigned int)(eq - t->s);
	key->width = key->len;
	*val = *t;
	val->s = eq + 1;
	val->len = t->len - key->len - 1;
	val->col = t->col + key->len + 1;
	val->width = val->len;
	return true;
}

/* A piece [@off, @off + @len) of token @t, as a token of its own. */
static struct scn_token sub_token(const struct scn_token *t, unsigned int off,
				  unsigned int len)
{
	struct scn_token sub = *t;

	sub.s = t->s + off;
	sub.len = len;
	sub.width = len;
	sub.col = t->col + off;
	return sub;
}

/* ------------------------------------------------------------------ */
/* Numbers                                                              */
/* ------------------------------------------------------------------ */

/* Decimal or 0x hex digits, saturating at UINT64_MAX so that "too big"
 * stays a range error; false for anything else. */
static bool read_uint(const char *s, unsigned int len, uint64_t *out)
{
	unsigned int base = 10, i = 0;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		v = v > (UINT64_MAX - d) / base ? UINT64_MAX : v * base + d;
	}
	*out = v;
	return true;
}

/* scn_parse_uint_tok - see parser.h. */
int scn_parse_uint_tok(struct scn_parser *ps, const struct scn_token *t,
		       const char *what, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	uint64_t v;

	if (t->kind != SCN_TOK_WORD || !read_uint(t->s, t->len, &v))
		return scn_perr(ps, t->col, "bad %s '%.*s': expected a number",
				what, t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	if (v < min || v > max)
		return scn_perr(ps, t->col, "%s %.*s is out of range (%llu to %llu)",
				what, scn_qlen(t), t->s, (unsigned long long)min,
				(unsigned long long)max);
	*out = v;
	return 0;
}

/* scn_parse_size_tok - see parser.h. */
int scn_parse_size_tok(struct scn_parser *ps, const struct scn_token *t,
		       const char *what, uint64_t *out)
{
	char text[NUMBER_TEXT_MAX];
	int ret = -EINVAL;

	if (t->kind == SCN_TOK_WORD && t->len < sizeof(text)) {
		memcpy(text, t->s, t->len);
		text[t->len] = '\0';
		ret = sim_parse_size(text, out);
	}
	if (ret == -ERANGE)
		return scn_perr(ps, t->col, "%s '%.*s' is too large", what,
				scn_qlen(t), t->s);
	if (ret)
		return scn_perr(ps, t->col,
				"bad %s '%.*s': expected a size such as 4096, 0x1000 or 4K",
				what, t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */

/* An integer literal, -?(decimal|0xhex), that fits an int (fds and
 * handles are ints in every ioctl). */
static int parse_literal(struct scn_parser *ps, const struct scn_token *t,
			 struct scn_value *v)
{
	bool neg = t->s[0] == '-';
	uint64_t mag;

	if (!read_uint(t->s + neg, t->len - neg, &mag))
		return scn_perr(ps, t->col, "bad number '%.*s'", scn_qlen(t), t->s);
	if (mag > (neg ? (uint64_t)INT_MAX + 1 : (uint64_t)INT_MAX))
		return scn_perr(ps, t->col,
				"number %.*s is out of range for an fd or a handle",
				scn_qlen(t), t->s);
	v->kind = SCN_VALUE_INT;
	v->num = neg ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

/* scn_parse_value - see parser.h. */
int scn_parse_value(struct scn_parser *ps, const struct scn_token *t,
		    int scope, struct scn_value *v)
{
	const struct scn_actor *owner = &ps->p->actors[scope];
	int var;

	v->col = t->col;
	if (t->kind == SCN_TOK_STRING)
		return scn_perr(ps, t->col, "expected a variable or a number, not a string");
	if (t->s[0] == '-' || (t->s[0] >= '0' && t->s[0] <= '9'))
		return parse_literal(ps, t, v);
	if (!scn_name_valid(t->s, t->len))
		return scn_perr(ps, t->col,
				"bad operand '%.*s': expected a variable or a number",
				scn_qlen(t), t->s);
	var = scn_var_find(ps, t);
	if (var < 0 || !scn_var_bound(ps, scope, var))
		return scn_perr(ps, t->col,
				"unknown variable '%.*s': nothing in %s '%s' binds it before this line",
				scn_qlen(t), t->s, scn_actor_kind_word(owner->kind),
				owner->name);
	v->kind = SCN_VALUE_VAR;
	v->var = var;
	return 0;
}

/* scn_parse_heap_name - see parser.h. */
int scn_parse_heap_name(struct scn_parser *ps, const char *s, unsigned int len,
			unsigned int col, unsigned int *id)
{
	const struct heap_board *heaps = &ps->p->board.heaps;

	*id = 0;
	if (len == 0)
		return scn_perr(ps, col, "missing heap name");
	/* a broken board may lack the heap the user meant: say nothing */
	if (ps->board_broken)
		return 0;
	for (unsigned int i = 0; i < heaps->n; i++) {
		const char *name = heaps->heaps[i].name;

		if (strlen(name) == len && memcmp(name, s, len) == 0) {
			*id = heaps->heaps[i].id;
			return 0;
		}
	}
	return scn_perr(ps, col, "no heap named '%.*s' on this machine",
			(int)(len < SCN_QUOTE_MAX ? len : SCN_QUOTE_MAX), s);
}

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

/* heap=H[,H...]: the heaps' ids as a heap_id_mask. */
static int parse_heap_list(struct scn_parser *ps, const struct scn_token *val,
			   struct scn_step *step)
{
	unsigned int start = 0, mask = 0;

	while (start <= val->len) {
		const char *comma = memchr(val->s + start, ',', val->len - start);
		unsigned int end = comma ? (unsigned int)(comma - val->s) : val->len;
		unsigned int id;
		int ret = scn_parse_heap_name(ps, val->s + start, end - start,
					      val->col + start, &id);

		if (ret)
			return ret;
		mask |= 1u << (id % HEAP_MAX_IDS);
		start = end + 1;
	}
	step->heap_mask = mask;
	return 0;
}

/* A named bit of a flags word. */
struct flag_name {
	const char *name;
	unsigned int value;
};

/* A comma-separated list of @names, or a number (for testing what the
 * kernel does with flags no name spells). */
static int parse_flag_list(struct scn_parser *ps, const struct scn_token *val,
			   const char *what, const struct flag_name *names,
			   const char *hint, unsigned int *out)
{
	unsigned int start = 0, flags = 0;
	uint64_t n;

	if (val->s[0] >= '0' && val->s[0] <= '9') {
		int ret = scn_parse_uint_tok(ps, val, what, 0, UINT_MAX, &n);

		*out = (unsigned int)n;
		return ret;
	}
	while (start <= val->len) {
		const char *comma = memchr(val->s + start, ',', val->len - start);
		unsigned int end = comma ? (unsigned int)(comma - val->s) : val->len;
		struct scn_token word = sub_token(val, start, end - start);
		const struct flag_name *f = names;

		while (f->name && !scn_tok_is(&word, f->name))
			f++;
		if (!f->name)
			return scn_perr(ps, word.col, "unknown %s '%.*s' (%s)", what,
					scn_qlen(&word), word.s, hint);
		flags |= f->value;
		start = end + 1;
	}
	*out = flags;
	return 0;
}

static const struct flag_name alloc_flags[] = {
	{ "cached", ION_FLAG_CACHED },
	{ "needs_sync", ION_FLAG_CACHED_NEEDS_SYNC },
	{ NULL, 0 },
};

static const struct flag_name open_flags[] = {
	{ "rdwr", SIM_O_RDWR },
	{ "rdonly", SIM_O_RDONLY },
	{ "wronly", SIM_O_WRONLY },
	{ "cloexec", SIM_O_CLOEXEC },
	{ NULL, 0 },
};

/* prot=r|w|rw */
static int parse_prot(struct scn_parser *ps, const struct scn_token *val,
		      struct scn_step *step)
{
	if (scn_tok_is(val, "r"))
		step->prot = SIM_PROT_READ;
	else if (scn_tok_is(val, "w"))
		step->prot = SIM_PROT_WRITE;
	else if (scn_tok_is(val, "rw"))
		step->prot = SIM_PROT_READ | SIM_PROT_WRITE;
	else
		return scn_perr(ps, val->col, "bad prot '%.*s' (r, w or rw)",
				scn_qlen(val), val->s);
	return 0;
}

/* The option's value into @step; @key is known to be one of its op's. */
static int option_value(struct scn_parser *ps, const struct scn_token *key,
			const struct scn_token *val, struct scn_step *step)
{
	uint64_t n;
	int ret;

	if (scn_tok_is(key, "heap"))
		return parse_heap_list(ps, val, step);
	if (scn_tok_is(key, "mask")) {
		ret = scn_parse_uint_tok(ps, val, "mask", 0, UINT_MAX, &n);
		step->heap_mask = (unsigned int)n;
		return ret;
	}
	if (scn_tok_is(key, "flags"))
		return parse_flag_list(ps, val, "flag", alloc_flags,
				       "cached or needs_sync", &step->flags);
	if (scn_tok_is(key, "fd_flags"))
		return parse_flag_list(ps, val, "fd flag", open_flags,
				       "rdwr, rdonly, wronly or cloexec",
				       &step->fd_flags);
	if (scn_tok_is(key, "align"))
		return scn_parse_size_tok(ps, val, "align", &step->align);
	if (scn_tok_is(key, "offset"))
		return scn_parse_size_tok(ps, val, "offset", &step->offset);
	if (scn_tok_is(key, "prot"))
		return parse_prot(ps, val, step);
	ret = scn_parse_uint_tok(ps, val, "byte", 0, 255, &n);
	step->byte = (int)n;
	return ret;
}

/* scn_parse_option - see parser.h. */
int scn_parse_option(struct scn_parser *ps, const struct scn_token *t,
		     struct scn_step *step)
{
	struct scn_token key, val;

	if (!scn_split_option(t, &key, &val))
		return scn_perr(ps, t->col, "expected key=value, found '%.*s'",
				scn_qlen(t), t->s);
	if (val.len == 0)
		return scn_perr(ps, val.col, "missing value after '%.*s='",
				scn_qlen(&key), key.s);
	return option_value(ps, &key, &val, step);
}

/* ------------------------------------------------------------------ */
/* Outcomes                                                             */
/* ------------------------------------------------------------------ */

/* One alternative of an outcome, added to @out. */
static int outcome_word(struct scn_parser *ps, const struct scn_token *w,
			struct scn_outcome *out)
{
	char name[NUMBER_TEXT_MAX];
	int err = 0;

	if (w->len == 0)
		return scn_perr(ps, w->col, "empty alternative in the outcome");
	if (scn_tok_is(w, "ok")) {
		out->ok = true;
		return 0;
	}
	if (w->len < sizeof(name)) {
		memcpy(name, w->s, w->len);
		name[w->len] = '\0';
		err = scn_errno_parse(name);
	}
	if (!err)
		return scn_perr(ps, w->col,
				"unknown outcome '%.*s' (ok, or an errno name such as EINVAL)",
				scn_qlen(w), w->s);
	for (unsigned int i = 0; i < out->nerrnos; i++)
		if (out->errnos[i] == err)
			return 0;
	if (out->nerrnos == SCN_MAX_ERRNOS)
		return scn_perr(ps, w->col, "more than %d errnos in one outcome",
				SCN_MAX_ERRNOS);
	out->errnos[out->nerrnos++] = err;
	return 0;
}

/* scn_parse_outcome - see parser.h. */
int scn_parse_outcome(struct scn_parser *ps, const struct scn_token *t,
		      struct scn_outcome *out)
{
	unsigned int start = 0;

	if (t->kind != SCN_TOK_WORD)
		return scn_perr(ps, t->col,
				"expected an outcome after '=>' (ok, or errno names joined by '|')");
	out->given = true;
	out->ok = false;
	out->nerrnos = 0;
	while (start <= t->len) {
		const char *bar = memchr(t->s + start, '|', t->len - start);
		unsigned int end = bar ? (unsigned int)(bar - t->s) : t->len;
		struct scn_token w = sub_token(t, start, end - start);
		int ret = outcome_word(ps, &w, out);

		if (ret)
			return ret;
		start = end + 1;
	}
	return 0;
}
