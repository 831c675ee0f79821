/*
 * sim/rng.c - the deterministic random numbers of a machine.
 *
 * SplitMix64, exactly as ../shared/BENCHMARKS.md defines it, so that our
 * benchmarks draw the same workload the reference kernel runs drew.
 */
#include "sim/sim_internal.h"

void sim_rng_seed(struct sim_rng *rng, uint64_t seed)
{
	rng->state = seed;
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
	uint64_t z = (rng->state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t sim_rng_below(struct sim_rng *rng, uint64_t n)
{
	return sim_rng_next(rng) % n;
}

double sim_rng_unit(struct sim_rng *rng)
{
	return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

struct sim_rng *sim_machine_rng(struct sim_machine *m)
{
	return &m->rng;
}
