/*
 * bench/bench_carveout.c - the carveout heap on the "capped" reference
 * workload of ../shared/BENCHMARKS.md, through the heap API, beside the
 * figures Linux 4.9.45's lib/genalloc.c gave on the same workload.
 *
 * Each run boots a machine with a 16 MiB carveout at 0x80000000 (4 KiB
 * granule, no deferred free, so every free is immediate), then times one
 * million alloc+free pairs made with heap_buffer_alloc and
 * heap_buffer_free, first fit and best fit.  What is timed is everything
 * an ION allocation costs the heap layer: the core's bookkeeping, the
 * sg_table as a kernel object, the gen_pool search, the metrics counters.
 * Printed per case: the median ns per pair of bench_runs() runs, our time
 * over the kernel's bare gen_pool time, the failures, the mean occupancy,
 * and a checksum of every address returned (0 for a failure) folded the
 * way bench_genpool folds them: the heap places exactly as the bare
 * gen_pool does, so the two benchmarks print the same checksum.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchlib.h"
#include "ionsim/heap.h"

#define PAIRS 1000000UL
#define POOL_BASE 0x80000000ULL
#define POOL_BYTES (16ULL << 20)
#define PAGE 4096ULL
#define POOL_PAGES (POOL_BYTES / PAGE)
#define HASH_SEED 0xcbf29ce484222325ULL
#define HASH_MUL 0x9E3779B97F4A7C15ULL

/* Request sizes in pages, drawn as sizes[r mod 10]. */
static const unsigned int sizes[10] = { 1, 1, 2, 3, 4, 8, 16, 17, 32, 64 };

struct bench_case {
	const char *name;
	const char *statement;	/* the heap, as a scenario writes it */
	double linux_ns;	/* BENCHMARKS.md: ns per pair, median of 5 */
};

static const struct bench_case cases[] = {
	{ "16 MiB first fit", "heap carveout type=carveout id=2 size=16M "
	  "base=0x80000000 defer_free=off policy=first-fit", 502 },
	{ "16 MiB best fit", "heap carveout type=carveout id=2 size=16M "
	  "base=0x80000000 defer_free=off policy=best-fit", 676 },
};

/* The workload's state: the heap, its buffers, the live list. */
struct workload {
	struct sim_machine *m;
	struct heap *heap;
	struct sim_rng rng;
	struct heap_buffer *bufs;	/* one per pool page: never all in use */
	struct heap_buffer **live;	/* the live list, as BENCHMARKS.md's */
	struct heap_buffer **spare;	/* buffers not in use (a stack) */
	unsigned long nlive, nspare;
	uint64_t used;			/* pages in live buffers */
	unsigned long failures;
	uint64_t occupancy_sum;		/* used, summed after each pair */
	uint64_t checksum;		/* over the returned addresses */
};

struct result {
	double ns_per_pair;
	unsigned long failures;
	double occupancy;	/* mean share of the pool in use */
	uint64_t checksum;
};

/* Folds @addr into @h, as bench_genpool does. */
static uint64_t hash_step(uint64_t h, uint64_t addr)
{
	h = (h ^ addr) * HASH_MUL;
	return h ^ (h >> 32);
}

/* Draw v and free live[v mod count], moving the last entry into its slot. */
static void free_random(struct workload *w)
{
	unsigned long v = (unsigned long)(sim_rng_next(&w->rng) % w->nlive);
	struct heap_buffer *b = w->live[v];

	w->used -= b->size / PAGE;
	heap_buffer_free(b);
	w->spare[w->nspare++] = b;
	w->live[v] = w->live[--w->nlive];
}

static void alloc_one(struct workload *w, uint64_t pages)
{
	struct heap_buffer *b = w->spare[--w->nspare];

	memset(b, 0, sizeof(*b));
	if (heap_buffer_alloc(w->heap, b, pages * PAGE, pages * PAGE, 0, 0)) {
		w->spare[w->nspare++] = b;
		w->failures++;
		w->checksum = hash_step(w->checksum, 0);
		return;
	}
	w->checksum = hash_step(w->checksum, b->runs[0].phys);
	w->live[w->nlive++] = b;
	w->used += pages;
}

/* One pair, the three steps exactly as BENCHMARKS.md writes them. */
static void pair(struct workload *w)
{
	uint64_t r = sim_rng_next(&w->rng), c;

	alloc_one(w, sizes[r % 10]);
	c = sim_rng_next(&w->rng);
	if (w->nlive && (w->used * 2 > POOL_PAGES ||
			 (double)(c >> 11) * 0x1.0p-53 < 0.5))
		free_random(w);
	while (w->used * 2 > POOL_PAGES)
		free_random(w);
	w->occupancy_sum += w->used;
}

/* A machine with the case's carveout; 0 or -1. */
static int setup(struct workload *w, const struct bench_case *bc)
{
	struct heap_board board = { .n = 0 };
	struct heap_parse_error perr;
	struct heap_config cfg;
	struct sim_config sc;
	int err = 0;

	if (heap_config_parse(bc->statement, &cfg, &perr) ||
	    heap_board_add(&board, &cfg))
		return -1;
	sim_config_default(&sc);
	if (heap_board_reserve(&board, &sc, NULL))
		return -1;
	w->m = sim_boot(&sc, &err);
	if (!w->m)
		return -1;
	w->heap = heap_create(w->m, &cfg, &err);
	return w->heap ? 0 : -1;
}

static void teardown(struct workload *w)
{
	while (w->nlive)
		heap_buffer_free(w->live[--w->nlive]);
	if (w->heap)
		heap_destroy(w->heap);
	sim_shutdown(w->m);
}

/* Host arrays of the workload, kept across runs; 0 or -1. */
static int arrays_init(struct workload *w)
{
	w->bufs = calloc(POOL_PAGES, sizeof(*w->bufs));
	w->live = calloc(POOL_PAGES, sizeof(*w->live));
	w->spare = calloc(POOL_PAGES, sizeof(*w->spare));
	return w->bufs && w->live && w->spare ? 0 : -1;
}

static void arrays_fini(struct workload *w)
{
	free(w->bufs);
	free(w->live);
	free(w->spare);
}

static void workload_reset(struct workload *w)
{
	w->nlive = 0;
	w->nspare = POOL_PAGES;
	for (unsigned long i = 0; i < POOL_PAGES; i++)
		w->spare[i] = &w->bufs[POOL_PAGES - 1 - i];
	w->used = 0;
	w->failures = 0;
	w->occupancy_sum = 0;
	w->checksum = HASH_SEED;
	sim_rng_seed(&w->rng, 1);
}

/* Returns 0, or -1 when the machine or the heap cannot be built. */
static int run_once(const struct bench_case *bc, struct workload *w,
		    struct result *out)
{
	uint64_t t0, t1;
	int ret;

	workload_reset(w);
	w->m = NULL;
	w->heap = NULL;
	ret = setup(w, bc);
	if (ret)
		goto out;
	t0 = bench_now_ns();
	for (unsigned long i = 0; i < PAIRS; i++)
		pair(w);
	t1 = bench_now_ns();
	out->ns_per_pair = (double)(t1 - t0) / PAIRS;
	out->failures = w->failures;
	out->occupancy = (double)w->occupancy_sum / PAIRS / (double)POOL_PAGES;
	out->checksum = w->checksum;
out:
	teardown(w);
	return ret;
}

/* Runs @bc bench_runs() times; every run must place alike. */
static int run_case(const struct bench_case *bc, struct workload *w)
{
	unsigned int runs = bench_runs(), i;
	struct result first, r;
	double ns[1000];
	double median;

	for (i = 0; i < runs; i++) {
		if (run_once(bc, w, i ? &r : &first) != 0) {
			fprintf(stderr, "bench_carveout: %s: no heap\n",
				bc->name);
			return -1;
		}
		if (i && r.checksum != first.checksum) {
			fprintf(stderr, "bench_carveout: %s: run %u placed "
				"differently\n", bc->name, i);
			return -1;
		}
		ns[i] = i ? r.ns_per_pair : first.ns_per_pair;
	}
	median = bench_median(ns, runs);
	printf("%-18s %8.1f %8.0f %8.2f %9lu %8.1f%%  %016" PRIx64 "\n",
	       bc->name, median, bc->linux_ns, median / bc->linux_ns,
	       first.failures, 100 * first.occupancy, first.checksum);
	return 0;
}

/* Usage: bench_carveout [CASE], CASE 1 or 2 to run only that line (for
 * profiling); no argument runs both. */
int main(int argc, char **argv)
{
	unsigned int only = argc > 1 ? (unsigned int)atoi(argv[1]) : 0;
	struct workload w = { .m = NULL };
	int ret = 0;

	if (arrays_init(&w)) {
		arrays_fini(&w);
		return 1;
	}
	printf("carveout heap, capped workload of BENCHMARKS.md through "
	       "heap_buffer_alloc/free: %lu pairs, seed 1, median of %u runs\n",
	       PAIRS, bench_runs());
	printf("%-18s %8s %8s %8s %9s %9s  %s\n", "case", "ns/pair", "Linux",
	       "ratio", "failures", "occupancy", "placement checksum");
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]) && !ret;
	     i++)
		if (!only || only == i + 1)
			ret = run_case(&cases[i], &w);
	arrays_fini(&w);
	return ret ? 1 : 0;
}
