/*
 * bench/bench_heaps.c - nanoseconds per alloc+free pair through the heap
 * core API (heap_buffer_alloc, heap_buffer_free).
 *
 * The figure that matters is the system heap from warm page pools: a
 * buffer that is never mapped comes from its pools and goes back to them
 * without touching the buddy or zeroing anything, which is the path a
 * replay or the explorer takes millions of times (target: <= 100 ns per
 * pair for 4 KiB and 64 KiB buffers).  The other lines put it in context:
 * a multi-order buffer, a deferred-free heap drained after every free,
 * and the two heaps that go to the buddy or a CMA area every time.
 * Each figure is the median of bench_runs() runs on a fresh machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchlib.h"
#include "ionsim/heap.h"

#define PAIRS 1000000UL
#define K4 (4ULL << 10)
#define K64 (64ULL << 10)
#define M1 (1ULL << 20)

/* One workload: a heap of @type and @kernel, buffers of @len. */
struct workload {
	const char *label;
	enum heap_type type;
	bool defer;		/* deferred free, drained after each free */
	uint64_t len;
	unsigned long pairs;
};

static const struct workload workloads[] = {
	{ "system, warm pools, 4 KiB", HEAP_TYPE_SYSTEM, false, K4, PAIRS },
	{ "system, warm pools, 64 KiB", HEAP_TYPE_SYSTEM, false, K64, PAIRS },
	{ "system, warm pools, 1200128 B (8 runs)", HEAP_TYPE_SYSTEM, false,
	  293 * K4, PAIRS / 4 },
	{ "system, defer_free + drain, 64 KiB", HEAP_TYPE_SYSTEM, true, K64,
	  PAIRS },
	{ "system_contig, 64 KiB", HEAP_TYPE_SYSTEM_CONTIG, false, K64,
	  PAIRS },
	{ "cma (4.19), 64 KiB", HEAP_TYPE_DMA, false, K64, PAIRS },
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_heaps: %s: %d\n", what, err);
	exit(1);
}

static struct sim_machine *boot(void)
{
	struct sim_config cfg;
	struct sim_machine *m;
	int err = 0;

	sim_config_default(&cfg);
	if (sim_config_add_region(&cfg, "cma", SIM_REGION_CMA, false, 0,
				  32 * M1) < 0)
		die("cma region", -1);
	m = sim_boot(&cfg, &err);
	if (!m)
		die("sim_boot", err);
	return m;
}

static struct heap *make_heap(struct sim_machine *m,
			      const struct workload *w)
{
	struct heap_config cfg;
	struct heap *h;
	int err = 0;

	heap_config_defaults(&cfg, w->type);
	strcpy(cfg.name, w->type == HEAP_TYPE_DMA ? "cma" : "bench");
	cfg.kernel = w->type == HEAP_TYPE_DMA ? HEAP_KERNEL_4_19
					      : HEAP_KERNEL_4_9;
	cfg.defer_free = w->defer;
	h = heap_create(m, &cfg, &err);
	if (!h)
		die("heap_create", err);
	return h;
}

static void pair(struct heap *h, struct heap_buffer *b,
		 const struct workload *w)
{
	int err;

	memset(b, 0, sizeof(*b));
	err = heap_buffer_alloc(h, b, w->len, w->len, 0, 0);
	if (err)
		die("heap_buffer_alloc", err);
	heap_buffer_free(b);
	if (w->defer)
		heap_drain(h, 0);
}

/* ns per pair of one run, on a fresh machine, pools warmed first. */
static double one_run(const struct workload *w)
{
	struct sim_machine *m = boot();
	struct heap *h = make_heap(m, w);
	struct heap_buffer b;
	uint64_t t0, t1;
	unsigned long i;

	pair(h, &b, w);
	t0 = bench_now_ns();
	for (i = 0; i < w->pairs; i++)
		pair(h, &b, w);
	t1 = bench_now_ns();
	heap_destroy(h);
	sim_shutdown(m);
	return (double)(t1 - t0) / (double)w->pairs;
}

int main(void)
{
	unsigned int runs = bench_runs(), r;
	size_t i;
	double *v = calloc(runs, sizeof(*v));

	if (!v)
		die("calloc", -1);
	printf("heaps: ns per alloc+free pair, median of %u runs\n", runs);
	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		for (r = 0; r < runs; r++)
			v[r] = one_run(&workloads[i]);
		printf("  %-40s %8.1f ns\n", workloads[i].label,
		       bench_median(v, runs));
	}
	free(v);
	return 0;
}
