/*
 * heaps/genpool.c - the gen_pool itself: its chunks, the allocation loop
 * over them, free with the kernel's BUG() cases turned into counted errors,
 * and the queries (avail, size, free extents) that metrics and the ION
 * audit read.  Where a request lands inside a chunk is genpool_algo.c's
 * business; keeping a chunk's bitmap and indexes in step is
 * genpool_chunk.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "heaps/genpool_chunk.h"
#include "ionsim/sim.h"

struct heap_genpool {
	struct sim_machine *m;	/* asked before each placement; NULL: never */
	unsigned int order;	/* min_alloc_order: log2 of the granule */
	enum heap_genpool_algo algo;	/* what heap_genpool_alloc() uses */
	uint64_t data;		/* and its argument */
	unsigned int nchunks;
	unsigned int cap;	/* slots in each chunk array */
	/* Chunks in the order added, searched from the last: Linux adds each
	 * new chunk at the head of its list. */
	struct heap_genpool_chunk **chunks;
	struct heap_genpool_chunk **by_addr;	/* the same, by start address */
	struct heap_genpool_stats stats;
};

struct heap_genpool *heap_genpool_create(struct sim_machine *m,
					 unsigned int min_alloc_order)
{
	struct heap_genpool *pool;

	if (min_alloc_order > HEAP_GENPOOL_MAX_ORDER)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->m = m;
	pool->order = min_alloc_order;
	pool->algo = HEAP_GENPOOL_FIRST_FIT;
	return pool;
}

long heap_genpool_destroy(struct heap_genpool *pool)
{
	long busy = 0;
	unsigned int i;

	if (!pool)
		return 0;
	for (i = 0; i < pool->nchunks; i++) {
		busy += heap_genpool_chunk_busy(pool->chunks[i]);
		heap_genpool_chunk_delete(pool->chunks[i]);
	}
	free(pool->chunks);
	free(pool->by_addr);
	free(pool);
	return busy;
}

/* --- chunks ---------------------------------------------------------- */

/* The ranges Linux would take but that make no sense to simulate. */
static bool range_ok(const struct heap_genpool *pool, uint64_t virt,
		     uint64_t size)
{
	uint64_t last = virt + size - 1;
	unsigned int i;

	if (size == 0 || size - 1 > UINT64_MAX - virt)
		return false;
	if ((size >> pool->order) > INT_MAX)
		return false;
	for (i = 0; i < pool->nchunks; i++) {
		const struct heap_genpool_chunk *c = pool->chunks[i];

		if (virt <= c->end_addr && c->start_addr <= last)
			return false;
	}
	return true;
}

/* Room for one more chunk in both arrays; -ENOMEM leaves the pool as it
 * was (an array that did grow is merely larger). */
static int reserve_slot(struct heap_genpool *pool)
{
	unsigned int cap = pool->cap ? 2 * pool->cap : 4;
	struct heap_genpool_chunk **p;

	if (pool->nchunks < pool->cap)
		return 0;
	p = realloc(pool->chunks, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	pool->chunks = p;
	p = realloc(pool->by_addr, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	pool->by_addr = p;
	pool->cap = cap;
	return 0;
}

static void insert_by_addr(struct heap_genpool *pool,
			   struct heap_genpool_chunk *c)
{
	unsigned int i = pool->nchunks;

	while (i > 0 && pool->by_addr[i - 1]->start_addr > c->start_addr) {
		pool->by_addr[i] = pool->by_addr[i - 1];
		i--;
	}
	pool->by_addr[i] = c;
}

int heap_genpool_add_virt(struct heap_genpool *pool, uint64_t virt,
			  uint64_t phys, uint64_t size)
{
	struct heap_genpool_chunk *c;
	int err;

	if (!range_ok(pool, virt, size))
		return -EINVAL;
	err = reserve_slot(pool);
	if (err)
		return err;
	c = heap_genpool_chunk_new(virt, phys, size, pool->order);
	if (!c)
		return -ENOMEM;
	insert_by_addr(pool, c);
	pool->chunks[pool->nchunks++] = c;
	return 0;
}

int heap_genpool_add(struct heap_genpool *pool, uint64_t addr, uint64_t size)
{
	return heap_genpool_add_virt(pool, addr, HEAP_GENPOOL_NO_PHYS, size);
}

/* The chunk holding byte @addr, or NULL. */
static struct heap_genpool_chunk *chunk_of(const struct heap_genpool *pool,
					   uint64_t addr)
{
	unsigned int i;

	for (i = pool->nchunks; i-- > 0;) {
		struct heap_genpool_chunk *c = pool->chunks[i];

		if (addr >= c->start_addr && addr <= c->end_addr)
			return c;
	}
	return NULL;
}

/* --- allocation ------------------------------------------------------ */

int heap_genpool_set_algo(struct heap_genpool *pool,
			  enum heap_genpool_algo algo, uint64_t data)
{
	if ((unsigned int)algo >= HEAP_GENPOOL_NALGOS)
		return -EINVAL;
	pool->algo = algo;
	pool->data = data;
	return 0;
}

uint64_t heap_genpool_alloc(struct heap_genpool *pool, uint64_t size)
{
	return heap_genpool_alloc_algo(pool, size, pool->algo, pool->data);
}

/* Granules for @size bytes, rounded up without overflowing. */
static uint64_t granules(const struct heap_genpool *pool, uint64_t size)
{
	return (size >> pool->order) +
	       ((size & ((1ULL << pool->order) - 1)) != 0);
}

/* Takes granules [@bit, @bit + @nr) of @c unless a fault is injected;
 * returns the address, 0 for the fault (or the address-0 quirk). */
static uint64_t place(struct heap_genpool *pool, struct heap_genpool_chunk *c,
		      uint32_t bit, uint32_t nr)
{
	uint64_t addr = c->start_addr + ((uint64_t)bit << pool->order);

	if (pool->m && sim_should_fail(pool->m, SIM_FAULT_GENPOOL)) {
		pool->stats.injected++;
		pool->stats.failures++;
		return 0;
	}
	heap_genpool_chunk_take(c, bit, nr, pool->order);
	if (addr == 0) {
		pool->stats.lost++;
		pool->stats.failures++;
		return 0;
	}
	pool->stats.allocs++;
	return addr;
}

/*
 * Linux's loop: chunks newest first; a chunk whose avail is below the
 * unrounded size is skipped without a search; the first chunk where the
 * algorithm finds room takes the request.
 */
uint64_t heap_genpool_alloc_algo(struct heap_genpool *pool, uint64_t size,
				 enum heap_genpool_algo algo, uint64_t data)
{
	uint64_t nr = granules(pool, size);
	unsigned int i;

	if (size == 0 || (unsigned int)algo >= HEAP_GENPOOL_NALGOS)
		goto fail;
	for (i = pool->nchunks; i-- > 0;) {
		struct heap_genpool_chunk *c = pool->chunks[i];
		uint32_t bit;

		/* size <= avail bounds nr by nbits + 1 < 2^32 */
		if (size > c->avail)
			continue;
		bit = heap_genpool_algo_find(c, algo, (uint32_t)nr, data,
					     pool->order, &pool->stats);
		if (bit < c->nbits)
			return place(pool, c, bit, (uint32_t)nr);
	}
fail:
	pool->stats.failures++;
	return 0;
}

/* --- free ------------------------------------------------------------- */

/* Whether granules [@bit, @bit + @n) all lie in @c and are all allocated. */
static bool all_taken(const struct heap_genpool_chunk *c, uint64_t bit,
		      uint64_t n)
{
	if (bit > c->nbits || n > c->nbits - bit)
		return false;
	return sim_find_next_zero_bit(c->bits, bit + n, bit) >= bit + n;
}

int heap_genpool_free(struct heap_genpool *pool, uint64_t addr, uint64_t size)
{
	struct heap_genpool_chunk *c = chunk_of(pool, addr);
	uint64_t bit, nr = granules(pool, size);

	/* Linux's test, wrap-around included: a size so large that it wraps
	 * passes here and is caught by all_taken() */
	if (!c || addr + size - 1 > c->end_addr)
		goto bug;
	if (nr == 0)
		return 0;
	bit = (addr - c->start_addr) >> pool->order;
	if (!all_taken(c, bit, nr))
		goto bug;
	heap_genpool_chunk_give(c, (uint32_t)bit, (uint32_t)nr, pool->order);
	pool->stats.frees++;
	return 0;
bug:
	pool->stats.bugs++;
	return -EINVAL;
}

/* --- queries ---------------------------------------------------------- */

uint64_t heap_genpool_avail(const struct heap_genpool *pool)
{
	uint64_t avail = 0;
	unsigned int i;

	for (i = 0; i < pool->nchunks; i++)
		avail += pool->chunks[i]->avail;
	return avail;
}

uint64_t heap_genpool_size(const struct heap_genpool *pool)
{
	uint64_t size = 0;
	unsigned int i;

	for (i = 0; i < pool->nchunks; i++) {
		const struct heap_genpool_chunk *c = pool->chunks[i];

		size += c->end_addr - c->start_addr + 1;
	}
	return size;
}

bool heap_genpool_has_addr(const struct heap_genpool *pool, uint64_t start,
			   uint64_t size)
{
	uint64_t end = start + size - 1;
	unsigned int i;

	for (i = pool->nchunks; i-- > 0;) {
		const struct heap_genpool_chunk *c = pool->chunks[i];

		if (start >= c->start_addr && start <= c->end_addr &&
		    end <= c->end_addr)
			return true;
	}
	return false;
}

uint64_t heap_genpool_virt_to_phys(const struct heap_genpool *pool,
				   uint64_t addr)
{
	const struct heap_genpool_chunk *c = chunk_of(pool, addr);

	return c ? c->phys_addr + (addr - c->start_addr) : UINT64_MAX;
}

unsigned int heap_genpool_min_alloc_order(const struct heap_genpool *pool)
{
	return pool->order;
}

static int walk_chunk(const struct heap_genpool_chunk *c, unsigned int order,
		      heap_genpool_extent_fn fn, void *ctx)
{
	unsigned long i = sim_find_next_zero_bit(c->bits, c->nbits, 0);

	while (i < c->nbits) {
		unsigned long end = sim_find_next_bit(c->bits, c->nbits, i);
		int ret = fn(c->start_addr + ((uint64_t)i << order),
			     (uint64_t)(end - i) << order, ctx);

		if (ret)
			return ret;
		i = sim_find_next_zero_bit(c->bits, c->nbits, end);
	}
	return 0;
}

int heap_genpool_for_each_free_extent(const struct heap_genpool *pool,
				      heap_genpool_extent_fn fn, void *ctx)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pool->nchunks; i++) {
		ret = walk_chunk(pool->by_addr[i], pool->order, fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t heap_genpool_largest_free_extent(const struct heap_genpool *pool)
{
	uint64_t best = 0;
	unsigned int i;

	for (i = 0; i < pool->nchunks; i++) {
		uint64_t longest = heap_genpool_chunk_longest(pool->chunks[i]);

		if (longest > best)
			best = longest;
	}
	return best << pool->order;
}

uint64_t heap_genpool_free_extent_count(const struct heap_genpool *pool)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < pool->nchunks; i++)
		n += pool->chunks[i]->nruns;
	return n;
}

void heap_genpool_stats(const struct heap_genpool *pool,
			struct heap_genpool_stats *out)
{
	*out = pool->stats;
}
