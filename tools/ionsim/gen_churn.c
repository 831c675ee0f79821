/*
 * tools/ionsim/gen_churn.c - `ionsim gen churn`: a long allocate/free
 * trace, one step per line, for the replay benchmark.
 *
 * --procs processes each keep about 128 buffers alive: a process with
 * fewer allocates with probability 0.6, one with more with 0.4, and
 * otherwise frees one of its buffers chosen uniformly.  A buffer goes to
 * the system heap (weight 50), a 64 MiB first-fit carveout (30) or a
 * 32 MiB chunk heap with 64 KiB chunks (20); sizes per heap:
 *
 *   system    4K 40, 16K 20, 64K 20, 256K 15, 1M 5
 *   carveout  4K 30, 8K 20, 16K 15, 64K 15, 256K 15, 1M 5
 *   chunk     4K 50, 64K 30, 256K 20
 *
 * The heaps free at once (defer_free=off), so the trace needs no drain
 * lines.  To stay valid by construction the generator places carveout
 * buffers as gen_pool's first fit does (lowest run of free pages that is
 * long enough) and sends a request that would not fit to the system heap
 * instead; chunk and system requests are kept within their heaps' room.
 * Variables are slots (s0, s1, ...) rebound as they are reused, so the
 * program stays small however long the trace is.
 *
 * With keep, every step allocates 4 KiB on the system heap, unnamed and
 * never freed, and the machine's RAM is sized to hold them all: the
 * memory benchmark's trace (host bytes per live buffer).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ionsim/gen_internal.h"

#define TARGET_LIVE 128		/* per process */
#define SYSTEM_BUDGET (256ULL << 20)
#define CARVEOUT_PAGES ((64ULL << 20) / GEN_PAGE)
#define CHUNK_COUNT 512u	/* 32 MiB in 64 KiB chunks */
#define CHUNK_PAGES 16u
#define CHECK_EVERY 10000
#define GIB (1ULL << 30)

enum { H_SYSTEM, H_CARVEOUT, H_CHUNK, NHEAPS };
static const char *const heap_names[NHEAPS] = { "system", "carveout", "chunk" };
static const unsigned int heap_weights[NHEAPS] = { 50, 30, 20 };

struct size_table {
	unsigned int n;
	unsigned int pages[6];
	unsigned int weights[6];
};

static const struct size_table sizes[NHEAPS] = {
	[H_SYSTEM] = { 5, { 1, 4, 16, 64, 256 }, { 40, 20, 20, 15, 5 } },
	[H_CARVEOUT] = { 6, { 1, 2, 4, 16, 64, 256 }, { 30, 20, 15, 15, 15, 5 } },
	[H_CHUNK] = { 3, { 1, 16, 64 }, { 50, 30, 20 } },
};

/* A live buffer of one process: its slot names its variable. */
struct cbuf {
	unsigned int slot;
	int heap;
	uint64_t first, pages;	/* carveout: where the model placed it */
};

struct cproc {
	struct cbuf *live;
	size_t nlive, cap;
	unsigned int *free_slots;	/* slots to reuse, a stack */
	size_t nfree, free_cap;
	unsigned int next_slot;
};

/* A carveout extent in the model, kept sorted by first page. */
struct extent {
	uint64_t first, pages;
};

struct churn {
	struct gen *g;
	struct cproc *procs;
	unsigned int nprocs;
	struct extent *ext;
	size_t next, ext_cap;
	uint64_t system_bytes;
	unsigned int chunks;
	unsigned long live;
};

/* ---- the carveout's first fit ------------------------------------------ */

/* The lowest run of @pages free pages: its first page and the index in
 * ext where it goes; false when no run is long enough. */
static bool carveout_fit(const struct churn *c, uint64_t pages,
			 uint64_t *first, size_t *at)
{
	uint64_t from = 0;
	size_t i;

	for (i = 0; i < c->next; i++) {
		if (c->ext[i].first - from >= pages)
			break;
		from = c->ext[i].first + c->ext[i].pages;
	}
	if (i == c->next && CARVEOUT_PAGES - from < pages)
		return false;
	*first = from;
	*at = i;
	return true;
}

static int carveout_take(struct churn *c, uint64_t first, uint64_t pages,
			 size_t at)
{
	if (gen_grow(c->g, (void **)&c->ext, c->next, &c->ext_cap,
		     sizeof(*c->ext)))
		return -ENOMEM;
	memmove(&c->ext[at + 1], &c->ext[at], (c->next - at) * sizeof(*c->ext));
	c->ext[at] = (struct extent){ first, pages };
	c->next++;
	return 0;
}

static void carveout_give(struct churn *c, uint64_t first)
{
	size_t lo = 0, hi = c->next;

	while (hi - lo > 1) {	/* the extent starting at @first */
		size_t mid = (lo + hi) / 2;

		if (c->ext[mid].first <= first)
			lo = mid;
		else
			hi = mid;
	}
	memmove(&c->ext[lo], &c->ext[lo + 1],
		(c->next - lo - 1) * sizeof(*c->ext));
	c->next--;
}

/* ---- steps ---------------------------------------------------------- */

/* Draws a heap and a size for @b and reserves its room in the model:
 * returns the heap drawn, or H_SYSTEM when the drawn one has no room;
 * -ENOSPC when the system heap has none either, -ENOMEM. */
static int place(struct churn *c, struct cbuf *b)
{
	struct gen *g = c->g;
	int heap = (int)gen_pick(g, heap_weights, NHEAPS);
	const struct size_table *t = &sizes[heap];
	size_t at;

	b->pages = t->pages[gen_pick(g, t->weights, t->n)];
	if (heap == H_CARVEOUT && carveout_fit(c, b->pages, &b->first, &at))
		return carveout_take(c, b->first, b->pages, at) ? -ENOMEM :
			H_CARVEOUT;
	if (heap == H_CHUNK) {
		unsigned int need = (unsigned int)((b->pages + CHUNK_PAGES - 1) /
						   CHUNK_PAGES);

		if (c->chunks + need <= CHUNK_COUNT) {
			c->chunks += need;
			return H_CHUNK;
		}
	}
	if (c->system_bytes + b->pages * GEN_PAGE > SYSTEM_BUDGET)
		return -ENOSPC;
	c->system_bytes += b->pages * GEN_PAGE;
	return H_SYSTEM;
}

static void step_alloc(struct churn *c, unsigned int p)
{
	struct cproc *pr = &c->procs[p];
	struct cbuf *b;
	int heap;

	if (gen_grow(c->g, (void **)&pr->live, pr->nlive, &pr->cap,
		     sizeof(*b)))
		return;
	b = &pr->live[pr->nlive];
	heap = place(c, b);
	if (heap < 0)
		return;	/* no room anywhere: this step is skipped */
	b->heap = heap;
	b->slot = pr->nfree ? pr->free_slots[--pr->nfree] : pr->next_slot++;
	pr->nlive++;
	c->live++;
	gen_line(c->g, "c%u alloc ion %lluK heap=%s -> s%u", p + 1,
		 (unsigned long long)(b->pages * 4), heap_names[heap], b->slot);
}

static void step_free(struct churn *c, unsigned int p)
{
	struct cproc *pr = &c->procs[p];
	size_t i = (size_t)sim_rng_below(&c->g->rng, pr->nlive);
	struct cbuf *b = &pr->live[i];

	if (gen_grow(c->g, (void **)&pr->free_slots, pr->nfree,
		     &pr->free_cap, sizeof(*pr->free_slots)))
		return;
	gen_line(c->g, "c%u free ion s%u", p + 1, b->slot);
	if (b->heap == H_CARVEOUT)
		carveout_give(c, b->first);
	else if (b->heap == H_CHUNK)
		c->chunks -= (unsigned int)((b->pages + CHUNK_PAGES - 1) /
					    CHUNK_PAGES);
	else
		c->system_bytes -= b->pages * GEN_PAGE;
	pr->free_slots[pr->nfree++] = b->slot;
	*b = pr->live[--pr->nlive];
	c->live--;
}

static void one_step(struct churn *c, unsigned long i)
{
	struct gen *g = c->g;
	unsigned int p = (unsigned int)sim_rng_below(&g->rng, c->nprocs);
	struct cproc *pr = &c->procs[p];
	double alloc_p = pr->nlive < TARGET_LIVE ? 0.6 : 0.4;

	if (!pr->nlive || sim_rng_unit(&g->rng) < alloc_p)
		step_alloc(c, p);
	else
		step_free(c, p);
	if ((i + 1) % CHECK_EVERY == 0)
		gen_line(g, "expect live_buffers == %lu", c->live);
}

/* ---- the file ---------------------------------------------------------- */

static void machine(struct churn *c)
{
	struct gen *g = c->g;
	uint64_t ram = GIB;

	if (g->o->keep) {	/* every buffer stays: room for all, +25% */
		uint64_t need = g->o->steps * GEN_PAGE / 4 * 5;

		ram = (need + GIB - 1) / GIB * GIB;
		if (ram < GIB)
			ram = GIB;
	}
	gen_line(g, "ram %lluG", (unsigned long long)(ram / GIB));
	gen_line(g, "heap system   type=system   id=0 defer_free=off");
	if (!g->o->keep) {
		gen_line(g, "heap carveout type=carveout id=2 size=64M "
			 "defer_free=off");
		gen_line(g, "heap chunk    type=chunk    id=3 size=32M "
			 "chunk=64K defer_free=off");
	}
	gen_blank(g);
	for (unsigned int p = 1; p <= c->nprocs; p++)
		gen_line(g, "process c%u", p);
	gen_blank(g);
	for (unsigned int p = 1; p <= c->nprocs; p++)
		gen_line(g, "c%u open /dev/ion -> ion", p);
}

static void keep_steps(struct churn *c)
{
	struct gen *g = c->g;
	unsigned long i;

	for (i = 0; i < g->o->steps; i++) {
		gen_line(g, "c%lu alloc ion 4K heap=system",
			 i % c->nprocs + 1);
		if ((i + 1) % CHECK_EVERY == 0)
			gen_line(g, "expect live_buffers == %lu", i + 1);
	}
	gen_line(g, "final live_buffers == %lu", g->o->steps);
	gen_line(g, "final leaks == 0");
}

static void finish(struct churn *c)
{
	struct gen *g = c->g;

	gen_line(g, "expect live_buffers == %lu", c->live);
	for (unsigned int p = 1; p <= c->nprocs; p++)
		gen_line(g, "c%u exit", p);
	gen_line(g, "final live_buffers == 0");
	gen_line(g, "final leaks == 0");
	gen_line(g, "final used system == 0");
	gen_line(g, "final used carveout == 0");
	gen_line(g, "final used chunk == 0");
}

static void churn_free(struct churn *c)
{
	for (unsigned int p = 0; c->procs && p < c->nprocs; p++) {
		free(c->procs[p].live);
		free(c->procs[p].free_slots);
	}
	free(c->procs);
	free(c->ext);
}

int gen_churn(struct gen *g)
{
	struct churn c = { .g = g, .nprocs = g->o->procs };
	unsigned long i;

	c.procs = calloc(c.nprocs, sizeof(*c.procs));
	if (!c.procs)
		return -ENOMEM;
	gen_header(g, g->o->keep ?
		   "Allocate-only churn: 4 KiB system-heap buffers that stay "
		   "alive, for the\nmemory benchmark (host bytes per live "
		   "buffer)." :
		   "Allocate/free churn on a system heap, a first-fit "
		   "carveout and a chunk heap,\nabout 128 live buffers per "
		   "process (see tools/ionsim/gen_churn.c).");
	machine(&c);
	if (g->o->keep) {
		keep_steps(&c);
	} else {
		for (i = 0; i < g->o->steps && !g->err; i++)
			one_step(&c, i);
		finish(&c);
	}
	churn_free(&c);
	return g->err;
}
