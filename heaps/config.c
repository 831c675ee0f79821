/*
 * heaps/config.c - heap statements, boards and their physical ranges.
 *
 * A scenario describes each heap with one statement,
 *
 *     heap NAME type=TYPE id=N [key=value ...]
 *
 * whose keys (SCENARIO.md) depend on the type.  The parser reads it in two
 * passes because keys come in any order while their meaning depends on
 * type=: the first pass checks that every word after the name is a
 * key=value pair and finds the type; the second interprets the keys left
 * to right, so the leftmost bad key is the one reported.  Checks that
 * involve two keys (a size that must be a multiple of the chunk) come
 * last, blamed on the size.  Every error carries a 1-based column: the
 * offending word, the value after its '=', or, inside a comma list, the
 * offending element; a missing key is blamed on the `heap` keyword.
 *
 * Besides SCENARIO.md's keys the parser accepts kernel=4.9|4.14|4.19, our
 * extension: which kernel's heap code the heap follows where it changed.
 *
 * A board is the list of heaps of one machine; heap_board_reserve turns
 * its carveout, chunk and cma heaps into the machine's reserved and CMA
 * regions, one per heap, named after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "sim/words.h"

#define TYPE_BIT(t) (1u << (t))
#define ALL_TYPES 0x1fu
#define MAX_ORDER_ALLOWED (SIM_MAX_ORDER - 1)
#define SIZE_TEXT_MAX 64	/* longest size or number we try to read */

/* A blank-separated word of the statement, or the value part of one. */
enum key {
	K_TYPE, K_ID, K_KERNEL, K_DEFER_FREE, K_ALLOW,
	K_ORDERS, K_POOL_HIGH, K_POOL_LOW, K_UNCACHED_POOL,
	K_SIZE, K_BASE, K_GRANULE, K_POLICY, K_CHUNK,
	NKEYS
};

struct parse_ctx {
	const char *line;
	unsigned int pos;		/* tokenizer cursor (byte offset) */
	unsigned int stmt_col;		/* column of `heap`: blamed for missing keys */
	struct heap_config *cfg;
	struct heap_parse_error *err;
	struct sim_word name;		/* the heap's name, kept across the type's defaults */
	struct sim_word seen[NKEYS];	/* each key's value, once it has been read */
	bool have[NKEYS];		/* which keys the statement has given */
	enum key key;			/* the key being read, for messages */
};

/* Reads one key's value into px->cfg; 0 or the error from fail(). */
typedef int (*value_fn)(struct parse_ctx *px, const struct sim_word *val);

struct key_desc {
	const char *name;
	unsigned int types;	/* TYPE_BIT()s of the heap types that take it */
	value_fn parse;
};

static const char *const type_names[] = {
	[HEAP_TYPE_SYSTEM] = "system",
	[HEAP_TYPE_SYSTEM_CONTIG] = "system_contig",
	[HEAP_TYPE_CARVEOUT] = "carveout",
	[HEAP_TYPE_CHUNK] = "chunk",
	[HEAP_TYPE_DMA] = "cma",
};

/* heap_type_name - the scenario language's word for @type; NULL for a
 * value that is no heap type. */
const char *heap_type_name(enum heap_type type)
{
	if ((unsigned int)type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

/* Carveout, chunk and cma heaps own a range of physical memory. */
static bool heap_has_region(const struct heap_config *cfg)
{
	return cfg->type == HEAP_TYPE_CARVEOUT ||
	       cfg->type == HEAP_TYPE_CHUNK || cfg->type == HEAP_TYPE_DMA;
}

/* heap_config_defaults - @cfg as a statement of @type with no options
 * would leave it: name empty, id 0, everything else the kernel's. */
void heap_config_defaults(struct heap_config *cfg, enum heap_type type)
{
	static const unsigned int orders[] = { 8, 4, 0 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->type = type;
	cfg->kernel = HEAP_KERNEL_4_9;
	memcpy(cfg->orders, orders, sizeof(orders));
	cfg->norders = sizeof(orders) / sizeof(orders[0]);
	cfg->uncached_pool = HEAP_OPT_DEFAULT;
	cfg->granule = SIM_PAGE_SIZE;
	cfg->policy = HEAP_POLICY_FIRST_FIT;
	/* Linux 4.9 sets ION_HEAP_FLAG_DEFER_FREE in the system, carveout and
	 * chunk heaps' create functions, and not in system_contig's or the
	 * CMA heap's.  The ION model clears a carveout's or chunk's when it
	 * runs without KION_BUG_DEFER_CARVEOUT, unless the statement wrote
	 * defer_free= (defer_free_set). */
	cfg->defer_free = type == HEAP_TYPE_SYSTEM ||
			  type == HEAP_TYPE_CARVEOUT || type == HEAP_TYPE_CHUNK;
}

/* ------------------------------------------------------------------ */
/* Words, messages, small values                                        */
/* ------------------------------------------------------------------ */

static bool next_word(struct parse_ctx *px, struct sim_word *w)
{
	return sim_next_word(px->line, &px->pos, w);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct parse_ctx *px, unsigned int col, const char *fmt, ...)
{
	va_list ap;

	px->err->col = col;
	va_start(ap, fmt);
	vsnprintf(px->err->msg, sizeof(px->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *key_name(enum key k);

/* "bad KEY 'TEXT': WHY" at the value's column. */
static int fail_value(struct parse_ctx *px, const struct sim_word *val,
		      const char *why)
{
	return fail(px, val->col, "bad %s '%.*s': %s", key_name(px->key),
		    sim_word_quote_len(val), val->s, why);
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

/* Formats a size the way a scenario would write it: 64K, 16M, 4097. */
static const char *size_text(uint64_t v, char buf[32])
{
	static const char suffix[] = { 'G', 'M', 'K' };
	unsigned int shift = 30;

	for (unsigned int i = 0; i < 3; i++, shift -= 10) {
		if (v && (v & ((1ULL << shift) - 1)) == 0) {
			snprintf(buf, 32, "%llu%c",
				 (unsigned long long)(v >> shift), suffix[i]);
			return buf;
		}
	}
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

static bool is_pow2(uint64_t v)
{
	return v && (v & (v - 1)) == 0;
}

/* A decimal count; the value saturates at UINT64_MAX, so "too big" is
 * still a number the caller can range-check.  False for non-digits. */
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

/* A size value (sim_parse_size's syntax) of the current key. */
static int read_size(struct parse_ctx *px, const struct sim_word *val,
		     uint64_t *out)
{
	char text[SIZE_TEXT_MAX];
	int ret = -EINVAL;

	if (word_copy(val, text, sizeof(text)))
		ret = sim_parse_size(text, out);
	if (ret == -ERANGE)
		return fail(px, val->col, "%s '%.*s' is too large",
			    key_name(px->key), sim_word_quote_len(val), val->s);
	if (ret)
		return fail_value(px, val,
				  "expected a size such as 4096, 0x1000 or 4K");
	return 0;
}

/* A name: [A-Za-z_][A-Za-z0-9_.-]*, at most HEAP_NAME_MAX - 1 bytes. */
static bool name_valid(const struct sim_word *w)
{
	for (unsigned int i = 0; i < w->len; i++) {
		char c = w->s[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     c == '_';
		bool more = (c >= '0' && c <= '9') || c == '.' || c == '-';

		if (!alpha && (i == 0 || !more))
			return false;
	}
	return w->len > 0;
}

/* "what 'x'" must be a valid name that fits in HEAP_NAME_MAX. */
static int check_name(struct parse_ctx *px, const struct sim_word *w,
		      const char *what)
{
	if (!name_valid(w))
		return fail(px, w->col,
			    "bad %s '%.*s': names are [A-Za-z_][A-Za-z0-9_.-]*",
			    what, sim_word_quote_len(w), w->s);
	if (w->len >= HEAP_NAME_MAX)
		return fail(px, w->col,
			    "%s '%.*s' is longer than %d characters", what,
			    sim_word_quote_len(w), w->s, HEAP_NAME_MAX - 1);
	return 0;
}

/* Splits the comma list in @val at @from: the element and the cursor
 * past its comma.  False when the list is exhausted. */
static bool next_element(const struct sim_word *val, unsigned int *from,
			 struct sim_word *el)
{
	unsigned int i = *from;

	if (i > val->len)
		return false;
	el->s = val->s + i;
	el->col = val->col + i;
	while (i < val->len && val->s[i] != ',')
		i++;
	el->len = i - *from;
	*from = i + 1;
	return true;
}

/* ------------------------------------------------------------------ */
/* Values, one function per key                                         */
/* ------------------------------------------------------------------ */

static int parse_type_value(struct parse_ctx *px, const struct sim_word *val)
{
	for (unsigned int t = 0; t < sizeof(type_names) / sizeof(*type_names);
	     t++) {
		if (sim_word_is(val, type_names[t])) {
			heap_config_defaults(px->cfg, (enum heap_type)t);
			return 0;
		}
	}
	return fail(px, val->col,
		    "unknown heap type '%.*s' (system, system_contig, carveout, chunk or cma)",
		    sim_word_quote_len(val), val->s);
}

static int parse_id(struct parse_ctx *px, const struct sim_word *val)
{
	uint64_t id;

	if (!read_count(val, &id))
		return fail_value(px, val, "expected a number 0..31");
	if (id >= HEAP_MAX_IDS)
		return fail(px, val->col, "id %.*s is out of range (0..%d)",
			    sim_word_quote_len(val), val->s, HEAP_MAX_IDS - 1);
	px->cfg->id = (unsigned int)id;
	return 0;
}

static int parse_kernel(struct parse_ctx *px, const struct sim_word *val)
{
	static const char *const names[] = { "4.9", "4.14", "4.19" };
	static const enum heap_kernel kernels[] = {
		HEAP_KERNEL_4_9, HEAP_KERNEL_4_14, HEAP_KERNEL_4_19,
	};

	for (unsigned int i = 0; i < 3; i++) {
		if (sim_word_is(val, names[i])) {
			px->cfg->kernel = kernels[i];
			return 0;
		}
	}
	return fail(px, val->col, "unknown kernel '%.*s' (4.9, 4.14 or 4.19)",
		    sim_word_quote_len(val), val->s);
}

/* on|off into @on; an error names the key. */
static int read_switch(struct parse_ctx *px, const struct sim_word *val, bool *on)
{
	if (sim_word_is(val, "on") || sim_word_is(val, "off")) {
		*on = sim_word_is(val, "on");
		return 0;
	}
	return fail(px, val->col, "%s must be on or off, not '%.*s'",
		    key_name(px->key), sim_word_quote_len(val), val->s);
}

static int parse_defer_free(struct parse_ctx *px, const struct sim_word *val)
{
	px->cfg->defer_free_set = true;
	return read_switch(px, val, &px->cfg->defer_free);
}

static int parse_uncached_pool(struct parse_ctx *px, const struct sim_word *val)
{
	bool on;
	int ret = read_switch(px, val, &on);

	if (!ret)
		px->cfg->uncached_pool = on ? HEAP_OPT_ON : HEAP_OPT_OFF;
	return ret;
}

static bool allow_listed(const struct heap_config *cfg, const struct sim_word *w)
{
	for (unsigned int i = 0; i < cfg->nallow; i++)
		if (sim_word_is(w, cfg->allow[i]))
			return true;
	return false;
}

static int parse_allow(struct parse_ctx *px, const struct sim_word *val)
{
	struct heap_config *cfg = px->cfg;
	unsigned int from = 0;
	struct sim_word el;
	int ret;

	if (val->len == 0)
		return fail(px, val->col, "allow list is empty");
	while (next_element(val, &from, &el)) {
		ret = check_name(px, &el, "actor name");
		if (ret)
			return ret;
		if (allow_listed(cfg, &el))
			return fail(px, el.col, "actor '%.*s' is listed twice",
				    sim_word_quote_len(&el), el.s);
		if (cfg->nallow == HEAP_MAX_ALLOW)
			return fail(px, el.col,
				    "the allow list takes at most %d actors",
				    HEAP_MAX_ALLOW);
		memcpy(cfg->allow[cfg->nallow], el.s, el.len);
		cfg->allow[cfg->nallow++][el.len] = '\0';
	}
	return 0;
}

/* One element of orders=: a number 0..10 below the previous one. */
static int parse_one_order(struct parse_ctx *px, const struct sim_word *el,
			   unsigned int n, unsigned int *order)
{
	uint64_t v;

	if (!read_count(el, &v))
		return fail(px, el->col, "bad order '%.*s': expected a number",
			    sim_word_quote_len(el), el->s);
	if (v > MAX_ORDER_ALLOWED)
		return fail(px, el->col, "order %.*s is over the maximum %d",
			    sim_word_quote_len(el), el->s, MAX_ORDER_ALLOWED);
	if (n > 0 && v >= px->cfg->orders[n - 1])
		return fail(px, el->col, "orders must decrease (8,4,0)");
	if (n == HEAP_MAX_ORDERS)
		return fail(px, el->col, "at most %d orders", HEAP_MAX_ORDERS);
	*order = (unsigned int)v;
	return 0;
}

static int parse_orders(struct parse_ctx *px, const struct sim_word *val)
{
	struct heap_config *cfg = px->cfg;
	unsigned int from = 0, n = 0;
	struct sim_word el;
	int ret;

	while (next_element(val, &from, &el)) {
		ret = parse_one_order(px, &el, n, &cfg->orders[n]);
		if (ret)
			return ret;
		n++;
	}
	cfg->norders = n;
	return 0;
}

static int read_pages(struct parse_ctx *px, const struct sim_word *val,
		      unsigned long *out)
{
	uint64_t v;

	if (!read_count(val, &v) || v > (uint64_t)(unsigned long)-1)
		return fail_value(px, val, "expected a number of pages");
	*out = (unsigned long)v;
	return 0;
}

static int parse_pool_high(struct parse_ctx *px, const struct sim_word *val)
{
	return read_pages(px, val, &px->cfg->pool_high);
}

static int parse_pool_low(struct parse_ctx *px, const struct sim_word *val)
{
	return read_pages(px, val, &px->cfg->pool_low);
}

static int parse_size(struct parse_ctx *px, const struct sim_word *val)
{
	int ret = read_size(px, val, &px->cfg->size);

	if (!ret && px->cfg->size == 0)
		return fail(px, val->col, "size must be more than 0");
	return ret;
}

static int parse_base(struct parse_ctx *px, const struct sim_word *val)
{
	int ret = read_size(px, val, &px->cfg->base);

	if (ret)
		return ret;
	if (px->cfg->base & (SIM_PAGE_SIZE - 1))
		return fail(px, val->col,
			    "base %.*s is not a multiple of the 4K page",
			    sim_word_quote_len(val), val->s);
	px->cfg->has_base = true;
	return 0;
}

static int parse_granule(struct parse_ctx *px, const struct sim_word *val)
{
	int ret = read_size(px, val, &px->cfg->granule);

	if (!ret && (!is_pow2(px->cfg->granule) ||
		     px->cfg->granule < SIM_PAGE_SIZE))
		return fail(px, val->col,
			    "granule must be a power of two >= 4K");
	return ret;
}

static int parse_chunk(struct parse_ctx *px, const struct sim_word *val)
{
	int ret = read_size(px, val, &px->cfg->chunk);

	if (!ret && (!is_pow2(px->cfg->chunk) ||
		     px->cfg->chunk < SIM_PAGE_SIZE))
		return fail(px, val->col,
			    "chunk size must be a power of two >= 4K");
	return ret;
}

static int parse_policy(struct parse_ctx *px, const struct sim_word *val)
{
	if (sim_word_is(val, "first-fit"))
		px->cfg->policy = HEAP_POLICY_FIRST_FIT;
	else if (sim_word_is(val, "best-fit"))
		px->cfg->policy = HEAP_POLICY_BEST_FIT;
	else
		return fail(px, val->col,
			    "unknown policy '%.*s' (first-fit or best-fit)",
			    sim_word_quote_len(val), val->s);
	return 0;
}

#define T_SYS TYPE_BIT(HEAP_TYPE_SYSTEM)
#define T_CARVE TYPE_BIT(HEAP_TYPE_CARVEOUT)
#define T_CHUNK TYPE_BIT(HEAP_TYPE_CHUNK)
#define T_CMA TYPE_BIT(HEAP_TYPE_DMA)

static const struct key_desc keys[NKEYS] = {
	[K_TYPE] = { "type", ALL_TYPES, parse_type_value },
	[K_ID] = { "id", ALL_TYPES, parse_id },
	[K_KERNEL] = { "kernel", ALL_TYPES, parse_kernel },
	[K_DEFER_FREE] = { "defer_free", ALL_TYPES, parse_defer_free },
	[K_ALLOW] = { "allow", ALL_TYPES, parse_allow },
	[K_ORDERS] = { "orders", T_SYS, parse_orders },
	[K_POOL_HIGH] = { "pool_high", T_SYS, parse_pool_high },
	[K_POOL_LOW] = { "pool_low", T_SYS, parse_pool_low },
	[K_UNCACHED_POOL] = { "uncached_pool", T_SYS, parse_uncached_pool },
	[K_SIZE] = { "size", T_CARVE | T_CHUNK | T_CMA, parse_size },
	[K_BASE] = { "base", T_CARVE | T_CHUNK | T_CMA, parse_base },
	[K_GRANULE] = { "granule", T_CARVE, parse_granule },
	[K_POLICY] = { "policy", T_CARVE, parse_policy },
	[K_CHUNK] = { "chunk", T_CHUNK, parse_chunk },
};

static const char *key_name(enum key k)
{
	return keys[k].name;
}

/* The key called @w, or NKEYS. */
static enum key key_lookup(const struct sim_word *w)
{
	unsigned int k;

	for (k = 0; k < NKEYS; k++)
		if (sim_word_is(w, keys[k].name))
			break;
	return (enum key)k;
}

/* ------------------------------------------------------------------ */
/* The statement                                                        */
/* ------------------------------------------------------------------ */

/* `heap NAME`: the keyword, then the heap's name. */
static int parse_head(struct parse_ctx *px)
{
	struct sim_word w;
	int ret;

	if (!next_word(px, &w))
		return fail(px, 1, "expected 'heap'");
	if (!sim_word_is(&w, "heap"))
		return fail(px, w.col, "expected 'heap', got '%.*s'",
			    sim_word_quote_len(&w), w.s);
	px->stmt_col = w.col;
	if (!next_word(px, &w))
		return fail(px, px->pos + 1, "missing heap name after 'heap'");
	ret = check_name(px, &w, "heap name");
	if (!ret)
		px->name = w;
	return ret;
}

/* Splits key=value; an error when there is no '=' or no key. */
static int split_pair(struct parse_ctx *px, const struct sim_word *w,
		      struct sim_word *key, struct sim_word *val)
{
	const char *eq = memchr(w->s, '=', w->len);

	*key = *val = *w;	/* defined even on the error path */
	if (!eq || eq == w->s)
		return fail(px, w->col, "expected key=value, got '%.*s'",
			    sim_word_quote_len(w), w->s);
	*key = (struct sim_word){ w->s, (unsigned int)(eq - w->s), w->col };
	val->s = eq + 1;
	val->len = w->len - key->len - 1;
	val->col = w->col + key->len + 1;
	return 0;
}

/* Pass 1: every word is key=value, and exactly one of them is type=. */
static int find_type(struct parse_ctx *px)
{
	unsigned int after_name = px->pos;
	struct sim_word w, key, val;
	int ret;

	while (next_word(px, &w)) {
		ret = split_pair(px, &w, &key, &val);
		if (ret)
			return ret;
		if (!sim_word_is(&key, "type"))
			continue;
		if (px->have[K_TYPE])
			return fail(px, w.col, "duplicate key 'type'");
		px->have[K_TYPE] = true;
		px->seen[K_TYPE] = val;
	}
	if (!px->have[K_TYPE])
		return fail(px, px->stmt_col, "missing type= for heap '%.*s'",
			    sim_word_quote_len(&px->name), px->name.s);
	px->pos = after_name;
	return 0;
}

/* Applies one key=value word of pass 2. */
static int parse_pair(struct parse_ctx *px, const struct sim_word *w)
{
	const char *tname = type_names[px->cfg->type];
	struct sim_word key, val;
	enum key k;
	int ret;

	ret = split_pair(px, w, &key, &val);
	if (ret)
		return ret;
	k = key_lookup(&key);
	if (k == K_TYPE)
		return 0;
	if (k == NKEYS)
		return fail(px, w->col, "unknown key '%.*s' for a %s heap",
			    sim_word_quote_len(&key), key.s, tname);
	if (!(keys[k].types & TYPE_BIT(px->cfg->type)))
		return fail(px, w->col, "%s= does not apply to a %s heap",
			    keys[k].name, tname);
	if (px->have[k])
		return fail(px, w->col, "duplicate key '%s'", keys[k].name);
	if (val.len == 0 && k != K_ALLOW)
		return fail(px, val.col, "missing value after '%s='",
			    keys[k].name);
	px->have[k] = true;
	px->seen[k] = val;
	px->key = k;
	return keys[k].parse(px, &val);
}

/* Pass 2: the type first (it sets the defaults), then every key. */
static int parse_options(struct parse_ctx *px)
{
	struct sim_word w;
	int ret;

	px->key = K_TYPE;
	ret = parse_type_value(px, &px->seen[K_TYPE]);
	if (ret)
		return ret;
	memcpy(px->cfg->name, px->name.s, px->name.len);
	px->cfg->name[px->name.len] = '\0';
	while (next_word(px, &w)) {
		ret = parse_pair(px, &w);
		if (ret)
			return ret;
	}
	return 0;
}

/* Keys a type cannot do without. */
static int check_required(struct parse_ctx *px)
{
	const char *tname = type_names[px->cfg->type];

	if (!px->have[K_ID])
		return fail(px, px->stmt_col, "missing id= for heap '%s'",
			    px->cfg->name);
	if (heap_has_region(px->cfg) && !px->have[K_SIZE])
		return fail(px, px->stmt_col, "missing size= for a %s heap",
			    tname);
	if (px->cfg->type == HEAP_TYPE_CHUNK && !px->have[K_CHUNK])
		return fail(px, px->stmt_col, "missing chunk= for a chunk heap");
	return 0;
}

/* The size must be whole units of what the heap hands out. */
static int check_size_unit(struct parse_ctx *px)
{
	const struct sim_word *val = &px->seen[K_SIZE];
	const struct heap_config *cfg = px->cfg;
	uint64_t unit = SIM_PAGE_SIZE;
	const char *what = "page";
	char text[32];

	if (!px->have[K_SIZE])
		return 0;
	if (cfg->type == HEAP_TYPE_CARVEOUT) {
		unit = cfg->granule;
		what = "granule";
	} else if (cfg->type == HEAP_TYPE_CHUNK) {
		unit = cfg->chunk;
		what = "chunk";
	}
	if (cfg->size % unit)
		return fail(px, val->col,
			    "size %.*s is not a multiple of the %s %s",
			    sim_word_quote_len(val), val->s, size_text(unit, text),
			    what);
	return 0;
}

/* Checks that involve two keys. */
static int check_combinations(struct parse_ctx *px)
{
	const struct heap_config *cfg = px->cfg;
	int ret = check_size_unit(px);

	if (ret)
		return ret;
	if (px->have[K_POOL_LOW] && cfg->pool_high &&
	    cfg->pool_low > cfg->pool_high)
		return fail(px, px->seen[K_POOL_LOW].col,
			    "pool_low %lu is over pool_high %lu",
			    cfg->pool_low, cfg->pool_high);
	return 0;
}

/* heap_config_parse - one heap statement into @cfg; -EINVAL with the
 * column and message in @err (see heap.h for what is checked). */
int heap_config_parse(const char *line, struct heap_config *cfg,
		      struct heap_parse_error *err)
{
	struct parse_ctx px = { .line = line, .cfg = cfg, .err = err };
	int ret;

	err->col = 0;
	err->msg[0] = '\0';
	memset(cfg, 0, sizeof(*cfg));
	ret = parse_head(&px);
	if (ret)
		return ret;
	ret = find_type(&px);
	if (ret)
		return ret;
	ret = parse_options(&px);
	if (ret)
		return ret;
	ret = check_required(&px);
	if (ret)
		return ret;
	return check_combinations(&px);
}

/* ------------------------------------------------------------------ */
/* Boards                                                               */
/* ------------------------------------------------------------------ */

/* heap_board_add - append a copy of @cfg: 0, -EEXIST when its name or
 * id is taken, -ENOSPC when the board is full. */
int heap_board_add(struct heap_board *board, const struct heap_config *cfg)
{
	for (unsigned int i = 0; i < board->n; i++) {
		const struct heap_config *h = &board->heaps[i];

		if (h->id == cfg->id || strcmp(h->name, cfg->name) == 0)
			return -EEXIST;
	}
	if (board->n == HEAP_MAX_HEAPS)
		return -ENOSPC;
	board->heaps[board->n++] = *cfg;
	return 0;
}

/* Appends a default heap of @type called @name; the board is empty
 * before, so nothing can clash. */
static struct heap_config *board_add_default(struct heap_board *board,
					     const char *name,
					     enum heap_type type,
					     unsigned int id)
{
	struct heap_config *cfg = &board->heaps[board->n++];

	heap_config_defaults(cfg, type);
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	cfg->id = id;
	return cfg;
}

/* heap_board_default - SCENARIO.md's board, for scenarios without a
 * heap statement. */
void heap_board_default(struct heap_board *board)
{
	struct heap_config *cfg;

	board->n = 0;
	board_add_default(board, "system", HEAP_TYPE_SYSTEM, 0);
	board_add_default(board, "system_contig", HEAP_TYPE_SYSTEM_CONTIG, 1);
	cfg = board_add_default(board, "carveout", HEAP_TYPE_CARVEOUT, 2);
	cfg->size = 16ULL << 20;
	cfg = board_add_default(board, "chunk", HEAP_TYPE_CHUNK, 3);
	cfg->size = 8ULL << 20;
	cfg->chunk = 64ULL << 10;
	cfg = board_add_default(board, "cma", HEAP_TYPE_DMA, 4);
	cfg->size = 32ULL << 20;
}

/* The first heap before @i whose based range overlaps heap @i's, so that
 * an overlap is blamed on the later statement, where a reader of the
 * scenario expects the error; -1 when none. */
static int based_overlap(const struct heap_board *board, unsigned int i)
{
	const struct heap_config *a = &board->heaps[i];

	for (unsigned int j = 0; a->has_base && j < i; j++) {
		const struct heap_config *b = &board->heaps[j];

		if (heap_has_region(b) && b->has_base &&
		    a->base < b->base + b->size && b->base < a->base + a->size)
			return (int)j;
	}
	return -1;
}

/* The heap whose region is @region, or -1 (a region not of the board). */
static int heap_of_region(const int *region_of, unsigned int n, int region)
{
	if (region < 0)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		if (region_of[i] == region)
			return (int)i;
	return -1;
}

/* Adds heap @i's region to @cfg; its index goes to region_of[i]. */
static int reserve_one(const struct heap_board *board, unsigned int i,
		       struct sim_config *cfg, int *region_of)
{
	const struct heap_config *h = &board->heaps[i];
	enum sim_region_kind kind = h->type == HEAP_TYPE_DMA ?
				    SIM_REGION_CMA : SIM_REGION_RESERVED;
	int ret;

	if (based_overlap(board, i) >= 0)
		return -EINVAL;
	ret = sim_config_add_region(cfg, h->name, kind, h->has_base, h->base,
				    h->size);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOSPC : -EINVAL;
	region_of[i] = ret;
	return 0;
}

/*
 * heap_board_reserve - one region per carveout, chunk and cma heap, then
 * the layout.  On failure *@bad_heap is the heap to blame (the later of
 * two overlapping ones), or -1 when no heap of the board is (a bad RAM
 * line); the regions added so far stay in @cfg.
 */
int heap_board_reserve(const struct heap_board *board, struct sim_config *cfg,
		       int *bad_heap)
{
	int region_of[HEAP_MAX_HEAPS];
	int bad_region = -1, dummy, ret;

	if (!bad_heap)
		bad_heap = &dummy;
	*bad_heap = -1;
	for (unsigned int i = 0; i < board->n; i++) {
		region_of[i] = -1;
		if (!heap_has_region(&board->heaps[i]))
			continue;
		ret = reserve_one(board, i, cfg, region_of);
		if (ret) {
			*bad_heap = (int)i;
			return ret;
		}
	}
	ret = sim_config_layout(cfg, &bad_region);
	if (ret)
		*bad_heap = heap_of_region(region_of, board->n, bad_region);
	return ret;
}
