/*
 * ionsim/heap.h - ION heaps over the simulated machine.
 *
 * A heap is where allocation policy lives and where fragmentation happens.
 * Heaps see physical memory (the buddy, reserved regions, CMA areas) and
 * never processes, fds or handles: the ION model (model/) embeds a struct
 * heap_buffer in each of its buffers and drives the heap through this API.
 *
 * Five types, as Linux 4.9's drivers/staging/android/ion has them:
 *   system         pages from the buddy through per-order page pools,
 *                  greedy largest-order-first (orders 8, 4, 0 by default);
 *   system_contig  one buddy block of the needed order, tail pages freed;
 *   carveout       gen_pool over a reserved region (first or best fit);
 *   chunk          gen_pool in chunk-size units over a reserved region;
 *   cma            a CMA area's bitmap.
 * Any heap may defer its frees (ION_HEAP_FLAG_DEFER_FREE): a freed buffer
 * waits on the heap's free list until drained, shrunk, or until an
 * allocation fails and the heap drains everything and retries once, as
 * ion_buffer_create does.
 *
 * Errors are negative errnos, as the kernel's heaps return them; where a
 * kernel heap returns an odd value (the 4.9 CMA heap's -1, seen by users
 * as EPERM) the same value comes back here.
 */
#ifndef IONSIM_HEAP_H
#define IONSIM_HEAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ionsim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HEAP_NAME_MAX 32	/* MAX_HEAP_NAME, NUL included */
#define HEAP_MAX_ORDERS 8	/* system heap orders, at most */
#define HEAP_MAX_ALLOW 16	/* actors in an access list */
#define HEAP_MAX_IDS 32		/* ION_NUM_HEAP_IDS */
#define HEAP_MAX_HEAPS 32	/* heaps on one board */

/* ION's heap types, with the kernel's enum values. */
enum heap_type {
	HEAP_TYPE_SYSTEM = 0,
	HEAP_TYPE_SYSTEM_CONTIG = 1,
	HEAP_TYPE_CARVEOUT = 2,
	HEAP_TYPE_CHUNK = 3,
	HEAP_TYPE_DMA = 4,	/* "cma" in the scenario language */
};

enum heap_policy {
	HEAP_POLICY_FIRST_FIT,
	HEAP_POLICY_BEST_FIT,
};

/* ION_HEAP_FLAG_DEFER_FREE */
#define HEAP_FLAG_DEFER_FREE 0x1

/* Buffer flags the heaps look at (ION_FLAG_*). */
#define HEAP_BUF_CACHED 0x1
#define HEAP_BUF_CACHED_NEEDS_SYNC 0x2

/* Which kernel's heap code to follow where it changed. */
enum heap_kernel {
	HEAP_KERNEL_4_9,	/* 4.4-4.11: cached+uncached pools, 4.9 CMA heap */
	HEAP_KERNEL_4_14,	/* one CMA heap per area, ENOMEM, no cached check */
	HEAP_KERNEL_4_19,	/* merged pools; CMA order-aligned and zeroed */
};

/* Tri-state for options whose default depends on the ABI. */
enum heap_opt {
	HEAP_OPT_DEFAULT = 0,
	HEAP_OPT_OFF,
	HEAP_OPT_ON,
};

/*
 * One heap, as a `heap` statement of the scenario language describes it
 * (../shared/SCENARIO.md).  Sizes are bytes.
 */
struct heap_config {
	char name[HEAP_NAME_MAX];
	enum heap_type type;
	unsigned int id;		/* ION heap id: bit id of heap_id_mask */
	/* heap code version (default 4.9): kernel=4.9|4.14|4.19 in a heap
	 * statement, our extension to SCENARIO.md */
	enum heap_kernel kernel;
	/* system */
	unsigned int orders[HEAP_MAX_ORDERS];	/* strictly decreasing */
	unsigned int norders;
	unsigned long pool_high;	/* pages a pool keeps at most (0: no cap) */
	unsigned long pool_low;		/* pages each pool is warmed with at boot */
	enum heap_opt uncached_pool;	/* separate uncached pools (4.9) */
	/* carveout, chunk, cma */
	uint64_t size;
	bool has_base;
	uint64_t base;			/* physical address when has_base */
	uint64_t granule;		/* carveout: gen_pool granule (4K) */
	enum heap_policy policy;	/* carveout */
	uint64_t chunk;			/* chunk: chunk size, a power of two >= 4K */
	/* any type */
	bool defer_free;
	/* defer_free= was written in the statement: the device's
	 * KION_BUG_DEFER_CARVEOUT choice does not apply to this heap */
	bool defer_free_set;
	unsigned int nallow;		/* 0: everyone may allocate */
	char allow[HEAP_MAX_ALLOW][HEAP_NAME_MAX];
	/* where the statement came from, for messages (0 if built in) */
	unsigned int line;
};

/* The heaps of a board, in statement order. */
struct heap_board {
	unsigned int n;
	struct heap_config heaps[HEAP_MAX_HEAPS];
};

/* A parse error: what is wrong, and where (1-based; 0 if unknown). */
struct heap_parse_error {
	unsigned int col;
	char msg[160];
};

/* Fills @cfg with the defaults of @type (name and id unset). */
void heap_config_defaults(struct heap_config *cfg, enum heap_type type);

/*
 * heap_config_parse - parse one `heap NAME type=TYPE id=N [options]`
 * statement (the whole line, comments already stripped) into @cfg.
 * Returns 0, or -EINVAL with @err naming the column of the offending word
 * and what is wrong with it: an unknown key or type, a missing type= or
 * id=, a bad number or size, an option that does not belong to the type,
 * an id over 31, orders that do not decrease or exceed 10, a chunk that is
 * not a power of two >= 4K, a size that is not a multiple of the granule
 * or chunk.  @cfg is undefined on failure.
 */
int heap_config_parse(const char *line, struct heap_config *cfg,
		      struct heap_parse_error *err);

/*
 * heap_board_add - append @cfg to @board.  -EEXIST for a name or id
 * already used, -ENOSPC when the board is full.
 */
int heap_board_add(struct heap_board *board, const struct heap_config *cfg);

/* The default board of SCENARIO.md: system (0), system_contig (1),
 * carveout 16M (2), chunk 8M in 64K chunks (3), cma 32M (4). */
void heap_board_default(struct heap_board *board);

/*
 * heap_board_reserve - add a sim region for every carveout, chunk and cma
 * heap of @board to @cfg (named after the heap), then lay the map out.
 * Returns 0, or -EINVAL with *@bad_heap set to the index of the heap whose
 * range overlaps another or does not fit, or -ENOSPC.
 */
int heap_board_reserve(const struct heap_board *board, struct sim_config *cfg,
		       int *bad_heap);

/* "system", "system_contig", "carveout", "chunk", "cma" */
const char *heap_type_name(enum heap_type type);

/* ------------------------------------------------------------------ */
/* Heaps and buffers                                                    */
/* ------------------------------------------------------------------ */

struct heap;

/*
 * The heap's part of a buffer.  The owner (the ION model) embeds it,
 * zeroes it, sets @release and calls heap_buffer_alloc(); the heap fills
 * the rest.  @release runs once the heap has given the memory back (at
 * free time, or when the deferred-free list is drained) so the owner can
 * free the struct that embeds this one.
 */
struct heap_buffer {
	struct heap *heap;		/* set on successful allocation */
	uint64_t size;			/* page-aligned request (buffer->size) */
	uint64_t requested;		/* the caller's length, unrounded */
	uint64_t allocated;		/* what the heap really took (rounded) */
	unsigned long flags;		/* HEAP_BUF_* and heap-private bits */
	bool shrinker_free;		/* ION_PRIV_FLAG_SHRINKER_FREE: bypass pools */
	bool dirty;			/* may hold non-zero bytes (was mapped/written) */
	unsigned int nruns;
	struct sim_run *runs;		/* the sg_table, in the heap's order */
	struct sim_run run_inline;	/* runs' storage when there is one run */
	void *priv;			/* heap-private */
	void *vaddr;			/* kernel mapping while kmap_cnt > 0 */
	/* the host range of the last kernel mapping, kept from its unmap
	 * for the next map (NULL: none): the model's mapping is vaddr */
	void *kmap_cache;
	int kmap_cnt;			/* signed: 4.9's end_cpu_access can underflow */
	struct heap_buffer *next_free;	/* link on the deferred-free list */
	struct heap_buffer *live_prev;	/* links on the heap's live list */
	struct heap_buffer *live_next;
	void (*release)(struct heap_buffer *buf);	/* owner's destructor */
};

/*
 * heap_create - build the heap @cfg describes on machine @m.  Carveout,
 * chunk and cma heaps use the sim region named after the heap (see
 * heap_board_reserve).  A system heap with pool_low warms its pools.
 * Returns the heap, or NULL with *@err: -ENOENT (no region), -EINVAL (a
 * bad config), -ENOMEM.
 */
struct heap *heap_create(struct sim_machine *m, const struct heap_config *cfg,
			 int *err);

/*
 * heap_destroy - drain the deferred-free list, give cached pool pages back
 * to the buddy, and free the heap.  Live buffers are the caller's bug:
 * their count is returned (0 when clean) and their memory is not freed.
 */
int heap_destroy(struct heap *heap);

const struct heap_config *heap_config(const struct heap *heap);
const char *heap_name(const struct heap *heap);
unsigned int heap_id(const struct heap *heap);
enum heap_type heap_type(const struct heap *heap);
unsigned int heap_flags(const struct heap *heap);	/* HEAP_FLAG_* */
/* Whether @actor may allocate (the access list); true when it is empty. */
bool heap_allows(const struct heap *heap, const char *actor);

/*
 * heap_buffer_alloc - the heap part of ion_buffer_create: allocate @len
 * bytes (page aligned by the caller; @requested is the user's length, for
 * the waste metric) with @align and @flags into @buf.  On failure of a
 * DEFER_FREE heap, the whole free list is drained and the allocation
 * retried once.  Counts failures and fragmentation failures (failed though
 * free >= the rounded request; injected faults excluded).  Returns 0, or
 * the heap's negative errno with @buf unchanged but for nothing held.
 */
int heap_buffer_alloc(struct heap *heap, struct heap_buffer *buf,
		      uint64_t len, uint64_t requested, uint64_t align,
		      unsigned long flags);

/*
 * heap_buffer_free - the buffer's last reference is gone: on a DEFER_FREE
 * heap it goes to the head of the free list; otherwise its memory is
 * zeroed if dirty, returned (to the pools, the gen_pool, the buddy or the
 * CMA area), and buf->release runs.  A kernel mapping still held is
 * dropped first (the kernel WARNs there).
 */
void heap_buffer_free(struct heap_buffer *buf);

/*
 * heap_drain - freelist_drain: destroy buffers from the head of the
 * deferred-free list until at least @bytes are freed (0: all).  Returns
 * the bytes freed.
 */
uint64_t heap_drain(struct heap *heap, uint64_t bytes);

/*
 * heap_held_foreach - the memory @heap holds that no live buffer does, in
 * the order that decides where its later allocations land: each run of
 * each buffer on the deferred-free list (head first, as drains take
 * them), then each block of its page pools (each pool in the order it
 * hands blocks out).  @fn returns non-zero to stop, which is returned.
 */
int heap_held_foreach(const struct heap *heap,
		      int (*fn)(void *ctx, uint64_t phys, uint64_t len),
		      void *ctx);

/*
 * The shrinker.  heap_shrink_count: deferred pages + pool pages.
 * heap_shrink_scan: free up to @nr pages, the deferred list first (pool
 * bypass), then the pools, largest order first; returns pages freed (may
 * overshoot by whole buffers or blocks); @nr == 0 frees nothing.
 */
unsigned long heap_shrink_count(struct heap *heap);
unsigned long heap_shrink_scan(struct heap *heap, unsigned long nr);

/*
 * Kernel mapping, counted as ion_buffer_kmap_get/put count it: the heap's
 * map runs on 0 -> 1 and unmap on 1 -> 0.  heap_kmap_get returns the host
 * address or NULL with *@err.  Marks the buffer dirty.
 */
void *heap_kmap_get(struct heap_buffer *buf, int *err);
void heap_kmap_put(struct heap_buffer *buf);

/*
 * heap_map_user - fill a user mapping with the buffer's pages, starting
 * vma->pgoff pages into the buffer: for a file's mmap op.  Returns 0 or
 * -EINVAL (past the end).  Marks the buffer dirty when writable.
 */
int heap_map_user(struct heap_buffer *buf, struct sim_vma *vma);

/*
 * heap_phys - the physical address and length of a contiguous buffer
 * (carveout, system_contig, cma); -ENODEV for the other heaps.
 */
int heap_phys(const struct heap_buffer *buf, uint64_t *addr, uint64_t *len);

/* True when the buffer is one physical run. */
bool heap_buffer_contiguous(const struct heap_buffer *buf);

/* ------------------------------------------------------------------ */
/* Metrics                                                              */
/* ------------------------------------------------------------------ */

/*
 * A heap's figures, as SCENARIO.md defines the expectation terms.  Cheap
 * enough to read after every step.
 */
struct heap_metrics {
	uint64_t size;			/* bytes the heap manages */
	uint64_t used;			/* live + deferred, at allocated size */
	uint64_t free;			/* what it could hand out now */
	uint64_t peak;			/* highest used so far */
	uint64_t largest_free;		/* largest single request it could satisfy */
	unsigned long free_extents;	/* free runs (carveout, chunk, cma) */
	double frag;			/* 0..1, see SCENARIO.md */
	uint64_t waste;			/* allocated - requested, live buffers */
	unsigned long live;		/* live buffers (not deferred) */
	unsigned long allocs;		/* successful allocations */
	unsigned long failures;		/* failed requests */
	unsigned long frag_failures;	/* failed with free >= request */
	uint64_t deferred;		/* bytes on the deferred-free list */
	unsigned long deferred_buffers;
	unsigned long pool_pages[HEAP_MAX_ORDERS];	/* system: pages cached per order */
};

void heap_metrics(struct heap *heap, struct heap_metrics *out);

/*
 * heap_debug_show - the heap's own lines at the end of its debugfs file:
 * the system heap's pool lines in Linux 4.9's (or 4.19's) format; nothing
 * for the other heaps.
 */
void heap_debug_show(struct heap *heap, FILE *out);

/*
 * heap_validate - the whole-structure check: every live and deferred
 * buffer's runs inside the heap, no two overlapping, used + free == size
 * where the heap has a fixed size, counters consistent.  Returns the
 * number of problems, each described on @report when it is not NULL.
 */
int heap_validate(struct heap *heap, FILE *report);

#ifdef __cplusplus
}
#endif
#endif /* IONSIM_HEAP_H */
