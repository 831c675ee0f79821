/* bench/benchlib.c - clock, median and run count for the benchmarks. */
#include <stdlib.h>
#include <time.h>

#include "benchlib.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

unsigned int bench_runs(void)
{
	const char *s = getenv("IONSIM_BENCH_RUNS");
	int n = s ? atoi(s) : 5;

	return n > 0 && n < 1000 ? (unsigned int)n : 5;
}
