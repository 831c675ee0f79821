/*
 * bench/bench_sim.c - how fast the simulated machine's ground floor is.
 *
 * Three figures, each the median of bench_runs() runs:
 * - buddy order-0 alloc+free pairs per second, one page allocated and
 *   freed at once (each pair splits a top-order block and merges it back:
 *   the worst case for a buddy without per-cpu lists);
 * - the same in a steady state of 1024 live pages, each pair freeing a
 *   random live page and allocating a new one (SplitMix64, seed 1);
 * - boot + shutdown of the default machine per second (the explorer
 *   reboots for every schedule it replays).
 * Prints figures only; it never passes or fails.
 */
#include <stdio.h>
#include <stdlib.h>

#include "benchlib.h"
#include "ionsim/sim.h"

#define PAIRS 2000000UL
#define LIVE 1024
#define BOOTS 20000UL

static struct sim_machine *boot_default(void)
{
	int err;
	struct sim_machine *m = sim_boot(NULL, &err);

	if (!m) {
		fprintf(stderr, "bench_sim: boot failed (%d)\n", err);
		exit(1);
	}
	return m;
}

static void alloc_or_die(struct sim_machine *m, uint64_t *pfn)
{
	if (sim_pages_alloc(m, 0, pfn)) {
		fprintf(stderr, "bench_sim: allocation failed\n");
		exit(1);
	}
}

/* Pairs per second: allocate one page, free it, PAIRS times. */
static double run_immediate(void)
{
	struct sim_machine *m = boot_default();
	uint64_t t0, t1, pfn;
	unsigned long i;

	t0 = bench_now_ns();
	for (i = 0; i < PAIRS; i++) {
		alloc_or_die(m, &pfn);
		sim_pages_free(m, pfn, 0);
	}
	t1 = bench_now_ns();
	sim_shutdown(m);
	return PAIRS / ((double)(t1 - t0) / 1e9);
}

/* Pairs per second with LIVE pages held: free a random one, take a new
 * one in its slot. */
static double run_steady(void)
{
	struct sim_machine *m = boot_default();
	static uint64_t live[LIVE];
	struct sim_rng rng;
	uint64_t t0, t1;
	unsigned long i;

	sim_rng_seed(&rng, 1);
	for (i = 0; i < LIVE; i++)
		alloc_or_die(m, &live[i]);
	t0 = bench_now_ns();
	for (i = 0; i < PAIRS; i++) {
		uint64_t v = sim_rng_below(&rng, LIVE);

		sim_pages_free(m, live[v], 0);
		alloc_or_die(m, &live[v]);
	}
	t1 = bench_now_ns();
	sim_shutdown(m);
	return PAIRS / ((double)(t1 - t0) / 1e9);
}

/* Boots plus shutdowns of the default machine per second. */
static double run_boot(void)
{
	uint64_t t0, t1;
	unsigned long i;

	t0 = bench_now_ns();
	for (i = 0; i < BOOTS; i++)
		sim_shutdown(boot_default());
	t1 = bench_now_ns();
	return BOOTS / ((double)(t1 - t0) / 1e9);
}

/* Median of bench_runs() runs of @fn. */
static double median_of(double (*fn)(void))
{
	unsigned int n = bench_runs(), i;
	double *v = calloc(n, sizeof(*v)), med;

	if (!v)
		exit(1);
	for (i = 0; i < n; i++)
		v[i] = fn();
	med = bench_median(v, n);
	free(v);
	return med;
}

int main(void)
{
	unsigned int runs = bench_runs();

	printf("buddy order-0 alloc+free, one page at a time: %.2f M pairs/s"
	       " (median of %u)\n", median_of(run_immediate) / 1e6, runs);
	printf("buddy order-0 alloc+free, %d random live pages: %.2f M pairs/s"
	       " (median of %u)\n", LIVE, median_of(run_steady) / 1e6, runs);
	printf("boot + shutdown, default machine: %.1f k/s (median of %u)\n",
	       median_of(run_boot) / 1e3, runs);
	return 0;
}
