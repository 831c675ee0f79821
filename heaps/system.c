/*
 * heaps/system.c - ION's system heap: buffers built from buddy blocks of
 * a few fixed orders, each order fronted by a page pool.
 *
 * Allocation follows Linux 4.9 ion_system_heap.c, unchanged in 4.14 and
 * 4.19 but for the pools and the align argument:
 * - align beyond one page is refused (4.9 only: from 4.12 the heap API
 *   has no align), and a buffer of more than half of RAM is ENOMEM;
 * - the length is covered greedily: each step takes one block of the
 *   largest order that fits in what remains and is no larger than the
 *   previous block's order, from that order's pool (which falls back to
 *   the buddy), trying smaller orders when one fails.  Orders never go
 *   back up, so an order-8 failure early on costs the whole buffer its
 *   order-8 blocks.  The runs come out in allocation order;
 * - when no order can serve a step, every block taken so far goes back
 *   to the pools and the answer is ENOMEM; so it does when the sg_table
 *   itself cannot be allocated.
 * Free sends each block back to its pool, or straight to the buddy when
 * the shrinker destroys the buffer.  The heap core has zeroed a dirty
 * buffer by then, which is all the kernel's ion_heap_buffer_zero is for.
 *
 * Pools: 4.9 and 4.14 keep an uncached and a cached set (ION_FLAG_CACHED
 * picks one); 4.19 has one set.  `uncached_pool=on|off` overrides the
 * kernel's choice.  Two scenario options are ours: pool_high caps each
 * pool (freed blocks beyond it go to the buddy), pool_low warms every
 * pool at creation.  The shrinker walks orders largest first, uncached
 * set before cached, and stops once it has freed enough.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "heaps/heap_internal.h"
#include "heaps/page_pool.h"

#define SET_UNCACHED 0	/* also the only set when the pools are merged */
#define SET_CACHED 1
#define SCRATCH_MIN 64	/* runs gathered before the scratch first grows */

static const unsigned int default_orders[] = { 8, 4, 0 };

struct system_heap {
	unsigned int norders;
	unsigned int orders[HEAP_MAX_ORDERS];	/* strictly decreasing */
	int index_of[SIM_MAX_ORDER];	/* order -> pool index, or -1 */
	unsigned int nsets;		/* 2: cached + uncached; 1: merged */
	uint64_t max_pages;		/* a buffer's cap: half of RAM */
	/* [set][order index]; set 1 only when nsets == 2 */
	struct heap_page_pool pools[2][HEAP_MAX_ORDERS];
	struct sim_run *scratch;	/* blocks one allocation has gathered */
	size_t scratch_cap;		/* its slots (host memory, kept) */
};

/* --- setup ---------------------------------------------------------------- */

static int set_orders(struct system_heap *sh, const struct heap_config *cfg)
{
	const unsigned int *orders = cfg->orders;
	unsigned int n = cfg->norders, i;

	/* No orders given: the kernel's {8, 4, 0}. */
	if (n == 0) {
		orders = default_orders;
		n = sizeof(default_orders) / sizeof(default_orders[0]);
	}
	if (n > HEAP_MAX_ORDERS)
		return -EINVAL;
	for (i = 0; i < SIM_MAX_ORDER; i++)
		sh->index_of[i] = -1;
	for (i = 0; i < n; i++) {
		if (orders[i] >= SIM_MAX_ORDER ||
		    (i > 0 && orders[i] >= orders[i - 1]))
			return -EINVAL;
		sh->orders[i] = orders[i];
		sh->index_of[orders[i]] = (int)i;
	}
	sh->norders = n;
	return 0;
}

static bool wants_split_pools(const struct heap_config *cfg)
{
	if (cfg->uncached_pool != HEAP_OPT_DEFAULT)
		return cfg->uncached_pool == HEAP_OPT_ON;
	return cfg->kernel != HEAP_KERNEL_4_19;
}

static void init_pools(struct system_heap *sh, struct heap *heap)
{
	unsigned int s, i;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++)
			heap_page_pool_init(&sh->pools[s][i], heap->m,
					    sh->orders[i], s == SET_CACHED,
					    heap->cfg.pool_high);
}

static void fini_pools(struct system_heap *sh)
{
	unsigned int s, i;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++)
			heap_page_pool_fini(&sh->pools[s][i]);
}

static int warm_pools(struct system_heap *sh, unsigned long pages)
{
	unsigned int s, i;
	int ret;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++) {
			ret = heap_page_pool_fill(&sh->pools[s][i], pages);
			if (ret)
				return ret;
		}
	return 0;
}

static int system_create(struct heap *heap)
{
	struct system_heap *sh = calloc(1, sizeof(*sh));
	int ret;

	if (!sh)
		return -ENOMEM;
	ret = set_orders(sh, &heap->cfg);
	if (ret)
		goto free_state;
	sh->nsets = wants_split_pools(&heap->cfg) ? 2 : 1;
	sh->max_pages = sim_ram_pages(heap->m) / 2;
	init_pools(sh, heap);
	ret = warm_pools(sh, heap->cfg.pool_low);
	if (ret)
		goto fini_pools;
	heap->priv = sh;
	return 0;

fini_pools:
	fini_pools(sh);
free_state:
	free(sh);
	return ret;
}

static void system_destroy(struct heap *heap)
{
	struct system_heap *sh = heap->priv;

	fini_pools(sh);
	free(sh->scratch);
	free(sh);
	heap->priv = NULL;
}

/* --- allocation ----------------------------------------------------------- */

static struct heap_page_pool *pool_set(struct system_heap *sh,
				       unsigned long flags)
{
	bool cached = (flags & HEAP_BUF_CACHED) && sh->nsets == 2;

	return sh->pools[cached ? SET_CACHED : SET_UNCACHED];
}

static unsigned int run_order(const struct sim_run *r)
{
	return (unsigned int)__builtin_ctzll(r->len >> SIM_PAGE_SHIFT);
}

static bool over_half_ram(const struct system_heap *sh, uint64_t len)
{
	return len / SIM_PAGE_SIZE > sh->max_pages;
}

/* Room for one more run in the scratch; the host may refuse. */
static int scratch_reserve(struct system_heap *sh, size_t n)
{
	size_t ncap;
	struct sim_run *grown;

	if (n < sh->scratch_cap)
		return 0;
	ncap = sh->scratch_cap ? sh->scratch_cap * 2 : SCRATCH_MIN;
	grown = realloc(sh->scratch, ncap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	sh->scratch = grown;
	sh->scratch_cap = ncap;
	return 0;
}

/* alloc_largest_available: one block of the largest order that fits in
 * @remaining and does not exceed @max_order; smaller orders on failure. */
static int take_largest(struct system_heap *sh, struct heap_page_pool *set,
			uint64_t remaining, unsigned int max_order,
			struct sim_run *run)
{
	unsigned int i;
	uint64_t pfn;

	for (i = 0; i < sh->norders; i++) {
		unsigned int order = sh->orders[i];

		if (order > max_order || remaining < (SIM_PAGE_SIZE << order))
			continue;
		if (heap_page_pool_alloc(&set[i], &pfn))
			continue;
		run->phys = sim_pfn_to_phys(pfn);
		run->len = SIM_PAGE_SIZE << order;
		return 0;
	}
	return -ENOMEM;
}

/* Each block to its pool, or with @to_buddy straight to the buddy. */
static void return_blocks(struct system_heap *sh, struct heap_page_pool *set,
			  const struct sim_run *runs, size_t n, bool to_buddy)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int order = run_order(&runs[i]);
		struct heap_page_pool *pool = &set[sh->index_of[order]];
		uint64_t pfn = sim_phys_to_pfn(runs[i].phys);

		if (to_buddy)
			sim_pages_free(pool->m, pfn, order);
		else
			heap_page_pool_free(pool, pfn);
	}
}

/* The greedy walk; on failure the caller returns sh->scratch[0..*n). */
static int gather_blocks(struct system_heap *sh, struct heap_page_pool *set,
			 uint64_t len, size_t *n)
{
	unsigned int max_order = sh->orders[0];
	uint64_t remaining = len;
	int ret;

	while (remaining) {
		ret = scratch_reserve(sh, *n);
		if (ret)
			return ret;
		ret = take_largest(sh, set, remaining, max_order,
				   &sh->scratch[*n]);
		if (ret)
			return ret;
		remaining -= sh->scratch[*n].len;
		max_order = run_order(&sh->scratch[*n]);
		(*n)++;
	}
	return 0;
}

static int system_allocate(struct heap *heap, struct heap_buffer *buf,
			   uint64_t len, uint64_t align, unsigned long flags)
{
	struct system_heap *sh = heap->priv;
	struct heap_page_pool *set = pool_set(sh, flags);
	size_t n = 0;
	int ret;

	if (heap->cfg.kernel == HEAP_KERNEL_4_9 && align > SIM_PAGE_SIZE)
		return -EINVAL;
	if (over_half_ram(sh, len))
		return -ENOMEM;
	ret = gather_blocks(sh, set, len, &n);
	if (ret || n > UINT_MAX)
		goto return_blocks;
	ret = heap_runs_alloc(heap, buf, (unsigned int)n);
	if (ret)
		goto return_blocks;
	memcpy(buf->runs, sh->scratch, n * sizeof(*sh->scratch));
	buf->allocated = len;
	return 0;

return_blocks:
	return_blocks(sh, set, sh->scratch, n, false);
	return -ENOMEM;
}

static void system_free(struct heap_buffer *buf)
{
	struct system_heap *sh = buf->heap->priv;

	return_blocks(sh, pool_set(sh, buf->flags), buf->runs, buf->nruns,
		      buf->shrinker_free);
	heap_runs_free(buf->heap, buf);
}

/* ion_system_heap_shrink: orders largest first, uncached set before the
 * cached one, until @nr pages went; @nr == 0 only counts. */
static unsigned long system_shrink(struct heap *heap, unsigned long nr)
{
	struct system_heap *sh = heap->priv;
	unsigned long total = 0;
	unsigned int s, i;

	for (i = 0; i < sh->norders; i++)
		for (s = 0; s < sh->nsets; s++) {
			struct heap_page_pool *pool = &sh->pools[s][i];

			if (nr == 0) {
				total += heap_page_pool_shrink(pool, 0);
				continue;
			}
			total += heap_page_pool_shrink(pool, nr - total);
			if (total >= nr)
				return total;
		}
	return total;
}

/*
 * What a request needs free: its length, or "more than there can ever
 * be" for one the heap refuses whatever is free (over half of RAM, or a
 * length the smallest order cannot finish), so such a refusal is never
 * taken for fragmentation.
 */
static uint64_t system_rounded(const struct heap *heap, uint64_t len)
{
	const struct system_heap *sh = heap->priv;
	uint64_t smallest = SIM_PAGE_SIZE << sh->orders[sh->norders - 1];

	if (over_half_ram(sh, len) || len % smallest)
		return UINT64_MAX;
	return len;
}

/* --- metrics, debugfs, validation ----------------------------------------- */

static void system_metrics(struct heap *heap, struct heap_metrics *out)
{
	struct system_heap *sh = heap->priv;
	uint64_t pooled = 0;
	unsigned int s, i;

	for (i = 0; i < sh->norders; i++) {
		unsigned long pages = 0;

		for (s = 0; s < sh->nsets; s++)
			pages += heap_page_pool_pages(&sh->pools[s][i]);
		out->pool_pages[i] = pages;
		pooled += pages;
	}
	out->size = sim_ram_pages(heap->m) * SIM_PAGE_SIZE;
	out->free = (sim_buddy_free_pages(heap->m) + pooled) * SIM_PAGE_SIZE;
	/* Pages need no contiguity here: anything free will do. */
	out->largest_free = out->free;
	out->frag = sim_unusable_index(heap->m, sh->orders[0]) / 1000.0;
}

static void show_pool(FILE *out, const struct heap_page_pool *pool,
		      const char *set)
{
	unsigned long high = heap_page_pool_blocks(pool, true);
	unsigned long low = heap_page_pool_blocks(pool, false);
	unsigned long block = SIM_PAGE_SIZE << pool->order;

	fprintf(out, "%lu order %u highmem pages%s %lu total\n", high,
		pool->order, set, block * high);
	fprintf(out, "%lu order %u lowmem pages%s %lu total\n", low,
		pool->order, set, block * low);
}

/* The pool lines of ion_system_heap_debug_show: per set (uncached, then
 * cached; one unnamed set when merged, as 4.19 prints it), per order. */
static void system_debug_show(struct heap *heap, FILE *out)
{
	static const char *const set_word[2][2] = {
		{ "", "" }, { " uncached", " cached" },
	};
	struct system_heap *sh = heap->priv;
	unsigned int s, i;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++)
			show_pool(out, &sh->pools[s][i],
				  set_word[sh->nsets - 1][s]);
}

/* Pooled blocks gathered for the structure check. */
struct pooled {
	struct sim_run *blocks;	/* one run per pooled block */
	size_t n, cap;		/* used and allocated slots */
	int misaligned;		/* blocks not aligned to their order */
};

static int collect_block(uint64_t pfn, unsigned int order, void *ctx)
{
	struct pooled *p = ctx;

	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct sim_run *grown = realloc(p->blocks,
						ncap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		p->blocks = grown;
		p->cap = ncap;
	}
	if (pfn & ((1ULL << order) - 1))
		p->misaligned++;
	p->blocks[p->n].phys = sim_pfn_to_phys(pfn);
	p->blocks[p->n].len = SIM_PAGE_SIZE << order;
	p->n++;
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	const struct sim_run *x = a, *y = b;

	return (x->phys > y->phys) - (x->phys < y->phys);
}

/* Whether @r overlaps one of the sorted, disjoint @p->blocks. */
static bool hits_pool(const struct pooled *p, const struct sim_run *r)
{
	size_t lo = 0, hi = p->n;

	/* The last block that starts before @r ends is the only candidate. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->blocks[mid].phys < r->phys + r->len)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 &&
	       p->blocks[lo - 1].phys + p->blocks[lo - 1].len > r->phys;
}

static int buffers_hitting_pool(const struct heap *heap,
				const struct pooled *p)
{
	const struct heap_buffer *buf;
	int bad = 0;
	unsigned int i;

	for (buf = heap->live; buf; buf = buf->live_next)
		for (i = 0; i < buf->nruns; i++)
			bad += hits_pool(p, &buf->runs[i]);
	for (buf = heap->free_list; buf; buf = buf->next_free)
		for (i = 0; i < buf->nruns; i++)
			bad += hits_pool(p, &buf->runs[i]);
	return bad;
}

static int collect_pools(const struct system_heap *sh, struct pooled *p)
{
	unsigned int s, i;
	int ret;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++) {
			ret = heap_page_pool_foreach(&sh->pools[s][i],
						     collect_block, p);
			if (ret)
				return ret;
		}
	return 0;
}

static int report(FILE *out, const struct heap *heap, const char *what,
		  int count)
{
	if (count && out)
		fprintf(out, "heap %s: %d %s\n", heap->cfg.name, count, what);
	return count;
}

/* Pooled blocks are aligned, disjoint, and in no buffer. */
static int system_validate(struct heap *heap, FILE *out)
{
	struct system_heap *sh = heap->priv;
	struct pooled p = { NULL, 0, 0, 0 };
	int problems = 0, overlaps = 0;
	size_t i;

	if (collect_pools(sh, &p)) {
		free(p.blocks);
		return report(out, heap, "validate ran out of host memory", 1);
	}
	if (p.n > 1)
		qsort(p.blocks, p.n, sizeof(*p.blocks), cmp_block);
	for (i = 1; i < p.n; i++)
		overlaps += p.blocks[i - 1].phys + p.blocks[i - 1].len >
			    p.blocks[i].phys;
	problems += report(out, heap, "misaligned pool blocks", p.misaligned);
	problems += report(out, heap, "overlapping pool blocks", overlaps);
	if (!overlaps)
		problems += report(out, heap, "buffer runs inside pool blocks",
				   buffers_hitting_pool(heap, &p));
	free(p.blocks);
	return problems;
}

/* Hands heap_held_foreach's callback one pooled block. */
struct held_walk {
	int (*fn)(void *ctx, uint64_t phys, uint64_t len);
	void *ctx;
};

static int held_block(uint64_t pfn, unsigned int order, void *ctx)
{
	struct held_walk *hw = ctx;

	return hw->fn(hw->ctx, sim_pfn_to_phys(pfn),
		      (uint64_t)SIM_PAGE_SIZE << order);
}

/* ops->pooled_foreach: every pool, set by set, largest order first. */
static int system_pooled_foreach(const struct heap *heap,
				 int (*fn)(void *ctx, uint64_t phys,
					   uint64_t len),
				 void *ctx)
{
	const struct system_heap *sh = heap->priv;
	struct held_walk hw = { fn, ctx };
	unsigned int s, i;
	int ret;

	for (s = 0; s < sh->nsets; s++)
		for (i = 0; i < sh->norders; i++) {
			ret = heap_page_pool_foreach(&sh->pools[s][i],
						     held_block, &hw);
			if (ret)
				return ret;
		}
	return 0;
}

const struct heap_ops heap_system_ops = {
	.create = system_create,
	.destroy = system_destroy,
	.allocate = system_allocate,
	.free = system_free,
	.shrink = system_shrink,
	.rounded = system_rounded,
	.metrics = system_metrics,
	.debug_show = system_debug_show,
	.pooled_foreach = system_pooled_foreach,
	.validate = system_validate,
};
