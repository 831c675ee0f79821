/*
 * heaps/heap.c - the heap core: what every ION heap shares, whatever its
 * placement policy.
 *
 * This is the part of Linux's ion.c and ion_heap.c that sits between a
 * buffer and its heap type: ion_buffer_create's allocate, with its drain
 * of the deferred-free list and one retry when a DEFER_FREE heap fails;
 * the destroy path (a kernel mapping left behind is dropped, then the
 * memory goes back); the deferred-free list itself, LIFO as
 * ion_heap_freelist_add builds it; the shrinker's count and scan; the
 * shared kernel mapping counted as ion_buffer_kmap_get/put count it; user
 * mappings of the buffer's runs.  On top of the kernel's behaviour it
 * keeps the live list and the counters behind struct heap_metrics, and a
 * whole-structure check.
 *
 * Free memory is always zero.  The kernel zeroes a system-heap buffer on
 * free and asks the buddy for __GFP_ZERO pages; carveout and chunk zero
 * on free; CMA zeroes on alloc.  Zeroing costs a syscall here, so the sim
 * does it once, in one place: a buffer is marked dirty when it could have
 * been written (a kernel mapping, a writable user mapping), and a dirty
 * buffer is zeroed when it is destroyed, for every heap type, shrinker
 * path included.  Memory starts zero at boot, so every free page, pooled
 * block and free carveout/CMA range is zero, every allocation sees zeroed
 * memory, and the warm path (a never-mapped buffer back to its pool)
 * never zeroes at all.
 *
 * The heap struct and its type state are host memory: a board's heaps
 * are built before the first step and are not kernel objects the
 * scenario can fault.  Per-buffer objects (the sg_table as runs) are
 * kernel objects and go through SIM_FAULT_KOBJ.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "heaps/heap_internal.h"

/* --- creation and accessors ----------------------------------------------- */

static const struct heap_ops *ops_for_type(enum heap_type type)
{
	switch (type) {
	case HEAP_TYPE_SYSTEM:
		return &heap_system_ops;
	case HEAP_TYPE_SYSTEM_CONTIG:
		return &heap_system_contig_ops;
	case HEAP_TYPE_CARVEOUT:
		return &heap_carveout_ops;
	case HEAP_TYPE_CHUNK:
		return &heap_chunk_ops;
	case HEAP_TYPE_DMA:
		return &heap_cma_ops;
	}
	return NULL;
}

static struct heap *create_failed(int *err, int ret)
{
	if (err)
		*err = ret;
	return NULL;
}

struct heap *heap_create(struct sim_machine *m, const struct heap_config *cfg,
			 int *err)
{
	const struct heap_ops *ops = ops_for_type(cfg->type);
	struct heap *heap;
	int ret;

	/* A type without allocate is one this build does not have. */
	if (!ops || !ops->create || !ops->allocate || !ops->free)
		return create_failed(err, -EINVAL);
	heap = calloc(1, sizeof(*heap));
	if (!heap)
		return create_failed(err, -ENOMEM);
	heap->m = m;
	heap->cfg = *cfg;
	heap->ops = ops;
	heap->flags = cfg->defer_free ? HEAP_FLAG_DEFER_FREE : 0;
	ret = ops->create(heap);
	if (ret)
		goto free_heap;
	if (err)
		*err = 0;
	return heap;

free_heap:
	free(heap);
	return create_failed(err, ret);
}

int heap_destroy(struct heap *heap)
{
	int live;

	if (!heap)
		return 0;
	heap_drain(heap, 0);
	live = (int)heap->nlive;
	if (heap->ops->destroy)
		heap->ops->destroy(heap);
	free(heap);
	return live;
}

const struct heap_config *heap_config(const struct heap *heap)
{
	return &heap->cfg;
}

const char *heap_name(const struct heap *heap)
{
	return heap->cfg.name;
}

unsigned int heap_id(const struct heap *heap)
{
	return heap->cfg.id;
}

enum heap_type heap_type(const struct heap *heap)
{
	return heap->cfg.type;
}

unsigned int heap_flags(const struct heap *heap)
{
	return heap->flags;
}

bool heap_allows(const struct heap *heap, const char *actor)
{
	unsigned int i;

	if (heap->cfg.nallow == 0)
		return true;
	for (i = 0; i < heap->cfg.nallow; i++)
		if (strncmp(heap->cfg.allow[i], actor, HEAP_NAME_MAX) == 0)
			return true;
	return false;
}

/* --- runs (the sg_table) -------------------------------------------------- */

int heap_runs_alloc(struct heap *heap, struct heap_buffer *buf,
		    unsigned int n)
{
	/* sg_alloc_table refuses an empty table. */
	if (n == 0)
		return -EINVAL;
	/*
	 * A one-entry table (every contiguous buffer) lives inside the
	 * buffer: it is still a kernel allocation in the kernel, so it still
	 * passes the fault point, but it costs no host malloc.
	 */
	if (n == 1) {
		if (sim_should_fail(heap->m, SIM_FAULT_KOBJ))
			return -ENOMEM;
		memset(&buf->run_inline, 0, sizeof(buf->run_inline));
		buf->runs = &buf->run_inline;
	} else {
		buf->runs = sim_kzalloc(heap->m, (size_t)n * sizeof(*buf->runs));
		if (!buf->runs)
			return -ENOMEM;
	}
	buf->nruns = n;
	return 0;
}

void heap_runs_free(struct heap *heap, struct heap_buffer *buf)
{
	if (buf->runs != &buf->run_inline)
		sim_kfree(heap->m, buf->runs);
	buf->runs = NULL;
	buf->nruns = 0;
}

static uint64_t runs_bytes(const struct heap_buffer *buf)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < buf->nruns; i++)
		sum += buf->runs[i].len;
	return sum;
}

/* --- the live list and the counters --------------------------------------- */

static void live_link(struct heap *heap, struct heap_buffer *buf)
{
	buf->live_prev = NULL;
	buf->live_next = heap->live;
	if (heap->live)
		heap->live->live_prev = buf;
	heap->live = buf;
	heap->nlive++;
	heap->waste += buf->allocated - buf->requested;
}

static void live_unlink(struct heap *heap, struct heap_buffer *buf)
{
	if (buf->live_prev)
		buf->live_prev->live_next = buf->live_next;
	else
		heap->live = buf->live_next;
	if (buf->live_next)
		buf->live_next->live_prev = buf->live_prev;
	buf->live_prev = buf->live_next = NULL;
	heap->nlive--;
	heap->waste -= buf->allocated - buf->requested;
}

/*
 * A request the heap could not satisfy: count it, and count it again as a
 * fragmentation failure when the heap had enough free memory in total and
 * no fault was injected along the way.  Only ENOMEM and the 4.9 CMA
 * heap's EPERM mean "could not satisfy"; EINVAL is a refused request.
 */
static void note_failure(struct heap *heap, uint64_t len, int err,
			 unsigned long injected_before)
{
	struct heap_metrics mt;
	uint64_t need;

	if (err != -ENOMEM && err != -EPERM)
		return;
	heap->failures++;
	if (sim_fault_injected_total(heap->m) != injected_before)
		return;
	memset(&mt, 0, sizeof(mt));
	if (heap->ops->metrics)
		heap->ops->metrics(heap, &mt);
	need = heap->ops->rounded ? heap->ops->rounded(heap, len) : len;
	if (mt.free >= need)
		heap->frag_failures++;
}

static void note_success(struct heap *heap, struct heap_buffer *buf,
			 uint64_t len, uint64_t requested)
{
	buf->size = len;
	/* Waste is measured against what the user asked for, never more
	 * than the page-aligned length the heap was given. */
	buf->requested = requested && requested <= len ? requested : len;
	heap->used += buf->allocated;
	if (heap->used > heap->peak)
		heap->peak = heap->used;
	heap->allocs++;
	live_link(heap, buf);
}

/* ops->allocate, and for a DEFER_FREE heap a drain of the whole free
 * list and one more try, whatever the first error was (ion_buffer_create). */
static int allocate_with_retry(struct heap *heap, struct heap_buffer *buf,
			       uint64_t len, uint64_t align,
			       unsigned long flags)
{
	int ret = heap->ops->allocate(heap, buf, len, align, flags);

	if (ret && (heap->flags & HEAP_FLAG_DEFER_FREE)) {
		heap_drain(heap, 0);
		ret = heap->ops->allocate(heap, buf, len, align, flags);
	}
	return ret;
}

/* The heap's fields of a buffer about to be allocated; the owner's
 * (release) stay.  As in ion_buffer_create, allocate sees the heap. */
static void buffer_reset(struct heap *heap, struct heap_buffer *buf,
			 unsigned long flags)
{
	buf->heap = heap;
	buf->flags = flags;
	buf->shrinker_free = false;
	buf->dirty = false;
	buf->runs = NULL;
	buf->nruns = 0;
	buf->priv = NULL;
	buf->allocated = 0;
	buf->vaddr = NULL;
	buf->kmap_cache = NULL;
	buf->kmap_cnt = 0;
	buf->next_free = NULL;
}

int heap_buffer_alloc(struct heap *heap, struct heap_buffer *buf,
		      uint64_t len, uint64_t requested, uint64_t align,
		      unsigned long flags)
{
	unsigned long injected = sim_fault_injected_total(heap->m);
	int ret;

	/* ion_alloc page-aligns and refuses 0 before any heap is asked. */
	if (len == 0 || len % SIM_PAGE_SIZE)
		return -EINVAL;
	buffer_reset(heap, buf, flags);
	ret = allocate_with_retry(heap, buf, len, align, flags);
	if (ret) {
		buf->heap = NULL;
		note_failure(heap, len, ret, injected);
		return ret;
	}
	note_success(heap, buf, len, requested);
	return 0;
}

/* heap_held_foreach - see heap.h. */
int heap_held_foreach(const struct heap *heap,
		      int (*fn)(void *ctx, uint64_t phys, uint64_t len),
		      void *ctx)
{
	const struct heap_buffer *buf;
	unsigned int i;
	int ret;

	for (buf = heap->free_list; buf; buf = buf->next_free)
		for (i = 0; i < buf->nruns; i++) {
			ret = fn(ctx, buf->runs[i].phys, buf->runs[i].len);
			if (ret)
				return ret;
		}
	return heap->ops->pooled_foreach ?
	       heap->ops->pooled_foreach(heap, fn, ctx) : 0;
}

/* --- destruction and the deferred-free list ------------------------------- */

/* The kernel mapping goes (1 -> 0, or destroy).  The host range stays
 * for the buffer's next kernel map: DMA_BUF_IOCTL_SYNC maps and unmaps
 * on every START and END, and a host mmap and munmap each time were most
 * of what an explorer's schedule cost the host.  Nothing can reach the
 * range meanwhile: the model's mapping is vaddr, and it is NULL. */
static void kmap_drop(struct heap_buffer *buf)
{
	if (buf->vaddr)
		buf->kmap_cache = buf->vaddr;
	buf->vaddr = NULL;
	buf->kmap_cnt = 0;
}

/* At destroy: the kept range goes too. */
static void kmap_release(struct heap_buffer *buf)
{
	kmap_drop(buf);
	if (buf->kmap_cache)
		sim_kunmap(buf->heap->m, buf->kmap_cache, runs_bytes(buf));
	buf->kmap_cache = NULL;
}

static void zero_runs(struct sim_machine *m, const struct heap_buffer *buf)
{
	unsigned int i;

	/* Only a heap bug (a run outside memory, which validate reports)
	 * or a host that cannot write its own memfd makes this fail. */
	for (i = 0; i < buf->nruns; i++)
		(void)sim_phys_zero(m, buf->runs[i].phys, buf->runs[i].len);
}

/* ion_buffer_destroy: the memory goes back, then the owner's struct. */
static void buffer_destroy(struct heap *heap, struct heap_buffer *buf)
{
	/* ion_buffer_destroy WARNs and unmaps a positive count; a mapping
	 * left by a wrapped or negative one (the kmap mutants) goes too:
	 * no writable host mapping may outlive the pages it shows */
	kmap_release(buf);
	if (buf->dirty)
		zero_runs(heap->m, buf);
	buf->dirty = false;
	heap->used -= buf->allocated;
	heap->ops->free(buf);
	if (buf->release)
		buf->release(buf);
}

void heap_buffer_free(struct heap_buffer *buf)
{
	struct heap *heap = buf->heap;

	live_unlink(heap, buf);
	if (!(heap->flags & HEAP_FLAG_DEFER_FREE)) {
		buffer_destroy(heap, buf);
		return;
	}
	buf->next_free = heap->free_list;
	heap->free_list = buf;
	heap->free_list_size += buf->size;
	heap->free_list_count++;
}

/* Destroy buffers from the head of the free list until @bytes went (0:
 * all of them); @skip_pools sends their pages past the pools. */
static uint64_t freelist_drain(struct heap *heap, uint64_t bytes,
			       bool skip_pools)
{
	uint64_t drained = 0;

	if (heap->free_list_size == 0)
		return 0;
	if (bytes == 0)
		bytes = heap->free_list_size;
	while (heap->free_list && drained < bytes) {
		struct heap_buffer *buf = heap->free_list;

		heap->free_list = buf->next_free;
		buf->next_free = NULL;
		heap->free_list_size -= buf->size;
		heap->free_list_count--;
		if (skip_pools)
			buf->shrinker_free = true;
		drained += buf->size;
		buffer_destroy(heap, buf);
	}
	return drained;
}

uint64_t heap_drain(struct heap *heap, uint64_t bytes)
{
	return freelist_drain(heap, bytes, false);
}

unsigned long heap_shrink_count(struct heap *heap)
{
	unsigned long total = (unsigned long)(heap->free_list_size /
					      SIM_PAGE_SIZE);

	if (heap->ops->shrink)
		total += heap->ops->shrink(heap, 0);
	return total;
}

unsigned long heap_shrink_scan(struct heap *heap, unsigned long nr)
{
	unsigned long freed = 0;
	uint64_t bytes;

	if (nr == 0)
		return 0;
	/* Deferred buffers first, and past the pools: memory the system
	 * asks back for should not be parked in a pool on its way. */
	if (heap->flags & HEAP_FLAG_DEFER_FREE) {
		bytes = nr > UINT64_MAX / SIM_PAGE_SIZE ?
			UINT64_MAX : (uint64_t)nr * SIM_PAGE_SIZE;
		freed = (unsigned long)(freelist_drain(heap, bytes, true) /
					SIM_PAGE_SIZE);
	}
	if (freed >= nr || !heap->ops->shrink)
		return freed;
	return freed + heap->ops->shrink(heap, nr - freed);
}

/* --- mappings ------------------------------------------------------------- */

void *heap_kmap_get(struct heap_buffer *buf, int *err)
{
	int dummy;
	void *vaddr;

	if (!err)
		err = &dummy;
	*err = 0;
	if (buf->kmap_cnt) {
		/* 4.9.337 refuses the wrap that 4.9.45 would perform. */
		if (buf->kmap_cnt == INT_MAX) {
			*err = -EOVERFLOW;
			return NULL;
		}
		/* After an underflow (count < 0) this hands back the NULL
		 * vaddr the kernel would, with no error. */
		buf->kmap_cnt++;
		buf->dirty = true;
		return buf->vaddr;
	}
	vaddr = buf->kmap_cache ? buf->kmap_cache :
		sim_kmap_runs(buf->heap->m, buf->runs, buf->nruns, err);
	buf->kmap_cache = NULL;
	if (!vaddr) {
		if (!*err)
			*err = -ENOMEM;
		return NULL;
	}
	buf->vaddr = vaddr;
	buf->kmap_cnt = 1;
	buf->dirty = true;
	return vaddr;
}

void heap_kmap_put(struct heap_buffer *buf)
{
	/* Unchecked, as in every 4.9: a put without a get goes negative,
	 * and below INT_MIN it wraps as the kernel's -fno-strict-overflow
	 * build does (done in unsigned arithmetic, so it is defined here). */
	buf->kmap_cnt = (int)((unsigned int)buf->kmap_cnt - 1U);
	if (buf->kmap_cnt == 0)
		kmap_drop(buf);
}

int heap_map_user(struct heap_buffer *buf, struct sim_vma *vma)
{
	uint64_t pages = buf->size / SIM_PAGE_SIZE;
	uint64_t skip;
	int ret;

	/* dma_buf_mmap_internal's bound: the mapping ends inside the buffer. */
	if (vma->pgoff > pages)
		return -EINVAL;
	skip = vma->pgoff * SIM_PAGE_SIZE;
	if (vma->len > buf->size - skip)
		return -EINVAL;
	ret = sim_vma_map_runs(vma, buf->runs, buf->nruns, skip);
	if (ret)
		return ret;
	if (vma->prot & SIM_PROT_WRITE)
		buf->dirty = true;
	return 0;
}

int heap_phys(const struct heap_buffer *buf, uint64_t *addr, uint64_t *len)
{
	/* The heaps whose 4.9 ops have .phys: one run by construction. */
	switch (buf->heap->cfg.type) {
	case HEAP_TYPE_SYSTEM_CONTIG:
	case HEAP_TYPE_CARVEOUT:
	case HEAP_TYPE_DMA:
		*addr = buf->runs[0].phys;
		*len = buf->size;
		return 0;
	default:
		return -ENODEV;
	}
}

bool heap_buffer_contiguous(const struct heap_buffer *buf)
{
	unsigned int i;

	if (buf->nruns == 0)
		return false;
	for (i = 1; i < buf->nruns; i++)
		if (buf->runs[i - 1].phys + buf->runs[i - 1].len !=
		    buf->runs[i].phys)
			return false;
	return true;
}

/* --- metrics and debugfs -------------------------------------------------- */

void heap_metrics(struct heap *heap, struct heap_metrics *out)
{
	memset(out, 0, sizeof(*out));
	if (heap->ops->metrics)
		heap->ops->metrics(heap, out);
	out->used = heap->used;
	out->peak = heap->peak;
	out->waste = heap->waste;
	out->live = heap->nlive;
	out->allocs = heap->allocs;
	out->failures = heap->failures;
	out->frag_failures = heap->frag_failures;
	out->deferred = heap->free_list_size;
	out->deferred_buffers = heap->free_list_count;
}

void heap_debug_show(struct heap *heap, FILE *out)
{
	if (heap->ops->debug_show)
		heap->ops->debug_show(heap, out);
}

/* --- validation ----------------------------------------------------------- */

/* What one validate pass has seen so far. */
struct check {
	struct heap *heap;
	FILE *report;			/* where problems go, or NULL */
	int problems;			/* found so far */
	struct sim_run *runs;		/* every run of the buffers seen */
	size_t nruns, cap;
	bool oom;			/* the run table could not grow */
	uint64_t used, waste, deferred;	/* sums over the buffers seen */
	unsigned long nlive, ndeferred;
};

static void problem(struct check *c, const char *what, const char *list,
		    unsigned long idx)
{
	c->problems++;
	if (c->report)
		fprintf(c->report, "heap %s: %s buffer #%lu: %s\n",
			c->heap->cfg.name, list, idx, what);
}

static void counter_problem(struct check *c, const char *what,
			    unsigned long long have, unsigned long long want)
{
	c->problems++;
	if (c->report)
		fprintf(c->report,
			"heap %s: %s is %llu, the buffers say %llu\n",
			c->heap->cfg.name, what, have, want);
}

static bool range_inside(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a >= b && alen <= blen && a - b <= blen - alen;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
			   uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* RAM proper: inside the RAM span and outside every carved region. */
static bool run_in_ram(struct sim_machine *m, const struct sim_run *r)
{
	const struct sim_config *cfg = sim_machine_config(m);
	unsigned int i;

	if (!range_inside(r->phys, r->len, cfg->ram_base, cfg->ram_size))
		return false;
	for (i = 0; i < sim_region_count(m); i++) {
		const struct sim_region *reg = sim_region_get(m, i);

		if (ranges_overlap(r->phys, r->len, reg->base, reg->size))
			return false;
	}
	return true;
}

static bool run_in_heap(const struct heap *heap, const struct sim_run *r)
{
	const struct sim_region *reg;
	int idx;

	if (heap->cfg.type == HEAP_TYPE_SYSTEM ||
	    heap->cfg.type == HEAP_TYPE_SYSTEM_CONTIG)
		return run_in_ram(heap->m, r);
	idx = sim_region_find(heap->m, heap->cfg.name);
	if (idx < 0)
		return false;
	reg = sim_region_get(heap->m, (unsigned int)idx);
	return range_inside(r->phys, r->len, reg->base, reg->size);
}

static void remember_run(struct check *c, const struct sim_run *r)
{
	if (c->nruns == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct sim_run *n = realloc(c->runs, ncap * sizeof(*n));

		if (!n) {
			c->oom = true;
			return;
		}
		c->runs = n;
		c->cap = ncap;
	}
	c->runs[c->nruns++] = *r;
}

static void check_runs(struct check *c, const struct heap_buffer *buf,
		       const char *list, unsigned long idx)
{
	uint64_t sum = 0;
	unsigned int i;

	if (buf->nruns == 0 || !buf->runs) {
		problem(c, "has no runs", list, idx);
		return;
	}
	for (i = 0; i < buf->nruns; i++) {
		const struct sim_run *r = &buf->runs[i];

		if (r->len == 0 || r->phys % SIM_PAGE_SIZE ||
		    r->len % SIM_PAGE_SIZE)
			problem(c, "has an empty or unaligned run", list, idx);
		else if (!run_in_heap(c->heap, r))
			problem(c, "has a run outside the heap", list, idx);
		sum += r->len;
		remember_run(c, r);
	}
	if (sum < buf->size || sum > buf->allocated)
		problem(c, "runs do not cover size..allocated", list, idx);
}

static void check_buffer(struct check *c, const struct heap_buffer *buf,
			 const char *list, unsigned long idx)
{
	if (buf->heap != c->heap)
		problem(c, "belongs to another heap", list, idx);
	if (buf->size == 0 || buf->size % SIM_PAGE_SIZE)
		problem(c, "size is not whole pages", list, idx);
	if (buf->allocated < buf->size || buf->requested > buf->size)
		problem(c, "requested <= size <= allocated fails", list, idx);
	check_runs(c, buf, list, idx);
	c->used += buf->allocated;
}

static void check_live(struct check *c)
{
	const struct heap_buffer *buf, *prev = NULL;

	for (buf = c->heap->live; buf; prev = buf, buf = buf->live_next) {
		/* A list longer than its count may be a cycle: stop. */
		if (c->nlive > c->heap->nlive) {
			problem(c, "live list is longer than nlive", "live",
				c->nlive);
			return;
		}
		if (buf->live_prev != prev)
			problem(c, "live list back link is wrong", "live",
				c->nlive);
		check_buffer(c, buf, "live", c->nlive);
		c->waste += buf->allocated - buf->requested;
		c->nlive++;
	}
}

static void check_deferred(struct check *c)
{
	const struct heap_buffer *buf;

	for (buf = c->heap->free_list; buf; buf = buf->next_free) {
		if (c->ndeferred > c->heap->free_list_count) {
			problem(c, "free list is longer than its count",
				"deferred", c->ndeferred);
			return;
		}
		check_buffer(c, buf, "deferred", c->ndeferred);
		c->deferred += buf->size;
		c->ndeferred++;
	}
}

static void check_counters(struct check *c)
{
	const struct heap *h = c->heap;

	if (h->nlive != c->nlive)
		counter_problem(c, "nlive", h->nlive, c->nlive);
	if (h->free_list_count != c->ndeferred)
		counter_problem(c, "free_list_count", h->free_list_count,
				c->ndeferred);
	if (h->free_list_size != c->deferred)
		counter_problem(c, "free_list_size", h->free_list_size,
				c->deferred);
	if (h->used != c->used)
		counter_problem(c, "used", h->used, c->used);
	if (h->waste != c->waste)
		counter_problem(c, "waste", h->waste, c->waste);
	if (h->peak < h->used)
		counter_problem(c, "peak (below used)", h->peak, h->used);
	if (h->frag_failures > h->failures)
		counter_problem(c, "frag_failures (above failures)",
				h->frag_failures, h->failures);
}

static int cmp_run(const void *a, const void *b)
{
	const struct sim_run *x = a, *y = b;

	return (x->phys > y->phys) - (x->phys < y->phys);
}

static void check_overlaps(struct check *c)
{
	size_t i;

	if (c->oom) {
		c->problems++;
		if (c->report)
			fprintf(c->report, "heap %s: out of host memory "
				"checking overlaps\n", c->heap->cfg.name);
		return;
	}
	if (c->nruns > 1)
		qsort(c->runs, c->nruns, sizeof(*c->runs), cmp_run);
	for (i = 1; i < c->nruns; i++) {
		if (c->runs[i - 1].phys + c->runs[i - 1].len <=
		    c->runs[i].phys)
			continue;
		c->problems++;
		if (c->report)
			fprintf(c->report, "heap %s: two buffers share "
				"physical address 0x%llx\n", c->heap->cfg.name,
				(unsigned long long)c->runs[i].phys);
	}
}

/* Heaps that own a fixed range: what is not used must be free. */
static void check_fixed_size(struct check *c)
{
	enum heap_type t = c->heap->cfg.type;
	struct heap_metrics mt;

	if (t != HEAP_TYPE_CARVEOUT && t != HEAP_TYPE_CHUNK &&
	    t != HEAP_TYPE_DMA)
		return;
	heap_metrics(c->heap, &mt);
	if (mt.used + mt.free != mt.size) {
		c->problems++;
		if (c->report)
			fprintf(c->report, "heap %s: used %llu + free %llu != "
				"size %llu\n", c->heap->cfg.name,
				(unsigned long long)mt.used,
				(unsigned long long)mt.free,
				(unsigned long long)mt.size);
	}
}

int heap_validate(struct heap *heap, FILE *report)
{
	struct check c;

	memset(&c, 0, sizeof(c));
	c.heap = heap;
	c.report = report;
	check_live(&c);
	check_deferred(&c);
	check_counters(&c);
	check_overlaps(&c);
	free(c.runs);
	check_fixed_size(&c);
	if (heap->ops->validate)
		c.problems += heap->ops->validate(heap, report);
	return c.problems;
}
