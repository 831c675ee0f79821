/*
 * heaps/heap_internal.h - what the heap core (heap.c) and the heap types
 * (system.c, system_contig.c, carveout.c, chunk.c, cma_heap.c) share.
 *
 * The core owns everything common to all heaps, as ion_heap.c and
 * ion_buffer_create do in Linux: the deferred-free list, the drain-and-
 * retry on failure, kernel and user mappings of a buffer's runs, the live
 * list, counters and the metrics every heap reports.  A heap type supplies
 * only its policy through struct heap_ops.
 */
#ifndef IONSIM_HEAP_INTERNAL_H
#define IONSIM_HEAP_INTERNAL_H

#include <stdio.h>

#include "ionsim/heap.h"

struct heap_ops {
	/* Set up heap->priv from heap->cfg; 0 or -errno (nothing left). */
	int (*create)(struct heap *heap);
	/* Give everything back (the core has drained the deferred list). */
	void (*destroy)(struct heap *heap);
	/* Fill buf->runs/nruns/allocated/priv; 0 or the kernel heap's -errno,
	 * holding nothing on failure.  @len is page aligned. */
	int (*allocate)(struct heap *heap, struct heap_buffer *buf,
			uint64_t len, uint64_t align, unsigned long flags);
	/* Return the memory.  The core has already zeroed it if it was
	 * dirty, for every heap type: free memory is always zero. */
	void (*free)(struct heap_buffer *buf);
	/* Pool pages: with @nr == 0 return how many could be freed; else free
	 * up to @nr, largest order first, and return how many were.  NULL
	 * for heaps without pools. */
	unsigned long (*shrink)(struct heap *heap, unsigned long nr);
	/* The bytes a request of @len really takes (granule, chunk, order). */
	uint64_t (*rounded)(const struct heap *heap, uint64_t len);
	/* Fill size, free, largest_free, free_extents, frag and pool_pages;
	 * the core fills the rest. */
	void (*metrics)(struct heap *heap, struct heap_metrics *out);
	/* The type's debugfs lines (NULL: none). */
	void (*debug_show)(struct heap *heap, FILE *out);
	/* Every pooled block, in each pool's hand-out order, to @fn as
	 * heap_held_foreach gives them (NULL: no pools). */
	int (*pooled_foreach)(const struct heap *heap,
			      int (*fn)(void *ctx, uint64_t phys,
					uint64_t len),
			      void *ctx);
	/* Type-specific structure checks: number of problems (NULL: none). */
	int (*validate)(struct heap *heap, FILE *report);
};

struct heap {
	struct sim_machine *m;
	struct heap_config cfg;
	const struct heap_ops *ops;
	unsigned int flags;		/* HEAP_FLAG_* */
	void *priv;			/* the type's state */
	/* deferred free (LIFO, as ion_heap_freelist_add inserts at the head) */
	struct heap_buffer *free_list;
	uint64_t free_list_size;	/* bytes (buffer->size) on the list */
	unsigned long free_list_count;
	/* live buffers, newest first */
	struct heap_buffer *live;
	/* counters behind struct heap_metrics */
	uint64_t used;			/* allocated bytes, live + deferred */
	uint64_t peak;
	uint64_t waste;			/* allocated - requested, live */
	unsigned long nlive;
	unsigned long allocs;
	unsigned long failures;
	unsigned long frag_failures;
};

extern const struct heap_ops heap_system_ops;
extern const struct heap_ops heap_system_contig_ops;
extern const struct heap_ops heap_carveout_ops;
extern const struct heap_ops heap_chunk_ops;
extern const struct heap_ops heap_cma_ops;

/*
 * heap_runs_alloc - an sg_table of @n runs for @buf (kernel objects, so
 * SIM_FAULT_KOBJ applies): 0 or -ENOMEM.  heap_runs_free undoes it.
 */
int heap_runs_alloc(struct heap *heap, struct heap_buffer *buf,
		    unsigned int n);
void heap_runs_free(struct heap *heap, struct heap_buffer *buf);

#endif /* IONSIM_HEAP_INTERNAL_H */
