/*
 * heaps/chunk.c - ION's chunk heap: buffers made of fixed-size chunks
 * from a reserved region, each chunk placed on its own.
 *
 * Following Linux 4.9 ion_chunk_heap.c: a gen_pool whose granule is the
 * chunk (min_alloc_order = log2(chunk); ionsim requires a power of two,
 * so each chunk is exactly one bit) covers the region named after the
 * heap.  A request is rounded up to whole chunks; an align above the
 * chunk is EINVAL; a request larger than what the heap's own counter
 * says is left fails at once (ENOMEM) without touching the pool.
 * Otherwise the sg_table is allocated first (as the kernel's kmalloc and
 * sg_alloc_table are), then one first-fit gen_pool allocation per chunk,
 * each its own run: the kernel's table has one entry per chunk and never
 * merges neighbours, so neither does this one.  A chunk that cannot be
 * had part-way gives back the chunks already taken and fails ENOMEM.
 *
 * buffer->size stays the page-aligned request while the heap's counter
 * (and buf->allocated) counts whole chunks; the difference is the waste
 * metric.  The region is zeroed by the kernel at creation and each
 * buffer on free; here free memory is always zero (heap.c), so creation
 * touches nothing.
 *
 * The address-0 quirk is kept as in the carveout heap: a region at
 * physical 0 loses the first chunk placed there (the kernel's loop sees
 * 0, rolls back and fails).  The kernel's counter does not know, so the
 * fast-fail check passes while the pool is one chunk short and such a
 * request fails part-way, as it would in Linux.  The lost bytes are kept
 * apart and taken out of the metrics' size, so used + free == size.
 */
#include <errno.h>
#include <stdlib.h>

#include "heaps/genpool.h"
#include "heaps/heap_internal.h"

struct chunk_heap {
	struct heap_genpool *pool;
	uint64_t base;		/* the region's physical address */
	uint64_t size;		/* the region's bytes */
	uint64_t chunk;		/* bytes per chunk: a power of two >= 4K */
	uint64_t allocated;	/* the kernel's counter: whole chunks held */
	uint64_t lost;		/* bytes taken by placements at address 0 */
};

static bool chunk_ok(uint64_t chunk, uint64_t size)
{
	return chunk >= SIM_PAGE_SIZE && (chunk & (chunk - 1)) == 0 &&
	       size % chunk == 0;
}

/* @len rounded up to whole chunks, saturating rather than wrapping. */
static uint64_t round_to(uint64_t len, uint64_t unit)
{
	if (len > UINT64_MAX - (unit - 1))
		return UINT64_MAX;
	return (len + unit - 1) & ~(unit - 1);
}

static int chunk_pool_init(struct heap *heap, struct chunk_heap *ch)
{
	int ret;

	ch->pool = heap_genpool_create(heap->m,
				       (unsigned int)__builtin_ctzll(ch->chunk));
	if (!ch->pool)
		return -ENOMEM;
	ret = heap_genpool_add(ch->pool, ch->base, ch->size);
	if (ret) {
		heap_genpool_destroy(ch->pool);
		ch->pool = NULL;
	}
	return ret;
}

static int chunk_create(struct heap *heap)
{
	int idx = sim_region_find(heap->m, heap->cfg.name);
	const struct sim_region *reg;
	struct chunk_heap *ch;
	int ret;

	if (idx < 0)
		return -ENOENT;
	reg = sim_region_get(heap->m, (unsigned int)idx);
	if (reg->kind != SIM_REGION_RESERVED ||
	    !chunk_ok(heap->cfg.chunk, reg->size))
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->base = reg->base;
	ch->size = reg->size;
	ch->chunk = heap->cfg.chunk;
	ret = chunk_pool_init(heap, ch);
	if (ret)
		goto free_ch;
	heap->priv = ch;
	return 0;

free_ch:
	free(ch);
	return ret;
}

static void chunk_destroy(struct heap *heap)
{
	struct chunk_heap *ch = heap->priv;

	heap_genpool_destroy(ch->pool);
	free(ch);
	heap->priv = NULL;
}

static unsigned long lost_placements(const struct heap_genpool *pool)
{
	struct heap_genpool_stats st;

	heap_genpool_stats(pool, &st);
	return st.lost;
}

/* One chunk from the pool, keeping count of what the address-0 quirk
 * swallows.  Only a region at 0 can hit it, so only then are the stats
 * read. */
static uint64_t chunk_pool_alloc(struct chunk_heap *ch)
{
	unsigned long lost = ch->base == 0 ? lost_placements(ch->pool) : 0;
	uint64_t addr = heap_genpool_alloc(ch->pool, ch->chunk);

	if (!addr && ch->base == 0 && lost_placements(ch->pool) != lost)
		ch->lost += ch->chunk;
	return addr;
}

/* Gives back the first @n chunks of @buf's table. */
static void chunks_put(struct chunk_heap *ch, const struct heap_buffer *buf,
		       unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		(void)heap_genpool_free(ch->pool, buf->runs[i].phys,
					buf->runs[i].len);
}

/* Fills every run of @buf with a chunk of its own; on a failure part-way
 * the chunks taken go back and -ENOMEM. */
static int chunks_take(struct chunk_heap *ch, struct heap_buffer *buf)
{
	for (unsigned int i = 0; i < buf->nruns; i++) {
		uint64_t addr = chunk_pool_alloc(ch);

		if (!addr) {
			chunks_put(ch, buf, i);
			return -ENOMEM;
		}
		buf->runs[i].phys = addr;
		buf->runs[i].len = ch->chunk;
	}
	return 0;
}

static int chunk_allocate(struct heap *heap, struct heap_buffer *buf,
			  uint64_t len, uint64_t align, unsigned long flags)
{
	struct chunk_heap *ch = heap->priv;
	uint64_t allocated_size = round_to(len, ch->chunk);
	int ret;

	if (align > ch->chunk)
		return -EINVAL;
	/* The fast fail bounds the chunk count by the region's, which
	 * gen_pool keeps below 2^31: it fits the table's unsigned int. */
	if (allocated_size > ch->size - ch->allocated)
		return -ENOMEM;
	ret = heap_runs_alloc(heap, buf,
			      (unsigned int)(allocated_size / ch->chunk));
	if (ret)
		return ret;
	ret = chunks_take(ch, buf);
	if (ret) {
		heap_runs_free(heap, buf);
		return ret;
	}
	ch->allocated += allocated_size;
	buf->allocated = allocated_size;
	return 0;
}

static void chunk_free(struct heap_buffer *buf)
{
	struct chunk_heap *ch = buf->heap->priv;

	/* As the kernel does, the counter drops by the size recomputed from
	 * buffer->size, and each table entry goes back to the pool. */
	ch->allocated -= round_to(buf->size, ch->chunk);
	chunks_put(ch, buf, buf->nruns);
	heap_runs_free(buf->heap, buf);
}

static uint64_t chunk_rounded(const struct heap *heap, uint64_t len)
{
	const struct chunk_heap *ch = heap->priv;

	return round_to(len, ch->chunk);
}

/* Chunks need no contiguity: all that is free can go to one request, so
 * largest_free is free and frag is 0 (SCENARIO.md). */
static void chunk_metrics(struct heap *heap, struct heap_metrics *out)
{
	const struct chunk_heap *ch = heap->priv;

	out->size = ch->size - ch->lost;
	out->free = heap_genpool_avail(ch->pool);
	out->largest_free = out->free;
	out->free_extents = (unsigned long)
		heap_genpool_free_extent_count(ch->pool);
	out->frag = 0.0;
}

static bool chunk_runs_ok(const struct chunk_heap *ch,
			  const struct heap_buffer *buf)
{
	if (!buf->runs || buf->allocated != round_to(buf->size, ch->chunk) ||
	    buf->nruns != buf->allocated / ch->chunk)
		return false;
	for (unsigned int i = 0; i < buf->nruns; i++)
		if (buf->runs[i].len != ch->chunk ||
		    !heap_genpool_has_addr(ch->pool, buf->runs[i].phys,
					   ch->chunk))
			return false;
	return true;
}

/* Checks one list of buffers, bounded by @count (the core reports a list
 * that is longer, a cycle, and this must not spin on it). */
static int chunk_list_problems(const struct heap *heap,
			       const struct heap_buffer *buf, bool live,
			       unsigned long count, FILE *report)
{
	const struct chunk_heap *ch = heap->priv;
	int problems = 0;

	for (unsigned long n = 0; buf && n < count; n++) {
		if (!chunk_runs_ok(ch, buf)) {
			problems++;
			if (report)
				fprintf(report, "heap %s: a buffer's runs are "
					"not whole chunks of the pool\n",
					heap->cfg.name);
		}
		buf = live ? buf->live_next : buf->next_free;
	}
	return problems;
}

/* The kernel's counter, the pool's avail and the core's used agree. */
static int chunk_counter_problems(const struct heap *heap, FILE *report)
{
	const struct chunk_heap *ch = heap->priv;
	struct heap_genpool_stats st;
	int problems = 0;

	heap_genpool_stats(ch->pool, &st);
	if (st.bugs)
		problems++;
	if (ch->allocated != heap->used)
		problems++;
	if (heap_genpool_avail(ch->pool) + ch->allocated + ch->lost != ch->size)
		problems++;
	if (problems && report)
		fprintf(report, "heap %s: chunk counter %llu, used %llu, avail "
			"%llu, lost %llu, size %llu, gen_pool BUGs %lu\n",
			heap->cfg.name, (unsigned long long)ch->allocated,
			(unsigned long long)heap->used,
			(unsigned long long)heap_genpool_avail(ch->pool),
			(unsigned long long)ch->lost,
			(unsigned long long)ch->size, st.bugs);
	return problems;
}

static int chunk_validate(struct heap *heap, FILE *report)
{
	return chunk_counter_problems(heap, report) +
	       chunk_list_problems(heap, heap->live, true, heap->nlive,
				   report) +
	       chunk_list_problems(heap, heap->free_list, false,
				   heap->free_list_count, report);
}

/* The chunk type, as heap.c dispatches to it by cfg.type. */
const struct heap_ops heap_chunk_ops = {
	.create = chunk_create,
	.destroy = chunk_destroy,
	.allocate = chunk_allocate,
	.free = chunk_free,
	.rounded = chunk_rounded,
	.metrics = chunk_metrics,
	.validate = chunk_validate,
};
