/*
 * bench/benchlib.h - timing for the benchmarks.
 *
 * Benchmarks print figures; they never pass or fail.  Each figure is the
 * median of several runs, because these machines are noisy (+-20%).
 */
#ifndef IONSIM_BENCHLIB_H
#define IONSIM_BENCHLIB_H

#include <stdint.h>

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);
/* Median of @n values (sorts @v in place). */
double bench_median(double *v, unsigned int n);
/* Runs of each measurement: $IONSIM_BENCH_RUNS or 5. */
unsigned int bench_runs(void);

#endif /* IONSIM_BENCHLIB_H */
