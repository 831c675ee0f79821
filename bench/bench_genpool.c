/*
 * bench/bench_genpool.c - gen_pool on the "capped" reference workload of
 * ../shared/BENCHMARKS.md, beside the figures that Linux 4.9.45's own
 * lib/genalloc.c gave on the same workload on this machine class.
 *
 * Each run is one million alloc+free pairs on a fresh pool of one chunk at
 * 0x80000000 (16 MiB or 256 MiB, 4 KiB granules), with first fit and with
 * best fit.  Printed per case: the median ns per pair of bench_runs() runs,
 * our time over the kernel's, the failures, the mean occupancy after each
 * pair, and a checksum of every address the pool returned.  The checksum
 * pins the placements: it must be the same in every run, every build and
 * every version, however the search gets faster.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchlib.h"
#include "heaps/genpool.h"
#include "ionsim/sim.h"

#define PAIRS 1000000UL
#define POOL_BASE 0x80000000ULL
#define PAGE 4096ULL
#define HASH_SEED 0xcbf29ce484222325ULL
#define HASH_MUL 0x9E3779B97F4A7C15ULL

/* Request sizes in pages, drawn as SIZES[r mod 10]. */
static const unsigned int sizes[10] = { 1, 1, 2, 3, 4, 8, 16, 17, 32, 64 };

struct bench_case {
	const char *name;
	uint64_t pool_bytes;
	enum heap_genpool_algo algo;
	double linux_ns;	/* BENCHMARKS.md: ns per pair, median of 5 */
};

static const struct bench_case cases[] = {
	{ "16 MiB first fit", 16ULL << 20, HEAP_GENPOOL_FIRST_FIT, 502 },
	{ "16 MiB best fit", 16ULL << 20, HEAP_GENPOOL_BEST_FIT, 676 },
	{ "256 MiB first fit", 256ULL << 20, HEAP_GENPOOL_FIRST_FIT, 2315 },
	{ "256 MiB best fit", 256ULL << 20, HEAP_GENPOOL_BEST_FIT, 1475 },
};

struct block {
	uint64_t addr;
	uint64_t pages;
};

/* The workload's state: the pool, the live list and the counters. */
struct workload {
	struct heap_genpool *pool;
	struct sim_rng rng;
	struct block *live;	/* room for one block per pool page */
	unsigned long nlive;
	uint64_t used;		/* pages in live blocks */
	uint64_t pool_pages;
	unsigned long failures;
	uint64_t occupancy_sum;	/* used, summed after each pair */
	uint64_t checksum;	/* over the returned addresses, see hash_step */
};

struct result {
	double ns_per_pair;
	unsigned long failures;
	double occupancy;	/* mean share of the pool in use */
	uint64_t checksum;
};

/* Folds @addr into @h: a multiply mixes it upwards, the shift brings the
 * high bits back down, since addresses have their low 12 bits clear. */
static uint64_t hash_step(uint64_t h, uint64_t addr)
{
	h = (h ^ addr) * HASH_MUL;
	return h ^ (h >> 32);
}

/* Draw v and free live[v mod count], moving the last entry into its slot. */
static void free_random(struct workload *w)
{
	unsigned long v = (unsigned long)(sim_rng_next(&w->rng) % w->nlive);
	struct block *b = &w->live[v];

	if (heap_genpool_free(w->pool, b->addr, b->pages * PAGE) != 0) {
		fprintf(stderr, "bench_genpool: free of %#" PRIx64 " refused\n",
			b->addr);
		exit(1);
	}
	w->used -= b->pages;
	*b = w->live[--w->nlive];
}

/* One pair, the three steps exactly as BENCHMARKS.md writes them. */
static void pair(struct workload *w)
{
	uint64_t r = sim_rng_next(&w->rng), c, addr;
	uint64_t pages = sizes[r % 10];

	addr = heap_genpool_alloc(w->pool, pages * PAGE);
	w->checksum = hash_step(w->checksum, addr);
	if (addr) {
		w->live[w->nlive].addr = addr;
		w->live[w->nlive++].pages = pages;
		w->used += pages;
	} else {
		w->failures++;
	}
	c = sim_rng_next(&w->rng);
	if (w->nlive && (w->used * 2 > w->pool_pages ||
			 (double)(c >> 11) * 0x1.0p-53 < 0.5))
		free_random(w);
	while (w->used * 2 > w->pool_pages)
		free_random(w);
	w->occupancy_sum += w->used;
}

/* Returns 0, or -1 when the pool cannot be built. */
static int run_once(const struct bench_case *bc, struct block *live,
		    struct result *out)
{
	struct workload w = {
		.live = live,
		.pool_pages = bc->pool_bytes / PAGE,
		.checksum = HASH_SEED,
	};
	uint64_t t0, t1;
	unsigned long i;

	w.pool = heap_genpool_create(NULL, 12);
	if (!w.pool || heap_genpool_add(w.pool, POOL_BASE, bc->pool_bytes) ||
	    heap_genpool_set_algo(w.pool, bc->algo, 0))
		goto fail;
	sim_rng_seed(&w.rng, 1);
	t0 = bench_now_ns();
	for (i = 0; i < PAIRS; i++)
		pair(&w);
	t1 = bench_now_ns();
	out->ns_per_pair = (double)(t1 - t0) / PAIRS;
	out->failures = w.failures;
	out->occupancy = (double)w.occupancy_sum / PAIRS / (double)w.pool_pages;
	out->checksum = w.checksum;
	heap_genpool_destroy(w.pool);
	return 0;
fail:
	heap_genpool_destroy(w.pool);
	return -1;
}

/* Runs @bc bench_runs() times; every run must place alike. */
static int run_case(const struct bench_case *bc, struct block *live)
{
	unsigned int runs = bench_runs(), i;
	double ns[1000];
	struct result first, r;
	double median;

	for (i = 0; i < runs; i++) {
		if (run_once(bc, live, i ? &r : &first) != 0)
			return -1;
		if (i && r.checksum != first.checksum) {
			fprintf(stderr, "bench_genpool: %s: run %u placed "
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

/* Usage: bench_genpool [CASE], CASE 1-4 to run only that line (for
 * profiling); no argument runs them all. */
int main(int argc, char **argv)
{
	struct block *live = calloc((256ULL << 20) / PAGE, sizeof(*live));
	unsigned int only = argc > 1 ? (unsigned int)atoi(argv[1]) : 0;
	unsigned int i;
	int ret = 0;

	if (!live)
		return 1;
	printf("gen_pool, capped workload of BENCHMARKS.md: %lu alloc+free "
	       "pairs, seed 1, median of %u runs\n", PAIRS, bench_runs());
	printf("%-18s %8s %8s %8s %9s %9s  %s\n", "case", "ns/pair", "Linux",
	       "ratio", "failures", "occupancy", "placement checksum");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]) && !ret; i++)
		if (!only || only == i + 1)
			ret = run_case(&cases[i], live);
	free(live);
	return ret ? 1 : 0;
}
