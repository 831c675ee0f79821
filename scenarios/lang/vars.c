/*
 * scenarios/lang/vars.c - variable names, and which process has bound
 * which of them so far.
 *
 * A name is one index for the whole program (scn.h); what differs per
 * process is whether a line above bound it there.  A scope is one bit per
 * name index, grown as names appear, kept for each process-like actor
 * (threads use their process's).  Generated traces name thousands of
 * buffers, so names are found through a small open-addressed hash table
 * rather than by scanning the list.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/parser.h"

#define SLOTS_MIN 64

/* FNV-1a: short names, no adversary worth more. */
static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* The slot holding @s, or the free slot where it would go. */
static unsigned int slot_of(const struct scn_parser *ps, const char *s,
			    size_t len)
{
	unsigned int mask = ps->var_slots_cap - 1;
	unsigned int i = name_hash(s, len) & mask;

	for (;;) {
		unsigned int v = ps->var_slots[i];

		if (v == 0)
			return i;
		if (strlen(ps->p->vars[v - 1]) == len &&
		    memcmp(ps->p->vars[v - 1], s, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

/* scn_var_find - see parser.h. */
int scn_var_find(const struct scn_parser *ps, const struct scn_token *t)
{
	unsigned int v;

	if (ps->var_slots_cap == 0 || t->kind != SCN_TOK_WORD)
		return -1;
	v = ps->var_slots[slot_of(ps, t->s, t->len)];
	return v ? (int)v - 1 : -1;
}

/* Doubles the hash table (or makes the first one) and re-inserts. */
static int grow_slots(struct scn_parser *ps)
{
	unsigned int cap = ps->var_slots_cap ? ps->var_slots_cap * 2 : SLOTS_MIN;
	unsigned int *old = ps->var_slots;
	unsigned int *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return scn_perr_oom(ps);
	ps->var_slots = slots;
	ps->var_slots_cap = cap;
	for (unsigned int v = 0; v < ps->p->nvars; v++) {
		const char *name = ps->p->vars[v];

		slots[slot_of(ps, name, strlen(name))] = v + 1;
	}
	free(old);
	return 0;
}

/* Room for one more name in the program's list. */
static int grow_names(struct scn_parser *ps)
{
	unsigned int cap;
	char (*vars)[SCN_NAME_MAX];

	if (ps->p->nvars < ps->vars_cap)
		return 0;
	cap = ps->vars_cap ? ps->vars_cap * 2 : 16;
	vars = realloc(ps->p->vars, cap * sizeof(*vars));
	if (!vars)
		return scn_perr_oom(ps);
	ps->p->vars = vars;
	ps->vars_cap = cap;
	return 0;
}

static int check_var_name(struct scn_parser *ps, const struct scn_token *t)
{
	if (t->kind != SCN_TOK_WORD || !scn_name_valid(t->s, t->len))
		return scn_perr(ps, t->col,
				"bad variable name '%.*s': names are [A-Za-z_][A-Za-z0-9_.-]*",
				t->kind == SCN_TOK_STRING ? 1 : scn_qlen(t),
				t->kind == SCN_TOK_STRING ? "\"" : t->s);
	if (t->len >= SCN_NAME_MAX)
		return scn_perr(ps, t->col, "variable name '%.*s' is longer than %d characters",
				scn_qlen(t), t->s, SCN_NAME_MAX - 1);
	return 0;
}

/* scn_var_intern - see parser.h. */
int scn_var_intern(struct scn_parser *ps, const struct scn_token *t)
{
	int v = scn_var_find(ps, t);
	int ret;

	if (v >= 0)
		return v;
	ret = check_var_name(ps, t);
	if (ret)
		return ret;
	if (ps->p->nvars >= SCN_MAX_VARS)
		return scn_perr(ps, t->col, "too many variable names (at most %d)",
				SCN_MAX_VARS);
	/* keep the table at most half full so probes stay short */
	if ((ps->p->nvars + 1) * 2 > ps->var_slots_cap && grow_slots(ps))
		return -ENOMEM;
	if (grow_names(ps))
		return -ENOMEM;
	v = (int)ps->p->nvars++;
	memcpy(ps->p->vars[v], t->s, t->len);
	ps->p->vars[v][t->len] = '\0';
	ps->var_slots[slot_of(ps, t->s, t->len)] = (unsigned int)v + 1;
	return v;
}

/* scn_var_bound - see parser.h. */
bool scn_var_bound(const struct scn_parser *ps, int scope, int var)
{
	const struct scn_scope *sc = &ps->scopes[scope];
	size_t byte = (size_t)var / 8;

	return byte < sc->nbytes && (sc->bits[byte] & (1u << (var % 8)));
}

/* scn_var_bind - see parser.h. */
int scn_var_bind(struct scn_parser *ps, int scope, int var)
{
	struct scn_scope *sc = &ps->scopes[scope];
	size_t byte = (size_t)var / 8;

	if (byte >= sc->nbytes) {
		size_t n = sc->nbytes ? sc->nbytes : 8;
		unsigned char *bits;

		while (n <= byte)
			n *= 2;
		bits = realloc(sc->bits, n);
		if (!bits)
			return scn_perr_oom(ps);
		memset(bits + sc->nbytes, 0, n - sc->nbytes);
		sc->bits = bits;
		sc->nbytes = n;
	}
	sc->bits[byte] |= (unsigned char)(1u << (var % 8));
	return 0;
}

/* scn_scope_copy - see parser.h. */
int scn_scope_copy(struct scn_parser *ps, int dst, int src)
{
	const struct scn_scope *from = &ps->scopes[src];
	struct scn_scope *to = &ps->scopes[dst];
	unsigned char *bits = NULL;

	if (from->nbytes) {
		bits = malloc(from->nbytes);
		if (!bits)
			return scn_perr_oom(ps);
		memcpy(bits, from->bits, from->nbytes);
	}
	free(to->bits);
	to->bits = bits;
	to->nbytes = from->nbytes;
	return 0;
}

/* scn_vars_release - see parser.h. */
void scn_vars_release(struct scn_parser *ps)
{
	for (unsigned int i = 0; ps->scopes && i < ps->actors_cap; i++)
		free(ps->scopes[i].bits);
	free(ps->scopes);
	ps->scopes = NULL;
	free(ps->var_slots);
	ps->var_slots = NULL;
	ps->var_slots_cap = 0;
}
