/*
 * model/board.c - machine statements, the board they describe, and
 * booting it (the contract is in model/board.h).
 *
 * Each statement is read by one small function, left to right, so that
 * the leftmost bad word is the one reported, at the column where it
 * starts (or at the value after its '=').  Heap statements go to
 * heap_config_parse, whose column is kept as it is: both parsers count
 * columns in the same line.  A statement given twice (ram, abi, kernel,
 * nofile, kref_bits) is an error naming the first one's line: machine
 * descriptions are short, and a second `ram` is far more often a slip
 * than an intent.  `bug` and `fix` lines accumulate instead, each
 * switching one defect, and a later line wins over an earlier one.
 *
 * What needs the whole board waits for kion_board_finish: a dmaheap may
 * name a heap declared below it, and regions can only be laid out once
 * every heap is known.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "model/board.h"
#include "sim/words.h"

#define NUMBER_TEXT_MAX 64	/* longest size or count we try to read */

/* A blank-separated word of a statement. */
/* The statement being read: its text, a cursor and where errors go. */
struct stmt {
	const char *line;	/* comment already cut off */
	unsigned int pos;	/* byte offset of the cursor */
	unsigned int lineno;
	struct kion_board *b;
	struct heap_parse_error *err;
};

/* ------------------------------------------------------------------ */
/* Words and messages                                                   */
/* ------------------------------------------------------------------ */

static bool next_word(struct stmt *st, struct sim_word *w)
{
	return sim_next_word(st->line, &st->pos, w);
}

/* The column just past the last word read: where a missing word goes. */
static unsigned int end_col(const struct stmt *st)
{
	return st->pos + 1;
}

__attribute__((format(printf, 3, 4)))
static int fail(struct stmt *st, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	st->err->col = col;
	va_start(ap, fmt);
	vsnprintf(st->err->msg, sizeof(st->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Copies @w into @buf (NUL-terminated); false when it does not fit. */
static bool word_copy(const struct sim_word *w, char *buf, size_t size)
{
	if (w->len >= size)
		return false;
	memcpy(buf, w->s, w->len);
	buf[w->len] = '\0';
	return true;
}

/* A name: [A-Za-z_][A-Za-z0-9_.-]*, as SCENARIO.md spells names. */
static bool name_valid(const struct sim_word *w)
{
	for (unsigned int i = 0; i < w->len; i++) {
		char c = w->s[i];
		bool first = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     c == '_';
		bool more = (c >= '0' && c <= '9') || c == '.' || c == '-';

		if (!first && (i == 0 || !more))
			return false;
	}
	return w->len > 0;
}

/* "bad WHAT 'x'" unless @w is a name that fits in HEAP_NAME_MAX. */
static int check_name(struct stmt *st, const struct sim_word *w, const char *what)
{
	if (!name_valid(w))
		return fail(st, w->col,
			    "bad %s '%.*s': names are [A-Za-z_][A-Za-z0-9_.-]*",
			    what, sim_word_quote_len(w), w->s);
	if (w->len >= HEAP_NAME_MAX)
		return fail(st, w->col, "%s '%.*s' is longer than %d characters",
			    what, sim_word_quote_len(w), w->s, HEAP_NAME_MAX - 1);
	return 0;
}

/* Nothing may follow the statement's last word. */
static int expect_end(struct stmt *st, const char *stmt_name)
{
	struct sim_word w;

	if (!next_word(st, &w))
		return 0;
	return fail(st, w.col, "unexpected '%.*s' at the end of the %s statement",
		    sim_word_quote_len(&w), w.s, stmt_name);
}

/* An error unless this is the statement's first occurrence. */
static int check_once(struct stmt *st, const struct sim_word *kw,
		      unsigned int first_line)
{
	if (!first_line)
		return 0;
	return fail(st, kw->col, "duplicate '%.*s' statement (the first is on line %u)",
		    sim_word_quote_len(kw), kw->s, first_line);
}

/* A size (sim_parse_size's syntax) called @what. */
static int read_size(struct stmt *st, const struct sim_word *w, const char *what,
		     uint64_t *out)
{
	char text[NUMBER_TEXT_MAX];
	int ret = -EINVAL;

	if (word_copy(w, text, sizeof(text)))
		ret = sim_parse_size(text, out);
	if (ret == -ERANGE)
		return fail(st, w->col, "%s '%.*s' is too large", what,
			    sim_word_quote_len(w), w->s);
	if (ret)
		return fail(st, w->col,
			    "bad %s '%.*s': expected a size such as 4096, 0x1000 or 4K",
			    what, sim_word_quote_len(w), w->s);
	return 0;
}

/* A size that must be a whole number of pages, and more than 0 unless
 * @zero_ok. */
static int read_pages_size(struct stmt *st, const struct sim_word *w,
			   const char *what, bool zero_ok, uint64_t *out)
{
	int ret = read_size(st, w, what, out);

	if (ret)
		return ret;
	if (!zero_ok && *out == 0)
		return fail(st, w->col, "%s must be more than 0", what);
	if (*out & (SIM_PAGE_SIZE - 1))
		return fail(st, w->col, "%s %.*s is not a multiple of the 4K page",
			    what, sim_word_quote_len(w), w->s);
	return 0;
}

/* Splits key=value; false when there is no '=' or no key. */
static bool split_pair(const struct sim_word *w, struct sim_word *key,
		       struct sim_word *val)
{
	const char *eq = memchr(w->s, '=', w->len);

	if (!eq || eq == w->s)
		return false;
	*key = (struct sim_word){ w->s, (unsigned int)(eq - w->s), w->col };
	val->s = eq + 1;
	val->len = w->len - key->len - 1;
	val->col = w->col + key->len + 1;
	return true;
}

/* ------------------------------------------------------------------ */
/* ram SIZE [base=ADDR]                                                 */
/* ------------------------------------------------------------------ */

static int parse_ram_base(struct stmt *st, const struct sim_word *w,
			  uint64_t *base)
{
	struct sim_word key, val;

	if (!split_pair(w, &key, &val) || !sim_word_is(&key, "base"))
		return fail(st, w->col, "expected base=ADDR after the ram size, got '%.*s'",
			    sim_word_quote_len(w), w->s);
	if (val.len == 0)
		return fail(st, val.col, "missing value after 'base='");
	return read_pages_size(st, &val, "base", true, base);
}

static int parse_ram(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	uint64_t size, base = 0;
	struct sim_word w;
	int ret = check_once(st, kw, b->ram_line);

	if (ret)
		return ret;
	if (!next_word(st, &w))
		return fail(st, end_col(st), "missing size after 'ram'");
	ret = read_pages_size(st, &w, "ram size", false, &size);
	if (!ret && next_word(st, &w))
		ret = parse_ram_base(st, &w, &base);
	if (!ret)
		ret = expect_end(st, "ram");
	if (ret)
		return ret;
	b->sim.ram_size = size;
	b->sim.ram_base = base;
	b->ram_line = st->lineno;
	b->ram_col = kw->col;
	return 1;
}

/* ------------------------------------------------------------------ */
/* abi legacy|modern, kernel VERSION                                    */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	enum kion_kernel kernel;
	enum kion_abi abi;	/* the ABI that release's /dev/ion speaks */
} kernels[] = {
	{ "4.4", KION_KERNEL_4_4, KION_ABI_LEGACY },
	{ "4.9.45", KION_KERNEL_4_9_45, KION_ABI_LEGACY },
	{ "4.9.337", KION_KERNEL_4_9_337, KION_ABI_LEGACY },
	{ "4.19", KION_KERNEL_4_19, KION_ABI_MODERN },
};

#define NKERNELS (sizeof(kernels) / sizeof(kernels[0]))

static const char *abi_name(enum kion_abi abi)
{
	return abi == KION_ABI_MODERN ? "modern" : "legacy";
}

static const char *kernel_name(enum kion_kernel kernel)
{
	for (unsigned int i = 0; i < NKERNELS; i++)
		if (kernels[i].kernel == kernel)
			return kernels[i].name;
	return "?";
}

/* The release an ABI means when no kernel statement names one. */
static enum kion_kernel default_kernel(enum kion_abi abi)
{
	return abi == KION_ABI_MODERN ? KION_KERNEL_4_19 : KION_KERNEL_4_9_337;
}

static int parse_abi(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	enum kion_abi abi;
	struct sim_word w;
	int ret = check_once(st, kw, b->abi_line);

	if (ret)
		return ret;
	if (!next_word(st, &w))
		return fail(st, end_col(st), "missing ABI after 'abi' (legacy or modern)");
	if (sim_word_is(&w, "legacy"))
		abi = KION_ABI_LEGACY;
	else if (sim_word_is(&w, "modern"))
		abi = KION_ABI_MODERN;
	else
		return fail(st, w.col, "unknown ABI '%.*s' (legacy or modern)",
			    sim_word_quote_len(&w), w.s);
	if (b->kernel_line && b->kion.abi != abi)
		return fail(st, w.col,
			    "abi %s contradicts 'kernel %s' on line %u, whose ION is %s",
			    abi_name(abi), kernel_name(b->kion.kernel),
			    b->kernel_line, abi_name(b->kion.abi));
	ret = expect_end(st, "abi");
	if (ret)
		return ret;
	b->kion.abi = abi;
	if (!b->kernel_line)
		b->kion.kernel = default_kernel(abi);
	b->abi_line = st->lineno;
	return 1;
}

static int parse_kernel(struct stmt *st, const struct sim_word *kw,
			const struct sim_word *ver)
{
	struct kion_board *b = st->b;
	unsigned int i;
	int ret = check_once(st, kw, b->kernel_line);

	if (ret)
		return ret;
	for (i = 0; i < NKERNELS; i++)
		if (sim_word_is(ver, kernels[i].name))
			break;
	if (i == NKERNELS)
		return fail(st, ver->col,
			    "unknown kernel '%.*s' (4.4, 4.9.45, 4.9.337 or 4.19)",
			    sim_word_quote_len(ver), ver->s);
	if (b->abi_line && kernels[i].abi != b->kion.abi)
		return fail(st, ver->col,
			    "kernel %s has the %s ION ABI, but line %u says 'abi %s'",
			    kernels[i].name, abi_name(kernels[i].abi),
			    b->abi_line, abi_name(b->kion.abi));
	ret = expect_end(st, "kernel");
	if (ret)
		return ret;
	b->kion.kernel = kernels[i].kernel;
	b->kion.abi = kernels[i].abi;
	b->kernel_line = st->lineno;
	return 1;
}

/* ------------------------------------------------------------------ */
/* nofile N                                                             */
/* ------------------------------------------------------------------ */

/* A decimal count, saturating so that "too big" is still range-checked. */
static bool read_count(const struct sim_word *w, uint64_t *out)
{
	uint64_t v = 0;

	if (w->len == 0)
		return false;
	for (unsigned int i = 0; i < w->len; i++) {
		unsigned int d = (unsigned int)(w->s[i] - '0');

		if (d > 9)
			return false;
		v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
	}
	*out = v;
	return true;
}

static int parse_nofile(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	struct sim_word w;
	uint64_t n;
	int ret = check_once(st, kw, b->nofile_line);

	if (ret)
		return ret;
	if (!next_word(st, &w))
		return fail(st, end_col(st), "missing fd limit after 'nofile'");
	if (!read_count(&w, &n))
		return fail(st, w.col, "bad nofile '%.*s': expected a number",
			    sim_word_quote_len(&w), w.s);
	/* fds 0-2 are always open, so fewer than 3 could not even boot. */
	if (n < 3 || n > KION_NOFILE_MAX)
		return fail(st, w.col, "nofile %.*s is out of range (3..%d)",
			    sim_word_quote_len(&w), w.s, KION_NOFILE_MAX);
	ret = expect_end(st, "nofile");
	if (ret)
		return ret;
	b->sim.nofile = (unsigned int)n;
	b->nofile_line = st->lineno;
	return 1;
}

/* ------------------------------------------------------------------ */
/* bug NAME, fix NAME | all, kref_bits N                                */
/* ------------------------------------------------------------------ */

/* The mutant a bug or fix statement names (model/bugs.c), or an error
 * saying where the names are listed. */
static int read_mutant(struct stmt *st, const struct sim_word *kw,
		       const struct kion_mutant **out)
{
	char name[NUMBER_TEXT_MAX];
	struct sim_word w;

	if (!next_word(st, &w))
		return fail(st, end_col(st),
			    "missing defect name after '%.*s' (ionsim explore --bug list)",
			    sim_word_quote_len(kw), kw->s);
	*out = word_copy(&w, name, sizeof(name)) ? kion_mutant_find(name) : NULL;
	if (!*out)
		return fail(st, w.col,
			    "no defect called '%.*s' (ionsim explore --bug list)",
			    sim_word_quote_len(&w), w.s);
	return 0;
}

/* Bits switched on by a later line win over an earlier fix and the
 * other way round, so that `fix all` then `bug NAME` is the fixed model
 * with one defect; resolve_config applies off after on. */
static void switch_bugs(struct kion_config *k, unsigned int on,
			unsigned int off)
{
	k->bugs_on = (k->bugs_on & ~off) | on;
	k->bugs_off = (k->bugs_off & ~on) | off;
}

static int parse_bug(struct stmt *st, const struct sim_word *kw)
{
	const struct kion_mutant *mu;
	int ret = read_mutant(st, kw, &mu);

	if (!ret)
		ret = expect_end(st, "bug");
	if (ret)
		return ret;
	switch_bugs(&st->b->kion, mu->on, 0);
	return 1;
}

/* `fix all` switches every defect off: the fixed model. */
static int parse_fix(struct stmt *st, const struct sim_word *kw)
{
	const struct kion_mutant *mu = NULL;
	unsigned int save = st->pos;
	struct sim_word w;
	int ret = 0;

	if (!next_word(st, &w) || !sim_word_is(&w, "all")) {
		st->pos = save;
		ret = read_mutant(st, kw, &mu);
	}
	if (!ret)
		ret = expect_end(st, "fix");
	if (ret)
		return ret;
	switch_bugs(&st->b->kion, 0, mu ? mu->off : KION_BUGS_ALL);
	return 1;
}

static int parse_kref_bits(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	struct sim_word w;
	uint64_t n;
	int ret = check_once(st, kw, b->kref_bits_line);

	if (ret)
		return ret;
	if (!next_word(st, &w))
		return fail(st, end_col(st), "missing width after 'kref_bits' (1..32)");
	if (!read_count(&w, &n))
		return fail(st, w.col, "bad kref_bits '%.*s': expected a number",
			    sim_word_quote_len(&w), w.s);
	if (n < 1 || n > 32)
		return fail(st, w.col, "kref_bits %.*s is out of range (1..32)",
			    sim_word_quote_len(&w), w.s);
	ret = expect_end(st, "kref_bits");
	if (ret)
		return ret;
	b->kion.kref_bits = (unsigned int)n;
	b->kref_bits_line = st->lineno;
	return 1;
}

/* ------------------------------------------------------------------ */
/* dmaheap NAME heap=HEAPNAME                                           */
/* ------------------------------------------------------------------ */

static const struct kion_board_dmaheap *dmaheap_find(const struct kion_board *b,
						     const struct sim_word *name)
{
	for (unsigned int i = 0; i < b->ndmaheaps; i++)
		if (sim_word_is(name, b->dmaheaps[i].name))
			return &b->dmaheaps[i];
	return NULL;
}

/* The NAME word: valid, new, and with room left for it. */
static int check_dmaheap_name(struct stmt *st, const struct sim_word *name)
{
	const struct kion_board_dmaheap *dup;
	int ret = check_name(st, name, "dmaheap name");

	if (ret)
		return ret;
	dup = dmaheap_find(st->b, name);
	if (dup)
		return fail(st, name->col, "duplicate dmaheap '%.*s' (the first is on line %u)",
			    sim_word_quote_len(name), name->s, dup->line);
	if (st->b->ndmaheaps == KION_MAX_DMAHEAPS)
		return fail(st, name->col, "too many dmaheap nodes (at most %d)",
			    KION_MAX_DMAHEAPS);
	return 0;
}

/* The heap=HEAPNAME word, into @target. */
static int parse_dmaheap_target(struct stmt *st, struct sim_word *target)
{
	struct sim_word w, key;

	if (!next_word(st, &w))
		return fail(st, end_col(st), "missing heap=HEAPNAME after the dmaheap name");
	if (!split_pair(&w, &key, target) || !sim_word_is(&key, "heap"))
		return fail(st, w.col, "expected heap=HEAPNAME, got '%.*s'",
			    sim_word_quote_len(&w), w.s);
	if (target->len == 0)
		return fail(st, target->col, "missing value after 'heap='");
	return check_name(st, target, "heap name");
}

static int parse_dmaheap(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	struct kion_board_dmaheap *node;
	struct sim_word name, target;
	int ret;

	if (!next_word(st, &name))
		return fail(st, end_col(st), "missing name after 'dmaheap'");
	ret = check_dmaheap_name(st, &name);
	if (!ret)
		ret = parse_dmaheap_target(st, &target);
	if (!ret)
		ret = expect_end(st, "dmaheap");
	if (ret)
		return ret;
	node = &b->dmaheaps[b->ndmaheaps++];
	word_copy(&name, node->name, sizeof(node->name));
	word_copy(&target, node->heap, sizeof(node->heap));
	node->line = st->lineno;
	node->heap_col = target.col;
	return 1;
}

/* ------------------------------------------------------------------ */
/* heap ...                                                             */
/* ------------------------------------------------------------------ */

/* Where base= and kernel= are, if anywhere: heap_config_parse does not
 * say, and kion_board_finish needs them.  The statement parsed, so every
 * word after the name is a key=value pair. */
static void scan_heap_words(struct stmt *st, struct kion_board_heap_src *src)
{
	struct sim_word w, key, val;

	src->base_col = 0;
	src->has_kernel = false;
	next_word(st, &w);	/* the name */
	while (next_word(st, &w)) {
		if (!split_pair(&w, &key, &val))
			continue;
		if (sim_word_is(&key, "base"))
			src->base_col = w.col;
		else if (sim_word_is(&key, "kernel"))
			src->has_kernel = true;
	}
}

/* Puts the cursor just after the `heap` keyword @kw. */
static void rewind_to_name(struct stmt *st, const struct sim_word *kw)
{
	st->pos = kw->col - 1 + kw->len;
}

/* The column of the heap's name (@key NULL) or of @key's value; the
 * keyword's column if the word is absent.  Only for a statement that
 * heap_config_parse accepted. */
static unsigned int heap_word_col(struct stmt *st, const struct sim_word *kw,
				  const char *key)
{
	struct sim_word w, k, val;

	rewind_to_name(st, kw);
	next_word(st, &w);
	if (!key)
		return w.col;
	while (next_word(st, &w))
		if (split_pair(&w, &k, &val) && sim_word_is(&k, key))
			return val.col;
	return kw->col;
}

/* Why heap_board_add refused @cfg: a name or id another heap has (blamed
 * on this statement's word), or a full board. */
static int heap_clash(struct stmt *st, const struct sim_word *kw,
		      const struct heap_config *cfg)
{
	const struct heap_board *board = &st->b->heaps;

	for (unsigned int i = 0; i < board->n; i++) {
		const struct heap_config *h = &board->heaps[i];

		if (strcmp(h->name, cfg->name) == 0)
			return fail(st, heap_word_col(st, kw, NULL),
				    "duplicate heap '%s' (the first is on line %u)",
				    cfg->name, h->line);
		if (h->id == cfg->id)
			return fail(st, heap_word_col(st, kw, "id"),
				    "heap id %u is already used by heap '%s' on line %u",
				    cfg->id, h->name, h->line);
	}
	return fail(st, kw->col, "too many heaps (at most %d)", HEAP_MAX_HEAPS);
}

static int parse_heap(struct stmt *st, const struct sim_word *kw)
{
	struct kion_board *b = st->b;
	unsigned int idx = b->heaps.n;
	struct heap_config cfg;

	if (heap_config_parse(st->line, &cfg, st->err))
		return -EINVAL;
	cfg.line = st->lineno;
	if (heap_board_add(&b->heaps, &cfg))
		return heap_clash(st, kw, &cfg);
	b->heap_src[idx].col = kw->col;
	rewind_to_name(st, kw);
	scan_heap_words(st, &b->heap_src[idx]);
	b->has_heaps = true;
	return 1;
}

/* ------------------------------------------------------------------ */
/* One statement                                                        */
/* ------------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* `kernel VERSION` is ours; `kernel drain HEAP` and the like are steps
 * of the scenario's kernel actor, left to the scenario parser. */
static int parse_kernel_line(struct stmt *st, const struct sim_word *kw)
{
	struct sim_word ver;

	if (!next_word(st, &ver))
		return fail(st, end_col(st),
			    "missing version after 'kernel' (4.4, 4.9.45, 4.9.337 or 4.19)");
	if (!is_digit(ver.s[0]))
		return 0;
	return parse_kernel(st, kw, &ver);
}

/* Routes a statement by its first word: 1, 0 or -EINVAL as
 * kion_board_parse_line. */
static int parse_statement(struct stmt *st)
{
	struct sim_word kw;

	if (!next_word(st, &kw))
		return 0;
	if (sim_word_is(&kw, "ram"))
		return parse_ram(st, &kw);
	if (sim_word_is(&kw, "abi"))
		return parse_abi(st, &kw);
	if (sim_word_is(&kw, "kernel"))
		return parse_kernel_line(st, &kw);
	if (sim_word_is(&kw, "heap"))
		return parse_heap(st, &kw);
	if (sim_word_is(&kw, "dmaheap"))
		return parse_dmaheap(st, &kw);
	if (sim_word_is(&kw, "nofile"))
		return parse_nofile(st, &kw);
	if (sim_word_is(&kw, "bug"))
		return parse_bug(st, &kw);
	if (sim_word_is(&kw, "fix"))
		return parse_fix(st, &kw);
	if (sim_word_is(&kw, "kref_bits"))
		return parse_kref_bits(st, &kw);
	return 0;
}

/* kion_board_init - see model/board.h. */
void kion_board_init(struct kion_board *b)
{
	memset(b, 0, sizeof(*b));
	sim_config_default(&b->sim);
	b->kion.abi = KION_ABI_LEGACY;
	b->kion.kernel = default_kernel(KION_ABI_LEGACY);
	b->kion.bugs = 0;	/* the kernel's own defects (kion.h) */
	b->kion.bugs_on = b->kion.bugs_off = 0;
	b->kion.kref_bits = 32;
}

/* The statement's length up to its newline, if any. */
static size_t line_length(const char *line)
{
	const char *nl = strchr(line, '\n');

	return nl ? (size_t)(nl - line) : strlen(line);
}

/* kion_board_parse_line - see model/board.h. */
int kion_board_parse_line(struct kion_board *b, const char *line,
			  unsigned int lineno, struct heap_parse_error *err)
{
	char text[KION_LINE_MAX + 1];
	struct stmt st = { .line = text, .lineno = lineno, .b = b, .err = err };
	size_t len = line_length(line);
	char *hash;

	err->col = 0;
	err->msg[0] = '\0';
	if (len > KION_LINE_MAX)
		return fail(&st, KION_LINE_MAX + 1,
			    "line is longer than %d bytes", KION_LINE_MAX);
	memcpy(text, line, len);
	text[len] = '\0';
	/* Machine statements hold no strings, so '#' always starts a
	 * comment; a step's string is never looked at past its first word. */
	hash = strchr(text, '#');
	if (hash)
		*hash = '\0';
	if (b->finished)
		return fail(&st, 1, "the machine is complete: no more machine statements");
	return parse_statement(&st);
}

/* ------------------------------------------------------------------ */
/* Finishing the board                                                  */
/* ------------------------------------------------------------------ */

__attribute__((format(printf, 4, 5)))
static int board_fail(struct kion_board_error *err, unsigned int line,
		      unsigned int col, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void add_default_dmaheap(struct kion_board *b, const char *name)
{
	struct kion_board_dmaheap *node = &b->dmaheaps[b->ndmaheaps++];

	memset(node, 0, sizeof(*node));
	snprintf(node->name, sizeof(node->name), "%s", name);
	snprintf(node->heap, sizeof(node->heap), "%s", name);
}

/* SCENARIO.md's default heaps, and the nodes documented in board.h. */
static void apply_defaults(struct kion_board *b)
{
	if (b->has_heaps)
		return;
	heap_board_default(&b->heaps);
	memset(b->heap_src, 0, sizeof(b->heap_src));
	if (b->ndmaheaps == 0) {
		add_default_dmaheap(b, "system");
		add_default_dmaheap(b, "cma");
	}
}

/* Each heap follows the machine's kernel unless its statement chose. */
static void apply_heap_kernel(struct kion_board *b)
{
	enum heap_kernel hk = b->kion.kernel == KION_KERNEL_4_19 ?
			      HEAP_KERNEL_4_19 : HEAP_KERNEL_4_9;

	for (unsigned int i = 0; i < b->heaps.n; i++)
		if (!b->heap_src[i].has_kernel)
			b->heaps.heaps[i].kernel = hk;
}

static bool board_has_heap(const struct kion_board *b, const char *name)
{
	for (unsigned int i = 0; i < b->heaps.n; i++)
		if (strcmp(b->heaps.heaps[i].name, name) == 0)
			return true;
	return false;
}

static int check_dmaheaps(const struct kion_board *b,
			  struct kion_board_error *err)
{
	for (unsigned int i = 0; i < b->ndmaheaps; i++) {
		const struct kion_board_dmaheap *node = &b->dmaheaps[i];

		if (!board_has_heap(b, node->heap))
			return board_fail(err, node->line, node->heap_col,
					  "dmaheap '%s': no heap named '%s'",
					  node->name, node->heap);
	}
	return 0;
}

static bool has_region(const struct heap_config *h)
{
	return h->type == HEAP_TYPE_CARVEOUT || h->type == HEAP_TYPE_CHUNK ||
	       h->type == HEAP_TYPE_DMA;
}

/* A based heap other than @bad whose range meets @bad's, the earliest
 * statement first; -1 when none does. */
static int overlap_partner(const struct heap_board *heaps, unsigned int bad)
{
	const struct heap_config *a = &heaps->heaps[bad];

	for (unsigned int j = 0; a->has_base && j < heaps->n; j++) {
		const struct heap_config *h = &heaps->heaps[j];

		if (j == bad || !has_region(h) || !h->has_base)
			continue;
		if (a->base < h->base + h->size && h->base < a->base + a->size)
			return (int)j;
	}
	return -1;
}

/* Why heap @bad's region could not be placed, at its base= (or its
 * statement when it has none). */
static int blame_heap(const struct kion_board *b, int ret, unsigned int bad,
		      struct kion_board_error *err)
{
	const struct heap_config *h = &b->heaps.heaps[bad];
	const struct kion_board_heap_src *src = &b->heap_src[bad];
	unsigned int col = src->base_col ? src->base_col : src->col;
	int other = overlap_partner(&b->heaps, bad);

	if (ret == -ENOSPC) {
		board_fail(err, h->line, src->col,
			   "heap '%s': too many carveout, chunk and cma heaps (at most %d)",
			   h->name, SIM_MAX_REGIONS);
		return -ENOSPC;
	}
	if (other < 0)
		return board_fail(err, h->line, col,
				  "heap '%s' does not fit in the physical address space",
				  h->name);
	return board_fail(err, h->line, col,
			  "heap '%s' [0x%llx-0x%llx) overlaps heap '%s' [0x%llx-0x%llx) on line %u",
			  h->name, (unsigned long long)h->base,
			  (unsigned long long)(h->base + h->size),
			  b->heaps.heaps[other].name,
			  (unsigned long long)b->heaps.heaps[other].base,
			  (unsigned long long)(b->heaps.heaps[other].base +
					       b->heaps.heaps[other].size),
			  b->heaps.heaps[other].line);
}

/* The heaps' regions and the layout, committed to b->sim only when they
 * fit, so that a failed finish leaves the board as it was. */
static int reserve_regions(struct kion_board *b, struct kion_board_error *err)
{
	struct sim_config cfg = b->sim;
	int bad = -1, ret;

	ret = heap_board_reserve(&b->heaps, &cfg, &bad);
	if (ret && bad >= 0)
		return blame_heap(b, ret, (unsigned int)bad, err);
	if (ret)
		return board_fail(err, b->ram_line, b->ram_col,
				  "ram [0x%llx-0x%llx) does not fit in the physical address space",
				  (unsigned long long)b->sim.ram_base,
				  (unsigned long long)(b->sim.ram_base +
						       b->sim.ram_size));
	b->sim = cfg;
	return 0;
}

/* kion_board_finish - see model/board.h. */
int kion_board_finish(struct kion_board *b, struct kion_board_error *err)
{
	int ret;

	if (b->finished)
		return 0;
	apply_defaults(b);
	apply_heap_kernel(b);
	ret = check_dmaheaps(b, err);
	if (ret)
		return ret;
	ret = reserve_regions(b, err);
	if (ret)
		return ret;
	b->finished = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* A whole text                                                         */
/* ------------------------------------------------------------------ */

/* kion_board_error_print - see model/board.h. */
void kion_board_error_print(FILE *out, const char *filename,
			    const struct kion_board_error *e)
{
	fprintf(out, "%s:%u:%u: error: %s\n", filename, e->line, e->col,
		e->msg);
}

/* The first word of the line at @line (which ends at its newline), or
 * false when there is none before a comment. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool first_word(const char *line, struct sim_word *w)
{
	size_t len = line_length(line), p = 0, end;

	while (p < len && is_blank(line[p]))
		p++;
	if (p == len || line[p] == '#')
		return false;
	end = p;
	while (end < len && !is_blank(line[end]) && line[end] != '#')
		end++;
	*w = (struct sim_word){ line + p, (unsigned int)(end - p),
			    (unsigned int)p + 1 };
	return true;
}

/* One line of a text: a machine statement, or an error. */
static int parse_text_line(struct kion_board *b, const char *line,
			   unsigned int lineno, struct kion_board_error *err)
{
	struct heap_parse_error perr;
	struct sim_word w;
	int ret = kion_board_parse_line(b, line, lineno, &perr);

	if (ret < 0)
		return board_fail(err, lineno, perr.col, "%s", perr.msg);
	if (ret == 0 && first_word(line, &w))
		return board_fail(err, lineno, w.col,
				  "'%.*s' is not a machine statement (ram, abi, kernel, heap, dmaheap, nofile, bug, fix or kref_bits)",
				  sim_word_quote_len(&w), w.s);
	return 0;
}

/* kion_board_parse_text - see model/board.h. */
int kion_board_parse_text(const char *text, const char *filename,
			  struct kion_board *b, FILE *errs)
{
	struct kion_board_error err;
	unsigned int lineno = 0, nerrors = 0;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');

		lineno++;
		if (parse_text_line(b, line, lineno, &err)) {
			kion_board_error_print(errs, filename, &err);
			nerrors++;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (nerrors)
		return -EINVAL;
	if (kion_board_finish(b, &err)) {
		kion_board_error_print(errs, filename, &err);
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Boot and shutdown                                                    */
/* ------------------------------------------------------------------ */

/* Every node of @b becomes a /dev/dma_heap entry of @dev. */
static int add_dmaheaps(const struct kion_board *b, struct kion_device *dev)
{
	for (unsigned int i = 0; i < b->ndmaheaps; i++) {
		const struct kion_board_dmaheap *node = &b->dmaheaps[i];
		struct heap *heap = kion_heap_by_name(dev, node->heap);
		int ret;

		if (!heap)
			return -ENOENT;
		ret = kion_dmaheap_add(dev, node->name, heap);
		if (ret)
			return ret;
	}
	return 0;
}

/* kion_board_boot - see model/board.h. */
int kion_board_boot(const struct kion_board *b, struct sim_machine **machine,
		    struct kion_device **device)
{
	struct sim_machine *m;
	struct kion_device *dev;
	int err = 0;

	if (!b->finished)
		return -EINVAL;
	m = sim_boot(&b->sim, &err);
	if (!m)
		return err;
	dev = kion_device_create(m, &b->kion, &b->heaps, &err);
	if (!dev)
		goto shutdown_machine;
	err = add_dmaheaps(b, dev);
	if (err)
		goto destroy_device;
	*machine = m;
	*device = dev;
	return 0;

destroy_device:
	kion_device_destroy(dev);
shutdown_machine:
	sim_shutdown(m);
	return err ? err : -ENOMEM;
}

/* sim_inflight_foreach visitor: the first message's token. */
static int first_token(int token, struct sim_file *f, void *ctx)
{
	*(int *)ctx = token;
	return 1;
}

/* Messages in flight hold dma-buf and /dev/ion files: drop them while
 * the device they point into is still there. */
static void drop_inflight(struct sim_machine *m)
{
	int token;

	while (sim_inflight_count(m)) {
		token = 0;
		sim_inflight_foreach(m, first_token, &token);
		if (sim_fd_send_abort(m, token))
			break;
	}
}

static int exit_if_alive(struct sim_proc *p, void *ctx)
{
	if (sim_proc_alive(p))
		sim_proc_exit(p);
	return 0;
}

/* kion_board_shutdown - see model/board.h. */
unsigned long kion_board_shutdown(struct sim_machine *m,
				  struct kion_device *dev)
{
	if (!m)
		return 0;
	sim_proc_foreach(m, exit_if_alive, NULL);
	drop_inflight(m);
	if (dev)
		kion_device_destroy(dev);
	return sim_shutdown(m);
}
