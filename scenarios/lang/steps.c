/*
 * scenarios/lang/steps.c - `ACTOR OP ARGS [-> VAR] [=> OUTCOME]`.
 *
 * Every op is a row of a table: its word, the letters of its positional
 * operands, the options it takes, and whether `-> VAR` may name its
 * result.  One reader walks any row, so an op's syntax is written once,
 * next to the message that quotes it, and every op reports its mistakes
 * in the same words.  The operand letters:
 *
 *   v  a value (variable or integer) of the actor's process -> arg[]
 *   w  a value of the process named by `from PROC` (a driver's import and
 *      get take an fd that lives in a process, not in the driver) -> arg[]
 *   L  LEN, a size; l: the same, optional (mmap) -> len
 *   O  OFFSET, a size -> offset
 *   N  a count (shrink's PAGES) -> len
 *   P  a path (/dev/ion, /dev/dma_heap/NAME) -> name
 *   D  a device name (attach) -> name
 *   H  a heap on the board (drain, shrink) -> name
 *   t  `to PROC`, f `from PROC`: two words -> other
 *   S  a "string" -> text
 *   X  a "string", or LEN followed by the byte= option (write) -> text|len
 *   d  read|write|rw, optional -> dir
 * Optional letters only ever come last.
 *
 * The words of a step are sorted first: positionals in order, key=value
 * options in any order (SCENARIO.md), then `-> VAR` and `=> OUTCOME` in
 * either order, after which nothing else may come.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ionsim/uapi/dma-buf.h"
#include "scenarios/lang/parser.h"

#define POS_MAX 8		/* positionals kept; no op takes more than 4 */
#define OPT_MAX 8		/* options kept per step */
#define OPT_KEYS_MAX 4		/* options one op allows */

struct op_spec {
	const char *word;		/* as written after the actor */
	enum scn_op op;
	const char *operands;		/* letters, see the header */
	const char *options[OPT_KEYS_MAX];	/* keys it takes, NULL-ended */
	bool binds;			/* has a result `-> VAR` may name */
	const char *syntax;		/* for messages */
};

static const struct op_spec process_ops[] = {
	{ "open", SCN_OP_OPEN, "P", { NULL }, true, "open PATH -> V" },
	{ "alloc", SCN_OP_ALLOC, "vL", { "heap", "mask", "align", "flags" }, true,
	  "alloc ION LEN heap=H[,H...]|mask=0xN [align=A] [flags=cached,needs_sync] -> V" },
	{ "free", SCN_OP_FREE, "vv", { NULL }, false, "free ION H" },
	{ "share", SCN_OP_SHARE, "vv", { NULL }, true, "share ION H -> V" },
	{ "map", SCN_OP_MAP, "vv", { NULL }, true, "map ION H -> V" },
	{ "import", SCN_OP_IMPORT, "vv", { NULL }, true, "import ION FD -> V" },
	{ "sync", SCN_OP_SYNC, "vv", { NULL }, false, "sync ION FD" },
	{ "query", SCN_OP_QUERY, "v", { NULL }, false, "query ION" },
	{ "heapalloc", SCN_OP_HEAPALLOC, "vL", { "fd_flags" }, true,
	  "heapalloc HEAPFD LEN [fd_flags=rdwr,cloexec] -> V" },
	{ "dup", SCN_OP_DUP, "v", { NULL }, true, "dup FD -> V" },
	{ "close", SCN_OP_CLOSE, "v", { NULL }, false, "close FD" },
	{ "send", SCN_OP_SEND, "vt", { NULL }, true, "send FD to PROC -> V" },
	{ "mmap", SCN_OP_MMAP, "vl", { "offset", "prot" }, true,
	  "mmap FD [LEN] [offset=N] [prot=r|w|rw] -> M" },
	{ "munmap", SCN_OP_MUNMAP, "v", { NULL }, false, "munmap M" },
	{ "write", SCN_OP_WRITE, "vOX", { "byte" }, false,
	  "write M OFFSET \"text\" | write M OFFSET LEN byte=0xNN" },
	{ "read", SCN_OP_READ, "vOS", { NULL }, false, "read M OFFSET \"text\"" },
	{ "cpu_begin", SCN_OP_CPU_BEGIN, "vd", { NULL }, false,
	  "cpu_begin FD [read|write|rw]" },
	{ "cpu_end", SCN_OP_CPU_END, "vd", { NULL }, false,
	  "cpu_end FD [read|write|rw]" },
	{ "kmap", SCN_OP_KMAP, "vv", { NULL }, false, "kmap ION H" },
	{ "kunmap", SCN_OP_KUNMAP, "vv", { NULL }, false, "kunmap ION H" },
	{ "attach", SCN_OP_ATTACH, "vD", { NULL }, true, "attach FD DEVICE -> A" },
	{ "detach", SCN_OP_DETACH, "v", { NULL }, false, "detach A" },
	{ "dmamap", SCN_OP_DMAMAP, "v", { NULL }, false, "dmamap A" },
	{ "dmaunmap", SCN_OP_DMAUNMAP, "v", { NULL }, false, "dmaunmap A" },
	{ "fork", SCN_OP_FORK, "", { NULL }, false, "fork -> CHILD" },
	{ "exit", SCN_OP_EXIT, "", { NULL }, false, "exit" },
	{ NULL, 0, NULL, { NULL }, false, NULL },
};

static const struct op_spec driver_ops[] = {
	{ "client", SCN_OP_KCLIENT, "", { NULL }, true, "client -> C" },
	{ "alloc", SCN_OP_KALLOC, "vL", { "heap", "mask", "align", "flags" }, true,
	  "alloc C LEN heap=H[,H...]|mask=0xN [align=A] [flags=cached,needs_sync] -> H" },
	{ "free", SCN_OP_KFREE, "vv", { NULL }, false, "free C H" },
	{ "kmap", SCN_OP_KMAP_KERNEL, "vv", { NULL }, false, "kmap C H" },
	{ "kunmap", SCN_OP_KUNMAP_KERNEL, "vv", { NULL }, false, "kunmap C H" },
	{ "share", SCN_OP_KSHARE, "vvt", { NULL }, true, "share C H to PROC -> V" },
	{ "import", SCN_OP_KIMPORT, "vwf", { NULL }, true,
	  "import C FD from PROC -> H" },
	{ "get", SCN_OP_KGET, "wf", { NULL }, true, "get FD from PROC -> B" },
	{ "put", SCN_OP_KPUT, "v", { NULL }, false, "put B" },
	{ "destroy", SCN_OP_KDESTROY, "v", { NULL }, false, "destroy C" },
	{ NULL, 0, NULL, { NULL }, false, NULL },
};

static const struct op_spec kernel_ops[] = {
	{ "drain", SCN_OP_DRAIN, "H", { NULL }, false, "kernel drain HEAP" },
	{ "shrink", SCN_OP_SHRINK, "HN", { NULL }, false,
	  "kernel shrink HEAP PAGES" },
	{ NULL, 0, NULL, { NULL }, false, NULL },
};

/* A step being read: its words, sorted, and what it becomes. */
struct step_ctx {
	const struct op_spec *spec;
	int actor;			/* as written (a thread stays a thread) */
	int scope;			/* the actor's process */
	const struct scn_token *pos[POS_MAX];
	unsigned int npos;		/* all of them, even past POS_MAX */
	const struct scn_token *opt[OPT_MAX];
	unsigned int nopt;
	const struct scn_token *bind_arrow, *bind;	/* `->` and its name */
	const struct scn_token *outcome_arrow, *outcome;
	unsigned int opt_seen;		/* bit i: spec->options[i] given */
	struct scn_step st;
};

/* ------------------------------------------------------------------ */
/* Sorting the words                                                    */
/* ------------------------------------------------------------------ */

/* The word after arrow @i, which must exist. */
static int arrow_target(struct scn_parser *ps, unsigned int i,
			const struct scn_token **arrow,
			const struct scn_token **target, const char *what)
{
	const struct scn_line *line = ps->line;
	const struct scn_token *a = &line->tok[i];

	if (*arrow)
		return scn_perr(ps, a->col, "a second '%.*s' in one step",
				(int)a->len, a->s);
	if (i + 1 >= line->ntok)
		return scn_perr(ps, scn_line_end_col(line), "missing %s after '%.*s'",
				what, (int)a->len, a->s);
	*arrow = a;
	*target = &line->tok[i + 1];
	return 0;
}

/* A word that is an option or a positional, before any arrow. */
static int sort_operand(struct scn_parser *ps, struct step_ctx *c,
			const struct scn_token *t)
{
	const struct scn_token *after = c->bind_arrow ? c->bind_arrow :
					c->outcome_arrow;

	if (after)
		return scn_perr(ps, t->col,
				"unexpected '%.*s' after '%.*s': operands and options come first",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s,
				(int)after->len, after->s);
	if (t->kind == SCN_TOK_WORD && memchr(t->s, '=', t->len)) {
		if (t->s[0] == '=')
			return scn_perr(ps, t->col, "missing option name before '='");
		if (c->nopt == OPT_MAX)
			return scn_perr(ps, t->col, "too many options in one step");
		c->opt[c->nopt++] = t;
		return 0;
	}
	if (c->npos < POS_MAX)
		c->pos[c->npos] = t;
	c->npos++;
	return 0;
}

/* Sorts the words after the op (token @first on). */
static int sort_words(struct scn_parser *ps, struct step_ctx *c,
		      unsigned int first)
{
	const struct scn_line *line = ps->line;

	for (unsigned int i = first; i < line->ntok; i++) {
		const struct scn_token *t = &line->tok[i];
		int ret;

		if (t->kind == SCN_TOK_BIND)
			ret = arrow_target(ps, i++, &c->bind_arrow, &c->bind,
					   "a variable name");
		else if (t->kind == SCN_TOK_OUTCOME)
			ret = arrow_target(ps, i++, &c->outcome_arrow, &c->outcome,
					   "the outcome (ok, or errno names joined by '|')");
		else
			ret = sort_operand(ps, c, t);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Positional operands                                                  */
/* ------------------------------------------------------------------ */

static bool is_optional(char letter)
{
	return letter == 'l' || letter == 'd';
}

/* How many words letter @letter takes. */
static unsigned int letter_width(char letter)
{
	return letter == 't' || letter == 'f' ? 2 : 1;
}

/* The step has as many positionals as its op takes. */
static int check_count(struct scn_parser *ps, const struct step_ctx *c)
{
	unsigned int min = 0, max = 0;

	for (const char *l = c->spec->operands; *l; l++) {
		max += letter_width(*l);
		if (!is_optional(*l))
			min += letter_width(*l);
	}
	if (c->npos < min)
		return scn_perr(ps, scn_line_end_col(ps->line),
				"missing operand for '%s' (%s)", c->spec->word,
				c->spec->syntax);
	if (c->npos > max)
		return scn_perr(ps, c->pos[max]->col,
				"too many operands for '%s' (%s)", c->spec->word,
				c->spec->syntax);
	return 0;
}

/* `to PROC` / `from PROC` at positional @i: the process, into other. */
static int parse_peer(struct scn_parser *ps, struct step_ctx *c, unsigned int i,
		      const char *word)
{
	const struct scn_token *kw = c->pos[i], *name = c->pos[i + 1];
	const struct scn_actor *a;
	int idx;

	if (!scn_tok_is(kw, word))
		return scn_perr(ps, kw->col, "expected '%s PROC' here (%s)", word,
				c->spec->syntax);
	/* checked by name: before any kernel step it is not an actor yet */
	if (scn_tok_is(name, "kernel"))
		return scn_perr(ps, name->col, "'kernel' is the kernel actor, not a process");
	idx = scn_actor_lookup(ps, name, "process");
	if (idx < 0)
		return idx;
	a = &ps->p->actors[idx];
	if (a->kind == SCN_ACTOR_DRIVER)
		return scn_perr(ps, name->col, "'%s' is a %s, not a process",
				a->name, scn_actor_kind_word(a->kind));
	if (a->process == c->scope)
		return scn_perr(ps, name->col,
				"'%.*s' is the sender's own process: send to another one",
				scn_qlen(name), name->s);
	c->st.other = a->process;
	return 0;
}

/* PATH: an absolute path that fits the step's name. */
static int parse_path(struct scn_parser *ps, struct step_ctx *c,
		      const struct scn_token *t)
{
	if (t->kind != SCN_TOK_WORD || t->s[0] != '/')
		return scn_perr(ps, t->col,
				"expected a path such as /dev/ion or /dev/dma_heap/system");
	if (t->len >= sizeof(c->st.name))
		return scn_perr(ps, t->col, "path '%.*s' is longer than %zu bytes",
				scn_qlen(t), t->s, sizeof(c->st.name) - 1);
	memcpy(c->st.name, t->s, t->len);
	return 0;
}

/* DEVICE or HEAP: a name into the step's name (a heap must exist). */
static int parse_word_name(struct scn_parser *ps, struct step_ctx *c,
			   const struct scn_token *t, bool heap)
{
	const char *what = heap ? "heap" : "device";
	unsigned int id;

	if (t->kind != SCN_TOK_WORD || !scn_name_valid(t->s, t->len))
		return scn_perr(ps, t->col,
				"bad %s name '%.*s': names are [A-Za-z_][A-Za-z0-9_.-]*",
				what, t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	if (t->len >= (heap ? HEAP_NAME_MAX : sizeof(c->st.name)))
		return scn_perr(ps, t->col, "%s name '%.*s' is too long", what,
				scn_qlen(t), t->s);
	if (heap && scn_parse_heap_name(ps, t->s, t->len, t->col, &id))
		return -EINVAL;
	memcpy(c->st.name, t->s, t->len);
	return 0;
}

/* A "string" operand, copied out of the line (the program keeps it). */
static int parse_text(struct scn_parser *ps, struct step_ctx *c,
		      const struct scn_token *t)
{
	if (t->kind != SCN_TOK_STRING)
		return scn_perr(ps, t->col, "expected a \"string\" here (%s)",
				c->spec->syntax);
	c->st.text = malloc(t->len + 1);
	if (!c->st.text)
		return scn_perr_oom(ps);
	memcpy(c->st.text, t->s, t->len);
	c->st.text[t->len] = '\0';
	c->st.text_len = t->len;
	return 0;
}

/* read|write|rw for cpu_begin and cpu_end. */
static int parse_dir(struct scn_parser *ps, struct step_ctx *c,
		     const struct scn_token *t)
{
	if (scn_tok_is(t, "read"))
		c->st.dir = DMA_BUF_SYNC_READ;
	else if (scn_tok_is(t, "write"))
		c->st.dir = DMA_BUF_SYNC_WRITE;
	else if (scn_tok_is(t, "rw"))
		c->st.dir = DMA_BUF_SYNC_RW;
	else
		return scn_perr(ps, t->col, "bad direction '%.*s' (read, write or rw)",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	return 0;
}

/* A value operand into the next arg[] slot. */
static int parse_arg(struct scn_parser *ps, struct step_ctx *c,
		     const struct scn_token *t, int scope)
{
	unsigned int n = 0;

	while (n < SCN_MAX_ARGS && c->st.arg[n].kind != SCN_VALUE_NONE)
		n++;
	return scn_parse_value(ps, t, scope, &c->st.arg[n]);
}

/* One positional @t read as letter @letter. */
static int parse_letter(struct scn_parser *ps, struct step_ctx *c, char letter,
			const struct scn_token *t)
{
	uint64_t n;
	int ret;

	switch (letter) {
	case 'v': return parse_arg(ps, c, t, c->scope);
	case 'w': return parse_arg(ps, c, t, c->st.other);
	case 'L': return scn_parse_size_tok(ps, t, "length", &c->st.len);
	case 'l':
		c->st.has_len = true;
		return scn_parse_size_tok(ps, t, "length", &c->st.len);
	case 'O': return scn_parse_size_tok(ps, t, "offset", &c->st.offset);
	case 'N':
		ret = scn_parse_uint_tok(ps, t, "page count", 0, UINT64_MAX, &n);
		c->st.len = n;
		return ret;
	case 'P': return parse_path(ps, c, t);
	case 'D': return parse_word_name(ps, c, t, false);
	case 'H': return parse_word_name(ps, c, t, true);
	case 'S': return parse_text(ps, c, t);
	case 'X':
		if (t->kind == SCN_TOK_STRING)
			return parse_text(ps, c, t);
		return scn_parse_size_tok(ps, t, "length", &c->st.len);
	default: return parse_dir(ps, c, t);
	}
}

/* Every positional: `to`/`from` first, since a `w` value before them
 * lives in the process they name. */
static int parse_positionals(struct scn_parser *ps, struct step_ctx *c)
{
	const char *letters = c->spec->operands;
	unsigned int i = 0;
	int ret = check_count(ps, c);

	for (const char *l = letters; !ret && *l; i += letter_width(*l), l++)
		if (*l == 't' || *l == 'f')
			ret = parse_peer(ps, c, i, *l == 't' ? "to" : "from");
	i = 0;
	for (const char *l = letters; !ret && *l && i < c->npos;
	     i += letter_width(*l), l++)
		if (*l != 't' && *l != 'f')
			ret = parse_letter(ps, c, *l, c->pos[i]);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

/* The index of @key among the op's options, or -1. */
static int option_index(const struct op_spec *spec, const struct scn_token *key)
{
	for (int i = 0; i < OPT_KEYS_MAX && spec->options[i]; i++)
		if (scn_tok_is(key, spec->options[i]))
			return i;
	return -1;
}

static int unknown_option(struct scn_parser *ps, const struct step_ctx *c,
			  const struct scn_token *key)
{
	const char *const *o = c->spec->options;

	if (!o[0])
		return scn_perr(ps, key->col, "'%s' takes no option, not '%.*s=' (%s)",
				c->spec->word, scn_qlen(key), key->s,
				c->spec->syntax);
	return scn_perr(ps, key->col, "unknown option '%.*s=' for '%s' (%s)",
			scn_qlen(key), key->s, c->spec->word, c->spec->syntax);
}

static int parse_options(struct scn_parser *ps, struct step_ctx *c)
{
	for (unsigned int i = 0; i < c->nopt; i++) {
		struct scn_token key, val;
		int k, ret;

		scn_split_option(c->opt[i], &key, &val);
		k = option_index(c->spec, &key);
		if (k < 0)
			return unknown_option(ps, c, &key);
		if (c->opt_seen & (1u << k))
			return scn_perr(ps, key.col, "option '%.*s=' given twice",
					scn_qlen(&key), key.s);
		c->opt_seen |= 1u << k;
		ret = scn_parse_option(ps, c->opt[i], &c->st);
		if (ret)
			return ret;
	}
	return 0;
}

static bool option_given(const struct step_ctx *c, const char *key)
{
	for (int i = 0; i < OPT_KEYS_MAX && c->spec->options[i]; i++)
		if (strcmp(c->spec->options[i], key) == 0)
			return c->opt_seen & (1u << i);
	return false;
}

/* The column of the option @key (given). */
static unsigned int option_col(const struct step_ctx *c, const char *key)
{
	struct scn_token k, v;

	for (unsigned int i = 0; i < c->nopt; i++)
		if (scn_split_option(c->opt[i], &k, &v) && scn_tok_is(&k, key))
			return k.col;
	return 1;
}

/* What one option requires of another: alloc needs a heap, write LEN a
 * byte, and write "text" none. */
static int check_option_mix(struct scn_parser *ps, const struct step_ctx *c)
{
	bool heap = option_given(c, "heap"), mask = option_given(c, "mask");
	const enum scn_op op = c->spec->op;

	if ((op == SCN_OP_ALLOC || op == SCN_OP_KALLOC) && heap && mask) {
		unsigned int h = option_col(c, "heap"), m = option_col(c, "mask");

		return scn_perr(ps, h > m ? h : m, "give heap= or mask=, not both");
	}
	if ((op == SCN_OP_ALLOC || op == SCN_OP_KALLOC) && !heap && !mask)
		return scn_perr(ps, scn_line_end_col(ps->line),
				"missing heap=NAME or mask=0xN for '%s' (%s)",
				c->spec->word, c->spec->syntax);
	if (op == SCN_OP_WRITE && !c->st.text && !option_given(c, "byte"))
		return scn_perr(ps, scn_line_end_col(ps->line),
				"missing byte=0xNN after the length (write M OFFSET LEN byte=0xNN)");
	if (op == SCN_OP_WRITE && c->st.text && option_given(c, "byte"))
		return scn_perr(ps, option_col(c, "byte"),
				"byte= goes with a length, not with a \"string\"");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Result and outcome                                                   */
/* ------------------------------------------------------------------ */

/* `-> VAR` where the op allows it and the step may succeed. */
static int check_bind(struct scn_parser *ps, const struct step_ctx *c)
{
	const struct scn_token *arrow = c->bind_arrow;

	if (c->spec->op == SCN_OP_FORK && !arrow && c->st.outcome.ok)
		return scn_perr(ps, scn_line_end_col(ps->line),
				"missing '-> CHILD' after fork: the child needs a name");
	if (!arrow)
		return 0;
	if (!c->spec->binds && c->spec->op != SCN_OP_FORK)
		return scn_perr(ps, arrow->col, "'%s' has no result to name with '->'",
				c->spec->word);
	if (!c->st.outcome.ok)
		return scn_perr(ps, arrow->col,
				"'-> %.*s' names the result of a step that must fail",
				scn_qlen(c->bind), c->bind->s);
	return 0;
}

/* Send and a driver's share bind in the receiving process. */
static int bind_scope(const struct step_ctx *c)
{
	if (c->spec->op == SCN_OP_SEND || c->spec->op == SCN_OP_KSHARE)
		return c->st.other;
	return c->scope;
}

/* The name after `->`: a new actor for fork, else a variable. */
static int name_result(struct scn_parser *ps, struct step_ctx *c)
{
	int ret;

	if (!c->bind)
		return 0;
	if (c->spec->op == SCN_OP_FORK) {
		ret = scn_actor_fork(ps, c->actor, c->bind, ps->p->nsteps);
		if (ret >= 0)
			c->st.other = ret;
		return ret < 0 ? ret : 0;
	}
	ret = scn_var_intern(ps, c->bind);
	if (ret < 0)
		return ret;
	c->st.bind = ret;
	c->st.bind_actor = bind_scope(c);
	return 0;
}

/* The step is good: store it, then bind its result.  The program owns
 * the step's text once stored; until then it is the step's to free. */
static int commit(struct scn_parser *ps, struct step_ctx *c)
{
	int ret = name_result(ps, c);

	if (ret) {
		free(c->st.text);
		return ret;
	}
	ret = scn_program_add_step(ps, &c->st);
	if (ret < 0)
		return ret;
	return c->st.bind >= 0 ? scn_var_bind(ps, c->st.bind_actor, c->st.bind) : 0;
}

/* ------------------------------------------------------------------ */
/* A step                                                               */
/* ------------------------------------------------------------------ */

static const struct op_spec *find_op(const struct op_spec *table,
				     const struct scn_token *t)
{
	for (; table->word; table++)
		if (scn_tok_is(t, table->word))
			return table;
	return NULL;
}

/* The op word (token 1) of a step by @actor. */
static int find_step_op(struct scn_parser *ps, struct step_ctx *c)
{
	const struct scn_line *line = ps->line;
	const struct scn_actor *a = &ps->p->actors[c->actor];
	const struct scn_token *t = &line->tok[1];

	if (line->ntok < 2)
		return scn_perr(ps, scn_line_end_col(line),
				a->kind == SCN_ACTOR_KERNEL ?
				"missing operation after 'kernel' (drain HEAP or shrink HEAP PAGES)" :
				"missing operation after '%s'", a->name);
	if (a->kind == SCN_ACTOR_KERNEL)
		c->spec = find_op(kernel_ops, t);
	else if (a->kind == SCN_ACTOR_DRIVER)
		c->spec = find_op(driver_ops, t);
	else
		c->spec = find_op(process_ops, t);
	if (c->spec)
		return 0;
	if (a->kind == SCN_ACTOR_KERNEL)
		return scn_perr(ps, t->col,
				"the kernel actor only runs 'drain HEAP' and 'shrink HEAP PAGES', not '%.*s'",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	if (a->kind == SCN_ACTOR_DRIVER)
		return scn_perr(ps, t->col,
				"unknown driver operation '%.*s' (client, alloc, free, kmap, kunmap, share, import, get, put or destroy)",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	return scn_perr(ps, t->col, "unknown operation '%.*s'",
			t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
			t->kind == SCN_TOK_STRING ? "\"" : t->s);
}

/* The actor of the line: the kernel, or a declared one. */
static int step_actor(struct scn_parser *ps)
{
	const struct scn_token *t = &ps->line->tok[0];

	if (scn_tok_is(t, "kernel"))
		return scn_actor_kernel(ps, t->col);
	return scn_actor_lookup(ps, t, "statement or actor");
}

static int parse_step(struct scn_parser *ps, struct step_ctx *c)
{
	int ret = find_step_op(ps, c);

	if (!ret)
		ret = sort_words(ps, c, 2);
	if (!ret)
		ret = parse_positionals(ps, c);
	if (!ret)
		ret = parse_options(ps, c);
	if (!ret)
		ret = check_option_mix(ps, c);
	if (!ret && c->outcome)
		ret = scn_parse_outcome(ps, c->outcome, &c->st.outcome);
	if (!ret)
		ret = check_bind(ps, c);
	return ret;
}

/* A bad step still binds the name after its `->` (when it is one), so
 * that the lines using it do not each report it unknown. */
static void recover_bind(struct scn_parser *ps, int scope)
{
	const struct scn_line *line = ps->line;

	for (unsigned int i = 2; i + 1 < line->ntok; i++) {
		const struct scn_token *t = &line->tok[i + 1];
		int var;

		if (line->tok[i].kind != SCN_TOK_BIND || t->kind != SCN_TOK_WORD ||
		    !scn_name_valid(t->s, t->len) || t->len >= SCN_NAME_MAX ||
		    scn_actor_find(ps->p, t) >= 0)
			continue;
		var = scn_var_intern(ps, t);
		if (var >= 0)
			scn_var_bind(ps, scope, var);
		return;
	}
}

/* scn_parse_actor_step - see parser.h. */
int scn_parse_actor_step(struct scn_parser *ps)
{
	struct step_ctx c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.actor = step_actor(ps);
	if (c.actor < 0)
		return c.actor;
	c.scope = ps->p->actors[c.actor].process;
	scn_step_init(&c.st, ps->line->lineno, scn_line_end_col(ps->line));
	c.st.actor = c.actor;
	if (ps->line->ntok > 1)
		c.st.col = ps->line->tok[1].col;
	ret = parse_step(ps, &c);
	if (!ret) {
		c.st.op = c.spec->op;
		return commit(ps, &c);
	}
	free(c.st.text);
	if (!ps->stop)
		recover_bind(ps, c.scope);
	return ret;
}
